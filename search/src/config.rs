//! The run configuration: a TOML file with sections `[substrate]`, `[rollout]`, `[model]`,
//! `[objective]`, `[optimiser]` and `[run]`.
//!
//! Every field has a default (written next to it below) except `substrate.name`. Unknown keys
//! are errors (serde `deny_unknown_fields`) everywhere except `[substrate]`, whose extra keys are
//! the substrate's own options: they are kept raw ([`SubstrateConfig::options`]) and validated
//! by the substrate crate, not here. [`Config::validate`] names the failing field's path, e.g.
//! `optimiser.sigma: must be > 0, got -1`.
//!
//! ```toml
//! [substrate]
//! name = "lenia"          # required
//! # ...substrate options
//! [rollout]
//! steps = 256             # simulation steps T
//! frames = 1              # frames K scored per rollout
//! sampling = "chunk_ends" # chunk_ends | chunk_starts | explicit
//! [objective]
//! kind = "target"
//! prompts = ["a caterpillar"]
//! [optimiser]
//! kind = "sep_cma_es"
//! popsize = 16
//! ```

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::objectives::{OpenEndedness, PromptAssignment, SOFTMAX_TEMPERATURE, WeightedObjective};
use crate::optim::{
    AnyOptimiser, CmaEs, CmaEsConfig, IlluminationGa, IlluminationGaConfig, LIFE_RULES, LifeRule,
    MeanInit, RandomSampling, RandomSearch, RuleSet, SepCmaEs, SepCmaEsConfig, SepCmaMode, Sweep,
};
use crate::rng::SearchRng;

/// A whole run configuration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Which substrate and its options.
    pub substrate: SubstrateConfig,
    /// How each candidate is simulated and which frames are scored.
    #[serde(default)]
    pub rollout: RolloutConfig,
    /// The foundation model.
    #[serde(default)]
    pub model: ModelConfig,
    /// What is minimised.
    #[serde(default)]
    pub objective: ObjectiveConfig,
    /// How candidates are proposed.
    #[serde(default)]
    pub optimiser: OptimiserConfig,
    /// Seeds, repeats, checkpointing.
    #[serde(default)]
    pub run: RunConfig,
}

/// `[substrate]`: the name plus free-form options for the substrate crate to validate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubstrateConfig {
    /// Substrate name, e.g. `lenia`, `boids`, `plife`, `life` (required).
    pub name: String,
    /// Every other key of the section, untouched.
    #[serde(flatten)]
    pub options: toml::Table,
}

impl SubstrateConfig {
    /// The options as a JSON value (for creature files and the substrate crate).
    pub fn options_json(&self) -> Result<serde_json::Value> {
        serde_json::to_value(&self.options).map_err(|e| {
            Error::config(
                "substrate",
                format!("options are not representable as JSON: {e}"),
            )
        })
    }
}

/// Which frames of a rollout are rendered and scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FrameSampling {
    /// The last state of each of K equal chunks: s_{jT/K − 1}, j = 1..K (the original's
    /// `chunk_ends=True`).
    #[default]
    ChunkEnds,
    /// The first state of each of K equal chunks: s_{jT/K}, j = 0..K−1, starting with the
    /// initial state (the original's `chunk_ends=False` and its Life-like sweep).
    ChunkStarts,
    /// The steps listed in `rollout.explicit_steps`.
    Explicit,
}

/// `[rollout]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RolloutConfig {
    /// Simulation steps T. Default 256.
    pub steps: u32,
    /// Frames K scored per rollout. Default 1.
    pub frames: u32,
    /// Frame choice. Default `chunk_ends`.
    pub sampling: FrameSampling,
    /// Steps to render when `sampling = "explicit"`, each in 0..=`steps` (the state after that
    /// many steps). Default empty.
    pub explicit_steps: Vec<u32>,
    /// Also render the step after each chosen one (the one before, at the last step) and score
    /// that second track too, averaging the two: rules that strobe (B0 Life-like rules) are
    /// judged on both phases. Default: true for Life-like substrates, false otherwise.
    pub both_parities: Option<bool>,
    /// Side of the square frames handed to the model, in pixels. Default 224 (CLIP).
    pub frame_size: u32,
}

