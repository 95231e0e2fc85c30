//! Neural boids (`boids`), as the original's `substrates/boids.py` (SakanaAI/asal; reference
//! §2.2 and `fixtures/asal/boids.json`).
//!
//! N = 128 boids move on the unit torus at constant speed 0.5 with dt = 0.01. Each step, every
//! boid takes its 16 nearest others, found by sorting the plain Euclidean distances to all boids
//! (the original ignores the torus here, though motion wraps; `wrapped_perception` uses the
//! nearest images instead). Their positions (×50) and headings, expressed in the boid's local
//! frame, go through a shared MLP 4→8→8 with tanh; the outputs of neighbours closer than 0.1 are
//! averaged and go through 8→8→1 with tanh (output 0 with no neighbour in range). That output
//! ×60 is a lateral acceleration: v ← normalise(v + dv·dt), x ← (x + speed·v·dt) mod 1.
//!
//! The genome is the original's flat parameter vector (193 values, `ravel_pytree` order: every
//! Dense layer's bias before its kernel, kernels `[in][out]`).
//!
//! Rendering as the original: white background, each boid a soft triangle (local vertices
//! (0, 1), (0, −1), (3, 0) × 0.015, mask σ(40a)·σ(40b)·σ(40c) on barycentric coordinates),
//! composited in index order in black, then boid 0 again in red; pixel (i, j) is the world point
//! (i/(S−1), j/(S−1)), so the first image axis is x. Unlike the original, which evaluates every
//! triangle at every pixel, each triangle reaches only the 32×32 tiles its bounding box (widened
//! to where the mask falls below 2e-9) touches, and each invocation composites a 4×4 block of
//! pixels held in registers, from three exponentials per triangle rather than three per pixel
//! ([`RenderKernel::Tiles`]: `shaders/boids_triangles.wgsl`, `boids_tile_masks.wgsl`,
//! `boids_render_tiles.wgsl`).
//!
//! Initial states come from the counter hash (positions uniform, headings uniform angles) and
//! are uploaded, so the GPU and the CPU twin start from identical states.

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

/// Offsets of the flax leaves in the flat genome (`fixtures/asal/boids.json` `param_layout`).
/// Keep in sync with the constants in `shaders/boids_net.wgsl`.
pub mod layout {
    /// `Dense_0.bias` [8].
    pub const D0_B: usize = 0;
    /// `Dense_0.kernel` [4, 8].
    pub const D0_K: usize = 8;
    /// `Dense_1.bias` [8].
    pub const D1_B: usize = 40;
    /// `Dense_1.kernel` [8, 8].
    pub const D1_K: usize = 48;
    /// `Dense_2.bias` [8].
    pub const D2_B: usize = 112;
    /// `Dense_2.kernel` [8, 8].
    pub const D2_K: usize = 120;
    /// `Dense_3.bias` [1].
    pub const D3_B: usize = 184;
    /// `Dense_3.kernel` [8, 1].
    pub const D3_K: usize = 185;
    /// Genome length.
    pub const LEN: usize = 193;
}

/// Positions and headings of every boid of one world.
pub type Flock = (Vec<[f32; 2]>, Vec<[f32; 2]>);

/// Most neighbours a boid perceives (the GPU kernel keeps them in a fixed-size local array).
pub const MAX_NEIGHBOURS: u32 = 32;

/// Most neighbours the register-slot step kernel (`shaders/boids_step_slots.wgsl`) keeps; more
/// (up to [`MAX_NEIGHBOURS`]) run the sorted-array kernel. Keep in sync with `SLOTS` − 1 there.
pub const SLOT_NEIGHBOURS: u32 = 16;

/// Boids each invocation of the register-slot kernel moves (sharing each neighbour load).
const SLOT_BOIDS_PER_INVOCATION: u32 = 2;

/// Side of the square of pixels one workgroup of the block and tile render kernels covers. Keep
/// in sync with `TILE` in `shaders/boids_render_blocks.wgsl` and `shaders/boids_raster.wgsl`.
const RENDER_TILE: u32 = 32;

/// vec4s of one boid's triangle record in the tile kernel. Keep in sync with `RECORD` in
/// `shaders/boids_raster.wgsl`.
const RECORD: u32 = 4;

