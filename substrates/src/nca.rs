//! Neural cellular automata: the discrete `dnca` and the continuous `nca_d1` / `nca_d3`, as the
//! original's `substrates/dnca.py` and `substrates/nca.py` (SakanaAI/asal; reference §2.6, its
//! "Corrections" and `fixtures/asal/{dnca,nca_d1,nca_d3}.json`).
//!
//! Both share one tiny network per world: the state (one-hot for the DNCA) is wrap-padded by one
//! on **every** axis, the channel axis included, so the 3×3 convolution Conv_0 sees d + 2
//! channels [c_{d−1}, c_0 … c_{d−1}, c_0] (the original's quirk, kept because the genome depends
//! on it); then Conv_1 1×1 → 16, ReLU, Conv_2 1×1 → d. Genomes are the original's flat vectors:
//! 588 (DNCA: `init` logits (1, 8) first), 209 (d = 1) and 315 (d = 3), each layer's bias before
//! its kernel.
//!
//! - **NCA**: s ← clip(s + dt·Δ·mask, 0, 1) with dt = 0.01 (the original ignores the 0.1 its
//!   factory passes) and a mask keeping each cell with probability 1 − p_drop = 0.5, drawn per
//!   cell and step from the counter hash keyed by (seed, world, step, cell). Initial cells U(0, 1).
//!   Rendered with d = 1 in red, d = 3 as RGB.
//! - **DNCA**: 8 states; next state = argmax((logits + identity_bias·one_hot)/temperature). The
//!   original samples with Gumbel noise at temperature 1e-3, which only decides near-ties (about
//!   0.5% of cells per step for its fixture, where two logits are within ~1e-3): `sampling =
//!   "argmax"` (default) drops the noise, `"gumbel"` draws it from the hash. Initial cells
//!   ~ Categorical(softmax(init)). Rendered with a fixed 8-colour palette.
//!
//! Frames are the grid resampled nearest-neighbour to the frame size (128 → 224 by default),
//! image rows being grid rows.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::genome::{Decode, GenomeBlock, GenomeSpec};
use crate::gol::entry;
use crate::gpu::Gpu;
use crate::hash;
use crate::reference;
use crate::shaders;
use crate::substrate::{FrameTarget, Init, Substrate, WorldBatch};
use crate::tensors::{State, Tensor};

/// The DNCA palette (RGB bytes): red, green, blue, yellow, magenta, cyan, white, brown. Keep in
/// sync with `palette` in `shaders/dnca_render.wgsl`.
pub const DNCA_PALETTE: [[u8; 3]; 8] = [
    [0xff, 0x00, 0x00],
    [0x00, 0xff, 0x00],
    [0x00, 0x00, 0xff],
    [0xff, 0xff, 0x00],
    [0xff, 0x00, 0xff],
    [0x00, 0xff, 0xff],
    [0xff, 0xff, 0xff],
    [0x8f, 0x5d, 0x00],
];

/// DNCA states.
pub const DNCA_STATES: usize = 8;

/// Where each network leaf starts in a genome. Keep in sync with `net_layout` in
/// `shaders/nca_net.wgsl`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NetLayout {
    /// d: state channels (NCA) or states (DNCA); the network's output width.
    pub channels: usize,
    /// `Conv_0.bias` [4].
    pub conv0_bias: usize,
    /// `Conv_0.kernel` [3, 3, d + 2, 4].
    pub conv0_kernel: usize,
    /// `Conv_1.bias` [16].
    pub conv1_bias: usize,
    /// `Conv_1.kernel` [1, 1, 4, 16].
    pub conv1_kernel: usize,
    /// `Conv_2.bias` [d].
    pub conv2_bias: usize,
    /// `Conv_2.kernel` [1, 1, 16, d].
    pub conv2_kernel: usize,
    /// Genome length.
    pub len: usize,
}