impl Default for RolloutConfig {
    fn default() -> Self {
        Self {
            steps: 256,
            frames: 1,
            sampling: FrameSampling::ChunkEnds,
            explicit_steps: Vec::new(),
            both_parities: None,
            frame_size: 224,
        }
    }
}

impl RolloutConfig {
    /// The K states of the first (or only) scored track, as step indices (state after that
    /// many steps), in order.
    pub fn frame_steps(&self) -> Vec<u32> {
        let (t, k) = (u64::from(self.steps), u64::from(self.frames.max(1)));
        match self.sampling {
            FrameSampling::ChunkEnds => (1..=k)
                .map(|j| (j * t / k).saturating_sub(1) as u32)
                .collect(),
            FrameSampling::ChunkStarts => (0..k).map(|j| (j * t / k) as u32).collect(),
            FrameSampling::Explicit => self.explicit_steps.clone(),
        }
    }

    /// The partner of each frame step on the second parity track: the next step, or the
    /// previous one for the final state.
    pub fn parity_partners(&self) -> Vec<u32> {
        self.frame_steps()
            .into_iter()
            .map(|s| {
                if s < self.steps {
                    s + 1
                } else {
                    s.saturating_sub(1)
                }
            })
            .collect()
    }
}

/// `[model]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ModelConfig {
    /// Model: `pixels` (built in), a registry id (`clip-vit-b32`, fetched with
    /// `asal models pull`) or a model directory. Default `clip-vit-b32`.
    pub name: String,
    /// Frames per model call. Default 64.
    pub batch: usize,
    /// Embeddings kept in the content-hash cache (identical frames embed once). Default 4096.
    pub cache: usize,
}

impl Default for ModelConfig {
    fn default() -> Self {
        Self {
            name: "clip-vit-b32".into(),
            batch: 64,
            cache: 4096,
        }
    }
}

/// What kind of search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ObjectiveKind {
    /// Match one prompt.
    #[default]
    Target,
    /// Match a sequence of prompts over the frames.
    Temporal,
    /// Historical novelty of the frames.
    OpenEndedness,
    /// Diversity of a population (requires `optimiser.kind = "ga"`).
    Illumination,
}

/// `[objective]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ObjectiveConfig {
    /// Kind of search. Default `target`.
    pub kind: ObjectiveKind,
    /// Text prompts (one for `target`, several for `temporal`). Default empty.
    pub prompts: Vec<String>,
    /// How prompts map to frames: `blocks` (default) or `tiled` (the original's bug).
    pub prompt_assignment: PromptAssignment,
    /// Weight of the supervised target. Default 1 for target/temporal, 0 otherwise.
    pub coef_prompt: Option<f64>,
    /// Weight of the softmax (InfoNCE) target. Default 0.
    pub coef_softmax: Option<f64>,
    /// Weight of open-endedness. Default 1 for open_endedness, 0 otherwise.
    pub coef_oe: Option<f64>,
    /// Open-endedness formula: `drop_first` (default) or `reference`.
    pub open_endedness: OpenEndedness,
    /// Softmax temperature. Default 0.01.
    pub temperature: f64,
}

impl Default for ObjectiveConfig {
    fn default() -> Self {
        Self {
            kind: ObjectiveKind::Target,
            prompts: Vec::new(),
            prompt_assignment: PromptAssignment::Blocks,
            coef_prompt: None,
            coef_softmax: None,
            coef_oe: None,
            open_endedness: OpenEndedness::DropFirst,
            temperature: SOFTMAX_TEMPERATURE,
        }
    }
}

impl ObjectiveConfig {
    /// The per-candidate objective with the kind's default coefficients filled in.
    pub fn weighted(&self) -> WeightedObjective {
        let prompt_kind = matches!(self.kind, ObjectiveKind::Target | ObjectiveKind::Temporal);
        WeightedObjective {
            coef_prompt: self
                .coef_prompt
                .unwrap_or(if prompt_kind { 1.0 } else { 0.0 }),
            coef_softmax: self.coef_softmax.unwrap_or(0.0),
            coef_oe: self
                .coef_oe
                .unwrap_or(if self.kind == ObjectiveKind::OpenEndedness {
                    1.0
                } else {
                    0.0
                }),
            prompt_assignment: self.prompt_assignment,
            open_endedness: self.open_endedness,
            temperature: self.temperature,
        }
    }
}

