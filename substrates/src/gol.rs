//! Life-like cellular automata (`gol`, alias `life`), as the original's `substrates/gol.py`.
//!
//! A rule is an 18-bit integer: the next state of a cell is bit `9·alive + n` of the rule, where
//! n counts live cells among the 8 toroidal Moore neighbours, so bits 0–8 are birth counts and
//! 9–17 survival counts (Conway's B3/S23 = 6152). The grid is bit-packed, 32 cells per u32, and
//! a generation is a bit-sliced adder tree (`shaders/gol_step.wgsl`). Initial states are
//! Bernoulli(p0) soups, p0 ~ U(0.05, 0.4) per world as the original, or a pattern from an RLE
//! file placed at the centre. Rendering: alive white, dead black, nearest upsampling.

use std::fmt;
use std::path::Path;

use crate::error::{Error, Result};
use crate::genome::{Decode, GenomeBlock, GenomeSpec};
use crate::gpu::Gpu;
use crate::hash;
use crate::reference;
use crate::shaders;
use crate::substrate::{FrameTarget, Init, Substrate, WorldBatch};
use crate::tensors::{State, Tensor};

/// Number of Life-like rules: 2^18.
pub const RULE_COUNT: u32 = 1 << 18;

/// A Life-like rule in the original's 18-bit encoding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Rule(u32);

impl Rule {
    /// Conway's Game of Life, B3/S23.
    pub const CONWAY: Rule = Rule(6152);

    /// The rule with this integer code, which must be in `[0, 2^18)`.
    pub fn from_code(code: i64) -> Result<Self> {
        if (0..i64::from(RULE_COUNT)).contains(&code) {
            Ok(Self(code as u32))
        } else {
            Err(Error::invalid(
                "rule",
                format!(
                    "{code} is outside [0, 262144); a Life-like rule is an 18-bit integer (B3/S23 = 6152)"
                ),
            ))
        }
    }

    /// The rule from birth and survival neighbour counts.
    #[must_use]
    pub fn from_counts(birth: &[u8], survive: &[u8]) -> Self {
        let mut code = 0u32;
        for &b in birth {
            code |= 1 << b;
        }
        for &s in survive {
            code |= 1 << (9 + s);
        }
        Self(code)
    }

    /// Parses `B3/S23` (Golly's notation, any case, `/` optional), `23/3` (S/B) or an integer code.
    pub fn parse(text: &str) -> Result<Self> {
        let t = text.trim();
        let bad = |why: &str| {
            Error::invalid(
                "rule",
                format!(
                    "`{text}`: {why}; write B/S notation like `B3/S23` (counts 0-8) or an integer in [0, 262144)"
                ),
            )
        };
        if t.is_empty() {
            return Err(bad("empty"));
        }
        if t.chars().all(|c| c.is_ascii_digit()) {
            let code: i64 = t.parse().map_err(|_| bad("not a number"))?;
            return Self::from_code(code);
        }
        let upper = t.to_ascii_uppercase();
        let digits = |s: &str| -> Result<Vec<u8>> {
            let mut out = Vec::new();
            for c in s.chars() {
                match c.to_digit(10) {
                    Some(d) if d <= 8 => {
                        if out.contains(&(d as u8)) {
                            return Err(bad(&format!("count {d} repeated")));
                        }
                        out.push(d as u8);
                    }
                    _ => return Err(bad(&format!("`{c}` is not a neighbour count 0-8"))),
                }
            }
            Ok(out)
        };
        if let Some(rest) = upper.strip_prefix('B') {
            let (b, s) = match rest.find('S') {
                Some(i) => (&rest[..i], &rest[i + 1..]),
                None => return Err(bad("missing `S` part")),
            };
            let b = b.trim_end_matches('/');
            return Ok(Self::from_counts(&digits(b)?, &digits(s)?));
        }
        if let Some((s, b)) = upper.split_once('/') {
            return Ok(Self::from_counts(&digits(b)?, &digits(s)?));
        }
        Err(bad("unrecognised notation"))
    }

    /// The integer code.
    #[must_use]
    pub fn code(self) -> u32 {
        self.0
    }