impl NetLayout {
    /// The layout for `channels` with the network starting at `offset`.
    #[must_use]
    pub fn new(channels: usize, offset: usize) -> Self {
        let conv0_kernel = offset + 4;
        let conv1_bias = conv0_kernel + 9 * (channels + 2) * 4;
        let conv1_kernel = conv1_bias + 16;
        let conv2_bias = conv1_kernel + 64;
        let conv2_kernel = conv2_bias + channels;
        Self {
            channels,
            conv0_bias: offset,
            conv0_kernel,
            conv1_bias,
            conv1_kernel,
            conv2_bias,
            conv2_kernel,
            len: conv2_kernel + 16 * channels,
        }
    }
}

/// How the DNCA chooses the next state.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sampling {
    /// The most likely state (the original's temperature 1e-3 in the limit).
    #[default]
    Argmax,
    /// Sampled with Gumbel noise from the counter hash, as the original samples.
    Gumbel,
}

/// Settings of `nca_d1` / `nca_d3` (a creature file's `config`); defaults are the original's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NcaConfig {
    /// Grid side in cells.
    pub grid_size: u32,
    /// Probability that a cell skips an update.
    pub p_drop: f32,
    /// Update scale (the original hard-codes 0.01).
    pub dt: f32,
}

impl Default for NcaConfig {
    fn default() -> Self {
        Self {
            grid_size: 128,
            p_drop: 0.5,
            dt: 0.01,
        }
    }
}

/// Settings of `dnca` (a creature file's `config`); defaults are the original's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DncaConfig {
    /// Grid side in cells.
    pub grid_size: u32,
    /// Added to the current state's logit (stickiness).
    pub identity_bias: f32,
    /// Logits are divided by it before sampling.
    pub temperature: f32,
    /// Argmax (default) or Gumbel sampling.
    pub sampling: Sampling,
}

impl Default for DncaConfig {
    fn default() -> Self {
        Self {
            grid_size: 128,
            identity_bias: 0.0,
            temperature: 1e-3,
            sampling: Sampling::Argmax,
        }
    }
}

/// Which neural CA.
#[derive(Clone, Debug, PartialEq)]
pub enum NcaKind {
    /// Continuous states in [0, 1], `channels` of them (1 or 3 in the original).
    Continuous(NcaConfig),
    /// 8 discrete states.
    Discrete(DncaConfig),
}

/// Uniform parameters of the neural CA kernels. Keep in sync with `NcaParams` in
/// `shaders/nca_common.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct NcaParams {
    /// Grid side.
    pub size: u32,
    /// d.
    pub channels: u32,
    /// Worlds in the batch.
    pub worlds: u32,
    /// Folded seed.
    pub seed: u32,
    /// Global index of the batch's first world.
    pub first_world: u32,
    /// Floats per genome.
    pub genome_len: u32,
    /// Offset of `Conv_0.bias` in a genome.
    pub net_offset: u32,
    /// DNCA: 1 = Gumbel sampling.
    pub gumbel: u32,
    /// NCA: 1 − p_drop.
    pub p_keep: f32,
    /// NCA: update scale.
    pub dt: f32,
    /// DNCA: identity bias.
    pub identity_bias: f32,
    /// DNCA: temperature.
    pub temperature: f32,
}

/// A neural CA substrate (`dnca`, `nca_d1` or `nca_d3`).
#[derive(Debug)]
pub struct Nca {
    name: &'static str,
    kind: NcaKind,
    net: NetLayout,
    genome: GenomeSpec,
    tiled: bool,
    private_network: bool,
}

/// Rows per invocation of the tiled step kernels (`STRIP` in `shaders/nca_tile.wgsl` and
/// `shaders/dnca_tile.wgsl`).
const TILE_STRIP: u32 = 16;

