//! One search run as a resumable state machine: optimiser, hall of fame and counters, stepped
//! one generation at a time through the [`Pipeline`], checkpointed as one JSON value.
//!
//! Everything that decides the next generation lives in [`RunState`] (the optimiser with its RNG,
//! the best creatures so far), and rollout seeds are a function of (run seed, generation), so a
//! run resumed from a checkpoint written after generation g continues exactly as if it had never
//! stopped. Timings are not state: they are logged, never fed back.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use asal_substrates::creature::{Creature, CreatureFrames, NoveltyCurve};
use serde::{Deserialize, Serialize};

use crate::config::{Config, ObjectiveKind, OptimiserKind};
use crate::error::{Error, Result};
use crate::objectives::OpenEndedness;
use crate::optim::{AnyOptimiser, IlluminationGa, LifeRule, Optimiser};
use crate::pipeline::{Evaluation, Pipeline, PipelineSpec};
use crate::run::{LogEntry, Members, RunStore};

/// The optimiser of a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "engine", rename_all = "snake_case")]
pub enum Engine {
    /// A fitness-driven optimiser (CMA-ES variants, random search, sweep).
    Fitness {
        /// The optimiser (boxed: CMA-ES state is far larger than the GA's handle).
        optimiser: Box<AnyOptimiser>,
    },
    /// The illumination GA.
    Illumination {
        /// The GA.
        ga: IlluminationGa,
    },
}

/// A candidate worth keeping: enough to write its creature file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HallEntry {
    /// The genome.
    pub genome: Vec<f32>,
    /// Fitness (minimised).
    pub fitness: f32,
    /// Generation it was evaluated in.
    pub generation: u64,
    /// Seed of its rollout 0.
    pub seed: u64,
    /// Hex SHA-256 of the frames of its rollout 0.
    pub frame_sha256: Vec<String>,
    /// Per-frame novelty of its evaluation (objectives with an open-endedness term).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub novelty: Option<NoveltyCurve>,
}

/// Work done so far (for the benchmark summary; not part of any decision).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Totals {
    /// Candidates evaluated.
    pub genomes: u64,
    /// Rollouts simulated.
    pub rollouts: u64,
    /// Frames rendered.
    pub frames: u64,
    /// Frames sent to the model (before the cache).
    pub embedded: u64,
    /// Rollouts the pre-filter scored without the model.
    pub skipped: u64,
}

/// Everything a checkpoint holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunState {
    /// The optimiser.
    pub engine: Engine,
    /// Generations completed.
    pub generation: u64,
    /// Best candidates so far, best first, distinct genomes.
    pub hall: Vec<HallEntry>,
    /// Counters.
    pub totals: Totals,
    /// Sweeps: every member evaluated so far (stored as `population.safetensors`, not in the
    /// checkpoint, which would grow by a full embedding per rule; see [`RunState::restore_members`]).
    /// `None` for other optimisers, and for a resumed sweep whose stored members are missing.
    #[serde(skip)]
    pub members: Option<Members>,
}

impl RunState {
    /// A fresh run for a genome of `dim` values.
    pub fn new(config: &Config, dim: usize) -> Result<Self> {
        let engine = if config.optimiser.kind == OptimiserKind::Ga {
            Engine::Illumination {
                ga: config.build_ga(dim)?,
            }
        } else {
            Engine::Fitness {
                optimiser: Box::new(config.build_optimiser(dim)?),
            }
        };
        let members = is_sweep(&engine).then(Members::default);
        Ok(Self {
            engine,
            generation: 0,
            hall: Vec::new(),
            totals: Totals::default(),
            members,
        })
    }

    /// After loading a checkpoint: a sweep takes back the members `population.safetensors` holds,
    /// cut to the ones the checkpoint counts (the file is written before each checkpoint, so it
    /// may hold a few more). Without them (a run dir from before members were stored, or a
    /// damaged file) the run goes on without recording members, and says so.
    pub fn restore_members(&mut self, store: &RunStore) {
        let Some(count) = self.sweep_evaluated() else {
            self.members = None;
            return;
        };
        if count == 0 {
            self.members = Some(Members::default());
            return;
        }
        self.members = match store.load_members() {
            Ok(Some(mut m))
                if m.len() >= count
                    && m.emb_dim > 0
                    && m.fitness.len() == m.len()
                    && m.generation.len() == m.len() =>
            {
                m.truncate(count);
                Some(m)
            }
            found => {
                let why = match found {
                    Ok(Some(m)) => format!("it holds {} of the {count} evaluated", m.len()),
                    Ok(None) => "it is missing".to_string(),
                    Err(e) => e.to_string(),
                };
                tracing::warn!(
                    "{}: the sweep's members cannot be restored from population.safetensors                      ({why}); the run goes on without storing them, so its gallery has no atlas",
                    store.dir().display()
                );
                None
            }
        };
    }

