//! Particle Life (`plife`), as the original's `substrates/plife.py` (ASAL, Kumar et al. 2024;
//! after Jeffrey Ventrella's Clusters and Tom Mohr's particle-life formulation).
//!
//! N particles of K colours on the unit torus. The force on i from j at minimum-image
//! separation r is r̂·rmax·f(|r|/rmax) with f(q) = q/β − 1 below β and α·(1 − |2q − 1 − β|/(1 − β))
//! between β and 1 (α = α[c_i, c_j]; β, rmax, mass and friction of the receiving colour).
//! Update: a = ΣF/mass, v ← μv + a·dt with μ = 0.5^(dt/half_life), x ← (x + v·dt) mod 1.
//!
//! The genome is the original's flat `params` for its `search_space` (default `beta+alpha`,
//! 42 dimensions at K = 6): the fields in sorted-key order, each decoded as the original:
//! α = 3σ − 1.5, β = σ, c_dist (colour logits), dt = 10^(3σ − 4), half_life = 10^(1.5σ − 2.5),
//! mass = 10^(1.5σ − 1.5), rmax = 10^(1.5σ − 2), x_dist (position-bin logits). Fields outside
//! the search space take the config's fixed values.
//!
//! Unlike the original's dense O(N²) sum, neighbours come from a uniform grid rebuilt on the GPU
//! every step ([`crate::particle_grid`]) with cells at least rmax wide, so a step costs about
//! 9/side² of all pairs; [`pair_count_stats`] measures it. Rendering splats soft discs
//! (coverage 1 − σ(k(d − r)), r = √mass·render_radius, k = sharpness/render_radius) in the
//! original's order (heaviest first, ties in reverse index order, so particle 0 ends on top) on
//! black, over only the pixels each disc reaches.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::genome::{Decode, Decoded, GenomeBlock, GenomeSpec};
use crate::gol::entry;
use crate::gpu::Gpu;
use crate::hash;
use crate::particle_grid::{
    self, CellOrder, GridScratch, GridUse, PairCounts, SPLAT_CUTOFF, Splatter,
};
use crate::reference::plife::{self as twin, Physics};
use crate::shaders;
use crate::substrate::{FrameTarget, Init, Substrate, WorldBatch};
use crate::tensors::{State, Tensor};

/// Largest particle count per world (bounded by one dispatch dimension of 64-wide workgroups on
/// common adapters; the adapter's own limits are checked when a batch is created).
pub const MAX_PARTICLES: u32 = 1 << 22;

/// Largest colour count.
pub const MAX_COLOURS: u32 = 32;

/// The original's palette (colours beyond 8 reuse it cyclically).
pub const PALETTE: [[f32; 3]; 8] = [
    [1.0, 0.0, 0.0],
    [0.0, 1.0, 0.0],
    [0.0, 0.0, 1.0],
    [1.0, 1.0, 0.0],
    [1.0, 0.0, 1.0],
    [0.0, 1.0, 1.0],
    [1.0, 1.0, 1.0],
    [143.0 / 255.0, 93.0 / 255.0, 0.0],
];

/// Fields the original can search, in its flat (sorted-key) order.
pub const SEARCHABLE: [&str; 8] = [
    "alpha",
    "beta",
    "c_dist",
    "dt",
    "half_life",
    "mass",
    "rmax",
    "x_dist",
];

/// How forces find their sources.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Neighbours {
    /// The uniform grid (the default).
    #[default]
    Grid,
    /// The original's dense sum over all pairs; only a benchmark baseline.
    AllPairs,
}

