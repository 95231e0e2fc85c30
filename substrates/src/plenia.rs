//! Particle Lenia (`plenia`), as the original's `substrates/plenia.py`, itself from Mordvintsev
//! et al.'s "Particle Lenia and the energy-based formulation" (Google Research, 2022).
//!
//! Points on the plane descend an energy: with r_j the distances to every point (the point itself
//! at the clamped r = 1e-5), U = w_k Σ exp(−((r − μ_k)/σ_k)²) is a kernel field, G =
//! exp(−((U − μ_g)/σ_g)²) a growth field and R = (c_rep/2) Σ max(1 − r, 0)² a repulsion; each
//! step moves every point by x ← x − dt·∇(R − G) (dt 0.1), the gradient analytic, all pairs.
//! The 6-dimension genome holds log-multipliers of the base rule (μ_k 4, σ_k 1, w_k 0.022, μ_g 0.6,
//! σ_g 0.15, c_rep 1): value = base·exp(p). Initial points are uniform in [−6, 6]².
//!
//! Rendering is the original's field picture: the U/G colour map over an auto-zoomed square of
//! half-width 1.2·max|x| (rows are y), darkened within r² < 0.02 of a point, then min–max
//! normalised per image; a field pass and a normalise pass on the GPU.
//!
//! The default kernels (`plenia_step_blocks.wgsl`, `plenia_field_blocks.wgsl`) give each lane a
//! block of particles or pixels so every neighbour load serves many pairs, and keep divisions
//! out of the pair loop (CPU adapters run a pair in tens of lane operations); the
//! per-invocation kernels stay available through [`Plenia::with_block_kernels`] as the
//! benchmark's baseline.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::genome::{Decode, GenomeBlock, GenomeSpec};
use crate::gol::entry;
use crate::gpu::Gpu;
use crate::hash;
use crate::plife::{check_batch_limits, check_particles, given_state, read_pairs};
use crate::reference::plenia::{self as twin, Rule};
use crate::shaders;
use crate::substrate::{FrameTarget, Init, Substrate, WorldBatch};

/// Particles per step invocation. Keep in sync with `PER` in `shaders/plenia_step.wgsl`.
const STEP_PER: u32 = 8;
/// Particles per lane of the block step. Keep in sync with `BLOCK` in
/// `shaders/plenia_step_blocks.wgsl`.
const BLOCK_PARTICLES: u32 = 13;
/// Lanes per workgroup of the block kernels: one SIMD group of CPU adapters.
const BLOCK_LANES: u32 = 8;
/// Side of the square of pixels each lane of the block field kernel colours.
const BLOCK_PIXELS: u32 = 4;
use crate::tensors::{State, Tensor};

/// The original's base rule: μ_k, σ_k, w_k, μ_g, σ_g, c_rep.
pub const BASE: [f32; 6] = [4.0, 1.0, 0.022, 0.6, 0.15, 1.0];

/// Largest point count: every step and every pixel visits all points.
pub const MAX_POINTS: u32 = 1 << 16;

/// Settings of the Particle Lenia substrate (a creature file's `config`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PleniaConfig {
    /// Points per world (original: 200).
    pub particles: u32,
    /// Euler step on the energy gradient (original: 0.1).
    pub dt: f32,
    /// Initial points are uniform in [−init_range, init_range]² (original: 6).
    pub init_range: f32,
}

impl Default for PleniaConfig {
    fn default() -> Self {
        Self {
            particles: 200,
            dt: 0.1,
            init_range: 6.0,
        }
    }
}

/// Uniform parameters. Keep in sync with `PleniaParams` in `shaders/plenia_common.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct PleniaParams {
    /// Points per world.
    pub particles: u32,
    /// Worlds in the batch.
    pub worlds: u32,
    /// Euler step.
    pub dt: f32,
    /// Points per world in the point buffers: `particles` rounded up to even, so the kernels can
    /// read a world's points two at a time.
    pub stride: u32,
}

/// The Particle Lenia substrate.
#[derive(Debug)]
pub struct Plenia {
    config: PleniaConfig,
    genome: GenomeSpec,
    block_kernels: bool,
}