/// vec4s of the uniform window through which the tile kernel reads records (64 KiB, the smallest
/// uniform binding every adapter allows). Keep in sync with `WINDOW` in `shaders/boids_raster.wgsl`.
const WINDOW: u32 = 4096;

/// Most boids per world the tile kernel renders (a world's records fill one window); larger
/// flocks render with [`RenderKernel::Blocks`].
pub const MAX_TILE_RENDER_BOIDS: u32 = WINDOW / RECORD;

/// Offset alignment of a uniform binding, the largest any adapter asks (wgpu's default limit).
const UNIFORM_ALIGN: u64 = 256;

/// vec4s between two worlds' records: whole records, rounded up to [`UNIFORM_ALIGN`] bytes so
/// every world can start a window. Keep in sync with `record_stride` in
/// `shaders/boids_raster.wgsl`.
fn record_stride(n_boids: u32) -> u32 {
    (RECORD * n_boids).div_ceil(16) * 16
}

/// Whether the tile kernel may reach each 4×4 block's pixels by per-pixel factors from its first
/// pixel (`STEPPED` in `shaders/boids_render_tiles.wgsl`): the mask exponents x = −k·(barycentric)
/// then spread over a block by at most 3·k·Δ·√2·|∇|, |∇| ≤ 1/h with h the triangle's smallest
/// height (6/√10 of its half-width), Δ = 1/(S−1). At most 64 keeps every value a visible pixel
/// depends on below e^84, finite in float32. The original's triangles (0.015, k = 40) qualify
/// from 96-pixel frames up; smaller frames, or sharper or smaller triangles, evaluate per pixel.
#[must_use]
pub fn stepped_render_in_range(render_size: f32, sharpness: f32, size: u32) -> bool {
    if size <= 1 {
        return true;
    }
    let step = 1.0 / f64::from(size - 1);
    let height = 6.0 / 10f64.sqrt() * f64::from(render_size);
    3.0 * 2f64.sqrt() * f64::from(sharpness) * step / height <= 64.0
}

/// How frames are rasterised. Every kernel gives the CPU twin's frames within a byte's rounding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RenderKernel {
    /// A pixel per invocation over 8×8 tiles (`shaders/boids_render.wgsl`): the first kernel,
    /// kept as the benchmark's baseline.
    Pixels,
    /// 4×4 pixel blocks over 32×32 tiles, each tile building every triangle in workgroup memory
    /// and evaluating three exponentials per pixel (`shaders/boids_render_blocks.wgsl`). Flocks
    /// over [`MAX_TILE_RENDER_BOIDS`] use it.
    Blocks,
    /// The default: triangles built once per frame into records read through a uniform window,
    /// a mask per tile of the triangles touching it, 4×4 blocks stepped from their first pixel.
    Tiles,
}

/// Uniform of one chunk of worlds of the tile kernel (the worlds one uniform window of records
/// holds). Keep in sync with `ChunkParams` in `shaders/boids_raster.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct ChunkParams {
    /// The chunk's first world in the batch.
    pub first_world: u32,
    /// Padding to 16 bytes.
    pub pad: [u32; 3],
}

/// Settings of the boids substrate (a creature file's `config`); defaults are the original's.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BoidsConfig {
    /// Boids per world.
    pub n_boids: u32,
    /// Neighbours each boid perceives.
    pub n_nbrs: u32,
    /// Neighbours farther than this are masked out of the mean.
    pub visual_range: f32,
    /// Distance per unit time.
    pub speed: f32,
    /// Time step.
    pub dt: f32,
    /// Triangle half-width in world units.
    pub bird_render_size: f32,
    /// Sharpness of the soft triangle edges (on barycentric coordinates).
    pub bird_render_sharpness: f32,
    /// Draw boid 0 again in red on top.
    pub red_boid: bool,
    /// Find neighbours through the torus (nearest images); the original does not.
    pub wrapped_perception: bool,
}