/// Which optimiser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OptimiserKind {
    /// Separable CMA-ES.
    #[default]
    SepCmaEs,
    /// Full CMA-ES.
    CmaEs,
    /// Illumination GA.
    Ga,
    /// Exhaustive Life-like rule sweep.
    Sweep,
    /// Random search.
    Random,
}

/// Initial mean of the CMA-ES variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeanInitKind {
    /// Zeros (the original).
    #[default]
    Zero,
    /// Uniform in [init_min, init_max).
    Uniform,
}

/// `[optimiser]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OptimiserConfig {
    /// Kind. Default `sep_cma_es`.
    pub kind: OptimiserKind,
    /// Candidates per generation (sweep: rules per chunk; ga: population N). Default 16.
    pub popsize: usize,
    /// Initial step size (CMA-ES), mutation σ (GA), or σ of `random` normal sampling. Default 0.1.
    pub sigma: f64,
    /// Generations. Default 1000 (a sweep stops when its rules run out).
    pub iterations: u64,
    /// Sep-CMA-ES elite fraction. Default 0.5.
    pub elite_ratio: f64,
    /// Sep-CMA-ES mode: `correct` (default) or `evosax_compat`.
    pub mode: SepCmaMode,
    /// CMA-ES initial mean: `zero` (default) or `uniform`.
    pub mean_init: MeanInitKind,
    /// Lower bound for `mean_init = "uniform"` and `random` sampling. Default −1.
    pub init_min: f64,
    /// Upper bound for `mean_init = "uniform"` and `random` sampling. Default 1.
    pub init_max: f64,
    /// GA children per generation. Default 32.
    pub n_child: usize,
    /// GA neighbours in the removal score. Default 2.
    pub k_nbrs: usize,
    /// GA initial population spread (0 = all zeros like the original). Default 0.
    pub init_spread: f64,
    /// Sweep: `[start, end)` of rules; default all 2^18 unless `rule_list` is given.
    pub rule_range: Option<[u32; 2]>,
    /// Sweep: explicit rules, as `"B3/S23"` or integers in strings. Default none.
    pub rule_list: Option<Vec<String>>,
}

impl Default for OptimiserConfig {
    fn default() -> Self {
        Self {
            kind: OptimiserKind::SepCmaEs,
            popsize: 16,
            sigma: 0.1,
            iterations: 1000,
            elite_ratio: 0.5,
            mode: SepCmaMode::Correct,
            mean_init: MeanInitKind::Zero,
            init_min: -1.0,
            init_max: 1.0,
            n_child: 32,
            k_nbrs: 2,
            init_spread: 0.0,
            rule_range: None,
            rule_list: None,
        }
    }
}

/// The cheap test that skips the model for worlds not worth embedding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Prefilter {
    /// `static` for pure open-endedness objectives (nothing else can redeem a world that
    /// never changes), `uniform` otherwise.
    #[default]
    Auto,
    /// Embed every world.
    Off,
    /// A rollout whose last scored frame is a single colour (dead or saturated) gets the
    /// objective's worst value.
    Uniform,
    /// As `uniform`, and also a rollout whose scored frames are all identical.
    Static,
}

/// `[run]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RunConfig {
    /// Master seed. Default 0.
    pub seed: u64,
    /// Rollouts per candidate, averaged, with common random numbers in a generation. Default 1.
    pub rollouts_per_candidate: u32,
    /// Checkpoint every this many generations (and on interrupt). Default 10.
    pub checkpoint_every: u64,
    /// Skip dead, saturated (or static) worlds before the model. Default `auto`.
    pub prefilter: Prefilter,
    /// Best creatures kept and written to `creatures/`. Default 8.
    pub keep_best: usize,
    /// Worlds per GPU rollout call; 0 = the whole generation in one call. With several calls
    /// per generation, embedding of one overlaps simulation of the next. Default 0.
    pub batch_worlds: usize,
}

impl Default for RunConfig {
    fn default() -> Self {
        Self {
            seed: 0,
            rollouts_per_candidate: 1,
            checkpoint_every: 10,
            prefilter: Prefilter::Auto,
            keep_best: 8,
            batch_worlds: 0,
        }
    }
}

fn positive(path: &str, v: f64) -> Result<()> {
    if v.is_finite() && v > 0.0 {
        Ok(())
    } else {
        Err(Error::config(path, format!("must be > 0, got {v}")))
    }
}