/// Settings of the Particle Life substrate (a creature file's `config`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PlifeConfig {
    /// Particles per world (original: 5000).
    pub particles: u32,
    /// Colours K (original: 6).
    pub colours: u32,
    /// `+`-separated searched fields, as the original (`beta+alpha`; also c_dist, dt, half_life,
    /// mass, rmax, x_dist). Must include `alpha`.
    pub search_space: String,
    /// β of every colour when `beta` is not searched.
    pub beta: f32,
    /// Time step when `dt` is not searched (original 0.002).
    pub dt: f32,
    /// Velocity half-life when not searched (original 0.04).
    pub half_life: f32,
    /// Interaction range when not searched (original 0.1).
    pub rmax: f32,
    /// Mass when not searched (original 0.1).
    pub mass: f32,
    /// Disc radius scale in world units (original 0.01: discs of ≈ 0.7 px at 224).
    pub render_radius: f32,
    /// Edge sharpness in units of 1/render_radius (original 20).
    pub sharpness: f32,
    /// Position bins per side of the `x_dist` categorical (original 7).
    pub x_dist_bins: u32,
    /// Neighbour search (grid; all pairs only for benchmarks).
    pub neighbours: Neighbours,
}

impl Default for PlifeConfig {
    fn default() -> Self {
        Self {
            particles: 5000,
            colours: 6,
            search_space: "beta+alpha".into(),
            beta: 0.3,
            dt: 0.002,
            half_life: 0.04,
            rmax: 0.1,
            mass: 0.1,
            render_radius: 0.01,
            sharpness: 20.0,
            x_dist_bins: 7,
            neighbours: Neighbours::Grid,
        }
    }
}

/// Uniform parameters. Keep in sync with `PlifeParams` in `shaders/plife_common.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
pub struct PlifeParams {
    /// Particles per world.
    pub particles: u32,
    /// Colours K.
    pub colours: u32,
    /// Worlds in the batch.
    pub worlds: u32,
    /// Floats per world in the physics table.
    pub table_stride: u32,
    /// Grid cells allocated per world.
    pub cell_stride: u32,
    /// Padding.
    pub pad: [u32; 3],
}

/// One decoded world: physics plus the initial-state distributions.
#[derive(Clone, Debug)]
pub struct World {
    /// Forces and integration.
    pub physics: Physics,
    /// Cumulative colour probabilities (softmax of c_dist), last = 1.
    pub colour_cdf: Vec<f32>,
    /// Cumulative position-bin probabilities (softmax of x_dist, bin = bx·bins + by), last = 1.
    pub bin_cdf: Vec<f32>,
}

/// A world's particles: positions, velocities, colour ids.
pub type Particles = (Vec<[f32; 2]>, Vec<[f32; 2]>, Vec<u32>);

/// The Particle Life substrate.
#[derive(Debug)]
pub struct Plife {
    config: PlifeConfig,
    genome: GenomeSpec,
    searched: Vec<&'static str>,
    cell_step: bool,
    alpha_rows: bool,
    tiled_render: bool,
    linked_render_keys: bool,
}

fn check_range(what: &str, v: f32, lo: f32, hi: f32, lo_open: bool) -> Result<()> {
    let ok = v.is_finite() && v <= hi && if lo_open { v > lo } else { v >= lo };
    if ok {
        Ok(())
    } else {
        let open = if lo_open { "(" } else { "[" };
        Err(Error::invalid(
            what.to_owned(),
            format!("{v} is outside {open}{lo}, {hi}]"),
        ))
    }
}

/// Checks a particle count against the engine's bound.
pub(crate) fn check_particles(what: &str, n: u32) -> Result<()> {
    if n == 0 || n > MAX_PARTICLES {
        return Err(Error::invalid(
            what.to_owned(),
            format!("{n} particles; valid: 1..={MAX_PARTICLES}"),
        ));
    }
    Ok(())
}

/// Checks that `worlds` × `particles` × `bytes` fits the adapter's storage bindings and dispatch
/// dimensions.
pub(crate) fn check_batch_limits(
    gpu: &Gpu,
    substrate: &str,
    particles: u32,
    worlds: u32,
    bytes_per_particle: u64,
) -> Result<()> {
    let limits = gpu.limits();
    let bytes = u64::from(particles) * u64::from(worlds) * bytes_per_particle;
    let binding = limits
        .max_storage_buffer_binding_size
        .min(limits.max_buffer_size);
    if bytes > binding {
        return Err(Error::invalid(
            format!("{substrate} batch"),
            format!(
                "{worlds} worlds × {particles} particles need {bytes} bytes in one buffer, over the adapter's {binding} byte limit; use fewer particles or worlds"
            ),
        ));
    }
    let dim = limits.max_workgroups_per_dimension;
    if particles.div_ceil(64) > dim || worlds > dim {
        return Err(Error::invalid(
            format!("{substrate} batch"),
            format!(
                "{worlds} worlds × {particles} particles exceed the adapter's {dim} workgroups per dispatch dimension (at most {} particles, {dim} worlds)",
                u64::from(dim) * 64
            ),
        ));
    }
    Ok(())
}