    /// Whether a dead cell with `n` live neighbours is born.
    #[must_use]
    pub fn births(self, n: u32) -> bool {
        (self.0 >> n) & 1 == 1
    }

    /// Whether a live cell with `n` live neighbours survives.
    #[must_use]
    pub fn survives(self, n: u32) -> bool {
        (self.0 >> (9 + n)) & 1 == 1
    }
}

impl fmt::Display for Rule {
    /// Golly's B/S notation, e.g. `B3/S23`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let b: String = (0..9)
            .filter(|&n| self.births(n))
            .map(|n| char::from(b'0' + n as u8))
            .collect();
        let s: String = (0..9)
            .filter(|&n| self.survives(n))
            .map(|n| char::from(b'0' + n as u8))
            .collect();
        write!(f, "B{b}/S{s}")
    }
}

/// A pattern read from an RLE file: live cells of a `width × height` box.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pattern {
    /// Columns.
    pub width: usize,
    /// Rows.
    pub height: usize,
    /// Row-major, `true` = alive.
    pub cells: Vec<bool>,
    /// The rule named in the header, if any.
    pub rule: Option<Rule>,
}

impl Pattern {
    /// Reads a pattern in the standard Life RLE format.
    pub fn read_rle(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::parse_rle(&text).map_err(|e| Error::file(path, e.to_string()))
    }

    /// Parses the standard Life RLE format (`#` comments, `x = .., y = .., rule = ..` header,
    /// `b`/`.` dead, `o` or other letters alive, `$` end of row, `!` end).
    pub fn parse_rle(text: &str) -> Result<Self> {
        let mut width = 0usize;
        let mut height = 0usize;
        let mut rule = None;
        let mut body = String::new();
        let mut header_seen = false;
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if !header_seen && line.starts_with('x') {
                header_seen = true;
                for part in line.split(',') {
                    let Some((k, v)) = part.split_once('=') else {
                        return Err(Error::invalid(
                            "RLE header",
                            format!("`{part}` is not `key = value`"),
                        ));
                    };
                    let v = v.trim();
                    match k.trim() {
                        "x" => {
                            width = v
                                .parse()
                                .map_err(|_| Error::invalid("RLE header", format!("x = `{v}`")))?
                        }
                        "y" => {
                            height = v
                                .parse()
                                .map_err(|_| Error::invalid("RLE header", format!("y = `{v}`")))?
                        }
                        "rule" => rule = Some(Rule::parse(v)?),
                        _ => {}
                    }
                }
                continue;
            }
            body.push_str(line);
        }
        if !header_seen {
            return Err(Error::invalid(
                "RLE",
                "missing the `x = <cols>, y = <rows>` header line",
            ));
        }
        let mut rows: Vec<Vec<bool>> = vec![Vec::new()];
        let mut count = String::new();
        let mut ended = false;
        for c in body.chars() {
            if ended {
                break;
            }
            let run = || -> Result<usize> {
                if count.is_empty() {
                    Ok(1)
                } else {
                    count
                        .parse()
                        .map_err(|_| Error::invalid("RLE", format!("bad run count `{count}`")))
                }
            };
            match c {
                '0'..='9' => count.push(c),
                'b' | '.' => {
                    let n = run()?;
                    if let Some(r) = rows.last_mut() {
                        r.extend(std::iter::repeat_n(false, n));
                    }
                    count.clear();
                }
                '$' => {
                    let n = run()?;
                    for _ in 0..n {
                        rows.push(Vec::new());
                    }
                    count.clear();
                }
                '!' => ended = true,
                c if c.is_ascii_alphabetic() => {
                    let n = run()?;
                    if let Some(r) = rows.last_mut() {
                        r.extend(std::iter::repeat_n(true, n));
                    }
                    count.clear();
                }
                c if c.is_whitespace() => {}
                other => {
                    return Err(Error::invalid(
                        "RLE",
                        format!("unexpected character `{other}`"),
                    ));
                }
            }
        }
        if !ended {
            return Err(Error::invalid("RLE", "the pattern does not end with `!`"));
        }
        while rows.last().is_some_and(Vec::is_empty) && rows.len() > height.max(1) {
            rows.pop();
        }
        let body_width = rows.iter().map(Vec::len).max().unwrap_or(0);
        if body_width > width || rows.len() > height.max(1) {
            return Err(Error::invalid(
                "RLE",
                format!(
                    "the body is {body_width}×{} cells but the header says x = {width}, y = {height}",
                    rows.len()
                ),
            ));
        }
        let mut cells = vec![false; width * height];
        for (y, row) in rows.iter().enumerate() {
            for (x, &alive) in row.iter().enumerate() {
                cells[y * width + x] = alive;
            }
        }
        Ok(Self {
            width,
            height,
            cells,
            rule,
        })
    }

    /// A `size × size` grid (row-major, 0/1) with the pattern's top-left at
    /// `((size − h) / 2, (size − w) / 2)`.
    pub fn centred_grid(&self, size: usize) -> Result<Vec<u8>> {
        if self.width > size || self.height > size {
            return Err(Error::invalid(
                "pattern",
                format!(
                    "{}×{} cells do not fit a {size}² grid",
                    self.width, self.height
                ),
            ));
        }
        let (oy, ox) = ((size - self.height) / 2, (size - self.width) / 2);
        let mut grid = vec![0u8; size * size];
        for y in 0..self.height {
            for x in 0..self.width {
                grid[(oy + y) * size + ox + x] = u8::from(self.cells[y * self.width + x]);
            }
        }
        Ok(grid)
    }
}