fn at_least(path: &str, v: u64, min: u64) -> Result<()> {
    if v >= min {
        Ok(())
    } else {
        Err(Error::config(path, format!("must be >= {min}, got {v}")))
    }
}

impl Config {
    /// Parse and validate TOML; `file` names the source in errors.
    pub fn from_toml_str(text: &str, file: &str) -> Result<Self> {
        let config: Config = toml::from_str(text).map_err(|e| Error::ConfigParse {
            file: file.to_string(),
            message: e.to_string(),
        })?;
        config.validate()?;
        Ok(config)
    }

    /// Read, parse and validate a TOML file.
    pub fn load(path: &std::path::Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::from_toml_str(&text, &path.display().to_string())
    }

    /// The resolved config as TOML (every default written out), for the run directory.
    pub fn to_toml_string(&self) -> Result<String> {
        toml::to_string(self)
            .map_err(|e| Error::config("", format!("cannot serialise config: {e}")))
    }

    /// Check value ranges and cross-field rules; the error names the field path.
    pub fn validate(&self) -> Result<()> {
        if self.substrate.name.trim().is_empty() {
            return Err(Error::config("substrate.name", "must not be empty"));
        }
        let r = &self.rollout;
        at_least("rollout.steps", r.steps.into(), 1)?;
        at_least("rollout.frames", r.frames.into(), 1)?;
        at_least("rollout.frame_size", r.frame_size.into(), 1)?;
        match r.sampling {
            FrameSampling::ChunkEnds | FrameSampling::ChunkStarts if r.frames > r.steps => {
                return Err(Error::config(
                    "rollout.frames",
                    format!("must be <= rollout.steps ({}), got {}", r.steps, r.frames),
                ));
            }
            FrameSampling::Explicit => {
                if r.explicit_steps.is_empty() {
                    return Err(Error::config(
                        "rollout.explicit_steps",
                        "must list at least one step when sampling = \"explicit\"",
                    ));
                }
                if let Some(s) = r.explicit_steps.iter().find(|&&s| s > r.steps) {
                    return Err(Error::config(
                        "rollout.explicit_steps",
                        format!("step {s} is beyond rollout.steps ({})", r.steps),
                    ));
                }
            }
            _ => {}
        }
        if self.model.name.trim().is_empty() {
            return Err(Error::config("model.name", "must not be empty"));
        }
        at_least("model.batch", self.model.batch as u64, 1)?;
        at_least("model.cache", self.model.cache as u64, 1)?;
        at_least("run.keep_best", self.run.keep_best as u64, 1)?;
        let scored_frames = self.rollout.frame_steps().len();
        let o = &self.objective;
        let w = o.weighted();
        for (path, v) in [
            ("objective.coef_prompt", w.coef_prompt),
            ("objective.coef_softmax", w.coef_softmax),
            ("objective.coef_oe", w.coef_oe),
        ] {
            if !v.is_finite() {
                return Err(Error::config(path, format!("must be finite, got {v}")));
            }
        }
        positive("objective.temperature", o.temperature)?;
        match o.kind {
            ObjectiveKind::Target | ObjectiveKind::Temporal if o.prompts.is_empty() => {
                return Err(Error::config(
                    "objective.prompts",
                    "needs at least one prompt for kind = \"target\" or \"temporal\"",
                ));
            }
            ObjectiveKind::Illumination if self.optimiser.kind != OptimiserKind::Ga => {
                return Err(Error::config(
                    "optimiser.kind",
                    "kind = \"illumination\" is searched by the GA: set optimiser.kind = \"ga\"",
                ));
            }
            _ => {}
        }
        if w.needs_prompts() && o.prompts.len() > scored_frames {
            return Err(Error::config(
                "rollout.frames",
                format!(
                    "{} prompts need at least {} scored frames, got {scored_frames}",
                    o.prompts.len(),
                    o.prompts.len()
                ),
            ));
        }
        if w.coef_oe != 0.0 && o.open_endedness == OpenEndedness::DropFirst && scored_frames < 2 {
            return Err(Error::config(
                "rollout.frames",
                format!("open-endedness needs at least 2 scored frames, got {scored_frames}"),
            ));
        }
        let p = &self.optimiser;
        if p.kind == OptimiserKind::Ga && o.kind != ObjectiveKind::Illumination {
            return Err(Error::config(
                "objective.kind",
                "optimiser.kind = \"ga\" needs objective.kind = \"illumination\"",
            ));
        }
        let min_pop = if matches!(p.kind, OptimiserKind::Sweep | OptimiserKind::Random) {
            1
        } else {
            2
        };
        at_least("optimiser.popsize", p.popsize as u64, min_pop)?;
        positive("optimiser.sigma", p.sigma)?;
        at_least("optimiser.iterations", p.iterations, 1)?;
        if !(p.elite_ratio > 0.0 && p.elite_ratio <= 1.0) {
            return Err(Error::config(
                "optimiser.elite_ratio",
                format!("must be in (0, 1], got {}", p.elite_ratio),
            ));
        }
        if !(p.init_min.is_finite() && p.init_max.is_finite() && p.init_min <= p.init_max) {
            return Err(Error::config(
                "optimiser.init_max",
                format!(
                    "must be finite and >= optimiser.init_min, got [{}, {}]",
                    p.init_min, p.init_max
                ),
            ));
        }
        if p.kind == OptimiserKind::Ga {
            at_least("optimiser.n_child", p.n_child as u64, 1)?;
            at_least("optimiser.k_nbrs", p.k_nbrs as u64, 1)?;
        }
        if !(p.init_spread.is_finite() && p.init_spread >= 0.0) {
            return Err(Error::config(
                "optimiser.init_spread",
                format!("must be >= 0, got {}", p.init_spread),
            ));
        }
        self.rule_set()?;
        at_least(
            "run.rollouts_per_candidate",
            self.run.rollouts_per_candidate.into(),
            1,
        )?;
        at_least("run.checkpoint_every", self.run.checkpoint_every, 1)?;
        Ok(())
    }