impl Plenia {
    /// A Particle Lenia substrate; the original's is `PleniaConfig::default()`.
    pub fn new(config: PleniaConfig) -> Result<Self> {
        check_particles("plenia particles", config.particles)?;
        if config.particles > MAX_POINTS {
            return Err(Error::invalid(
                "plenia particles",
                format!(
                    "{}; valid: 1..={MAX_POINTS} (every point interacts with every other)",
                    config.particles
                ),
            ));
        }
        if !(config.dt.is_finite() && config.dt > 0.0 && config.dt <= 10.0) {
            return Err(Error::invalid(
                "plenia dt",
                format!("{} is outside (0, 10]", config.dt),
            ));
        }
        if !(config.init_range.is_finite() && config.init_range > 0.0 && config.init_range <= 1e4) {
            return Err(Error::invalid(
                "plenia init_range",
                format!("{} is outside (0, 10000]", config.init_range),
            ));
        }
        Ok(Self {
            config,
            block_kernels: true,
            genome: GenomeSpec {
                substrate: "plenia".into(),
                blocks: vec![GenomeBlock {
                    name: "params".into(),
                    shape: vec![6],
                    decode: Decode::Exp {
                        base: BASE.to_vec(),
                    },
                    doc: "log-multipliers of (mu_k, sigma_k, w_k, mu_g, sigma_g, c_rep)".into(),
                }],
            },
        })
    }

    /// Builds the substrate from a creature file's or search config's settings (JSON object;
    /// absent fields take the original's values).
    pub fn from_json(config: &serde_json::Value) -> Result<Self> {
        let config = if config.is_null() {
            serde_json::Value::Object(Default::default())
        } else {
            config.clone()
        };
        let c: PleniaConfig = serde_json::from_value(config).map_err(|e| {
            Error::invalid(
                "plenia config",
                format!("{e}; valid fields: particles, dt, init_range"),
            )
        })?;
        Self::new(c)
    }

    /// Chooses the kernels: blocks of particles and of pixels per lane (`true`, the default), or
    /// one invocation per 8 particles and per pixel (`false`, kept as the benchmark's baseline).
    /// Both compute the same sums; the results differ by rounding only (tested).
    #[must_use]
    pub fn with_block_kernels(mut self, block_kernels: bool) -> Self {
        self.block_kernels = block_kernels;
        self
    }

    /// The settings.
    #[must_use]
    pub fn config(&self) -> &PleniaConfig {
        &self.config
    }

    /// Decodes one genome.
    pub fn rule(&self, genome: &[f32]) -> Result<Rule> {
        let d = self.genome.decode(genome)?;
        let v = d.get("params").unwrap_or(&BASE);
        let rule = Rule {
            mu_k: v[0],
            sigma_k: v[1],
            w_k: v[2],
            mu_g: v[3],
            sigma_g: v[4],
            c_rep: v[5],
        };
        // exp of a finite genome can still overflow to inf or underflow a width to 0.
        if v.iter().any(|x| !x.is_finite() || *x <= 0.0) {
            return Err(Error::Genome {
                substrate: "plenia".into(),
                message: format!(
                    "decodes to {rule:?}; every value must be finite and positive (|p| ≲ 80)"
                ),
            });
        }
        Ok(rule)
    }

    /// One world's initial points: uniform in the init square from the counter hash, or given
    /// (`x` [N, 2]).
    pub fn initial(&self, init: &Init, global: u32, local: usize) -> Result<Vec<[f32; 2]>> {
        let n = self.config.particles as usize;
        match init {
            Init::Seed(seed) => {
                let s = hash::seed32(*seed);
                let a = self.config.init_range;
                Ok((0..n as u32)
                    .map(|i| {
                        let u = |k: u32| hash::unit_f32(hash::hash4(s, global, 0, 2 * i + k));
                        [(2.0 * u(0) - 1.0) * a, (2.0 * u(1) - 1.0) * a]
                    })
                    .collect())
            }
            Init::States(states) => {
                read_pairs(given_state(states, local)?, "x", n)?.ok_or_else(|| {
                    Error::invalid(
                        "initial state",
                        format!("a plenia state needs `x` [{n}, 2] (point positions)"),
                    )
                })
            }
        }
    }

    /// Renders one state on the CPU (the twin of the field and normalise kernels).
    pub fn render_cpu(&self, genome: &[f32], state: &State, size: usize) -> Result<Vec<f32>> {
        let x = self.initial(&Init::States(vec![state.clone()]), 0, 0)?;
        Ok(twin::render(&x, &self.rule(genome)?, size))
    }
}

fn state_of(x: &[[f32; 2]]) -> State {
    let mut s = State::new();
    s.insert("x".into(), Tensor::f32(&[x.len(), 2], x.concat()));
    s
}