    /// Rules a sweep has evaluated (`None` for other optimisers).
    fn sweep_evaluated(&self) -> Option<usize> {
        match &self.engine {
            Engine::Fitness { optimiser } => match optimiser.as_ref() {
                AnyOptimiser::Sweep(s) => Some(s.progress().0),
                _ => None,
            },
            Engine::Illumination { .. } => None,
        }
    }

    /// Whether the run has nothing left to do.
    pub fn is_done(&self, config: &Config) -> bool {
        if self.generation >= config.optimiser.iterations {
            return true;
        }
        match &self.engine {
            Engine::Fitness { optimiser } => optimiser.is_finished(),
            Engine::Illumination { .. } => false,
        }
    }

    /// Candidates evaluated in the next generation.
    pub fn next_population_size(&mut self) -> Result<usize> {
        Ok(match &mut self.engine {
            Engine::Fitness { optimiser } => optimiser.ask()?.n,
            Engine::Illumination { ga } => ga.ask()?.n,
        })
    }

    /// Runs one generation: ask, evaluate, tell, keep the best. Returns the log entry.
    pub fn step(
        &mut self,
        pipeline: &Pipeline<'_>,
        keep_best: usize,
        progress: &mut dyn FnMut(u64),
        stop: &AtomicBool,
    ) -> Result<LogEntry> {
        let generation = self.generation;
        let t0 = Instant::now();
        let pop = match &mut self.engine {
            Engine::Fitness { optimiser } => optimiser.ask()?,
            Engine::Illumination { ga } => ga.ask()?,
        };
        let mut ask_s = t0.elapsed().as_secs_f64();
        let eval = pipeline.evaluate(&pop.genomes, pop.n, generation, progress, stop)?;
        let t1 = Instant::now();
        let (best, mean, best_so_far, sigma) = match &mut self.engine {
            Engine::Fitness { optimiser } => {
                optimiser.tell(&eval.fitness)?;
                let (best, mean) = best_and_mean(&eval.fitness);
                let so_far = optimiser.best().map_or(best, |b| b.fitness);
                (best, mean, so_far, optimiser.sigma())
            }
            Engine::Illumination { ga } => {
                ga.tell_embeddings(&eval.final_embeddings, eval.dim)?;
                let score = ga.illumination_score().transpose()?.unwrap_or(f32::NAN);
                (score, score, score, Some(ga.config().sigma))
            }
        };
        ask_s += t1.elapsed().as_secs_f64();
        if matches!(self.engine, Engine::Fitness { .. }) {
            self.update_hall(
                &pop.genomes,
                pop.dim,
                &eval,
                pipeline,
                generation,
                keep_best,
            );
        }
        if let Some(m) = &mut self.members {
            m.push(
                &pop.genomes,
                pop.dim,
                &eval.final_embeddings,
                eval.dim,
                &eval.fitness,
                generation,
            )?;
        }
        self.generation += 1;
        let rollouts = pop.n as u64 * u64::from(pipeline.spec().rollouts);
        self.totals.genomes += pop.n as u64;
        self.totals.rollouts += rollouts;
        self.totals.frames += eval.frames;
        self.totals.embedded += eval.embedded;
        self.totals.skipped += eval.skipped;
        let t = &eval.times;
        let seconds = BTreeMap::from([
            ("init".to_string(), t.init),
            ("simulate".to_string(), t.simulate),
            ("prefilter".to_string(), t.prefilter),
            ("embed".to_string(), t.embed),
            ("objective".to_string(), t.objective),
            ("optimise".to_string(), ask_s),
            ("evaluate".to_string(), t.wall),
        ]);
        let wall = t.wall + ask_s;
        let rate = |v: f64| if wall > 0.0 { v / wall } else { 0.0 };
        Ok(LogEntry {
            generation,
            best_fitness: best,
            mean_fitness: mean,
            best_so_far,
            sigma,
            evaluated: pop.n as u64,
            skipped: eval.skipped,
            frames: eval.frames,
            embedded: eval.embedded,
            genomes_per_s: rate(pop.n as f64),
            frames_per_s: rate(eval.frames as f64),
            seconds,
        })
    }