impl Nca {
    /// The continuous NCA with `channels` state channels (`nca_d1`: 1, `nca_d3`: 3).
    pub fn continuous(channels: u32, config: NcaConfig) -> Result<Self> {
        let name = match channels {
            1 => "nca_d1",
            3 => "nca_d3",
            other => {
                return Err(Error::invalid(
                    "NCA channels",
                    format!("{other}: the original's NCA has 1 (nca_d1) or 3 (nca_d3)"),
                ));
            }
        };
        check_grid(config.grid_size)?;
        if !(0.0..1.0).contains(&config.p_drop) {
            return Err(Error::invalid(
                "p_drop",
                format!(
                    "{}: must be in [0, 1) (the original uses 0.5)",
                    config.p_drop
                ),
            ));
        }
        if !(config.dt.is_finite() && config.dt > 0.0) {
            return Err(Error::invalid(
                "dt",
                format!(
                    "{}: must be a finite number > 0 (the original uses 0.01)",
                    config.dt
                ),
            ));
        }
        let net = NetLayout::new(channels as usize, 0);
        let genome = network_spec(name, &net, Vec::new());
        Ok(Self {
            name,
            kind: NcaKind::Continuous(config),
            net,
            genome,
            tiled: true,
            private_network: true,
        })
    }

    /// The discrete NCA.
    pub fn discrete(config: DncaConfig) -> Result<Self> {
        check_grid(config.grid_size)?;
        if !(config.temperature.is_finite() && config.temperature > 0.0) {
            return Err(Error::invalid(
                "temperature",
                format!(
                    "{}: must be a finite number > 0 (the original uses 0.001)",
                    config.temperature
                ),
            ));
        }
        if !config.identity_bias.is_finite() {
            return Err(Error::invalid(
                "identity_bias",
                format!(
                    "{}: must be finite (the original uses 0)",
                    config.identity_bias
                ),
            ));
        }
        let net = NetLayout::new(DNCA_STATES, DNCA_STATES);
        let init = GenomeBlock {
            name: "init".into(),
            shape: vec![1, DNCA_STATES],
            decode: Decode::Identity,
            doc: "logits of the initial state distribution (softmax)".into(),
        };
        let genome = network_spec("dnca", &net, vec![init]);
        Ok(Self {
            name: "dnca",
            kind: NcaKind::Discrete(config),
            net,
            genome,
            tiled: true,
            private_network: true,
        })
    }

    /// The substrate called `name` (`dnca`, `nca_d1`, `nca_d3`) from a creature file's `config`
    /// (JSON; an empty object for the original's settings).
    pub fn from_json(name: &str, config: &serde_json::Value) -> Result<Self> {
        let parse_err = |e: serde_json::Error, fields: &str| {
            Error::invalid(
                format!("{name} config"),
                format!("{e}; valid fields: {fields}"),
            )
        };
        match name {
            "dnca" => Self::discrete(serde_json::from_value(config.clone()).map_err(|e| {
                parse_err(
                    e,
                    "grid_size, identity_bias, temperature, sampling (\"argmax\" or \"gumbel\")",
                )
            })?),
            "nca_d1" | "nca_d3" => Self::continuous(
                if name == "nca_d1" { 1 } else { 3 },
                serde_json::from_value(config.clone())
                    .map_err(|e| parse_err(e, "grid_size, p_drop, dt"))?,
            ),
            other => Err(Error::UnknownSubstrate {
                name: other.into(),
                valid: "dnca, nca_d1, nca_d3".into(),
            }),
        }
    }

    /// Chooses the step kernel: the tiled one (default; used when the grid side is a multiple
    /// of 4) or the one-invocation-per-cell one, kept for other sides and for comparison. Both
    /// compute the same update; they differ only in float summation order.
    #[must_use]
    pub fn with_tiled_step(mut self, tiled: bool) -> Self {
        self.tiled = tiled;
        self
    }

    /// Where the tiled step kernel reads the network from: a private copy per invocation
    /// (default) or workgroup memory, kept for comparison (the bench baseline) and for adapters
    /// where private arrays are scarce. On lavapipe every workgroup load is a loop over the SIMD
    /// group's lanes, even at a constant index, so the private copy runs 2–4× faster there (see
    /// `shaders/nca_tile.wgsl`; the DNCA also keeps its Conv_0 tap table private and picks entries
    /// by selects, `shaders/dnca_tile.wgsl`). Both give the same results bit for bit.
    #[must_use]
    pub fn with_private_network(mut self, private: bool) -> Self {
        self.private_network = private;
        self
    }

    /// Whether batches step with the tiled kernel.
    #[must_use]
    pub fn uses_tiled_step(&self) -> bool {
        self.tiled && self.grid_size().is_multiple_of(4)
    }