impl Default for BoidsConfig {
    fn default() -> Self {
        Self {
            n_boids: 128,
            n_nbrs: 16,
            visual_range: 0.1,
            speed: 0.5,
            dt: 0.01,
            bird_render_size: 0.015,
            bird_render_sharpness: 40.0,
            red_boid: true,
            wrapped_perception: false,
        }
    }
}

/// Uniform parameters of the boids kernels. Keep in sync with `BoidsParams` in
/// `shaders/boids_common.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct BoidsParams {
    /// Boids per world.
    pub n_boids: u32,
    /// Neighbours per boid.
    pub n_nbrs: u32,
    /// Worlds in the batch.
    pub worlds: u32,
    /// 1: neighbours through the torus.
    pub wrapped: u32,
    /// Visual range.
    pub visual_range: f32,
    /// Speed.
    pub speed: f32,
    /// Time step.
    pub dt: f32,
    /// Triangle half-width.
    pub render_size: f32,
    /// Triangle edge sharpness.
    pub sharpness: f32,
    /// 1: boid 0 drawn again in red.
    pub red_boid: u32,
    /// Padding to 16 bytes.
    pub pad0: u32,
    /// Padding to 16 bytes.
    pub pad1: u32,
}

/// The boids substrate.
#[derive(Debug)]
pub struct Boids {
    config: BoidsConfig,
    genome: GenomeSpec,
    slot_step: bool,
    render_kernel: RenderKernel,
}

impl Boids {
    /// A boids substrate with these settings.
    pub fn new(config: BoidsConfig) -> Result<Self> {
        let c = &config;
        if !(2..=16_384).contains(&c.n_boids) {
            return Err(Error::invalid(
                "n_boids",
                format!("{}: valid 2..=16384 (the original uses 128)", c.n_boids),
            ));
        }
        if c.n_nbrs == 0 || c.n_nbrs > MAX_NEIGHBOURS || c.n_nbrs >= c.n_boids {
            return Err(Error::invalid(
                "n_nbrs",
                format!(
                    "{}: valid 1..={} and below n_boids ({}); the original uses 16",
                    c.n_nbrs,
                    MAX_NEIGHBOURS.min(c.n_boids - 1),
                    c.n_boids
                ),
            ));
        }
        let positive = [
            ("visual_range", c.visual_range, "0.1"),
            ("dt", c.dt, "0.01"),
            ("bird_render_size", c.bird_render_size, "0.015"),
            ("bird_render_sharpness", c.bird_render_sharpness, "40"),
        ];
        for (name, value, original) in positive {
            if !(value.is_finite() && value > 0.0) {
                return Err(Error::invalid(
                    name,
                    format!("{value}: must be a finite number > 0 (the original uses {original})"),
                ));
            }
        }
        if !(c.speed.is_finite() && c.speed >= 0.0 && c.speed * c.dt <= 0.25) {
            return Err(Error::invalid(
                "speed",
                format!(
                    "{}: must be ≥ 0 with speed·dt ≤ 0.25 (a quarter of the torus per step); the original uses 0.5",
                    c.speed
                ),
            ));
        }
        if c.bird_render_size > 0.25 {
            return Err(Error::invalid(
                "bird_render_size",
                format!("{}: valid up to 0.25 of the torus", c.bird_render_size),
            ));
        }
        let dense = |name: &str, shape: Vec<usize>, doc: &str| GenomeBlock {
            name: name.into(),
            shape,
            decode: Decode::Identity,
            doc: doc.into(),
        };
        let genome = GenomeSpec {
            substrate: "boids".into(),
            blocks: vec![
                dense("Dense_0.bias", vec![8], "per-neighbour layer 1 bias"),
                dense(
                    "Dense_0.kernel",
                    vec![4, 8],
                    "per-neighbour layer 1: (50·local position, local heading) → 8",
                ),
                dense("Dense_1.bias", vec![8], "per-neighbour layer 2 bias"),
                dense("Dense_1.kernel", vec![8, 8], "per-neighbour layer 2: 8 → 8"),
                dense("Dense_2.bias", vec![8], "pooled layer 1 bias"),
                dense(
                    "Dense_2.kernel",
                    vec![8, 8],
                    "pooled layer 1: mean over neighbours in range → 8",
                ),
                dense("Dense_3.bias", vec![1], "turn output bias"),
                dense(
                    "Dense_3.kernel",
                    vec![8, 1],
                    "turn output: 8 → lateral acceleration / 60",
                ),
            ],
        };
        debug_assert_eq!(genome.dim(), layout::LEN);
        Ok(Self {
            config,
            genome,
            slot_step: true,
            render_kernel: RenderKernel::Tiles,
        })
    }