    /// Whether both parities are scored: `rollout.both_parities`, defaulting to true for
    /// Life-like substrates (whose B0 rules strobe).
    pub fn both_parities(&self) -> bool {
        self.rollout.both_parities.unwrap_or_else(|| {
            asal_substrates::canonical_name(&self.substrate.name).ok() == Some("gol")
        })
    }

    /// The pre-filter with `auto` resolved.
    pub fn prefilter(&self) -> Prefilter {
        match self.run.prefilter {
            Prefilter::Auto => {
                let w = self.objective.weighted();
                if w.coef_oe != 0.0 && !w.needs_prompts() {
                    Prefilter::Static
                } else {
                    Prefilter::Uniform
                }
            }
            other => other,
        }
    }

    /// A smaller version of this experiment for a laptop: `factor` in (0, 1] multiplies the
    /// generations (`optimiser.iterations`), the GA's population and children, the number of
    /// rules a sweep visits and `run.rollouts_per_candidate` (each rounded up, at least 1; GA
    /// population at least 2 and above `k_nbrs`). Rollout length, frames and the CMA-ES
    /// population are the experiment's definition and stay as they are.
    pub fn scaled(&self, factor: f64) -> Result<Self> {
        if !(factor.is_finite() && factor > 0.0 && factor <= 1.0) {
            return Err(Error::config(
                "--scale",
                format!("must be in (0, 1], got {factor}"),
            ));
        }
        let scale = |v: u64| ((v as f64 * factor).ceil() as u64).max(1);
        let mut c = self.clone();
        let p = &mut c.optimiser;
        p.iterations = scale(p.iterations);
        if p.kind == OptimiserKind::Ga {
            p.popsize = (scale(p.popsize as u64) as usize).max(p.k_nbrs + 1).max(2);
            p.n_child = scale(p.n_child as u64) as usize;
        }
        if p.kind == OptimiserKind::Sweep {
            match (p.rule_range, &mut p.rule_list) {
                (_, Some(list)) => {
                    let keep = scale(list.len() as u64) as usize;
                    list.truncate(keep);
                }
                (Some([start, end]), None) => {
                    p.rule_range = Some([start, start + scale(u64::from(end - start)) as u32]);
                }
                (None, None) => {
                    p.rule_range = Some([0, scale(u64::from(LIFE_RULES)) as u32]);
                }
            }
        }
        c.run.rollouts_per_candidate =
            scale(u64::from(c.run.rollouts_per_candidate)).min(u64::from(u32::MAX)) as u32;
        c.validate()?;
        Ok(c)
    }