    /// Which neural CA, with its settings.
    #[must_use]
    pub fn kind(&self) -> &NcaKind {
        &self.kind
    }

    /// Where the network's leaves sit in a genome.
    #[must_use]
    pub fn net(&self) -> &NetLayout {
        &self.net
    }

    /// Grid side.
    #[must_use]
    pub fn grid_size(&self) -> u32 {
        match &self.kind {
            NcaKind::Continuous(c) => c.grid_size,
            NcaKind::Discrete(c) => c.grid_size,
        }
    }

    /// d: channels (NCA) or states (DNCA).
    #[must_use]
    pub fn channels(&self) -> usize {
        self.net.channels
    }

    fn is_discrete(&self) -> bool {
        matches!(self.kind, NcaKind::Discrete(_))
    }

    /// The kernels' uniform parameters.
    #[must_use]
    pub fn params(&self, worlds: u32, seed: u32, first_world: u32) -> NcaParams {
        let mut p = NcaParams {
            size: self.grid_size(),
            channels: self.net.channels as u32,
            worlds,
            seed,
            first_world,
            genome_len: self.net.len as u32,
            net_offset: self.net.conv0_bias as u32,
            gumbel: 0,
            p_keep: 1.0,
            dt: 0.0,
            identity_bias: 0.0,
            temperature: 1.0,
        };
        match &self.kind {
            NcaKind::Continuous(c) => {
                p.p_keep = 1.0 - c.p_drop;
                p.dt = c.dt;
            }
            NcaKind::Discrete(c) => {
                p.gumbel = u32::from(c.sampling == Sampling::Gumbel);
                p.identity_bias = c.identity_bias;
                p.temperature = c.temperature;
            }
        }
        p
    }

    /// The initial grid of `world`: floats `[y][x][c]` for the NCA, states (as f32) for the DNCA.
    pub fn initial(&self, genome: &[f32], init: &Init, world: u32) -> Result<Grid> {
        let n = self.grid_size() as usize;
        match init {
            Init::Seed(seed) => {
                let seed = hash::seed32(*seed);
                Ok(if self.is_discrete() {
                    let logits = genome.get(..DNCA_STATES).ok_or_else(|| Error::Genome {
                        substrate: self.name.into(),
                        message: format!("expected {} values, got {}", self.net.len, genome.len()),
                    })?;
                    let cdf = reference::nca::init_cdf(logits);
                    Grid::States(reference::nca::dnca_initial(seed, world, n, &cdf))
                } else {
                    Grid::Cells(reference::nca::nca_initial(seed, world, n, self.channels()))
                })
            }
            Init::States(states) => {
                let state = states
                    .get(world as usize)
                    .or(states.first())
                    .ok_or_else(|| Error::invalid("initial states", "no state given"))?;
                self.grid_from_state(state)
            }
        }
    }

    /// The grid of a state in the fixtures' names (`grid`: [n, n, d] floats in [0, 1] for the
    /// NCA, [n, n, 1] or [n, n] integers in [0, 8) for the DNCA).
    pub fn grid_from_state(&self, state: &State) -> Result<Grid> {
        let n = self.grid_size() as usize;
        let d = if self.is_discrete() {
            1
        } else {
            self.channels()
        };
        let what = if self.is_discrete() {
            format!("[{n}, {n}, 1] integers in [0, 8)")
        } else {
            format!("[{n}, {n}, {d}] floats in [0, 1]")
        };
        let t = state.get("grid").ok_or_else(|| {
            Error::invalid(
                "initial state",
                format!("a {} state needs a `grid` tensor ({what})", self.name),
            )
        })?;
        let shape_ok = t.shape == [n, n, d] || (d == 1 && t.shape == [n, n]);
        if !shape_ok {
            return Err(Error::invalid(
                "initial state",
                format!(
                    "`grid` has shape {:?}; {} with grid_size {n} needs {what}",
                    t.shape, self.name
                ),
            ));
        }
        if self.is_discrete() {
            let values = t.to_f32();
            if let Some(v) = values
                .iter()
                .find(|v| !(v.fract() == 0.0 && (0.0..DNCA_STATES as f32).contains(*v)))
            {
                return Err(Error::invalid(
                    "initial state",
                    format!("`grid` holds {v}; DNCA cells are integers in [0, 8)"),
                ));
            }
            Ok(Grid::States(values.iter().map(|&v| v as u32).collect()))
        } else {
            let values = t.to_f32();
            if let Some(v) = values.iter().find(|v| !(0.0..=1.0).contains(*v)) {
                return Err(Error::invalid(
                    "initial state",
                    format!("`grid` holds {v}; NCA cells are in [0, 1]"),
                ));
            }
            Ok(Grid::Cells(values))
        }
    }