/// How Life-like worlds start.
#[derive(Clone, Debug, PartialEq)]
pub enum GolStart {
    /// Bernoulli soups; `p0` fixed, or drawn per world from U(0.05, 0.4) as the original.
    Soup {
        /// Fixed alive probability in [0, 1].
        p0: Option<f32>,
    },
    /// The same pattern, centred, in every world.
    Pattern(Pattern),
}

/// Settings of the Life-like substrate.
#[derive(Clone, Debug, PartialEq)]
pub struct GolConfig {
    /// Grid side in cells: a multiple of 32 (the bit-packed kernel), 32 to 65536.
    pub size: u32,
    /// Initial states.
    pub start: GolStart,
}

impl Default for GolConfig {
    fn default() -> Self {
        Self {
            size: 64,
            start: GolStart::Soup { p0: None },
        }
    }
}

/// The Life-like CA substrate.
#[derive(Debug)]
pub struct Gol {
    config: GolConfig,
    genome: GenomeSpec,
    lanes: bool,
}

/// Largest grid (in words) of the world-per-invocation kernel: 128² cells. Keep in sync with
/// `MAX_WORDS` in `shaders/gol_lanes.wgsl`.
const LANES_MAX_WORDS: u32 = 512;

/// Uniform parameters of the Life-like kernels. Keep in sync with `GolParams` in
/// `shaders/gol_init.wgsl`, `gol_step.wgsl` and `gol_render.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct GolParams {
    /// Grid side.
    pub size: u32,
    /// `size / 32`.
    pub words_per_row: u32,
    /// Worlds in the batch.
    pub worlds: u32,
    /// Folded seed.
    pub seed: u32,
    /// Global index of the batch's first world.
    pub first_world: u32,
    /// Fixed p0, or negative to draw it per world.
    pub p0_fixed: f32,
    /// Padding to 16 bytes.
    pub pad0: u32,
    /// Padding to 16 bytes.
    pub pad1: u32,
}

impl Gol {
    /// Chooses the multi-generation kernel for grids of side 32, 64 and 128: one world per
    /// invocation (default; the fastest on CPU adapters, where workgroup memory is read lane by
    /// lane) or the workgroup-resident one, kept for comparison and larger grids. Both are
    /// bit-identical to the per-step kernel.
    #[must_use]
    pub fn with_lanes_kernel(mut self, lanes: bool) -> Self {
        self.lanes = lanes;
        self
    }

    /// Words per row when batches of this grid use the world-per-invocation kernel.
    fn lanes_wpr(&self) -> Option<u32> {
        let wpr = self.config.size / 32;
        (self.lanes && [1, 2, 4].contains(&wpr) && self.config.size * wpr <= LANES_MAX_WORDS)
            .then_some(wpr)
    }

