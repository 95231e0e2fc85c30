//! Particle Life++ (`plife_plus`), the ASAL authors' substrate (`substrates/plife_plus.py`,
//! Kumar et al. 2024): Particle Life whose species are continuous.
//!
//! Each particle carries a 6-D unit colour vector. For every pair an MLP on concat(c_i, c_j)
//! (12→8→8→8→7, tanh between layers) gives the attraction α = 1.5·tanh(o₀) of the Particle Life
//! force law (fixed β 0.3, rmax 0.1, mass 0.1, half-life 0.04, dt 0.02) and a colour drift
//! dc = tanh(o₁…₆)·relu(1 − |r|/rmax); then c ← normalise(c + dt·Σdc). The 311-dimension genome
//! is the network in the original's flat order (per layer: bias, then kernel [in][out]).
//!
//! Neighbours come from the same GPU grid as Particle Life ([`crate::particle_grid`]): sources
//! beyond rmax add exactly zero force and drift, so only pairs inside rmax run the network.
//! Rendering splats discs of radius √0.1·0.04 with sharpness 30/0.04 in index order (particle
//! 999 on top), coloured (c[:3] + 1)/2, on black.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::genome::{Decode, GenomeBlock, GenomeSpec};
use crate::gol::entry;
use crate::gpu::Gpu;
use crate::hash;
use crate::particle_grid::{self, CellOrder, GridScratch, GridUse, SPLAT_CUTOFF, Splatter};
use crate::plife::{check_batch_limits, check_particles, given_state, read_pairs, wrap_unit};
use crate::reference::plife_plus::{self as twin, NET_SIZE, Physics};
use crate::shaders;
use crate::substrate::{FrameTarget, Init, Substrate, WorldBatch};
use crate::tensors::{State, Tensor};

/// Colour dimensions (fixed by the network's shape).
pub const COLOUR_DIMS: usize = 6;

/// Settings of the Particle Life++ substrate (a creature file's `config`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PlifePlusConfig {
    /// Particles per world (original: 1000).
    pub particles: u32,
    /// Time step (original 0.02).
    pub dt: f32,
    /// Repulsion range as a fraction of rmax (original 0.3).
    pub beta: f32,
    /// Interaction range (original 0.1).
    pub rmax: f32,
    /// Mass (original 0.1).
    pub mass: f32,
    /// Velocity half-life (original 0.04).
    pub half_life: f32,
    /// Disc radius scale (original 0.04: radius √0.1·0.04 ≈ 2.8 px at 224).
    pub render_radius: f32,
    /// Edge sharpness in units of 1/render_radius (original 30).
    pub sharpness: f32,
    /// Whether colours drift (original: true).
    #[serde(alias = "update_colors")]
    pub update_colours: bool,
}

impl Default for PlifePlusConfig {
    fn default() -> Self {
        Self {
            particles: 1000,
            dt: 0.02,
            beta: 0.3,
            rmax: 0.1,
            mass: 0.1,
            half_life: 0.04,
            render_radius: 0.04,
            sharpness: 30.0,
            update_colours: true,
        }
    }
}

/// Uniform parameters. Keep in sync with `PlifePlusParams` in `shaders/plife_plus_step.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct PlifePlusParams {
    /// Particles per world.
    pub particles: u32,
    /// Worlds in the batch.
    pub worlds: u32,
    /// Grid cells allocated per world.
    pub cell_stride: u32,
    /// Simulation grid cells per side.
    pub side: u32,
    /// Time step.
    pub dt: f32,
    /// β.
    pub beta: f32,
    /// rmax.
    pub rmax: f32,
    /// Mass.
    pub mass: f32,
    /// 0.5^(dt/half_life).
    pub mu: f32,
    /// Rendered disc radius.
    pub radius: f32,
    /// Whether colours drift.
    pub update_colours: u32,
    /// Grid cells per rmax along each axis (cells are at least rmax / this wide).
    pub cells_per_rmax: u32,
}

/// Grid cells per rmax of the in-range step kernel: a particle scans the 7×7 cells around its
/// own (~5.4 rmax² of candidates instead of the 9 rmax² of 3×3 cells of ≥ rmax), and each row
/// of 7 cells is one contiguous run of entries. Measured on lavapipe in the same runs: 3 beat 1
/// (~25%) and matched 2, 4 and 5 within noise.
const CELLS_PER_RMAX: u32 = 3;
// The kernel sizes its per-particle list of neighbour runs for at most 3 (`MAX_REACH`).
const _: () = assert!(CELLS_PER_RMAX <= 3);