/// Reads `[n, 2]` float positions (or velocities) named `name` from a state.
pub(crate) fn read_pairs(state: &State, name: &str, n: usize) -> Result<Option<Vec<[f32; 2]>>> {
    let Some(t) = state.get(name) else {
        return Ok(None);
    };
    if t.shape != [n, 2] {
        return Err(Error::invalid(
            "initial state",
            format!(
                "`{name}` has shape {:?}; this substrate needs [{n}, 2]",
                t.shape
            ),
        ));
    }
    let v = t.to_f32();
    if let Some(bad) = v.iter().find(|v| !v.is_finite()) {
        return Err(Error::invalid(
            "initial state",
            format!("`{name}` holds {bad}; values must be finite"),
        ));
    }
    Ok(Some(v.chunks_exact(2).map(|p| [p[0], p[1]]).collect()))
}

/// Wraps a position into [0, 1) as the step does.
pub(crate) fn wrap_unit(p: f32) -> f32 {
    let w = p - p.floor();
    if w >= 1.0 { 0.0 } else { w }
}

/// The state given to world `local` of a batch (one per world, or one shared).
pub(crate) fn given_state(states: &[State], local: usize) -> Result<&State> {
    states
        .get(local)
        .or(states.first())
        .ok_or_else(|| Error::invalid("initial states", "no state given"))
}

/// Cumulative probabilities of softmax(logits), in f64, the last forced to 1.
fn softmax_cdf(logits: &[f32]) -> Vec<f32> {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let e: Vec<f64> = logits.iter().map(|&l| f64::from(l - max).exp()).collect();
    let total: f64 = e.iter().sum();
    let mut acc = 0.0;
    let mut cdf: Vec<f32> = e
        .iter()
        .map(|v| {
            acc += v / total;
            acc as f32
        })
        .collect();
    if let Some(last) = cdf.last_mut() {
        *last = 1.0;
    }
    cdf
}

/// First index whose cumulative probability exceeds `u` (inverse CDF sampling).
fn pick(cdf: &[f32], u: f32) -> usize {
    cdf.iter()
        .position(|&c| u < c)
        .unwrap_or(cdf.len().saturating_sub(1))
}