    /// Whether steps keep the nearest neighbours in register slots (the default, used when
    /// `n_nbrs` ≤ [`SLOT_NEIGHBOURS`]) or in a sorted private array (`false`: the earlier kernel,
    /// kept as the benchmark's baseline; both give bit-identical states).
    #[must_use]
    pub fn with_slot_step(mut self, slot_step: bool) -> Self {
        self.slot_step = slot_step;
        self
    }

    /// Which kernel renders frames ([`RenderKernel::Tiles`] by default; the others are kept as
    /// the benchmark's baselines).
    #[must_use]
    pub fn with_render_kernel(mut self, kernel: RenderKernel) -> Self {
        self.render_kernel = kernel;
        self
    }

    /// A boids substrate from a creature file's `config` (JSON; an empty object for the original).
    pub fn from_json(config: &serde_json::Value) -> Result<Self> {
        let c: BoidsConfig = serde_json::from_value(config.clone()).map_err(|e| {
            Error::invalid(
                "boids config",
                format!(
                    "{e}; valid fields: n_boids, n_nbrs, visual_range, speed, dt, bird_render_size, \
                     bird_render_sharpness, red_boid, wrapped_perception"
                ),
            )
        })?;
        Self::new(c)
    }

    /// The settings.
    #[must_use]
    pub fn config(&self) -> &BoidsConfig {
        &self.config
    }

    /// The kernels' uniform parameters for a batch of `worlds`.
    #[must_use]
    pub fn params(&self, worlds: u32) -> BoidsParams {
        let c = &self.config;
        BoidsParams {
            n_boids: c.n_boids,
            n_nbrs: c.n_nbrs,
            worlds,
            wrapped: u32::from(c.wrapped_perception),
            visual_range: c.visual_range,
            speed: c.speed,
            dt: c.dt,
            render_size: c.bird_render_size,
            sharpness: c.bird_render_sharpness,
            red_boid: u32::from(c.red_boid),
            pad0: 0,
            pad1: 0,
        }
    }

    /// Positions and headings of `world` at the start.
    pub fn initial(&self, init: &Init, world: u32) -> Result<Flock> {
        let n = self.config.n_boids as usize;
        match init {
            Init::Seed(seed) => Ok(reference::boids::initial(hash::seed32(*seed), world, n)),
            Init::States(states) => {
                let state = states
                    .get(world as usize)
                    .or(states.first())
                    .ok_or_else(|| Error::invalid("initial states", "no state given"))?;
                self.from_state(state)
            }
        }
    }

    /// Positions and headings from a state in the fixtures' names (`x`, `v`: [n_boids, 2]).
    pub fn from_state(&self, state: &State) -> Result<Flock> {
        let n = self.config.n_boids as usize;
        let field = |name: &str, what: &str| -> Result<Vec<[f32; 2]>> {
            let t = state.get(name).ok_or_else(|| {
                Error::invalid(
                    "initial state",
                    format!("a boids state needs `{name}` ({what}, shape [{n}, 2])"),
                )
            })?;
            if t.shape != [n, 2] {
                return Err(Error::invalid(
                    "initial state",
                    format!(
                        "`{name}` has shape {:?}; this substrate needs [{n}, 2] (n_boids = {n})",
                        t.shape
                    ),
                ));
            }
            let values = t.to_f32();
            if let Some(v) = values.iter().find(|v| !v.is_finite()) {
                return Err(Error::invalid(
                    "initial state",
                    format!("`{name}` holds {v}; every value must be finite"),
                ));
            }
            Ok(values.chunks_exact(2).map(|p| [p[0], p[1]]).collect())
        };
        let x = field("x", "positions in [0, 1)")?;
        let v = field("v", "headings")?;
        if let Some(p) = x.iter().flatten().find(|p| !(0.0..1.0).contains(*p)) {
            return Err(Error::invalid(
                "initial state",
                format!("`x` holds {p}; positions must be in [0, 1) (the unit torus)"),
            ));
        }
        if let Some(h) = v.iter().find(|h| h[0] == 0.0 && h[1] == 0.0) {
            return Err(Error::invalid(
                "initial state",
                format!("`v` holds {h:?}; a heading must be non-zero"),
            ));
        }
        Ok((x, v))
    }