    /// A Life-like substrate with these settings.
    pub fn new(config: GolConfig) -> Result<Self> {
        if config.size < 32 || !config.size.is_multiple_of(32) || config.size > 65_536 {
            return Err(Error::invalid(
                "grid size",
                format!(
                    "{}: the bit-packed Life kernel takes multiples of 32 from 32 to 65536 (the original uses 64)",
                    config.size
                ),
            ));
        }
        match &config.start {
            GolStart::Soup { p0: Some(p) } if !(0.0..=1.0).contains(p) => {
                return Err(Error::invalid(
                    "p0",
                    format!("{p}: an alive probability must be in [0, 1]"),
                ));
            }
            GolStart::Pattern(p) => {
                p.centred_grid(config.size as usize)?;
            }
            GolStart::Soup { .. } => {}
        }
        let genome = GenomeSpec {
            substrate: "gol".into(),
            blocks: vec![GenomeBlock {
                name: "rule".into(),
                shape: vec![],
                decode: Decode::Integer { max: RULE_COUNT },
                doc: "18-bit Life-like rule: bits 0-8 birth counts, 9-17 survival counts".into(),
            }],
        };
        Ok(Self {
            config,
            genome,
            lanes: true,
        })
    }

    /// The settings.
    #[must_use]
    pub fn config(&self) -> &GolConfig {
        &self.config
    }

    fn words_per_world(&self) -> u64 {
        u64::from(self.config.size) * u64::from(self.config.size) / 32
    }

    fn p0_fixed(&self) -> f32 {
        match self.config.start {
            GolStart::Soup { p0: Some(p) } => p,
            _ => -1.0,
        }
    }

    /// The initial grid of one world on the CPU (identical to the GPU's), row-major 0/1.
    pub fn initial_grid(&self, init: &Init, world: u32) -> Result<Vec<u8>> {
        let n = self.config.size as usize;
        match (init, &self.config.start) {
            (Init::States(states), _) => {
                let state = states
                    .get(world as usize)
                    .or(states.first())
                    .ok_or_else(|| Error::invalid("initial states", "no state given"))?;
                grid_from_state(state, n)
            }
            (Init::Seed(_), GolStart::Pattern(p)) => p.centred_grid(n),
            (Init::Seed(seed), GolStart::Soup { .. }) => Ok(reference::gol::soup(
                hash::seed32(*seed),
                world,
                n,
                self.p0_fixed(),
            )),
        }
    }
}

fn grid_from_state(state: &State, n: usize) -> Result<Vec<u8>> {
    let t = state.get("grid").ok_or_else(|| {
        Error::invalid(
            "initial state",
            "a Life state needs a `grid` tensor ([size, size], 0/1)",
        )
    })?;
    if t.shape != [n, n] {
        return Err(Error::invalid(
            "initial state",
            format!(
                "`grid` has shape {:?}; this substrate needs [{n}, {n}]",
                t.shape
            ),
        ));
    }
    let values = t.to_i32();
    if let Some(v) = values.iter().find(|&&v| v != 0 && v != 1) {
        return Err(Error::invalid(
            "initial state",
            format!("`grid` holds {v}; cells must be 0 or 1"),
        ));
    }
    Ok(values.into_iter().map(|v| v as u8).collect())
}

/// Packs a row-major 0/1 grid into words (bit i of word k = column 32k + i).
#[must_use]
pub fn pack(grid: &[u8]) -> Vec<u32> {
    grid.chunks_exact(32)
        .map(|c| {
            c.iter()
                .enumerate()
                .fold(0u32, |acc, (i, &v)| acc | (u32::from(v & 1) << i))
        })
        .collect()
}

/// Unpacks words into a row-major 0/1 grid.
#[must_use]
pub fn unpack(words: &[u32]) -> Vec<u8> {
    words
        .iter()
        .flat_map(|&w| (0..32).map(move |i| ((w >> i) & 1) as u8))
        .collect()
}