impl Plife {
    /// A Particle Life substrate; the original's is `PlifeConfig::default()`.
    pub fn new(config: PlifeConfig) -> Result<Self> {
        check_particles("plife particles", config.particles)?;
        if !(1..=MAX_COLOURS).contains(&config.colours) {
            return Err(Error::invalid(
                "plife colours",
                format!("{}; valid: 1..={MAX_COLOURS}", config.colours),
            ));
        }
        check_range("plife beta", config.beta, 0.0, 0.999, true)?;
        check_range("plife dt", config.dt, 0.0, 0.1, true)?;
        check_range("plife half_life", config.half_life, 0.0, 100.0, true)?;
        check_range("plife rmax", config.rmax, 0.001, 0.5, false)?;
        check_range("plife mass", config.mass, 0.0, 1000.0, true)?;
        check_range("plife render_radius", config.render_radius, 0.0, 0.5, true)?;
        check_range("plife sharpness", config.sharpness, 0.0, 1e4, true)?;
        if !(1..=64).contains(&config.x_dist_bins) {
            return Err(Error::invalid(
                "plife x_dist_bins",
                format!("{}; valid: 1..=64", config.x_dist_bins),
            ));
        }
        let mut searched = Vec::new();
        for field in config.search_space.split('+').map(str::trim) {
            match SEARCHABLE.iter().find(|&&s| s == field) {
                Some(&s) if !searched.contains(&s) => searched.push(s),
                Some(_) => {}
                None => {
                    return Err(Error::invalid(
                        "plife search_space",
                        format!(
                            "`{field}` in `{}` is not a searchable field; valid: {} joined by `+` (e.g. `beta+alpha`)",
                            config.search_space,
                            SEARCHABLE.join(", ")
                        ),
                    ));
                }
            }
        }
        if !searched.contains(&"alpha") {
            return Err(Error::invalid(
                "plife search_space",
                format!("`{}` must include `alpha`", config.search_space),
            ));
        }
        // The original's flat vector follows sorted keys.
        searched.sort_unstable();
        let k = config.colours as usize;
        let bins = config.x_dist_bins as usize;
        let sig = |lo: f32, hi: f32, log10: bool| Decode::Sigmoid { lo, hi, log10 };
        let blocks = searched
            .iter()
            .map(|&name| {
                let (shape, decode, doc) = match name {
                    "alpha" => (
                        vec![k, k],
                        sig(-1.5, 1.5, false),
                        "attraction α[receiver][source] = 3σ − 1.5",
                    ),
                    "beta" => (
                        vec![k],
                        sig(0.0, 1.0, false),
                        "repulsion range β (fraction of rmax) = σ",
                    ),
                    "c_dist" => (vec![k], Decode::Identity, "colour logits (softmax)"),
                    "dt" => (vec![1], sig(-4.0, -1.0, true), "time step 10^(3σ − 4)"),
                    "half_life" => (
                        vec![k],
                        sig(-2.5, -1.0, true),
                        "velocity half-life 10^(1.5σ − 2.5)",
                    ),
                    "mass" => (vec![k], sig(-1.5, 0.0, true), "mass 10^(1.5σ − 1.5)"),
                    "rmax" => (
                        vec![k],
                        sig(-2.0, -0.5, true),
                        "interaction range 10^(1.5σ − 2)",
                    ),
                    _ => (
                        vec![bins, bins],
                        Decode::Identity,
                        "initial position-bin logits (softmax)",
                    ),
                };
                GenomeBlock {
                    name: name.into(),
                    shape,
                    decode,
                    doc: doc.into(),
                }
            })
            .collect();
        Ok(Self {
            config,
            genome: GenomeSpec {
                substrate: "plife".into(),
                blocks,
            },
            searched,
            cell_step: true,
            alpha_rows: true,
            tiled_render: true,
            linked_render_keys: true,
        })
    }

    /// Chooses the grid step kernel: one invocation per grid cell, each neighbour load serving
    /// several of the cell's particles (the default), or one invocation per particle, kept as
    /// the benchmark baseline. Both give the same bits.
    #[must_use]
    pub fn with_cell_step(mut self, cell_step: bool) -> Self {
        self.cell_step = cell_step;
        self
    }

    /// In the cell step, whether each pass holds its particles' α rows in registers and picks a
    /// neighbour's α by its colour (the default, up to 8 colours), or loads it from the table per
    /// particle and neighbour, kept as the benchmark baseline. Both give the same bits.
    #[must_use]
    pub fn with_alpha_rows(mut self, alpha_rows: bool) -> Self {
        self.alpha_rows = alpha_rows;
        self
    }

    /// Chooses the splat kernel: one invocation per tile of pixels sharing a render cell, each
    /// loaded disc serving the whole tile (the default), or one invocation per pixel, kept as
    /// the benchmark baseline. Both give the same bits.
    #[must_use]
    pub fn with_tiled_render(mut self, tiled_render: bool) -> Self {
        self.tiled_render = tiled_render;
        self
    }