    fn update_hall(
        &mut self,
        genomes: &[f32],
        dim: usize,
        eval: &Evaluation,
        pipeline: &Pipeline<'_>,
        generation: u64,
        keep: usize,
    ) {
        let spec = pipeline.spec();
        let novelty_steps = pipeline.novelty_steps();
        let formula = match pipeline.objective().open_endedness {
            OpenEndedness::DropFirst => "drop_first",
            OpenEndedness::Reference => "reference",
        };
        let novelty = |i: usize| {
            eval.novelty
                .get(i)
                .cloned()
                .flatten()
                .map(|(similarity, rollouts)| NoveltyCurve {
                    steps: novelty_steps.clone(),
                    similarity,
                    formula: formula.to_string(),
                    rollouts,
                })
        };
        for (i, &f) in eval.fitness.iter().enumerate() {
            if !f.is_finite() {
                continue;
            }
            let g = &genomes[i * dim..(i + 1) * dim];
            if let Some(existing) = self.hall.iter_mut().find(|h| h.genome == g) {
                // The same genome again (a sweep never repeats; CMA-ES rarely): keep the better.
                if f < existing.fitness {
                    existing.fitness = f;
                    existing.generation = generation;
                    existing.seed = spec.rollout_seed(generation, 0);
                    existing.frame_sha256 = eval.frame_hashes[i].clone();
                    existing.novelty = novelty(i);
                }
                continue;
            }
            self.hall.push(HallEntry {
                genome: g.to_vec(),
                fitness: f,
                generation,
                seed: spec.rollout_seed(generation, 0),
                frame_sha256: eval.frame_hashes[i].clone(),
                novelty: novelty(i),
            });
        }
        // Stable sort: ties keep the earlier candidate, as the optimisers' own best does.
        self.hall.sort_by(|a, b| a.fitness.total_cmp(&b.fitness));
        self.hall.truncate(keep);
    }

    /// The sweep's ranked table (rule in B/S notation, its 18-bit code, fitness), best first.
    pub fn ranked_rules(&self) -> Option<Vec<(LifeRule, f32)>> {
        match &self.engine {
            Engine::Fitness { optimiser } => match optimiser.as_ref() {
                AnyOptimiser::Sweep(s) => Some(s.ranked()),
                _ => None,
            },
            Engine::Illumination { .. } => None,
        }
    }
}

fn best_and_mean(fitness: &[f32]) -> (f32, f32) {
    let finite: Vec<f32> = fitness.iter().copied().filter(|f| f.is_finite()).collect();
    if finite.is_empty() {
        return (f32::NAN, f32::NAN);
    }
    let best = finite.iter().copied().fold(f32::INFINITY, f32::min);
    let mean = finite.iter().map(|&f| f64::from(f)).sum::<f64>() / finite.len() as f64;
    (best, mean as f32)
}

/// The creature file for a hall-of-fame entry.
pub fn creature_for(
    config: &Config,
    spec: &PipelineSpec,
    model: &str,
    entry: &HallEntry,
    rank: usize,
) -> Result<Creature> {
    let mut extra = serde_json::Map::new();
    extra.insert("rank".into(), rank.into());
    extra.insert("rollouts_per_candidate".into(), spec.rollouts.into());
    let mut label = config.substrate.name.clone();
    if crate::pipeline::is_life_like(&config.substrate.name)
        && let Some(&code) = entry.genome.first()
        && let Ok(rule) = format!("{}", code as u32).parse::<LifeRule>()
    {
        // A Life-like creature is its rule: name it so (cards, listings) rather than "gol".
        label = rule.to_string();
        extra.insert("rule".into(), rule.to_string().into());
    }
    let objective = serde_json::to_value(&config.objective).map_err(|e| Error::Format {
        path: PathBuf::from("creature"),
        message: e.to_string(),
    })?;
    Ok(Creature {
        format: asal_substrates::creature::FORMAT.into(),
        version: asal_substrates::creature::VERSION,
        name: Some(format!("{label} #{rank} (generation {})", entry.generation)),
        substrate: asal_substrates::canonical_name(&config.substrate.name)?.to_string(),
        config: config.substrate.options_json()?,
        genome: Some(entry.genome.clone()),
        seed: entry.seed,
        rng: "lowbias32-counter".into(),
        steps: Some(spec.steps),
        genome_file: None,
        frames: Some(CreatureFrames {
            steps: spec.frame_steps.clone(),
            size: spec.frame_size,
            sha256: entry.frame_sha256.clone(),
        }),
        score: Some(entry.fitness),
        objective: Some(objective),
        model: Some(model.to_string()),
        generation: Some(entry.generation),
        engine_version: Some(crate::run::ENGINE_VERSION.to_string()),
        novelty: entry.novelty.clone(),
        extra,
    })
}

fn is_sweep(engine: &Engine) -> bool {
    matches!(engine, Engine::Fitness { optimiser } if matches!(optimiser.as_ref(), AnyOptimiser::Sweep(_)))
}