    /// The state (fixture names) of a grid.
    #[must_use]
    pub fn state(&self, grid: &Grid) -> State {
        let n = self.grid_size() as usize;
        let mut s = State::new();
        let t = match grid {
            Grid::Cells(c) => Tensor::f32(&[n, n, self.channels()], c.clone()),
            Grid::States(g) => Tensor::i32(&[n, n, 1], g.iter().map(|&v| v as i32).collect()),
        };
        s.insert("grid".into(), t);
        s
    }

    /// One CPU step of `world`'s grid, which is at step `t − 1` (masks and noise use step `t`),
    /// with seed `seed` (already folded), exactly as the GPU step draws them.
    pub fn cpu_step(&self, genome: &[f32], grid: &Grid, seed: u32, world: u32, t: u32) -> Grid {
        let n = self.grid_size() as usize;
        match (&self.kind, grid) {
            (NcaKind::Continuous(c), Grid::Cells(cells)) => {
                let mask = reference::nca::nca_mask(seed, world, t, n, 1.0 - c.p_drop);
                Grid::Cells(reference::nca::nca_step(
                    genome, &self.net, n, cells, &mask, c.dt,
                ))
            }
            (NcaKind::Discrete(c), Grid::States(states)) => {
                let sampling = reference::nca::DncaSampling {
                    identity_bias: c.identity_bias,
                    temperature: c.temperature,
                    gumbel: (c.sampling == Sampling::Gumbel).then_some((seed, world, t)),
                };
                Grid::States(reference::nca::dnca_step(
                    genome, &self.net, n, states, &sampling,
                ))
            }
            // A grid of the other kind never comes out of `initial`; keep it unchanged.
            (_, other) => other.clone(),
        }
    }

    /// Renders a state on the CPU (`[row][col][rgb]` floats in [0, 1]), as the GPU does.
    pub fn render_cpu(&self, state: &State, size: u32) -> Result<Vec<f32>> {
        let n = self.grid_size() as usize;
        Ok(match self.grid_from_state(state)? {
            Grid::Cells(c) => reference::nca::nca_render(&c, n, self.channels(), size as usize),
            Grid::States(s) => reference::nca::dnca_render(&s, n, size as usize),
        })
    }

    fn cells_per_world(&self) -> u64 {
        let n = u64::from(self.grid_size());
        n * n
            * if self.is_discrete() {
                1
            } else {
                self.net.channels as u64
            }
    }
}

/// A neural CA grid on the host.
#[derive(Clone, Debug, PartialEq)]
pub enum Grid {
    /// NCA cells `[y][x][c]` in [0, 1].
    Cells(Vec<f32>),
    /// DNCA states `[y][x]`.
    States(Vec<u32>),
}

fn check_grid(size: u32) -> Result<()> {
    if (3..=4096).contains(&size) {
        Ok(())
    } else {
        Err(Error::invalid(
            "grid_size",
            format!("{size}: valid 3..=4096 (the original uses 128)"),
        ))
    }
}