    /// Tiled splat variant: tall tiles over render-grid entries that carry their cell's next draw
    /// key (the default: two loads per disc walked, serving up to 32 pixels), or square tiles
    /// over entries carrying their own (three loads, 16 pixels: kept as the benchmark baseline).
    /// Both give the same bits.
    #[must_use]
    pub fn with_linked_render_keys(mut self, linked: bool) -> Self {
        self.linked_render_keys = linked;
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
        let c: PlifeConfig = serde_json::from_value(config).map_err(|e| {
            Error::invalid(
                "plife config",
                format!("{e}; valid fields: particles, colours, search_space, beta, dt, half_life, rmax, mass, render_radius, sharpness, x_dist_bins, neighbours"),
            )
        })?;
        Self::new(c)
    }

    /// The settings.
    #[must_use]
    pub fn config(&self) -> &PlifeConfig {
        &self.config
    }

    /// Decodes one genome into physics and initial distributions.
    pub fn world(&self, genome: &[f32]) -> Result<World> {
        let d: Decoded = self.genome.decode(genome)?;
        let k = self.config.colours as usize;
        let c = &self.config;
        let per_colour = |name: &str, fixed: f32| -> Vec<f32> {
            d.get(name).map_or_else(|| vec![fixed; k], <[f32]>::to_vec)
        };
        let dt = d.get("dt").and_then(|v| v.first().copied()).unwrap_or(c.dt);
        let half_life = per_colour("half_life", c.half_life);
        let mu = half_life.iter().map(|&h| 0.5f32.powf(dt / h)).collect();
        let bins = (c.x_dist_bins * c.x_dist_bins) as usize;
        Ok(World {
            physics: Physics {
                colours: k,
                alpha: d.get("alpha").map(<[f32]>::to_vec).unwrap_or_default(),
                beta: per_colour("beta", c.beta),
                rmax: per_colour("rmax", c.rmax),
                mass: per_colour("mass", c.mass),
                mu,
                dt,
            },
            colour_cdf: softmax_cdf(d.get("c_dist").unwrap_or(&vec![0.0; k])),
            bin_cdf: softmax_cdf(d.get("x_dist").unwrap_or(&vec![0.0; bins])),
        })
    }

    /// Positions, velocities and colours of one world at the start: drawn from the counter hash
    /// (colour ~ softmax(c_dist); position = a bin of softmax(x_dist) plus a uniform offset;
    /// v = 0), or given. Drawn on the CPU, so the GPU batch and the twin start identical.
    pub fn initial(
        &self,
        world: &World,
        init: &Init,
        global: u32,
        local: usize,
    ) -> Result<Particles> {
        let n = self.config.particles as usize;
        match init {
            Init::Seed(seed) => {
                let s = hash::seed32(*seed);
                let bins = self.config.x_dist_bins;
                let inv = 1.0 / bins as f32;
                let mut x = Vec::with_capacity(n);
                let mut c = Vec::with_capacity(n);
                for i in 0..n as u32 {
                    let u = |k: u32| hash::unit_f32(hash::hash4(s, global, 0, 4 * i + k));
                    c.push(pick(&world.colour_cdf, u(0)) as u32);
                    let b = pick(&world.bin_cdf, u(1)) as u32;
                    let (bx, by) = ((b / bins) as f32, (b % bins) as f32);
                    x.push([wrap_unit((bx + u(2)) * inv), wrap_unit((by + u(3)) * inv)]);
                }
                Ok((x, vec![[0.0; 2]; n], c))
            }
            Init::States(states) => {
                let state = given_state(states, local)?;
                let x = read_pairs(state, "x", n)?.ok_or_else(|| {
                    Error::invalid(
                        "initial state",
                        format!("a plife state needs `x` [{n}, 2] (positions in [0, 1))"),
                    )
                })?;
                let x = x
                    .into_iter()
                    .map(|p| [wrap_unit(p[0]), wrap_unit(p[1])])
                    .collect();
                let v = read_pairs(state, "v", n)?.unwrap_or_else(|| vec![[0.0; 2]; n]);
                let c = match state.get("c") {
                    Some(t) if t.shape == [n] => {
                        let c = t.to_i32();
                        if let Some(bad) = c
                            .iter()
                            .find(|&&c| c < 0 || c >= self.config.colours as i32)
                        {
                            return Err(Error::invalid(
                                "initial state",
                                format!(
                                    "`c` holds colour {bad}; valid: 0..{}",
                                    self.config.colours
                                ),
                            ));
                        }
                        c.into_iter().map(|c| c as u32).collect()
                    }
                    Some(t) => {
                        return Err(Error::invalid(
                            "initial state",
                            format!("`c` has shape {:?}; this substrate needs [{n}]", t.shape),
                        ));
                    }
                    None => {
                        return Err(Error::invalid(
                            "initial state",
                            format!("a plife state needs `c` [{n}] (colour ids)"),
                        ));
                    }
                };
                Ok((x, v, c))
            }
        }
    }