/// Writes a sweep's members as `population.safetensors`. Call it before saving the checkpoint,
/// so the file never holds fewer members than a checkpoint counts.
pub fn write_members(store: &RunStore, state: &RunState) -> Result<()> {
    match &state.members {
        Some(m) if !m.is_empty() => store.save_members(m),
        _ => Ok(()),
    }
}

/// Writes the hall of fame as `creatures/best-NNN.json` (rank order) and, for sweeps,
/// `ranked.tsv` (their members: [`write_members`]); for the GA, `population.safetensors`.
pub fn write_outputs(
    store: &RunStore,
    config: &Config,
    spec: &PipelineSpec,
    model: &str,
    state: &RunState,
) -> Result<()> {
    for (rank, entry) in state.hall.iter().enumerate() {
        let c = creature_for(config, spec, model, entry, rank)?;
        store.save_creature(&format!("best-{rank:03}"), &c)?;
    }
    if let Some(ranked) = state.ranked_rules() {
        let mut text = String::from("rank\trule\tcode\tfitness\n");
        for (i, (rule, f)) in ranked.iter().enumerate() {
            text.push_str(&format!("{}\t{rule}\t{}\t{f}\n", i + 1, rule.0));
        }
        store.write_file("ranked.tsv", text.as_bytes())?;
    }
    if let Engine::Illumination { ga } = &state.engine
        && ga.is_initialised()
    {
        let pop = ga.population()?;
        store.save_population(&pop, ga.embeddings(), None)?;
    }
    Ok(())
}

/// Whether this config's objective is image-only (no prompts needed).
pub fn is_image_only(config: &Config) -> bool {
    !config.objective.weighted().needs_prompts()
        || config.objective.kind == ObjectiveKind::Illumination
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;
    use crate::run::OpenMode;

    const SWEEP: &str = r#"
[substrate]
name = "gol"

[rollout]
frames = 4

[objective]
kind = "open_endedness"

[optimiser]
kind = "sweep"
popsize = 2
rule_range = [0, 6]
"#;

    /// A sweep state that has evaluated `generations` chunks of 2 rules, with its members.
    fn swept(generations: u64) -> RunState {
        let config = Config::from_toml_str(SWEEP, "sweep.toml").unwrap();
        let mut state = RunState::new(&config, 1).unwrap();
        for g in 0..generations {
            let Engine::Fitness { optimiser } = &mut state.engine else {
                panic!("a sweep is a fitness optimiser")
            };
            let pop = optimiser.ask().unwrap();
            let fitness: Vec<f32> = pop.genomes.iter().map(|r| -r / 10.0).collect();
            optimiser.tell(&fitness).unwrap();
            let emb: Vec<f32> = pop.genomes.iter().flat_map(|&r| [r, 1.0]).collect();
            let m = state.members.as_mut().unwrap();
            m.push(&pop.genomes, 1, &emb, 2, &fitness, g).unwrap();
            state.generation += 1;
        }
        state
    }

    #[test]
    fn resumed_sweeps_cut_their_members_back_to_the_checkpoint() {
        let tmp = tempfile::tempdir().unwrap();
        let store = RunStore::open(tmp.path().join("r"), SWEEP, OpenMode::New).unwrap();
        // The members file was written for 3 generations, the checkpoint after 2 (a crash between
        // the two writes): the resumed state holds exactly the first 2 generations' members.
        let ahead = swept(3);
        write_members(&store, &ahead).unwrap();
        let mut resumed = swept(2);
        let expected = resumed.members.clone();
        resumed.members = None; // as deserialised from a checkpoint
        resumed.restore_members(&store);
        assert_eq!(resumed.members, expected);
        assert_eq!(resumed.members.as_ref().map(Members::len), Some(4));
        // Fewer members stored than counted (or none): recording stops rather than misalign.
        let mut further = swept(3);
        further.members = None;
        let short = RunStore::open(tmp.path().join("s"), SWEEP, OpenMode::New).unwrap();
        write_members(&short, &swept(1)).unwrap();
        further.restore_members(&short);
        assert_eq!(further.members, None);
        let none = RunStore::open(tmp.path().join("n"), SWEEP, OpenMode::New).unwrap();
        further.restore_members(&none);
        assert_eq!(further.members, None);
        write_members(&none, &further).unwrap();
        assert!(!none.dir().join("population.safetensors").exists());
        // A sweep resumed before its first generation records from the start.
        let mut fresh = swept(0);
        fresh.members = None;
        fresh.restore_members(&none);
        assert_eq!(fresh.members, Some(Members::default()));
    }
}