/// The Particle Life++ substrate.
#[derive(Debug)]
pub struct PlifePlus {
    config: PlifePlusConfig,
    genome: GenomeSpec,
    in_range_step: bool,
}

/// A world's particles: positions, velocities, colour vectors.
type Particles = (Vec<[f32; 2]>, Vec<[f32; 2]>, Vec<[f32; 6]>);

fn check(what: &str, v: f32, lo: f32, hi: f32) -> Result<()> {
    if v.is_finite() && v > lo && v <= hi {
        Ok(())
    } else {
        Err(Error::invalid(
            format!("plife_plus {what}"),
            format!("{v} is outside ({lo}, {hi}]"),
        ))
    }
}

impl PlifePlus {
    /// A Particle Life++ substrate; the original's is `PlifePlusConfig::default()`.
    pub fn new(config: PlifePlusConfig) -> Result<Self> {
        check_particles("plife_plus particles", config.particles)?;
        check("dt", config.dt, 0.0, 1.0)?;
        check("beta", config.beta, 0.0, 0.999)?;
        check("rmax", config.rmax, 0.001, 0.5)?;
        check("mass", config.mass, 0.0, 1000.0)?;
        check("half_life", config.half_life, 0.0, 100.0)?;
        check("render_radius", config.render_radius, 0.0, 0.5)?;
        check("sharpness", config.sharpness, 0.0, 1e4)?;
        let layers = [(12, 8), (8, 8), (8, 8), (8, 7)];
        let blocks = layers
            .iter()
            .enumerate()
            .flat_map(|(l, &(i, o))| {
                [
                    GenomeBlock {
                        name: format!("Dense_{l}.bias"),
                        shape: vec![o],
                        decode: Decode::Identity,
                        doc: format!("interaction network layer {l} bias"),
                    },
                    GenomeBlock {
                        name: format!("Dense_{l}.kernel"),
                        shape: vec![i, o],
                        decode: Decode::Identity,
                        doc: format!("interaction network layer {l} weights [in][out]"),
                    },
                ]
            })
            .collect();
        Ok(Self {
            config,
            genome: GenomeSpec {
                substrate: "plife_plus".into(),
                blocks,
            },
            in_range_step: true,
        })
    }

    /// Chooses the step kernel: particles in grid order with the network run only for sources
    /// inside rmax (the default), or one particle per invocation in index order with the network
    /// under a branch per candidate, kept as the benchmark baseline. They agree within float
    /// rounding (sums in another order, another tanh), not bit for bit.
    #[must_use]
    pub fn with_in_range_step(mut self, in_range_step: bool) -> Self {
        self.in_range_step = in_range_step;
        self
    }

    /// Builds the substrate from a creature file's or search config's settings (JSON object;
    /// absent fields take the original's values).
    pub fn from_json(config: &serde_json::Value) -> Result<Self> {
        let config = if config.is_null() {
            serde_json::Value::Object(Default::default())
        } else {
            config.clone()
        };
        let c: PlifePlusConfig = serde_json::from_value(config).map_err(|e| {
            Error::invalid(
                "plife_plus config",
                format!("{e}; valid fields: particles, dt, beta, rmax, mass, half_life, render_radius, sharpness, update_colours"),
            )
        })?;
        Self::new(c)
    }

    /// The settings.
    #[must_use]
    pub fn config(&self) -> &PlifePlusConfig {
        &self.config
    }

    /// The fixed physics.
    #[must_use]
    pub fn physics(&self) -> Physics {
        let c = &self.config;
        Physics {
            dt: c.dt,
            beta: c.beta,
            rmax: c.rmax,
            mass: c.mass,
            mu: 0.5f32.powf(c.dt / c.half_life),
            update_colours: c.update_colours,
        }
    }

    fn radius(&self) -> f32 {
        self.config.mass.sqrt() * self.config.render_radius
    }

    fn k(&self) -> f32 {
        self.config.sharpness / self.config.render_radius
    }