impl Substrate for Plenia {
    fn name(&self) -> &'static str {
        "plenia"
    }

    fn genome(&self) -> &GenomeSpec {
        &self.genome
    }

    fn default_steps(&self) -> u32 {
        1000
    }

    fn bytes_per_world(&self) -> u64 {
        // Two point buffers and the rule; the render pass adds a field picture per frame.
        u64::from(self.config.particles.next_multiple_of(2)) * 16 + 32
    }

    fn create_batch(
        &self,
        gpu: &Gpu,
        genomes: &[f32],
        init: &Init,
        first_world: u32,
    ) -> Result<Box<dyn WorldBatch>> {
        let worlds = self.genome.validate_batch(genomes)? as u32;
        let n = self.config.particles;
        let stride = n.next_multiple_of(2);
        check_batch_limits(gpu, "plenia", stride, worlds, 8)?;
        let mut points = Vec::with_capacity((stride * worlds) as usize);
        let mut rules: Vec<[f32; 4]> = Vec::with_capacity(2 * worlds as usize);
        for (w, genome) in genomes.chunks_exact(self.genome.dim()).enumerate() {
            let r = self.rule(genome)?;
            rules.push([r.mu_k, r.sigma_k, r.w_k, r.mu_g]);
            rules.push([r.sigma_g, r.c_rep, 0.0, 0.0]);
            points.extend(self.initial(init, first_world + w as u32, w)?);
            // The padding point of an odd count is never read as a neighbour nor moved.
            points.resize((stride * (w as u32 + 1)) as usize, [0.0; 2]);
        }
        let params = PleniaParams {
            particles: n,
            worlds,
            dt: self.config.dt,
            stride,
        };
        let usage = wgpu::BufferUsages::empty();
        let uniform = gpu.storage_buffer(
            "plenia params",
            bytemuck::bytes_of(&params),
            wgpu::BufferUsages::UNIFORM,
        );
        let rules = gpu.storage_buffer("plenia rules", bytemuck::cast_slice(&rules), usage);
        let states = [
            gpu.storage_buffer("plenia points a", bytemuck::cast_slice(&points), usage),
            gpu.storage_zeroed("plenia points b", points.len() as u64 * 8),
        ];
        let pipelines = shaders::plenia_pipelines(gpu, self.block_kernels);
        let step_groups = [0usize, 1].map(|i| {
            gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("plenia step"),
                layout: &pipelines.step.get_bind_group_layout(0),
                entries: &[
                    entry(0, &uniform),
                    entry(1, &rules),
                    entry(2, &states[i]),
                    entry(3, &states[1 - i]),
                ],
            })
        });
        Ok(Box::new(PleniaBatch {
            gpu: gpu.clone(),
            params,
            uniform,
            rules,
            states,
            current: 0,
            step_groups,
            pipelines,
            scratch: std::sync::Mutex::new(None),
        }))
    }

    fn cpu_rollout(
        &self,
        genome: &[f32],
        init: &Init,
        world: u32,
        steps: &[u32],
    ) -> Result<Vec<State>> {
        let rule = self.rule(genome)?;
        let local = match init {
            Init::States(s) if s.len() > 1 => world as usize,
            _ => 0,
        };
        let mut x = self.initial(init, world, local)?;
        let last = steps.iter().copied().max().unwrap_or(0);
        let mut out = Vec::with_capacity(steps.len());
        for t in 0..=last {
            if steps.contains(&t) {
                out.push(state_of(&x));
            }
            if t < last {
                twin::step(&mut x, &rule, self.config.dt);
            }
        }
        Ok(out)
    }
}

/// Particle Lenia worlds on the GPU.
struct PleniaBatch {
    gpu: Gpu,
    params: PleniaParams,
    uniform: wgpu::Buffer,
    rules: wgpu::Buffer,
    states: [wgpu::Buffer; 2],
    current: usize,
    step_groups: [wgpu::BindGroup; 2],
    pipelines: shaders::PleniaPipelines,
    /// The last render's scratch buffers, reused while the frame size stays the same:
    /// allocating and zero-filling a fresh 224² picture per frame cost more than colouring it.
    scratch: std::sync::Mutex<Option<RenderScratch>>,
}

/// Buffers a render needs between its passes, for one frame size.
struct RenderScratch {
    size: u32,
    /// The unnormalised picture, `[world][row][col]` RGB.
    field: wgpu::Buffer,
    /// Each world's (max bits, complemented min bits), cleared before each render.
    extrema: wgpu::Buffer,
    /// Each world's view half-width (block kernels only).
    extents: wgpu::Buffer,
}

impl RenderScratch {
    fn new(gpu: &Gpu, worlds: u32, size: u32) -> Self {
        let s = u64::from(size);
        let worlds = u64::from(worlds);
        Self {
            size,
            field: gpu.storage_zeroed("plenia field", worlds * s * s * 16),
            extrema: gpu.storage_zeroed("plenia extrema", worlds * 8),
            extents: gpu.storage_zeroed("plenia extents", worlds * 4),
        }
    }
}