    /// Disc colour and radius per particle: palette colour, √mass·render_radius.
    #[must_use]
    pub fn attrs(&self, physics: &Physics, c: &[u32]) -> Vec<[f32; 4]> {
        c.iter()
            .map(|&c| {
                let [r, g, b] = PALETTE[c as usize % PALETTE.len()];
                let radius = physics.mass[c as usize].sqrt() * self.config.render_radius;
                [r, g, b, radius]
            })
            .collect()
    }

    /// Draw keys: position of each particle in the original's drawing order (heaviest first,
    /// equal masses in reverse index order: `argsort(mass)[::-1]` with a stable argsort).
    #[must_use]
    pub fn draw_keys(physics: &Physics, c: &[u32]) -> Vec<u32> {
        let n = c.len() as u32;
        c.iter()
            .enumerate()
            .map(|(i, &ci)| {
                let m = physics.mass[ci as usize];
                let heavier = {
                    let mut distinct: Vec<f32> =
                        physics.mass.iter().copied().filter(|&x| x > m).collect();
                    distinct.sort_by(f32::total_cmp);
                    distinct.dedup();
                    distinct.len() as u32
                };
                heavier * n + (n - 1 - i as u32)
            })
            .collect()
    }

    /// k = sharpness / render_radius.
    fn k(&self) -> f32 {
        self.config.sharpness / self.config.render_radius
    }

    /// Renders one state on the CPU (the twin of the splat kernel), RGB `[row][col][3]`.
    pub fn render_cpu(&self, genome: &[f32], state: &State, size: usize) -> Result<Vec<f32>> {
        let world = self.world(genome)?;
        let (x, _, c) = self.initial(&world, &Init::States(vec![state.clone()]), 0, 0)?;
        let keys = Self::draw_keys(&world.physics, &c);
        let mut order: Vec<usize> = (0..c.len()).collect();
        order.sort_by_key(|&i| keys[i]);
        Ok(twin::render(
            &x,
            &self.attrs(&world.physics, &c),
            &order,
            size,
            self.k(),
        ))
    }

    /// Render grid side for a world: cells at least the widest disc's reach.
    fn render_side(&self, physics: &Physics) -> u32 {
        let widest = physics
            .mass
            .iter()
            .map(|m| m.sqrt() * self.config.render_radius)
            .fold(0.0, f32::max);
        particle_grid::side_for(widest + SPLAT_CUTOFF / self.k())
    }

    fn worst_cells(&self) -> u64 {
        let free = ["rmax", "mass"].iter().any(|f| self.searched.contains(f));
        if free {
            u64::from(particle_grid::MAX_SIDE).pow(2)
        } else {
            let physics = Physics {
                colours: 1,
                alpha: vec![0.0],
                beta: vec![self.config.beta],
                rmax: vec![self.config.rmax],
                mass: vec![self.config.mass],
                mu: vec![0.0],
                dt: self.config.dt,
            };
            let side = particle_grid::side_for(self.config.rmax).max(self.render_side(&physics));
            u64::from(side).pow(2)
        }
    }
}

/// Pair evaluations per step of the grid against all pairs, for the positions of a state.
#[must_use]
pub fn pair_count_stats(x: &[[f32; 2]], rmax: f32) -> PairCounts {
    particle_grid::pair_counts(x, rmax)
}