impl Substrate for Gol {
    fn name(&self) -> &'static str {
        "gol"
    }

    fn genome(&self) -> &GenomeSpec {
        &self.genome
    }

    fn default_steps(&self) -> u32 {
        1024
    }

    fn bytes_per_world(&self) -> u64 {
        // Two ping-pong grids plus the rule.
        self.words_per_world() * 4 * 2 + 4
    }

    fn create_batch(
        &self,
        gpu: &Gpu,
        genomes: &[f32],
        init: &Init,
        first_world: u32,
    ) -> Result<Box<dyn WorldBatch>> {
        let worlds = self.genome.validate_batch(genomes)? as u32;
        let rules: Vec<u32> = genomes.iter().map(|&g| g as u32).collect();
        let seed = match init {
            Init::Seed(s) => hash::seed32(*s),
            Init::States(_) => 0,
        };
        let params = GolParams {
            size: self.config.size,
            words_per_row: self.config.size / 32,
            worlds,
            seed,
            first_world,
            p0_fixed: self.p0_fixed(),
            pad0: 0,
            pad1: 0,
        };
        let grid_bytes = self.words_per_world() * 4 * u64::from(worlds);
        let limit = gpu.limits().max_storage_buffer_binding_size;
        if grid_bytes > limit {
            return Err(Error::invalid(
                "grid size",
                format!(
                    "{worlds} worlds of {}² cells need {grid_bytes} bytes per grid, over the adapter's {limit} byte limit",
                    self.config.size
                ),
            ));
        }
        let uniform = gpu.storage_buffer(
            "gol params",
            bytemuck::bytes_of(&params),
            wgpu::BufferUsages::UNIFORM,
        );
        let rules = gpu.storage_buffer(
            "gol rules",
            bytemuck::cast_slice(&rules),
            wgpu::BufferUsages::empty(),
        );
        let grids = [
            gpu.storage_zeroed("gol grid a", grid_bytes),
            gpu.storage_zeroed("gol grid b", grid_bytes),
        ];
        let pipelines = shaders::gol_pipelines(gpu);
        let step_groups = [0, 1].map(|i| {
            gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("gol step"),
                layout: &pipelines.step.get_bind_group_layout(0),
                entries: &[
                    entry(0, &uniform),
                    entry(1, &grids[i]),
                    entry(2, &grids[1 - i]),
                    entry(3, &rules),
                ],
            })
        });
        let batch = GolBatch {
            gpu: gpu.clone(),
            params,
            uniform,
            grids,
            current: 0,
            step_groups,
            pipelines,
            rules,
            fused_groups: std::collections::HashMap::new(),
            // One world per invocation wins on CPU adapters once a batch fills SIMD lanes (at
            // batch 1 it uses one lane of eight: the workgroup kernel is faster there, measured
            // 118k vs 84k generations/s at 64²); GPUs want the workgroup-resident kernel.
            lanes: (worlds >= 2 && gpu.info().device_type == wgpu::DeviceType::Cpu)
                .then(|| self.lanes_wpr())
                .flatten()
                .map(|wpr| {
                    let pipeline = gpu.pipeline_with_constants(
                        &format!("gol_lanes_w{wpr}"),
                        shaders::GOL_LANES,
                        "lanes",
                        &[("WPR", f64::from(wpr))],
                    );
                    (pipeline, std::collections::HashMap::new())
                }),
            fuse_max_worlds: if gpu.info().device_type == wgpu::DeviceType::Cpu {
                4
            } else {
                u32::MAX
            },
        };
        // Initial states: drawn on the GPU from the hash, or uploaded.
        let soup = matches!(
            (init, &self.config.start),
            (Init::Seed(_), GolStart::Soup { .. })
        );
        if soup {
            let mut encoder = gpu.device.create_command_encoder(&Default::default());
            let bind = gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("gol init"),
                layout: &batch.pipelines.init.get_bind_group_layout(0),
                entries: &[entry(0, &batch.uniform), entry(1, &batch.grids[0])],
            });
            {
                let mut pass = encoder.begin_compute_pass(&Default::default());
                pass.set_pipeline(&batch.pipelines.init);
                pass.set_bind_group(0, &bind, &[]);
                let (x, y) = batch.word_groups();
                pass.dispatch_workgroups(x, y, worlds);
            }
            gpu.queue.submit([encoder.finish()]);
        } else {
            let mut words =
                Vec::with_capacity((self.words_per_world() * u64::from(worlds)) as usize);
            for w in 0..worlds {
                words.extend(pack(&self.initial_grid(init, w)?));
            }
            gpu.queue
                .write_buffer(&batch.grids[0], 0, bytemuck::cast_slice(&words));
        }
        Ok(Box::new(batch))
    }

    fn cpu_rollout(
        &self,
        genome: &[f32],
        init: &Init,
        world: u32,
        steps: &[u32],
    ) -> Result<Vec<State>> {
        let decoded = self.genome.decode(genome)?;
        let rule = Rule(
            decoded
                .get("rule")
                .and_then(|v| v.first())
                .copied()
                .unwrap_or(0.0) as u32,
        );
        let n = self.config.size as usize;
        let mut grid = self.initial_grid(init, world)?;
        let mut out = Vec::with_capacity(steps.len());
        let last = steps.iter().copied().max().unwrap_or(0);
        for t in 0..=last {
            if steps.contains(&t) {
                out.push(grid_state(&grid, n));
            }
            if t < last {
                grid = reference::gol::step(&grid, n, rule);
            }
        }
        Ok(out)
    }
}