impl WorldBatch for PleniaBatch {
    fn len(&self) -> u32 {
        self.params.worlds
    }

    fn encode_step(&mut self, encoder: &mut wgpu::CommandEncoder) {
        let mut pass = encoder.begin_compute_pass(&Default::default());
        pass.set_pipeline(&self.pipelines.step);
        pass.set_bind_group(0, &self.step_groups[self.current], &[]);
        // Block step: 8 lanes of BLOCK_PARTICLES each per workgroup; otherwise 16 invocations
        // of STEP_PER particles each.
        let per_workgroup = if self.pipelines.extent.is_some() {
            BLOCK_LANES * BLOCK_PARTICLES
        } else {
            16 * STEP_PER
        };
        pass.dispatch_workgroups(
            self.params.particles.div_ceil(per_workgroup),
            1,
            self.params.worlds,
        );
        drop(pass);
        self.current = 1 - self.current;
    }

    fn encode_render(&self, encoder: &mut wgpu::CommandEncoder, target: &FrameTarget, slot: u32) {
        let mut cached = self
            .scratch
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let scratch = match cached.take() {
            Some(kept) if kept.size == target.size => kept,
            _ => RenderScratch::new(&self.gpu, self.params.worlds, target.size),
        };
        // The atomic min/max start from 0; the picture and the extents are overwritten.
        encoder.clear_buffer(&scratch.extrema, 0, None);
        let device = &self.gpu.device;
        let mut field_entries = vec![
            entry(0, &self.uniform),
            entry(1, target.slot_params(slot)),
            entry(2, &self.rules),
            entry(3, &self.states[self.current]),
            entry(4, &scratch.field),
            entry(5, &scratch.extrema),
        ];
        if self.pipelines.extent.is_some() {
            field_entries.push(entry(6, &scratch.extents));
        }
        let field_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("plenia field"),
            layout: &self.pipelines.field.get_bind_group_layout(0),
            entries: &field_entries,
        });
        let render_entries = if self.pipelines.extent.is_some() {
            // The block kernels' normalise pass shares the field pass's module and bindings.
            vec![
                entry(1, target.slot_params(slot)),
                entry(4, &scratch.field),
                entry(5, &scratch.extrema),
                entry(7, &target.buffer),
            ]
        } else {
            vec![
                entry(0, target.slot_params(slot)),
                entry(1, &scratch.field),
                entry(2, &scratch.extrema),
                entry(3, &target.buffer),
            ]
        };
        let render_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("plenia render"),
            layout: &self.pipelines.render.get_bind_group_layout(0),
            entries: &render_entries,
        });
        let mut pass = encoder.begin_compute_pass(&Default::default());
        let (x, y, z) = if let Some(extent) = &self.pipelines.extent {
            let extent_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("plenia extent"),
                layout: &extent.get_bind_group_layout(0),
                entries: &[
                    entry(0, &self.uniform),
                    entry(3, &self.states[self.current]),
                    entry(6, &scratch.extents),
                ],
            });
            pass.set_pipeline(extent);
            pass.set_bind_group(0, &extent_group, &[]);
            pass.dispatch_workgroups(self.params.worlds.div_ceil(BLOCK_LANES), 1, 1);
            // 8 lanes of 4×4 pixels per workgroup (32 columns by 4 rows), in both passes.
            let blocks = target.size.div_ceil(BLOCK_PIXELS);
            (blocks.div_ceil(BLOCK_LANES), blocks, self.params.worlds)
        } else {
            target.workgroups()
        };
        pass.set_pipeline(&self.pipelines.field);
        pass.set_bind_group(0, &field_group, &[]);
        pass.dispatch_workgroups(x, y, z);
        pass.set_pipeline(&self.pipelines.render);
        pass.set_bind_group(0, &render_group, &[]);
        pass.dispatch_workgroups(x, y, z);
        drop(pass);
        *cached = Some(scratch);
    }

    fn read_states(&self, gpu: &Gpu) -> Result<Vec<State>> {
        let buf = &self.states[self.current];
        let bytes = gpu.read_buffer(None, buf, 0, buf.size())?;
        let all: &[[f32; 2]] = bytemuck::cast_slice(&bytes);
        let n = self.params.particles as usize;
        Ok(all
            .chunks_exact(self.params.stride as usize)
            .map(|world| state_of(&world[..n]))
            .collect())
    }
}