    /// The sweep's rule set (all rules unless `rule_range` or `rule_list` is given).
    pub fn rule_set(&self) -> Result<RuleSet> {
        let p = &self.optimiser;
        match (&p.rule_range, &p.rule_list) {
            (Some(_), Some(_)) => Err(Error::config(
                "optimiser.rule_list",
                "give either rule_range or rule_list, not both",
            )),
            (Some([start, end]), None) => {
                if start >= end || *end > LIFE_RULES {
                    Err(Error::config(
                        "optimiser.rule_range",
                        format!(
                            "must be [start, end) with start < end <= {LIFE_RULES}, got [{start}, {end}]"
                        ),
                    ))
                } else {
                    Ok(RuleSet::Range {
                        start: *start,
                        end: *end,
                    })
                }
            }
            (None, Some(list)) => {
                if list.is_empty() {
                    return Err(Error::config("optimiser.rule_list", "must not be empty"));
                }
                list.iter()
                    .enumerate()
                    .map(|(i, s)| {
                        s.parse::<LifeRule>().map(|r| r.0).map_err(|e| {
                            Error::config(format!("optimiser.rule_list[{i}]"), e.to_string())
                        })
                    })
                    .collect::<Result<Vec<u32>>>()
                    .map(RuleSet::List)
            }
            (None, None) => Ok(RuleSet::All),
        }
    }

    fn mean_init(&self) -> MeanInit {
        match self.optimiser.mean_init {
            MeanInitKind::Zero => MeanInit::Zero,
            MeanInitKind::Uniform => MeanInit::Uniform {
                lo: self.optimiser.init_min,
                hi: self.optimiser.init_max,
            },
        }
    }

    /// The fitness-driven optimiser for a genome of `dim` values, seeded from `run.seed`.
    /// Errors for `ga` (use [`Config::build_ga`]).
    pub fn build_optimiser(&self, dim: usize) -> Result<AnyOptimiser> {
        let p = &self.optimiser;
        let rng = SearchRng::from_seed(self.run.seed);
        let wrap = |e: Error| Error::config("optimiser", e.to_string());
        Ok(match p.kind {
            OptimiserKind::SepCmaEs => AnyOptimiser::SepCmaEs(
                SepCmaEs::new(
                    SepCmaEsConfig {
                        dim,
                        popsize: p.popsize,
                        sigma_init: p.sigma,
                        elite_ratio: p.elite_ratio,
                        mean_init: self.mean_init(),
                        mode: p.mode,
                    },
                    rng,
                )
                .map_err(wrap)?,
            ),
            OptimiserKind::CmaEs => AnyOptimiser::CmaEs(
                CmaEs::new(
                    CmaEsConfig {
                        dim,
                        popsize: Some(p.popsize),
                        sigma_init: p.sigma,
                        mean_init: self.mean_init(),
                    },
                    rng,
                )
                .map_err(wrap)?,
            ),
            OptimiserKind::Random => AnyOptimiser::Random(
                RandomSearch::new(
                    dim,
                    p.popsize,
                    RandomSampling::Uniform {
                        lo: p.init_min,
                        hi: p.init_max,
                    },
                    rng,
                )
                .map_err(wrap)?,
            ),
            OptimiserKind::Sweep => {
                if dim != 1 {
                    return Err(Error::config(
                        "optimiser.kind",
                        format!("sweep needs a one-value genome (a Life-like rule), got {dim}"),
                    ));
                }
                AnyOptimiser::Sweep(Sweep::new(self.rule_set()?, p.popsize).map_err(wrap)?)
            }
            OptimiserKind::Ga => {
                return Err(Error::config(
                    "optimiser.kind",
                    "the GA is told embeddings, not fitness: build it with build_ga",
                ));
            }
        })
    }