fn grid_state(grid: &[u8], n: usize) -> State {
    let mut s = State::new();
    s.insert(
        "grid".into(),
        Tensor::i32(&[n, n], grid.iter().map(|&v| i32::from(v)).collect()),
    );
    s
}

pub(crate) fn entry(binding: u32, buffer: &wgpu::Buffer) -> wgpu::BindGroupEntry<'_> {
    wgpu::BindGroupEntry {
        binding,
        resource: buffer.as_entire_binding(),
    }
}

/// Per-dispatch parameters of the fused kernel. Keep in sync with `FuseParams` in
/// `shaders/gol_fused.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct FuseParams {
    /// Generations per dispatch.
    pub steps: u32,
    /// Padding to 16 bytes.
    pub pad: [u32; 3],
}

/// Largest grid (in words) the fused kernel keeps in workgroup memory: 256² cells. Keep in sync
/// with `MAX_WORDS` in `shaders/gol_fused.wgsl`.
const FUSED_MAX_WORDS: u32 = 2048;

/// Invocations per fused workgroup. Keep in sync with `THREADS` in `shaders/gol_fused.wgsl`.
const FUSED_THREADS: u32 = 64;

/// Life-like worlds on the GPU.
struct GolBatch {
    gpu: Gpu,
    params: GolParams,
    uniform: wgpu::Buffer,
    grids: [wgpu::Buffer; 2],
    current: usize,
    step_groups: [wgpu::BindGroup; 2],
    pipelines: shaders::GolPipelines,
    rules: wgpu::Buffer,
    /// Fused-kernel bind groups (one per parity) by generations per dispatch, made on first use.
    fused_groups: std::collections::HashMap<u32, [wgpu::BindGroup; 2]>,
    /// The world-per-invocation kernel (`shaders/gol_lanes.wgsl`) for this grid side, when it
    /// applies (sides 32, 64, 128) and is chosen, with its bind groups by generations per
    /// dispatch.
    lanes: Option<(
        wgpu::ComputePipeline,
        std::collections::HashMap<u32, [wgpu::BindGroup; 2]>,
    )>,
    /// Largest batch the fused kernel is used for. On a CPU adapter (lavapipe) a workgroup-
    /// resident generation costs about 7× a per-step one per word, so fusing only pays while
    /// the per-dispatch overhead dominates (measured: up to about 4 worlds of 64²); on a GPU
    /// keeping the grid in workgroup memory avoids all global traffic, so it is always used.
    fuse_max_worlds: u32,
}