    /// Renders a state on the CPU (`[row][col][rgb]` floats in [0, 1]), as the GPU does.
    pub fn render_cpu(&self, state: &State, size: u32) -> Result<Vec<f32>> {
        let (x, v) = self.from_state(state)?;
        Ok(reference::boids::render(&self.params(1), &x, &v, size))
    }
}

/// A state in the fixtures' names from positions and headings.
#[must_use]
pub fn boids_state(x: &[[f32; 2]], v: &[[f32; 2]]) -> State {
    let n = x.len();
    let mut s = State::new();
    s.insert("x".into(), Tensor::f32(&[n, 2], x.concat()));
    s.insert("v".into(), Tensor::f32(&[n, 2], v.concat()));
    s
}

impl Substrate for Boids {
    fn name(&self) -> &'static str {
        "boids"
    }

    fn genome(&self) -> &GenomeSpec {
        &self.genome
    }

    fn default_steps(&self) -> u32 {
        1000
    }

    fn bytes_per_world(&self) -> u64 {
        // Two ping-pong states of (x, y, vx, vy) per boid, the genome and the triangle records
        // (the tile masks are a few words per tile).
        let n = u64::from(self.config.n_boids);
        2 * n * 16 + layout::LEN as u64 * 4 + u64::from(record_stride(self.config.n_boids)) * 16
    }

    fn create_batch(
        &self,
        gpu: &Gpu,
        genomes: &[f32],
        init: &Init,
        first_world: u32,
    ) -> Result<Box<dyn WorldBatch>> {
        let worlds = self.genome.validate_batch(genomes)? as u32;
        let n = self.config.n_boids as usize;
        let mut data: Vec<[f32; 4]> = Vec::with_capacity(n * worlds as usize);
        for w in 0..worlds {
            // Seeded draws use the global world index (independent of how a batch is split);
            // given states are already this chunk's, indexed locally.
            let index = match init {
                Init::Seed(_) => first_world + w,
                Init::States(_) => w,
            };
            let (x, v) = self.initial(init, index)?;
            data.extend(x.iter().zip(&v).map(|(x, v)| [x[0], x[1], v[0], v[1]]));
        }
        let state_bytes = data.len() as u64 * 16;
        let limit = gpu.limits().max_storage_buffer_binding_size;
        if state_bytes > limit {
            return Err(Error::invalid(
                "batch",
                format!(
                    "{worlds} worlds of {n} boids need {state_bytes} bytes, over the adapter's {limit} byte binding limit"
                ),
            ));
        }
        let params = self.params(worlds);
        let uniform = gpu.storage_buffer(
            "boids params",
            bytemuck::bytes_of(&params),
            wgpu::BufferUsages::UNIFORM,
        );
        let weights = gpu.storage_buffer(
            "boids genomes",
            bytemuck::cast_slice(genomes),
            wgpu::BufferUsages::empty(),
        );
        let states = [
            gpu.storage_buffer(
                "boids state a",
                bytemuck::cast_slice(&data),
                wgpu::BufferUsages::empty(),
            ),
            gpu.storage_zeroed("boids state b", state_bytes),
        ];
        let slot_step = self.slot_step && self.config.n_nbrs <= SLOT_NEIGHBOURS;
        let render_kernel = if self.render_kernel == RenderKernel::Tiles
            && self.config.n_boids > MAX_TILE_RENDER_BOIDS
        {
            RenderKernel::Blocks
        } else {
            self.render_kernel
        };
        let raster = match render_kernel {
            RenderKernel::Pixels => {
                Raster::Pixels(gpu.pipeline("boids_render", shaders::BOIDS_RENDER, "render"))
            }
            RenderKernel::Blocks => Raster::Blocks(gpu.pipeline(
                "boids_render_blocks",
                shaders::BOIDS_RENDER_BLOCKS,
                "render",
            )),
            RenderKernel::Tiles => Raster::Tiles(
                shaders::boids_tile_pipelines(gpu),
                TileRaster::new(gpu, self.config.n_boids, worlds),
            ),
        };
        let step = shaders::boids_step_pipeline(gpu, slot_step);
        let step_groups = [0usize, 1].map(|i| {
            gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("boids step"),
                layout: &step.get_bind_group_layout(0),
                entries: &[
                    entry(0, &uniform),
                    entry(1, &states[i]),
                    entry(2, &states[1 - i]),
                    entry(3, &weights),
                ],
            })
        });
        Ok(Box::new(BoidsBatch {
            gpu: gpu.clone(),
            params,
            uniform,
            states,
            current: 0,
            step_groups,
            step,
            raster,
            boids_per_invocation: if slot_step {
                SLOT_BOIDS_PER_INVOCATION
            } else {
                1
            },
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
        let params = self.params(1);
        let (mut x, mut v) = self.initial(init, world)?;
        let last = steps.iter().copied().max().unwrap_or(0);
        let mut out = Vec::with_capacity(steps.len());
        for t in 0..=last {
            if steps.contains(&t) {
                out.push(boids_state(&x, &v));
            }
            if t < last {
                (x, v) = reference::boids::step(&params, genome, &x, &v);
            }
        }
        Ok(out)
    }
}

/// Boids worlds on the GPU: `[world][boid]` of (x, y, vx, vy), ping-ponged.
struct BoidsBatch {
    gpu: Gpu,
    params: BoidsParams,
    uniform: wgpu::Buffer,
    states: [wgpu::Buffer; 2],
    current: usize,
    step_groups: [wgpu::BindGroup; 2],
    step: wgpu::ComputePipeline,
    raster: Raster,
    /// Boids each invocation of the step kernel moves.
    boids_per_invocation: u32,
}

/// The render kernel of a batch ([`RenderKernel`]) with what it needs.
enum Raster {
    Pixels(wgpu::ComputePipeline),
    Blocks(wgpu::ComputePipeline),
    Tiles(shaders::BoidsTilePipelines, TileRaster),
}

/// Buffers of the tile render kernel.
struct TileRaster {
    /// Every world's triangle records (`[world][record_stride]` vec4s), padded so that the last
    /// chunk's window fits.
    records: wgpu::Buffer,
    /// One [`ChunkParams`] per chunk of worlds, [`UNIFORM_ALIGN`] bytes apart.
    chunk_params: wgpu::Buffer,
    /// Worlds whose records one window holds.
    window_worlds: u32,
    /// The tile masks (`[world][tile][word]`) of the last frame side rendered, and that side.
    masks: std::cell::RefCell<Option<(u32, wgpu::Buffer)>>,
}

impl TileRaster {
    fn new(gpu: &Gpu, n_boids: u32, worlds: u32) -> Self {
        let stride = record_stride(n_boids);
        let window_worlds = (WINDOW / stride).min(worlds).max(1);
        let chunks = worlds.div_ceil(window_worlds);
        let window_bytes = u64::from(WINDOW) * 16;
        let records_bytes =
            u64::from(chunks - 1) * u64::from(window_worlds * stride) * 16 + window_bytes;
        let records = gpu.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("boids triangle records"),
            size: records_bytes,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::UNIFORM,
            mapped_at_creation: false,
        });
        let mut params = vec![0u8; chunks as usize * UNIFORM_ALIGN as usize];
        for c in 0..chunks {
            let chunk = ChunkParams {
                first_world: c * window_worlds,
                pad: [0; 3],
            };
            let at = c as usize * UNIFORM_ALIGN as usize;
            params[at..at + 16].copy_from_slice(bytemuck::bytes_of(&chunk));
        }
        let chunk_params =
            gpu.storage_buffer("boids chunk params", &params, wgpu::BufferUsages::UNIFORM);
        Self {
            records,
            chunk_params,
            window_worlds,
            masks: std::cell::RefCell::new(None),
        }
    }

    /// The mask buffer for frames of side `size`, reallocated when the side changes.
    fn masks(&self, gpu: &Gpu, n_boids: u32, worlds: u32, size: u32) -> wgpu::Buffer {
        let mut masks = self.masks.borrow_mut();
        if let Some((side, buffer)) = masks.as_ref()
            && *side == size
        {
            return buffer.clone();
        }
        let tiles = u64::from(size.div_ceil(RENDER_TILE)).pow(2);
        let bytes = u64::from(worlds) * tiles * u64::from(n_boids.div_ceil(32)) * 4;
        let buffer = gpu.storage_zeroed("boids tile masks", bytes);
        *masks = Some((size, buffer.clone()));
        buffer
    }
}