/// The genome spec of the network after `prefix` blocks, leaves named as the flax tree.
fn network_spec(name: &str, net: &NetLayout, mut blocks: Vec<GenomeBlock>) -> GenomeSpec {
    let d = net.channels;
    let block = |leaf: &str, shape: Vec<usize>, doc: &str| GenomeBlock {
        name: leaf.into(),
        shape,
        decode: Decode::Identity,
        doc: doc.into(),
    };
    blocks.extend([
        block("Conv_0.bias", vec![4], "3×3 convolution bias"),
        block(
            "Conv_0.kernel",
            vec![3, 3, d + 2, 4],
            "3×3 convolution (HWIO) over the wrap-padded channels [c_{d-1}, c_0..c_{d-1}, c_0]",
        ),
        block("Conv_1.bias", vec![16], "1×1 layer bias"),
        block(
            "Conv_1.kernel",
            vec![1, 1, 4, 16],
            "1×1 layer 4 → 16, then ReLU",
        ),
        block("Conv_2.bias", vec![d], "output bias"),
        block(
            "Conv_2.kernel",
            vec![1, 1, 16, d],
            "1×1 output layer 16 → d",
        ),
    ]);
    let spec = GenomeSpec {
        substrate: name.into(),
        blocks,
    };
    debug_assert_eq!(spec.dim(), net.len);
    spec
}