fn state_of(x: &[[f32; 2]], v: &[[f32; 2]], c: &[u32]) -> State {
    let n = x.len();
    let mut s = State::new();
    s.insert("x".into(), Tensor::f32(&[n, 2], x.concat()));
    s.insert("v".into(), Tensor::f32(&[n, 2], v.concat()));
    s.insert(
        "c".into(),
        Tensor::i32(&[n], c.iter().map(|&c| c as i32).collect()),
    );
    s
}

impl Substrate for Plife {
    fn name(&self) -> &'static str {
        "plife"
    }

    fn genome(&self) -> &GenomeSpec {
        &self.genome
    }

    fn default_steps(&self) -> u32 {
        1000
    }

    fn bytes_per_world(&self) -> u64 {
        let n = u64::from(self.config.particles);
        let k = u64::from(self.config.colours);
        // Two states, colours, draw keys, disc attributes, the physics table and grid scratch.
        n * (32 + 4 + 4 + 16)
            + (4 + k * k + 4 * k) * 4
            + GridScratch::bytes_per_world(self.config.particles, self.worst_cells() as u32)
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
        check_batch_limits(gpu, "plife", n, worlds, 16)?;
        let k = self.config.colours as usize;
        let stride = 4 + k * k + 4 * k;
        let mut table = Vec::with_capacity(stride * worlds as usize);
        let mut states = Vec::with_capacity((n * worlds) as usize);
        let mut colours = Vec::with_capacity((n * worlds) as usize);
        let mut keys = Vec::with_capacity((n * worlds) as usize);
        let mut attrs: Vec<[f32; 4]> = Vec::with_capacity((n * worlds) as usize);
        let mut sim_sides = Vec::new();
        let mut render_sides = Vec::new();
        for (w, genome) in genomes.chunks_exact(self.genome.dim()).enumerate() {
            let world = self.world(genome)?;
            let p = &world.physics;
            let (x, v, c) = self.initial(&world, init, first_world + w as u32, w)?;
            let side = particle_grid::side_for(p.rmax.iter().copied().fold(0.0, f32::max));
            sim_sides.push(side);
            render_sides.push(self.render_side(p));
            table.extend([p.dt, side as f32, 0.0, 0.0]);
            table.extend(&p.alpha);
            table.extend(&p.beta);
            table.extend(&p.rmax);
            table.extend(&p.mass);
            table.extend(&p.mu);
            states.extend(x.iter().zip(&v).map(|(x, v)| [x[0], x[1], v[0], v[1]]));
            keys.extend(Self::draw_keys(p, &c));
            attrs.extend(self.attrs(p, &c));
            colours.extend(c);
        }
        let cell_stride = sim_sides
            .iter()
            .chain(&render_sides)
            .map(|s| s * s)
            .max()
            .unwrap_or(1);
        let params = PlifeParams {
            particles: n,
            colours: k as u32,
            worlds,
            table_stride: stride as u32,
            cell_stride,
            pad: [0; 3],
        };
        let usage = wgpu::BufferUsages::empty();
        let uniform = gpu.storage_buffer(
            "plife params",
            bytemuck::bytes_of(&params),
            wgpu::BufferUsages::UNIFORM,
        );
        let table = gpu.storage_buffer("plife table", bytemuck::cast_slice(&table), usage);
        let state_buf = [
            gpu.storage_buffer("plife state a", bytemuck::cast_slice(&states), usage),
            gpu.storage_zeroed("plife state b", states.len() as u64 * 16),
        ];
        let colour_buf = gpu.storage_buffer("plife colours", bytemuck::cast_slice(&colours), usage);
        let key_buf = gpu.storage_buffer("plife draw keys", bytemuck::cast_slice(&keys), usage);
        let attr_buf = gpu.storage_buffer("plife discs", bytemuck::cast_slice(&attrs), usage);
        let grid_pipelines = shaders::particle_grid_pipelines(gpu);
        let mut pipelines = shaders::plife_pipelines(gpu, self.config.neighbours, self.cell_step);
        if self.config.neighbours == Neighbours::Grid && self.cell_step && !self.alpha_rows {
            pipelines.step = gpu.pipeline_with_constants(
                "plife_step_cells (ALPHA_ROWS 0)",
                shaders::PLIFE_STEP_CELLS,
                "step_cells",
                &[("ALPHA_ROWS", 0.0)],
            );
        }
        let scratch = GridScratch::new(gpu, n, worlds, cell_stride);
        let sim = GridUse::new(
            gpu,
            &grid_pipelines,
            &scratch,
            &state_buf,
            1,
            &sim_sides,
            &colour_buf,
            CellOrder::Index,
        );
        let splatter = Splatter::new(
            gpu,
            &grid_pipelines,
            &scratch,
            &state_buf,
            1,
            &render_sides,
            &key_buf,
            self.k(),
        )
        .with_tiles(self.tiled_render)
        .with_linked_keys(self.linked_render_keys);
        let step_groups = [0usize, 1].map(|i| {
            let mut e = vec![
                entry(0, &uniform),
                entry(1, &table),
                entry(2, &state_buf[i]),
                entry(3, &state_buf[1 - i]),
                entry(4, &colour_buf),
            ];
            if self.config.neighbours == Neighbours::Grid {
                e.extend([
                    entry(5, scratch.counts()),
                    entry(6, scratch.starts()),
                    entry(7, &scratch.entries),
                ]);
            }
            gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
                label: Some("plife step"),
                layout: &pipelines.step.get_bind_group_layout(0),
                entries: &e,
            })
        });
        Ok(Box::new(PlifeBatch {
            gpu: gpu.clone(),
            params,
            neighbours: self.config.neighbours,
            cell_step: self.cell_step,
            states: state_buf,
            colours,
            attrs: attr_buf,
            current: 0,
            step_groups,
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
        let w = self.world(genome)?;
        let local = match init {
            Init::States(s) if s.len() > 1 => world as usize,
            _ => 0,
        };
        let (mut x, mut v, c) = self.initial(&w, init, world, local)?;
        let last = steps.iter().copied().max().unwrap_or(0);
        let mut out = Vec::with_capacity(steps.len());
        for t in 0..=last {
            if steps.contains(&t) {
                out.push(state_of(&x, &v, &c));
            }
            if t < last {
                twin::step(&mut x, &mut v, &c, &w.physics);
            }
        }
        Ok(out)
    }
}

/// Particle Life worlds on the GPU.
struct PlifeBatch {
    gpu: Gpu,
    params: PlifeParams,
    neighbours: Neighbours,
    cell_step: bool,
    states: [wgpu::Buffer; 2],
    colours: Vec<u32>,
    attrs: wgpu::Buffer,
    current: usize,
    step_groups: [wgpu::BindGroup; 2],
    pipelines: shaders::PlifePipelines,
    grid_pipelines: shaders::ParticleGridPipelines,
    scratch: GridScratch,
    sim: GridUse,
    splatter: Splatter,
}

impl WorldBatch for PlifeBatch {
    fn len(&self) -> u32 {
        self.params.worlds
    }

    fn encode_step(&mut self, encoder: &mut wgpu::CommandEncoder) {
        if self.neighbours == Neighbours::Grid {
            self.sim
                .encode(encoder, &self.grid_pipelines, &self.scratch, self.current);
        }
        let mut pass = encoder.begin_compute_pass(&Default::default());
        pass.set_pipeline(&self.pipelines.step);
        pass.set_bind_group(0, &self.step_groups[self.current], &[]);
        if self.neighbours == Neighbours::Grid && self.cell_step {
            // 16 cells per workgroup; cells past a world's side² return at once.
            pass.dispatch_workgroups(self.params.cell_stride.div_ceil(16), 1, self.params.worlds);
        } else {
            pass.dispatch_workgroups(self.params.particles.div_ceil(64), 1, self.params.worlds);
        }
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
            .chunks_exact(n)
            .zip(self.colours.chunks_exact(n))
            .map(|(s, c)| {
                let x: Vec<[f32; 2]> = s.iter().map(|p| [p[0], p[1]]).collect();
                let v: Vec<[f32; 2]> = s.iter().map(|p| [p[2], p[3]]).collect();
                state_of(&x, &v, c)
            })
            .collect())
    }
}