impl BoidsBatch {
    fn bind_group(
        &self,
        pipeline: &wgpu::ComputePipeline,
        entries: &[wgpu::BindGroupEntry<'_>],
    ) -> wgpu::BindGroup {
        self.gpu
            .device
            .create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("boids render"),
                layout: &pipeline.get_bind_group_layout(0),
                entries,
            })
    }

    /// The tile kernel's three passes: records of every world, then per chunk of worlds (one
    /// uniform window each) the tile masks and the frames.
    fn encode_tile_render(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        target: &FrameTarget,
        slot: u32,
        pipelines: &shaders::BoidsTilePipelines,
        tiles: &TileRaster,
    ) {
        let n = self.params.n_boids;
        let worlds = self.params.worlds;
        let side = target.size.div_ceil(RENDER_TILE);
        let masks = tiles.masks(&self.gpu, n, worlds, target.size);
        let per_pixel;
        let render =
            if stepped_render_in_range(self.params.render_size, self.params.sharpness, target.size)
            {
                &pipelines.render
            } else {
                per_pixel = shaders::boids_render_tiles_per_pixel(&self.gpu);
                &per_pixel
            };
        let frame = target.slot_params(slot);
        let build = self.bind_group(
            &pipelines.triangles,
            &[
                entry(0, &self.uniform),
                entry(1, frame),
                entry(2, &self.states[self.current]),
                entry(3, &tiles.records),
            ],
        );
        let mut pass = encoder.begin_compute_pass(&Default::default());
        pass.set_pipeline(&pipelines.triangles);
        pass.set_bind_group(0, &build, &[]);
        pass.dispatch_workgroups(n.div_ceil(64), 1, worlds);
        let window_bytes = u64::from(record_stride(n)) * 16;
        for (c, first) in (0..worlds)
            .step_by(tiles.window_worlds as usize)
            .enumerate()
        {
            let count = tiles.window_worlds.min(worlds - first);
            let chunk = wgpu::BindGroupEntry {
                binding: 2,
                resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                    buffer: &tiles.chunk_params,
                    offset: c as u64 * UNIFORM_ALIGN,
                    size: std::num::NonZeroU64::new(16),
                }),
            };
            let window = wgpu::BindGroupEntry {
                binding: 3,
                resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                    buffer: &tiles.records,
                    offset: u64::from(first) * window_bytes,
                    size: std::num::NonZeroU64::new(u64::from(WINDOW) * 16),
                }),
            };
            let listing = self.bind_group(
                &pipelines.masks,
                &[
                    entry(0, &self.uniform),
                    entry(1, frame),
                    chunk.clone(),
                    window.clone(),
                    entry(4, &masks),
                ],
            );
            pass.set_pipeline(&pipelines.masks);
            pass.set_bind_group(0, &listing, &[]);
            pass.dispatch_workgroups((side * side).div_ceil(64), 1, count);
            let drawing = self.bind_group(
                render,
                &[
                    entry(0, &self.uniform),
                    entry(1, frame),
                    chunk,
                    window,
                    entry(4, &masks),
                    entry(5, &target.buffer),
                ],
            );
            pass.set_pipeline(render);
            pass.set_bind_group(0, &drawing, &[]);
            pass.dispatch_workgroups(side, side, count);
        }
    }
}