impl GolBatch {
    /// Workgroups (x, y) of 64 invocations covering `invocations`, split over two dimensions
    /// when one would exceed the adapter's limit.
    fn groups(&self, invocations: u64) -> (u32, u32) {
        let groups = invocations.div_ceil(64);
        let max = u64::from(self.gpu.limits().max_workgroups_per_dimension);
        if groups <= max {
            (groups as u32, 1)
        } else {
            (max as u32, groups.div_ceil(max) as u32)
        }
    }

    /// Init: one invocation per word of one world (worlds along z).
    fn word_groups(&self) -> (u32, u32) {
        self.groups(u64::from(self.params.size) * u64::from(self.params.words_per_row))
    }
}

/// Rows per step invocation. Keep in sync with `ROWS` in `shaders/gol_step.wgsl`.
const STEP_ROWS: u32 = 8;

impl WorldBatch for GolBatch {
    fn len(&self) -> u32 {
        self.params.worlds
    }

    fn encode_step(&mut self, encoder: &mut wgpu::CommandEncoder) {
        // One invocation per STEP_ROWS words of a column, all worlds flattened together.
        let per_world =
            u64::from(self.params.words_per_row) * u64::from(self.params.size / STEP_ROWS);
        let (x, y) = self.groups(per_world * u64::from(self.params.worlds));
        let mut pass = encoder.begin_compute_pass(&Default::default());
        pass.set_pipeline(&self.pipelines.step);
        pass.set_bind_group(0, &self.step_groups[self.current], &[]);
        pass.dispatch_workgroups(x, y, 1);
        drop(pass);
        self.current = 1 - self.current;
    }