impl Substrate for Nca {
    fn name(&self) -> &'static str {
        self.name
    }

    fn genome(&self) -> &GenomeSpec {
        &self.genome
    }

    fn default_steps(&self) -> u32 {
        1000
    }

    fn bytes_per_world(&self) -> u64 {
        // Two ping-pong grids, the genome, two step counters and the DNCA's initial CDF.
        2 * self.cells_per_world() * 4 + self.net.len as u64 * 4 + 8 + 32
    }

    fn create_batch(
        &self,
        gpu: &Gpu,
        genomes: &[f32],
        init: &Init,
        first_world: u32,
    ) -> Result<Box<dyn WorldBatch>> {
        let worlds = self.genome.validate_batch(genomes)? as u32;
        let d = self.genome.dim();
        let seed = match init {
            Init::Seed(s) => hash::seed32(*s),
            // Masks and noise of a rollout from given states use seed 0.
            Init::States(_) => 0,
        };
        let grid_bytes = self.cells_per_world() * 4 * u64::from(worlds);
        let limit = gpu.limits().max_storage_buffer_binding_size;
        if grid_bytes > limit {
            return Err(Error::invalid(
                "batch",
                format!(
                    "{worlds} worlds of {n}² cells need {grid_bytes} bytes per grid, over the adapter's {limit} byte binding limit",
                    n = self.grid_size()
                ),
            ));
        }
        let params = self.params(worlds, seed, first_world);
        let uniform = gpu.storage_buffer(
            "nca params",
            bytemuck::bytes_of(&params),
            wgpu::BufferUsages::UNIFORM,
        );
        let weights = gpu.storage_buffer(
            "nca genomes",
            bytemuck::cast_slice(genomes),
            wgpu::BufferUsages::empty(),
        );
        let grids = [
            gpu.storage_zeroed("nca grid a", grid_bytes),
            gpu.storage_zeroed("nca grid b", grid_bytes),
        ];
        let counters = [
            gpu.storage_zeroed("nca steps a", u64::from(worlds) * 4),
            gpu.storage_zeroed("nca steps b", u64::from(worlds) * 4),
        ];
        let pipelines = if self.is_discrete() {
            shaders::dnca_pipelines(gpu)
        } else {
            shaders::nca_pipelines(gpu)
        };
        match init {
            Init::Seed(_) => {
                let mut entries = vec![entry(0, &uniform), entry(1, &grids[0])];
                let cdf_buffer;
                if self.is_discrete() {
                    let cdf: Vec<f32> = genomes
                        .chunks_exact(d)
                        .flat_map(|g| reference::nca::init_cdf(&g[..DNCA_STATES]))
                        .collect();
                    cdf_buffer = gpu.storage_buffer(
                        "dnca init cdf",
                        bytemuck::cast_slice(&cdf),
                        wgpu::BufferUsages::empty(),
                    );
                    entries.push(entry(2, &cdf_buffer));
                }
                let bind = gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some("nca init"),
                    layout: &pipelines.init.get_bind_group_layout(0),
                    entries: &entries,
                });
                let mut encoder = gpu.device.create_command_encoder(&Default::default());
                {
                    let mut pass = encoder.begin_compute_pass(&Default::default());
                    pass.set_pipeline(&pipelines.init);
                    pass.set_bind_group(0, &bind, &[]);
                    let n = self.grid_size();
                    pass.dispatch_workgroups(n.div_ceil(8), n.div_ceil(8), worlds);
                }
                gpu.queue.submit([encoder.finish()]);
            }
            Init::States(_) => {
                let mut bytes: Vec<u8> = Vec::with_capacity(grid_bytes as usize);
                // Given states are already this chunk's, indexed locally.
                for (w, genome) in genomes.chunks_exact(d).enumerate() {
                    match self.initial(genome, init, w as u32)? {
                        Grid::Cells(c) => bytes.extend_from_slice(bytemuck::cast_slice(&c)),
                        Grid::States(s) => bytes.extend_from_slice(bytemuck::cast_slice(&s)),
                    }
                }
                gpu.queue.write_buffer(&grids[0], 0, &bytes);
            }
        }
        let step_groups = [0usize, 1].map(|i| {
            gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("nca step"),
                layout: &pipelines.step.get_bind_group_layout(0),
                entries: &[
                    entry(0, &uniform),
                    entry(1, &grids[i]),
                    entry(2, &grids[1 - i]),
                    entry(3, &weights),
                    entry(4, &counters[i]),
                    entry(5, &counters[1 - i]),
                ],
            })
        });
        let tile = self.uses_tiled_step().then(|| {
            let private = f64::from(u8::from(self.private_network));
            let pipeline = if self.is_discrete() {
                let gumbel = f64::from(params.gumbel);
                gpu.pipeline_with_constants(
                    &format!("dnca_tile_private{private}_gumbel{gumbel}"),
                    shaders::DNCA_TILE,
                    "step_tile",
                    &[("NET_PRIVATE", private), ("GUMBEL", gumbel)],
                )
            } else {
                let d = self.channels();
                gpu.pipeline_with_constants(
                    &format!("nca_tile_d{d}_private{private}"),
                    shaders::NCA_TILE,
                    "step_tile",
                    &[("D", d as f64), ("NET_PRIVATE", private)],
                )
            };
            let groups = [0usize, 1].map(|i| {
                gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some("nca tile step"),
                    layout: &pipeline.get_bind_group_layout(0),
                    entries: &[
                        entry(0, &uniform),
                        entry(1, &grids[i]),
                        entry(2, &grids[1 - i]),
                        entry(3, &weights),
                        entry(4, &counters[i]),
                        entry(5, &counters[1 - i]),
                    ],
                })
            });
            (pipeline, groups)
        });
        Ok(Box::new(NcaBatch {
            tile,
            gpu: gpu.clone(),
            params,
            uniform,
            grids,
            current: 0,
            step_groups,
            pipelines,
            discrete: self.is_discrete(),
            cells_per_world: self.cells_per_world() as usize,
            state_shape: [
                self.grid_size() as usize,
                self.grid_size() as usize,
                if self.is_discrete() {
                    1
                } else {
                    self.channels()
                },
            ],
        }))
    }

    fn cpu_rollout(
        &self,
        genome: &[f32],
        init: &Init,
        world: u32,
        steps: &[u32],
    ) -> Result<Vec<State>> {
        self.genome.validate(genome)?;
        let seed = match init {
            Init::Seed(s) => hash::seed32(*s),
            Init::States(_) => 0,
        };
        let mut grid = self.initial(genome, init, world)?;
        let last = steps.iter().copied().max().unwrap_or(0);
        let mut out = Vec::with_capacity(steps.len());
        for t in 0..=last {
            if steps.contains(&t) {
                out.push(self.state(&grid));
            }
            if t < last {
                grid = self.cpu_step(genome, &grid, seed, world, t + 1);
            }
        }
        Ok(out)
    }
}