    /// One world's initial particles: drawn from the counter hash (positions uniform, colours
    /// Gaussian then normalised, v = 0) on the CPU, or given (`x`, optional `v`, `c` [N, 6]).
    pub fn initial(&self, init: &Init, global: u32, local: usize) -> Result<Particles> {
        let n = self.config.particles as usize;
        match init {
            Init::Seed(seed) => {
                let s = hash::seed32(*seed);
                let mut x = Vec::with_capacity(n);
                let mut c = Vec::with_capacity(n);
                for i in 0..n as u32 {
                    let u = |k: u32| hash::unit_f32(hash::hash4(s, global, 0, 8 * i + k));
                    x.push([u(0), u(1)]);
                    let mut g = [0f64; 6];
                    for pair in 0..3 {
                        // Box–Muller; 1 − u keeps the logarithm finite.
                        let r = (-2.0 * (1.0 - f64::from(u(2 + 2 * pair as u32))).ln()).sqrt();
                        let a = std::f64::consts::TAU * f64::from(u(3 + 2 * pair as u32));
                        g[2 * pair] = r * a.cos();
                        g[2 * pair + 1] = r * a.sin();
                    }
                    let norm = g.iter().map(|v| v * v).sum::<f64>().sqrt().max(1e-12);
                    c.push(g.map(|v| (v / norm) as f32));
                }
                Ok((x, vec![[0.0; 2]; n], c))
            }
            Init::States(states) => {
                let state = given_state(states, local)?;
                let x = read_pairs(state, "x", n)?.ok_or_else(|| {
                    Error::invalid(
                        "initial state",
                        format!("a plife_plus state needs `x` [{n}, 2] (positions in [0, 1))"),
                    )
                })?;
                let x = x
                    .into_iter()
                    .map(|p| [wrap_unit(p[0]), wrap_unit(p[1])])
                    .collect();
                let v = read_pairs(state, "v", n)?.unwrap_or_else(|| vec![[0.0; 2]; n]);
                let t = state.get("c").ok_or_else(|| {
                    Error::invalid(
                        "initial state",
                        format!("a plife_plus state needs `c` [{n}, 6] (unit colour vectors)"),
                    )
                })?;
                if t.shape != [n, COLOUR_DIMS] {
                    return Err(Error::invalid(
                        "initial state",
                        format!("`c` has shape {:?}; this substrate needs [{n}, 6]", t.shape),
                    ));
                }
                let values = t.to_f32();
                if let Some(bad) = values.iter().find(|v| !v.is_finite()) {
                    return Err(Error::invalid(
                        "initial state",
                        format!("`c` holds {bad}; values must be finite"),
                    ));
                }
                let c = values
                    .chunks_exact(COLOUR_DIMS)
                    .map(|v| [v[0], v[1], v[2], v[3], v[4], v[5]])
                    .collect();
                Ok((x, v, c))
            }
        }
    }

    fn attrs(&self, c: &[[f32; 6]]) -> Vec<[f32; 4]> {
        let r = self.radius();
        c.iter()
            .map(|c| {
                [
                    (c[0] + 1.0) / 2.0,
                    (c[1] + 1.0) / 2.0,
                    (c[2] + 1.0) / 2.0,
                    r,
                ]
            })
            .collect()
    }

    /// Renders one state on the CPU (the twin of the splat kernel), RGB `[row][col][3]`.
    pub fn render_cpu(&self, state: &State, size: usize) -> Result<Vec<f32>> {
        let (x, _, c) = self.initial(&Init::States(vec![state.clone()]), 0, 0)?;
        let order: Vec<usize> = (0..x.len()).collect();
        Ok(crate::reference::plife::render(
            &x,
            &self.attrs(&c),
            &order,
            size,
            self.k(),
        ))
    }

    fn cells_per_rmax(&self) -> u32 {
        if self.in_range_step {
            CELLS_PER_RMAX
        } else {
            1
        }
    }

    fn cells(&self) -> (u32, u32) {
        let per = self.cells_per_rmax();
        let mut sim = particle_grid::side_for(self.config.rmax / per as f32);
        // Cells must be at least rmax / per wide, so `per` of them cover rmax; the division
        // above can round the reach down by an ulp.
        while sim > 1 && f64::from(sim) * f64::from(self.config.rmax) > f64::from(per) {
            sim -= 1;
        }
        let render = particle_grid::side_for(self.radius() + SPLAT_CUTOFF / self.k());
        (sim, render)
    }
}