impl WorldBatch for BoidsBatch {
    fn len(&self) -> u32 {
        self.params.worlds
    }

    fn encode_step(&mut self, encoder: &mut wgpu::CommandEncoder) {
        let mut pass = encoder.begin_compute_pass(&Default::default());
        pass.set_pipeline(&self.step);
        pass.set_bind_group(0, &self.step_groups[self.current], &[]);
        let invocations = self.params.n_boids.div_ceil(self.boids_per_invocation);
        pass.dispatch_workgroups(invocations.div_ceil(64), 1, self.params.worlds);
        drop(pass);
        self.current = 1 - self.current;
    }

    fn encode_render(&self, encoder: &mut wgpu::CommandEncoder, target: &FrameTarget, slot: u32) {
        let state = &self.states[self.current];
        match &self.raster {
            Raster::Tiles(pipelines, tiles) => {
                self.encode_tile_render(encoder, target, slot, pipelines, tiles);
            }
            Raster::Pixels(pipeline) => {
                target.encode_render_kernel(
                    &self.gpu,
                    encoder,
                    pipeline,
                    &self.uniform,
                    state,
                    slot,
                );
            }
            Raster::Blocks(pipeline) => {
                // The shared render bindings, dispatched over 32×32 tiles instead of 8×8.
                let bind = self.bind_group(
                    pipeline,
                    &[
                        entry(0, &self.uniform),
                        entry(1, target.slot_params(slot)),
                        entry(2, state),
                        entry(3, &target.buffer),
                    ],
                );
                let mut pass = encoder.begin_compute_pass(&Default::default());
                pass.set_pipeline(pipeline);
                pass.set_bind_group(0, &bind, &[]);
                let tiles = target.size.div_ceil(RENDER_TILE);
                pass.dispatch_workgroups(tiles, tiles, target.worlds);
            }
        }
    }