    /// The illumination GA for a genome of `dim` values (`optimiser.kind = "ga"`).
    pub fn build_ga(&self, dim: usize) -> Result<IlluminationGa> {
        let p = &self.optimiser;
        IlluminationGa::new(
            IlluminationGaConfig {
                dim,
                population: p.popsize,
                n_child: p.n_child,
                k_nbrs: p.k_nbrs,
                sigma: p.sigma,
                init_spread: p.init_spread,
            },
            SearchRng::from_seed(self.run.seed),
        )
        .map_err(|e| Error::config("optimiser", e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    const LENIA: &str = r#"
[substrate]
name = "lenia"
pattern = "5N7KKM"
grid = 128

[rollout]
steps = 256
frames = 8

[objective]
kind = "temporal"
prompts = ["a cell", "two cells"]
coef_softmax = 0.5

[optimiser]
kind = "sep_cma_es"
popsize = 16
"#;

    fn err(text: &str) -> String {
        Config::from_toml_str(text, "test.toml")
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn parses_fills_defaults_and_round_trips() {
        let c = Config::from_toml_str(LENIA, "lenia.toml").unwrap();
        assert_eq!(c.substrate.name, "lenia");
        assert_eq!(c.substrate.options["grid"].as_integer(), Some(128));
        assert_eq!(c.substrate.options_json().unwrap()["pattern"], "5N7KKM");
        assert_eq!(c.optimiser.sigma, 0.1);
        assert_eq!(c.run.checkpoint_every, 10);
        assert_eq!(c.model.name, "clip-vit-b32");
        let w = c.objective.weighted();
        assert_eq!((w.coef_prompt, w.coef_softmax, w.coef_oe), (1.0, 0.5, 0.0));
        let resolved = c.to_toml_string().unwrap();
        assert_eq!(Config::from_toml_str(&resolved, "resolved").unwrap(), c);
        let opt = c.build_optimiser(12).unwrap();
        assert_eq!(crate::optim::Optimiser::popsize(&opt), 16);
    }

    #[test]
    fn errors_name_the_field() {
        let e = err(&LENIA.replace("popsize = 16", "popsize = 16\nsigma = -1"));
        assert_eq!(e, "optimiser.sigma: must be > 0, got -1");
        let e = err(&LENIA.replace("popsize = 16", "popsize = 16\nsigmaa = 1"));
        assert!(e.contains("sigmaa") && e.contains("test.toml"), "{e}");
        let e = err(&LENIA.replace("frames = 8", "frames = 1"));
        assert!(e.starts_with("rollout.frames: 2 prompts"), "{e}");
        let e = err(&LENIA.replace("prompts = [\"a cell\", \"two cells\"]", ""));
        assert!(e.starts_with("objective.prompts"), "{e}");
        let e = err(&LENIA.replace("kind = \"sep_cma_es\"", "kind = \"annealing\""));
        assert!(e.contains("annealing") && e.contains("sep_cma_es"), "{e}");
        let e = err("[rollout]\nsteps = 4\n");
        assert!(e.contains("substrate"), "{e}");
    }

    #[test]
    fn sweep_and_ga_configs() {
        let sweep = r#"
[substrate]
name = "life"
[rollout]
steps = 2048
frames = 32
[objective]
kind = "open_endedness"
[optimiser]
kind = "sweep"
popsize = 1024
rule_list = ["B3/S23", "6152", "B36/S23"]
"#;
        let c = Config::from_toml_str(sweep, "s").unwrap();
        assert_eq!(c.rule_set().unwrap(), RuleSet::List(vec![6152, 6152, 6216]));
        assert!(c.build_optimiser(1).is_ok());
        assert!(c.build_optimiser(3).is_err());
        let e = err(&sweep.replace("\"6152\"", "\"B9/S1\""));
        assert!(e.starts_with("optimiser.rule_list[1]"), "{e}");
        let ga = "[substrate]\nname = \"boids\"\n[objective]\nkind = \"illumination\"\n[optimiser]\nkind = \"ga\"\npopsize = 64\n";
        let c = Config::from_toml_str(ga, "g").unwrap();
        assert_eq!(c.build_ga(10).unwrap().config().population, 64);
        let e = err(&ga.replace("kind = \"ga\"", "kind = \"sep_cma_es\""));
        assert!(e.starts_with("optimiser.kind"), "{e}");
    }

    #[test]
    fn frame_steps() {
        let mut r = RolloutConfig {
            steps: 256,
            frames: 4,
            ..RolloutConfig::default()
        };
        assert_eq!(r.frame_steps(), [63, 127, 191, 255]);
        assert_eq!(r.parity_partners(), [64, 128, 192, 256]);
        r.sampling = FrameSampling::ChunkStarts;
        assert_eq!(r.frame_steps(), [0, 64, 128, 192]);
        r.sampling = FrameSampling::Explicit;
        r.explicit_steps = vec![0, 64];
        assert_eq!(r.frame_steps(), [0, 64]);
    }
}