fn state_of(x: &[[f32; 2]], v: &[[f32; 2]], c: &[[f32; 6]]) -> State {
    let n = x.len();
    let mut s = State::new();
    s.insert("x".into(), Tensor::f32(&[n, 2], x.concat()));
    s.insert("v".into(), Tensor::f32(&[n, 2], v.concat()));
    s.insert("c".into(), Tensor::f32(&[n, COLOUR_DIMS], c.concat()));
    s
}

impl Substrate for PlifePlus {
    fn name(&self) -> &'static str {
        "plife_plus"
    }

    fn genome(&self) -> &GenomeSpec {
        &self.genome
    }

    fn default_steps(&self) -> u32 {
        1000
    }

    fn bytes_per_world(&self) -> u64 {
        let n = u64::from(self.config.particles);
        let (sim, render) = self.cells();
        // Two states of 3 vec4 each, first-layer source halves (2 vec4), disc attributes, tags,
        // the network and grid scratch.
        n * (96 + 32 + 16 + 4)
            + NET_SIZE as u64 * 4
            + GridScratch::bytes_per_world(self.config.particles, sim.max(render).pow(2))
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
        check_batch_limits(gpu, "plife_plus", n, worlds, 48)?;
        let mut states: Vec<[f32; 4]> = Vec::with_capacity((3 * n * worlds) as usize);
        let mut attrs = Vec::with_capacity((n * worlds) as usize);
        for w in 0..worlds {
            let (x, v, c) = self.initial(init, first_world + w, w as usize)?;
            for ((x, v), c) in x.iter().zip(&v).zip(&c) {
                states.extend([
                    [x[0], x[1], v[0], v[1]],
                    [c[0], c[1], c[2], c[3]],
                    [c[4], c[5], 0.0, 0.0],
                ]);
            }
            attrs.extend(self.attrs(&c));
        }
        let tags: Vec<u32> = (0..worlds).flat_map(|_| 0..n).collect();
        let (sim_side, render_side) = self.cells();
        let cell_stride = sim_side.max(render_side).pow(2);
        let p = self.physics();
        let params = PlifePlusParams {
            particles: n,
            worlds,
            cell_stride,
            side: sim_side,
            dt: p.dt,
            beta: p.beta,
            rmax: p.rmax,
            mass: p.mass,
            mu: p.mu,
            radius: self.radius(),
            update_colours: u32::from(p.update_colours),
            cells_per_rmax: self.cells_per_rmax(),
        };
        let usage = wgpu::BufferUsages::empty();
        let uniform = gpu.storage_buffer(
            "plife_plus params",
            bytemuck::bytes_of(&params),
            wgpu::BufferUsages::UNIFORM,
        );
        let nets = gpu.storage_buffer("plife_plus networks", bytemuck::cast_slice(genomes), usage);
        let state_buf = [
            gpu.storage_buffer("plife_plus state a", bytemuck::cast_slice(&states), usage),
            gpu.storage_zeroed("plife_plus state b", states.len() as u64 * 16),
        ];
        let attr_buf = gpu.storage_buffer("plife_plus discs", bytemuck::cast_slice(&attrs), usage);
        let halves = gpu.storage_zeroed(
            "plife_plus first-layer source halves",
            u64::from(n) * u64::from(worlds) * 32,
        );
        let tag_buf = gpu.storage_buffer("plife_plus order", bytemuck::cast_slice(&tags), usage);
        let grid_pipelines = shaders::particle_grid_pipelines(gpu);
        let pipelines = shaders::plife_plus_pipelines(gpu, self.in_range_step);
        let scratch = GridScratch::new(gpu, n, worlds, cell_stride);
        let worlds_sides = |side: u32| vec![side; worlds as usize];
        let sim = GridUse::new(
            gpu,
            &grid_pipelines,
            &scratch,
            &state_buf,
            3,
            &worlds_sides(sim_side),
            &tag_buf,
            CellOrder::Index,
        );
        let splatter = Splatter::new(
            gpu,
            &grid_pipelines,
            &scratch,
            &state_buf,
            3,
            &worlds_sides(render_side),
            &tag_buf,
            self.k(),
        );
        let step_groups = [0usize, 1].map(|i| {
            let mut entries = vec![
                entry(0, &uniform),
                entry(1, &nets),
                entry(2, &state_buf[i]),
                entry(3, &state_buf[1 - i]),
                entry(4, scratch.counts()),
                entry(5, scratch.starts()),
                entry(6, &scratch.entries),
                entry(7, &attr_buf),
            ];
            if pipelines.source_halves.is_some() {
                entries.push(entry(8, &halves));
            }
            gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("plife_plus step"),
                layout: &pipelines.step.get_bind_group_layout(0),
                entries: &entries,
            })
        });
        let halves_groups = pipelines.source_halves.as_ref().map(|pipeline| {
            [0usize, 1].map(|i| {
                gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some("plife_plus source halves"),
                    layout: &pipeline.get_bind_group_layout(0),
                    entries: &[
                        entry(0, &uniform),
                        entry(1, &nets),
                        entry(2, &state_buf[i]),
                        entry(8, &halves),
                    ],
                })
            })
        });
        Ok(Box::new(PlifePlusBatch {
            gpu: gpu.clone(),
            params,
            states: state_buf,
            attrs: attr_buf,
            current: 0,
            step_groups,
            halves_groups,
            pipelines,
            grid_pipelines,
            scratch,
            sim,
            splatter,
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
        let local = match init {
            Init::States(s) if s.len() > 1 => world as usize,
            _ => 0,
        };
        let (mut x, mut v, mut c) = self.initial(init, world, local)?;
        let physics = self.physics();
        let last = steps.iter().copied().max().unwrap_or(0);
        let mut out = Vec::with_capacity(steps.len());
        for t in 0..=last {
            if steps.contains(&t) {
                out.push(state_of(&x, &v, &c));
            }
            if t < last {
                twin::step(&mut x, &mut v, &mut c, genome, &physics);
            }
        }
        Ok(out)
    }
}

/// Particle Life++ worlds on the GPU.
struct PlifePlusBatch {
    gpu: Gpu,
    params: PlifePlusParams,
    states: [wgpu::Buffer; 2],
    attrs: wgpu::Buffer,
    current: usize,
    step_groups: [wgpu::BindGroup; 2],
    /// First-layer source halves of the current state (in-range kernel only).
    halves_groups: Option<[wgpu::BindGroup; 2]>,
    pipelines: shaders::PlifePlusPipelines,
    grid_pipelines: shaders::ParticleGridPipelines,
    scratch: GridScratch,
    sim: GridUse,
    splatter: Splatter,
}

impl WorldBatch for PlifePlusBatch {
    fn len(&self) -> u32 {
        self.params.worlds
    }

    fn encode_step(&mut self, encoder: &mut wgpu::CommandEncoder) {
        self.sim
            .encode(encoder, &self.grid_pipelines, &self.scratch, self.current);
        let groups = self.params.particles.div_ceil(64);
        let mut pass = encoder.begin_compute_pass(&Default::default());
        if let (Some(pipeline), Some(halves)) = (&self.pipelines.source_halves, &self.halves_groups)
        {
            pass.set_pipeline(pipeline);
            pass.set_bind_group(0, &halves[self.current], &[]);
            pass.dispatch_workgroups(groups, 1, self.params.worlds);
        }
        pass.set_pipeline(&self.pipelines.step);
        pass.set_bind_group(0, &self.step_groups[self.current], &[]);
        pass.dispatch_workgroups(groups, 1, self.params.worlds);
        drop(pass);
        self.current = 1 - self.current;
    }

    fn encode_render(&self, encoder: &mut wgpu::CommandEncoder, target: &FrameTarget, slot: u32) {
        self.splatter.encode(
            &self.gpu,
            encoder,
            &self.grid_pipelines,
            &self.scratch,
            self.current,
            &self.attrs,
            target,
            slot,
        );
    }

    fn read_states(&self, gpu: &Gpu) -> Result<Vec<State>> {
        let buf = &self.states[self.current];
        let bytes = gpu.read_buffer(None, buf, 0, buf.size())?;
        let all: &[[f32; 4]] = bytemuck::cast_slice(&bytes);
        let n = self.params.particles as usize;
        Ok(all
            .chunks_exact(3 * n)
            .map(|world| {
                let (mut x, mut v, mut c) = (Vec::new(), Vec::new(), Vec::new());
                for p in world.chunks_exact(3) {
                    x.push([p[0][0], p[0][1]]);
                    v.push([p[0][2], p[0][3]]);
                    c.push([p[1][0], p[1][1], p[1][2], p[1][3], p[2][0], p[2][1]]);
                }
                state_of(&x, &v, &c)
            })
            .collect())
    }
}