    fn read_states(&self, gpu: &Gpu) -> Result<Vec<State>> {
        let buffer = &self.states[self.current];
        let bytes = gpu.read_buffer(None, buffer, 0, buffer.size())?;
        let boids: &[[f32; 4]] = bytemuck::cast_slice(&bytes);
        let n = self.params.n_boids as usize;
        Ok(boids
            .chunks_exact(n)
            .take(self.params.worlds as usize)
            .map(|w| {
                let x: Vec<[f32; 2]> = w.iter().map(|b| [b[0], b[1]]).collect();
                let v: Vec<[f32; 2]> = w.iter().map(|b| [b[2], b[3]]).collect();
                boids_state(&x, &v)
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn genome_has_the_original_dimension() {
        let b = Boids::new(BoidsConfig::default()).ok();
        assert_eq!(b.map(|b| b.genome().dim()), Some(193));
    }

    #[test]
    fn tile_constants_match_their_wgsl_mirrors() {
        for (name, value) in [
            ("RECORD", RECORD),
            ("WINDOW", WINDOW),
            ("TILE", RENDER_TILE),
        ] {
            let line = format!("const {name}: u32 = {value}u;");
            assert!(shaders::BOIDS_RENDER_TILES.contains(&line), "{line}");
        }
        // A world's records start on a uniform binding's offset alignment.
        for n in [2, 37, 128, 1024] {
            assert_eq!(u64::from(record_stride(n)) * 16 % UNIFORM_ALIGN, 0, "{n}");
            assert!(record_stride(n) >= RECORD * n);
        }
    }

    #[test]
    fn bad_configs_are_errors() {
        let bad = [
            BoidsConfig {
                n_boids: 1,
                ..Default::default()
            },
            BoidsConfig {
                n_nbrs: 0,
                ..Default::default()
            },
            BoidsConfig {
                n_nbrs: 33,
                ..Default::default()
            },
            BoidsConfig {
                n_boids: 10,
                n_nbrs: 10,
                ..Default::default()
            },
            BoidsConfig {
                dt: f32::NAN,
                ..Default::default()
            },
            BoidsConfig {
                visual_range: -1.0,
                ..Default::default()
            },
            BoidsConfig {
                speed: 1e9,
                ..Default::default()
            },
        ];
        for c in bad {
            assert!(Boids::new(c.clone()).is_err(), "{c:?}");
        }
        let err = Boids::from_json(&serde_json::json!({"nboids": 3}))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("nboids") && err.contains("n_boids"), "{err}");
    }
}