    fn encode_steps(&mut self, encoder: &mut wgpu::CommandEncoder, steps: u32) {
        let words = self.params.size * self.params.words_per_row;
        // Small grids run every generation inside one workgroup per world: a dispatch per step
        // costs far more than the step itself there. Big grids need every invocation.
        let fusable = words <= FUSED_MAX_WORDS
            && FUSED_THREADS.is_multiple_of(self.params.words_per_row)
            && self.params.worlds <= self.fuse_max_worlds;
        if steps >= 2
            && let Some((pipeline, groups)) = &mut self.lanes
        {
            let groups = groups.entry(steps).or_insert_with(|| {
                let uniform = self.gpu.storage_buffer(
                    "gol lanes",
                    bytemuck::bytes_of(&FuseParams { steps, pad: [0; 3] }),
                    wgpu::BufferUsages::UNIFORM,
                );
                [0usize, 1].map(|i| {
                    self.gpu
                        .device
                        .create_bind_group(&wgpu::BindGroupDescriptor {
                            label: Some("gol lanes"),
                            layout: &pipeline.get_bind_group_layout(0),
                            entries: &[
                                entry(0, &self.uniform),
                                entry(1, &self.grids[i]),
                                entry(2, &self.grids[1 - i]),
                                entry(3, &self.rules),
                                entry(4, &uniform),
                            ],
                        })
                })
            });
            let mut pass = encoder.begin_compute_pass(&Default::default());
            pass.set_pipeline(pipeline);
            pass.set_bind_group(0, &groups[self.current], &[]);
            // Eight worlds (lanes) per workgroup.
            pass.dispatch_workgroups(self.params.worlds.div_ceil(8), 1, 1);
            drop(pass);
            self.current = 1 - self.current;
            return;
        }
        if steps < 2 || !fusable {
            for _ in 0..steps {
                self.encode_step(encoder);
            }
            return;
        }
        let groups = self.fused_groups.entry(steps).or_insert_with(|| {
            let fuse = FuseParams { steps, pad: [0; 3] };
            let uniform = self.gpu.storage_buffer(
                "gol fuse",
                bytemuck::bytes_of(&fuse),
                wgpu::BufferUsages::UNIFORM,
            );
            [0usize, 1].map(|i| {
                self.gpu
                    .device
                    .create_bind_group(&wgpu::BindGroupDescriptor {
                        label: Some("gol fused"),
                        layout: &self.pipelines.fused.get_bind_group_layout(0),
                        entries: &[
                            entry(0, &self.uniform),
                            entry(1, &self.grids[i]),
                            entry(2, &self.grids[1 - i]),
                            entry(3, &self.rules),
                            entry(4, &uniform),
                        ],
                    })
            })
        });
        let mut pass = encoder.begin_compute_pass(&Default::default());
        pass.set_pipeline(&self.pipelines.fused);
        pass.set_bind_group(0, &groups[self.current], &[]);
        pass.dispatch_workgroups(self.params.worlds, 1, 1);
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
        let bytes = gpu.read_buffer(
            None,
            &self.grids[self.current],
            0,
            self.grids[self.current].size(),
        )?;
        let words: &[u32] = bytemuck::cast_slice(&bytes);
        let n = self.params.size as usize;
        let per_world = n * n / 32;
        Ok(words
            .chunks_exact(per_world)
            .take(self.params.worlds as usize)
            .map(|w| grid_state(&unpack(w), n))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conway_round_trips() {
        assert_eq!(Rule::parse("B3/S23").ok(), Some(Rule::CONWAY));
        assert_eq!(Rule::parse("b3s23").ok(), Some(Rule::CONWAY));
        assert_eq!(Rule::parse("23/3").ok(), Some(Rule::CONWAY));
        assert_eq!(Rule::parse("6152").ok(), Some(Rule::CONWAY));
        assert_eq!(Rule::CONWAY.to_string(), "B3/S23");
    }

    #[test]
    fn showcased_rules_decode_as_the_reference_says() {
        // Decodings listed in reference/asal.md §5.2.
        for (code, bs) in [
            (7291, "B013456/S123"),
            (55871, "B012345/S02356"),
            (2579, "B014/S02"),
            (133_519, "B012378/S28"),
            (33823, "B01234/S16"),
        ] {
            let rule = Rule::from_code(code).ok();
            assert_eq!(rule.map(|r| r.to_string()), Some(bs.to_string()), "{code}");
            assert_eq!(Rule::parse(bs).ok().map(Rule::code), Some(code as u32));
        }
    }

    #[test]
    fn every_rule_round_trips_through_bs() {
        for code in 0..RULE_COUNT {
            let r = Rule(code);
            assert_eq!(Rule::parse(&r.to_string()).ok(), Some(r));
        }
    }

    #[test]
    fn bad_rules_say_what_is_valid() {
        for bad in ["", "B9/S23", "B3/S2x", "262144", "-1", "hello", "B33/S2"] {
            let err = Rule::parse(bad)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default();
            assert!(err.contains("B3/S23"), "`{bad}` gave `{err}`");
        }
        assert!(Rule::from_code(1 << 18).is_err());
    }

    #[test]
    fn rle_glider() {
        let p = Pattern::parse_rle("#N Glider\nx = 3, y = 3, rule = B3/S23\nbob$2bo$3o!\n").ok();
        let p = p.as_ref();
        assert_eq!(p.map(|p| (p.width, p.height)), Some((3, 3)));
        let cells: Vec<u8> = p
            .map(|p| p.cells.iter().map(|&c| u8::from(c)).collect())
            .unwrap_or_default();
        assert_eq!(cells, [0, 1, 0, 0, 0, 1, 1, 1, 1]);
        assert_eq!(p.and_then(|p| p.rule), Some(Rule::CONWAY));
    }

    #[test]
    fn rle_errors() {
        assert!(Pattern::parse_rle("bo$!").is_err(), "missing header");
        assert!(
            Pattern::parse_rle("x = 2, y = 1\n3o!").is_err(),
            "body wider than header"
        );
        assert!(
            Pattern::parse_rle("x = 2, y = 1\n2o").is_err(),
            "no terminator"
        );
    }

    #[test]
    fn pack_unpack() {
        let grid: Vec<u8> = (0..64 * 64)
            .map(|i| u8::from(hash::hash_u32(i).is_multiple_of(3)))
            .collect();
        assert_eq!(unpack(&pack(&grid)), grid);
    }

    #[test]
    fn bad_sizes() {
        for size in [0, 31, 48, 100] {
            let err = Gol::new(GolConfig {
                size,
                ..Default::default()
            })
            .err()
            .map(|e| e.to_string());
            assert!(err.unwrap_or_default().contains("multiples of 32"));
        }
    }
}