/// Neural CA worlds on the GPU: `[world][y][x][c]` f32 (NCA) or `[world][y][x]` u32 (DNCA).
struct NcaBatch {
    /// The tiled step kernel and its ping-pong bind groups, when the grid allows it.
    tile: Option<(wgpu::ComputePipeline, [wgpu::BindGroup; 2])>,
    gpu: Gpu,
    params: NcaParams,
    uniform: wgpu::Buffer,
    grids: [wgpu::Buffer; 2],
    current: usize,
    step_groups: [wgpu::BindGroup; 2],
    pipelines: shaders::NcaPipelines,
    discrete: bool,
    cells_per_world: usize,
    state_shape: [usize; 3],
}

impl WorldBatch for NcaBatch {
    fn len(&self) -> u32 {
        self.params.worlds
    }

    fn encode_step(&mut self, encoder: &mut wgpu::CommandEncoder) {
        let n = self.params.size;
        let mut pass = encoder.begin_compute_pass(&Default::default());
        if let Some((pipeline, groups)) = &self.tile {
            // 8×8 invocations of one quad (4 cells) by TILE_STRIP rows each.
            pass.set_pipeline(pipeline);
            pass.set_bind_group(0, &groups[self.current], &[]);
            pass.dispatch_workgroups(
                n.div_ceil(32),
                n.div_ceil(8 * TILE_STRIP),
                self.params.worlds,
            );
            drop(pass);
            self.current = 1 - self.current;
            return;
        }
        pass.set_pipeline(&self.pipelines.step);
        pass.set_bind_group(0, &self.step_groups[self.current], &[]);
        pass.dispatch_workgroups(n.div_ceil(8), n.div_ceil(8), self.params.worlds);
        drop(pass);
        self.current = 1 - self.current;
    }

    fn encode_render(&self, encoder: &mut wgpu::CommandEncoder, target: &FrameTarget, slot: u32) {
        target.encode_render_kernel(
            &self.gpu,
            encoder,
            &self.pipelines.render,
            &self.uniform,
            &self.grids[self.current],
            slot,
        );
    }

    fn read_states(&self, gpu: &Gpu) -> Result<Vec<State>> {
        let buffer = &self.grids[self.current];
        let bytes = gpu.read_buffer(None, buffer, 0, buffer.size())?;
        let shape = self.state_shape;
        let states = bytes
            .chunks_exact(self.cells_per_world * 4)
            .take(self.params.worlds as usize)
            .map(|w| {
                let t = if self.discrete {
                    let s: &[u32] = bytemuck::cast_slice(w);
                    Tensor::i32(&shape, s.iter().map(|&v| v as i32).collect())
                } else {
                    Tensor::f32(&shape, bytemuck::cast_slice(w).to_vec())
                };
                let mut s = State::new();
                s.insert("grid".into(), t);
                s
            })
            .collect();
        Ok(states)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn genome_sizes_follow_the_padding_quirk() {
        let dims = [
            Nca::discrete(DncaConfig::default())
                .map(|s| s.genome().dim())
                .ok(),
            Nca::continuous(1, NcaConfig::default())
                .map(|s| s.genome().dim())
                .ok(),
            Nca::continuous(3, NcaConfig::default())
                .map(|s| s.genome().dim())
                .ok(),
        ];
        assert_eq!(dims, [Some(588), Some(209), Some(315)]);
    }

    #[test]
    fn bad_configs_are_errors() {
        assert!(Nca::continuous(2, NcaConfig::default()).is_err());
        for c in [
            NcaConfig {
                grid_size: 0,
                ..Default::default()
            },
            NcaConfig {
                p_drop: 1.0,
                ..Default::default()
            },
            NcaConfig {
                dt: f32::NAN,
                ..Default::default()
            },
        ] {
            assert!(Nca::continuous(1, c.clone()).is_err(), "{c:?}");
        }
        assert!(
            Nca::discrete(DncaConfig {
                temperature: 0.0,
                ..Default::default()
            })
            .is_err()
        );
        let err = Nca::from_json("dnca", &serde_json::json!({"sampling": "softmax"}))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("argmax") && err.contains("gumbel"), "{err}");
        let err = Nca::from_json("nca_d3", &serde_json::json!({"temperature": 1.0}))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("temperature") && err.contains("p_drop"),
            "{err}"
        );
    }
}
