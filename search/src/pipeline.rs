//! The evaluation pipeline: genomes → batched GPU rollouts → frames → pre-filter → embeddings →
//! objective → fitness.
//!
//! One generation's candidates × `rollouts_per_candidate` worlds go to [`rollout`] together (or
//! in chunks of `run.batch_worlds`; then a worker thread embeds chunk c while the GPU simulates
//! chunk c + 1). Rollout r of every candidate starts from the same initial state (common random
//! numbers), seeded from (run seed, generation, r), so candidates are compared on equal terms.
//!
//! Initial states: a substrate whose initial state does not depend on the seed (Lenia starts from
//! its pattern) is simply seeded. Otherwise (random soups, particles) the world index would enter
//! the substrate's counter hash and make every candidate's start different, so the initial state
//! of each world is drawn by the substrate's CPU twin as world 0 of seed s_r (bit-identical to
//! the GPU's own draw by design) and uploaded. A creature file then records s_r, and replaying
//! it, by `asal replay` or `asal simulate --creature`, starts from exactly the same state.
//!
//! With both parities on, every scored step t gets a partner (t + 1), the objective scores each
//! of the two K-frame tracks and the two scores are averaged, so a rule that strobes between two
//! phases is judged on what it shows in each, not on the flicker between them.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::Instant;

use asal_fm::{FmError, FoundationModel, Frame};
use asal_substrates::substrate::{Init, RolloutSpec, Substrate, rollout};
use asal_substrates::tensors::State;
use asal_substrates::{Gpu, canonical_name};

use crate::config::{Config, Prefilter};
use crate::error::{Error, Result};
use crate::objectives::{OpenEndedness, Rows, WeightedObjective, open_endedness_per_frame};

/// What the pipeline needs from a config, resolved.
#[derive(Debug, Clone, PartialEq)]
pub struct PipelineSpec {
    /// Steps simulated per rollout.
    pub steps: u32,
    /// Steps rendered (sorted, distinct): the union of the tracks.
    pub frame_steps: Vec<u32>,
    /// Scored tracks (one, or two with both parities): indices into `frame_steps`, K each.
    pub tracks: Vec<Vec<usize>>,
    /// Frame side, pixels.
    pub frame_size: u32,
    /// Rollouts per candidate.
    pub rollouts: u32,
    /// Master seed.
    pub run_seed: u64,
    /// The pre-filter, resolved (never `auto`).
    pub prefilter: Prefilter,
    /// Worlds per rollout call (0 = all).
    pub batch_worlds: usize,
    /// Frames per model call.
    pub embed_batch: usize,
}

impl PipelineSpec {
    /// From a validated config. The GA needs an embedding for every member, so it never
    /// pre-filters.
    pub fn from_config(config: &Config) -> Self {
        let base = config.rollout.frame_steps();
        let mut track_steps = vec![base.clone()];
        if config.both_parities() {
            track_steps.push(config.rollout.parity_partners());
        }
        let mut frame_steps: Vec<u32> = track_steps.iter().flatten().copied().collect();
        frame_steps.sort_unstable();
        frame_steps.dedup();
        let tracks = track_steps
            .iter()
            .map(|t| {
                t.iter()
                    .map(|s| frame_steps.binary_search(s).unwrap_or_default())
                    .collect()
            })
            .collect();
        let prefilter = if config.optimiser.kind == crate::config::OptimiserKind::Ga {
            Prefilter::Off
        } else {
            config.prefilter()
        };
        Self {
            steps: config.rollout.steps,
            frame_steps,
            tracks,
            frame_size: config.rollout.frame_size,
            rollouts: config.run.rollouts_per_candidate,
            run_seed: config.run.seed,
            prefilter,
            batch_worlds: config.run.batch_worlds,
            embed_batch: config.model.batch,
        }
    }

    /// Frames rendered per rollout.
    pub fn frames_per_rollout(&self) -> usize {
        self.frame_steps.len()
    }

    /// The seed of rollout `r` in `generation`: the same for every candidate of the generation.
    pub fn rollout_seed(&self, generation: u64, r: u32) -> u64 {
        rollout_seed(self.run_seed, generation, r)
    }
}

/// The seed of rollout `r` in `generation` of a run with master seed `run_seed` (SplitMix64
/// finaliser over the three, so neighbouring generations get unrelated seeds).
pub fn rollout_seed(run_seed: u64, generation: u64, r: u32) -> u64 {
    let mut z = run_seed
        ^ generation.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ u64::from(r).wrapping_mul(0xD1B5_4A32_D192_ED03);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// How initial states are made (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitMode {
    /// The initial state depends on neither seed nor world index: seed the GPU directly.
    Deterministic,
    /// Draw each world's initial state with the CPU twin as world 0 of its rollout seed.
    Twin,
}

/// Seconds spent per stage in one generation. With chunked overlap, `simulate` and `embed`
/// run concurrently, so stages can add up to more than the wall time.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct StageTimes {
    /// Drawing initial states (CPU twin).
    pub init: f64,
    /// GPU simulation, rendering and frame readback.
    pub simulate: f64,
    /// Pre-filter and frame hashing.
    pub prefilter: f64,
    /// Model inference (cache lookups included).
    pub embed: f64,
    /// Objective evaluation.
    pub objective: f64,
    /// Wall time of the whole evaluation.
    pub wall: f64,
}

/// What one generation's evaluation produced.
#[derive(Debug, Clone, Default)]
pub struct Evaluation {
    /// Fitness per candidate (minimised), averaged over rollouts and tracks.
    pub fitness: Vec<f32>,
    /// Per candidate, the unit mean over rollouts of the embedding of the last frame of the
    /// first track (`n × dim`): what the illumination GA compares.
    pub final_embeddings: Vec<f32>,
    /// Embedding dimension.
    pub dim: usize,
    /// Per candidate, hex SHA-256 of each rendered frame of rollout 0 (what the search saw).
    pub frame_hashes: Vec<Vec<String>>,
    /// Per candidate, for objectives with an open-endedness term: the per-frame terms of
    /// [`open_endedness_per_frame`] averaged over tracks and over the rollouts that were embedded,
    /// with the number of those rollouts (at [`Pipeline::novelty_steps`]). `None` when the
    /// objective has no such term or every rollout was pre-filtered.
    pub novelty: Vec<Option<(Vec<f32>, u32)>>,
    /// Rollouts the pre-filter scored without the model.
    pub skipped: u64,
    /// Frames rendered.
    pub frames: u64,
    /// Frames sent to the model (before the cache).
    pub embedded: u64,
    /// Stage timings.
    pub times: StageTimes,
}

/// The evaluation pipeline for one run: substrate, model, objective and frame schedule.
pub struct Pipeline<'a> {
    gpu: &'a Gpu,
    substrate: &'a dyn Substrate,
    model: &'a dyn FoundationModel,
    spec: PipelineSpec,
    objective: WeightedObjective,
    prompts: Option<Vec<f32>>,
    n_prompts: usize,
    init_mode: InitMode,
    worst: f32,
}

/// The error for prompts with an image-only model, naming the objective and the fix.
pub fn image_only_error(config: &Config, model: &str) -> Error {
    Error::config(
        "model.name",
        format!(
            "objective kind = {:?} with prompts {:?} needs a text encoder, but model `{model}` is \
             image-only. Fetch CLIP with `asal models pull clip-vit-b32` and set \
             model.name = \"clip-vit-b32\", or use an image-only objective \
             (objective.kind = \"open_endedness\" or \"illumination\")",
            config.objective.kind, config.objective.prompts
        ),
    )
}

impl<'a> Pipeline<'a> {
    /// Builds the pipeline: embeds the prompts (if the objective has any) and probes how the
    /// substrate makes initial states.
    pub fn new(
        gpu: &'a Gpu,
        substrate: &'a dyn Substrate,
        model: &'a dyn FoundationModel,
        config: &Config,
    ) -> Result<Self> {
        let spec = PipelineSpec::from_config(config);
        let objective = config.objective.weighted();
        let (prompts, n_prompts) = if objective.needs_prompts() {
            if !model.supports_text() {
                return Err(image_only_error(config, model.name()));
            }
            let e = model
                .embed_texts(&config.objective.prompts)
                .map_err(|e| match e {
                    FmError::ImageOnly { model } => image_only_error(config, &model),
                    other => Error::Model(other),
                })?;
            (Some(e), config.objective.prompts.len())
        } else {
            (None, 0)
        };
        let init_mode = probe_init(gpu, substrate)?;
        tracing::info!("initial states: {init_mode:?}");
        let k = spec.tracks.first().map_or(1, Vec::len).max(1);
        let worst = worst_value(&objective, k);
        Ok(Self {
            gpu,
            substrate,
            model,
            spec,
            objective,
            prompts,
            n_prompts,
            init_mode,
            worst,
        })
    }

    /// The resolved spec.
    pub fn spec(&self) -> &PipelineSpec {
        &self.spec
    }

    /// How initial states are made.
    pub fn init_mode(&self) -> InitMode {
        self.init_mode
    }

    /// The value a pre-filtered rollout scores (the objective's upper bound).
    pub fn worst(&self) -> f32 {
        self.worst
    }

    /// The objective.
    pub fn objective(&self) -> &WeightedObjective {
        &self.objective
    }

    /// The steps of the per-frame novelty values ([`Evaluation::novelty`]): the first track's
    /// frame steps, without the first for the `drop_first` formula (frame 0 has no past).
    pub fn novelty_steps(&self) -> Vec<u32> {
        let skip = usize::from(self.objective.open_endedness == OpenEndedness::DropFirst);
        self.spec
            .tracks
            .first()
            .map(|t| {
                t.iter()
                    .skip(skip)
                    .map(|&i| self.spec.frame_steps[i])
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The initial state(s) for `genomes` (rows), all as rollout with seed `seed`.
    pub fn init_for(&self, genomes: &[f32], seed: u64) -> Result<Init> {
        init_for(self.substrate, self.init_mode, genomes, &[seed])
    }

    /// Evaluates `genomes` (`n` rows) in `generation`. `progress` receives world-steps done;
    /// `stop` is checked between chunks ([`Error::Interrupted`] when set).
    pub fn evaluate(
        &self,
        genomes: &[f32],
        n: usize,
        generation: u64,
        progress: &mut dyn FnMut(u64),
        stop: &AtomicBool,
    ) -> Result<Evaluation> {
        let start = Instant::now();
        let d = self.substrate.genome().dim();
        if genomes.len() != n * d {
            return Err(Error::shape(
                format!("genomes ({n} × {d})"),
                n * d,
                genomes.len(),
            ));
        }
        let r = self.spec.rollouts as usize;
        let worlds = n * r;
        let seeds: Vec<u64> = (0..self.spec.rollouts)
            .map(|k| self.spec.rollout_seed(generation, k))
            .collect();
        // World w = candidate w / r, rollout w % r: candidate-major, so chunks keep candidates whole
        // when batch_worlds is a multiple of r.
        let world_genomes: Vec<f32> = (0..worlds)
            .flat_map(|w| genomes[(w / r) * d..(w / r + 1) * d].iter().copied())
            .collect();
        let chunk = if self.spec.batch_worlds == 0 {
            worlds.max(1)
        } else {
            self.spec.batch_worlds
        };
        let rollout_spec = RolloutSpec {
            steps: self.spec.steps,
            frame_steps: self.spec.frame_steps.clone(),
            frame_size: self.spec.frame_size,
            dump_steps: Vec::new(),
        };
        let mut times = StageTimes::default();
        let mut results: Vec<WorldResult> = Vec::with_capacity(worlds);
        let outcome: Result<()> = std::thread::scope(|scope| {
            let (tx, rx) = mpsc::sync_channel::<(usize, Vec<u8>)>(1);
            let worker = scope.spawn(move || -> Result<(Vec<WorldResult>, StageTimes)> {
                let mut out = Vec::new();
                let mut t = StageTimes::default();
                for (first, frames) in rx {
                    let count = frames.len() / self.world_frame_bytes();
                    out.extend(self.score_worlds(&frames, first, count, &mut t)?);
                }
                Ok((out, t))
            });
            let mut first = 0;
            let sent: Result<()> = (|| {
                while first < worlds {
                    if stop.load(Ordering::SeqCst) {
                        return Err(Error::Interrupted);
                    }
                    let count = chunk.min(worlds - first);
                    let t0 = Instant::now();
                    let world_seeds: Vec<u64> =
                        (first..first + count).map(|w| seeds[w % r]).collect();
                    let init = init_for(
                        self.substrate,
                        self.init_mode,
                        &world_genomes[first * d..(first + count) * d],
                        &world_seeds,
                    )?;
                    times.init += t0.elapsed().as_secs_f64();
                    let t1 = Instant::now();
                    let out = rollout(
                        self.gpu,
                        self.substrate,
                        &world_genomes[first * d..(first + count) * d],
                        &init,
                        &rollout_spec,
                        progress,
                    )?;
                    times.simulate += t1.elapsed().as_secs_f64();
                    if tx.send((first, out.frames)).is_err() {
                        // The worker stopped early: its error is reported below.
                        break;
                    }
                    first += count;
                }
                Ok(())
            })();
            drop(tx);
            let worker_result = worker
                .join()
                .map_err(|_| Error::Invalid("embedding worker panicked".into()))?;
            sent?;
            let (out, t) = worker_result?;
            results = out;
            times.prefilter += t.prefilter;
            times.embed += t.embed;
            times.objective += t.objective;
            Ok(())
        });
        outcome?;
        let dim = self.model.dim();
        let mut eval = Evaluation {
            fitness: Vec::with_capacity(n),
            final_embeddings: Vec::with_capacity(n * dim),
            dim,
            frame_hashes: Vec::with_capacity(n),
            novelty: Vec::with_capacity(n),
            skipped: results.iter().filter(|w| w.skipped).count() as u64,
            frames: (worlds * self.spec.frames_per_rollout()) as u64,
            embedded: results.iter().map(|w| w.embedded).sum(),
            times,
        };
        for c in 0..n {
            let rows = &results[c * r..(c + 1) * r];
            let mean = rows.iter().map(|w| f64::from(w.score)).sum::<f64>() / r as f64;
            eval.fitness.push(mean as f32);
            let mut e = vec![0.0f32; dim];
            for w in rows {
                for (a, b) in e.iter_mut().zip(&w.final_embedding) {
                    *a += b;
                }
            }
            let norm = e.iter().map(|v| v * v).sum::<f32>().sqrt();
            if norm > 0.0 {
                e.iter_mut().for_each(|v| *v /= norm);
            }
            eval.final_embeddings.extend(e);
            eval.frame_hashes.push(rows[0].hashes.clone());
            eval.novelty.push(mean_novelty(rows));
        }
        eval.times.wall = start.elapsed().as_secs_f64();
        Ok(eval)
    }

    fn frame_bytes(&self) -> usize {
        (self.spec.frame_size as usize).pow(2) * 4
    }

    fn world_frame_bytes(&self) -> usize {
        self.frame_bytes() * self.spec.frames_per_rollout()
    }

    /// Pre-filters, embeds and scores `count` worlds whose frames are `[world][frame][px]`.
    fn score_worlds(
        &self,
        frames: &[u8],
        first: usize,
        count: usize,
        t: &mut StageTimes,
    ) -> Result<Vec<WorldResult>> {
        let fb = self.frame_bytes();
        let per_world = self.world_frame_bytes();
        let f = self.spec.frames_per_rollout();
        let size = self.spec.frame_size as usize;
        let r = self.spec.rollouts as usize;
        let t0 = Instant::now();
        let mut results: Vec<WorldResult> = Vec::with_capacity(count);
        let mut to_embed: Vec<Frame<'_>> = Vec::new();
        for w in 0..count {
            let world = &frames[w * per_world..(w + 1) * per_world];
            let frame = |i: usize| &world[i * fb..(i + 1) * fb];
            let hashes = if (first + w).is_multiple_of(r) {
                (0..f)
                    .map(|i| hex(&Frame::rgba8(size, size, frame(i)).content_hash()))
                    .collect()
            } else {
                Vec::new()
            };
            let skipped = match self.spec.prefilter {
                Prefilter::Off | Prefilter::Auto => false,
                Prefilter::Uniform => self.last_frames_uniform(frame),
                Prefilter::Static => {
                    self.last_frames_uniform(frame) || (1..f).all(|i| frame(i) == frame(0))
                }
            };
            if !skipped {
                to_embed.extend((0..f).map(|i| Frame::rgba8(size, size, frame(i))));
            }
            results.push(WorldResult {
                score: self.worst,
                final_embedding: Vec::new(),
                novelty: None,
                hashes,
                skipped,
                embedded: if skipped { 0 } else { f as u64 },
            });
        }
        t.prefilter += t0.elapsed().as_secs_f64();
        let t1 = Instant::now();
        let dim = self.model.dim();
        let mut embeddings = Vec::with_capacity(to_embed.len() * dim);
        for batch in to_embed.chunks(self.spec.embed_batch.max(1)) {
            embeddings.extend(self.model.embed_images(batch)?);
        }
        t.embed += t1.elapsed().as_secs_f64();
        let t2 = Instant::now();
        let prompts = match &self.prompts {
            Some(p) => Some(Rows::new(p, self.n_prompts, dim)?),
            None => None,
        };
        let mut next = 0;
        for w in results.iter_mut() {
            if w.skipped {
                // A dead or saturated world has one flat colour; its embedding is never needed by
                // a fitness optimiser, and the GA never pre-filters.
                w.final_embedding = vec![0.0; dim];
                continue;
            }
            let emb = &embeddings[next * f * dim..(next + 1) * f * dim];
            next += 1;
            let mut total = 0.0f64;
            let mut novelty: Option<Vec<f64>> = None;
            for track in &self.spec.tracks {
                let rows: Vec<f32> = track
                    .iter()
                    .flat_map(|&i| emb[i * dim..(i + 1) * dim].iter().copied())
                    .collect();
                let frames = Rows::new(&rows, track.len(), dim)?;
                let terms = self.objective.score(frames, prompts)?;
                total += f64::from(terms.total);
                if self.objective.coef_oe != 0.0 {
                    // The terms the score averaged, kept per frame for the creature's curve.
                    let v = open_endedness_per_frame(frames, self.objective.open_endedness)?;
                    match &mut novelty {
                        Some(sum) if sum.len() == v.len() => {
                            sum.iter_mut().zip(&v).for_each(|(a, b)| *a += b);
                        }
                        Some(_) => {}
                        None => novelty = Some(v),
                    }
                }
            }
            let tracks = self.spec.tracks.len() as f64;
            w.novelty = novelty.map(|v| v.into_iter().map(|x| x / tracks).collect());
            w.score = (total / tracks) as f32;
            let last = self.spec.tracks[0].last().copied().unwrap_or(0);
            w.final_embedding = emb[last * dim..(last + 1) * dim].to_vec();
        }
        t.objective += t2.elapsed().as_secs_f64();
        Ok(results)
    }

    /// Whether the last scored frame of every track is one flat colour (dead or saturated).
    fn last_frames_uniform<'f>(&self, frame: impl Fn(usize) -> &'f [u8]) -> bool {
        self.spec.tracks.iter().all(|track| {
            track.last().is_some_and(|&i| {
                let px = frame(i);
                px.chunks_exact(4).all(|p| p[..3] == px[..3])
            })
        })
    }
}

struct WorldResult {
    score: f32,
    final_embedding: Vec<f32>,
    /// Per-frame open-endedness terms averaged over tracks (embedded worlds of OE objectives).
    novelty: Option<Vec<f64>>,
    hashes: Vec<String>,
    skipped: bool,
    embedded: u64,
}

/// A candidate's per-frame novelty: the mean over its rollouts that have one.
fn mean_novelty(rows: &[WorldResult]) -> Option<(Vec<f32>, u32)> {
    let curves: Vec<&Vec<f64>> = rows.iter().filter_map(|w| w.novelty.as_ref()).collect();
    let first = curves.first()?;
    let mut sum = vec![0.0f64; first.len()];
    for c in &curves {
        sum.iter_mut().zip(c.iter()).for_each(|(a, b)| *a += b);
    }
    let n = curves.len() as f64;
    Some((
        sum.iter().map(|v| (v / n) as f32).collect(),
        curves.len() as u32,
    ))
}

/// Lower-case hex of bytes.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// An upper bound of the weighted objective for K frames: cosine terms lie in [−1, 1] and the
/// symmetric InfoNCE at temperature τ is at most 2/τ + ln K. Pre-filtered rollouts score it, so
/// they rank below every real evaluation and the value stays finite (checkpoints are JSON).
pub fn worst_value(objective: &WeightedObjective, k: usize) -> f32 {
    let softmax_max = 2.0 / objective.temperature + (k.max(1) as f64).ln();
    (objective.coef_prompt.abs()
        + objective.coef_softmax.abs() * softmax_max
        + objective.coef_oe.abs()) as f32
}

/// Whether a substrate's initial state depends on the seed or world index: probes the GPU with
/// two worlds of seed 0 and one of seed 1, all with the base genome of zeros.
pub fn probe_init(gpu: &Gpu, substrate: &dyn Substrate) -> Result<InitMode> {
    let d = substrate.genome().dim();
    let zeros = vec![0.0f32; d];
    let probe_spec = RolloutSpec {
        steps: 0,
        frame_steps: Vec::new(),
        frame_size: 1,
        dump_steps: vec![0],
    };
    let states = |genomes: &[f32], seed: u64| -> Result<Vec<State>> {
        let out = rollout(
            gpu,
            substrate,
            genomes,
            &Init::Seed(seed),
            &probe_spec,
            &mut |_| {},
        )?;
        Ok(out
            .states
            .into_iter()
            .next()
            .map(|(_, s)| s)
            .unwrap_or_default())
    };
    let two: Vec<f32> = zeros.iter().chain(&zeros).copied().collect();
    let a = states(&two, 0)?;
    let b = states(&zeros, 1)?;
    if a.len() == 2 && b.len() == 1 && a[0] == a[1] && a[0] == b[0] {
        return Ok(InitMode::Deterministic);
    }
    let twin = substrate.cpu_rollout(&zeros, &Init::Seed(0), 0, &[0])?;
    if twin.first() != a.first() {
        tracing::warn!(
            "{}: the CPU twin's initial state differs from the GPU's; search and replay agree, \
             but `asal simulate --creature` may start from a slightly different state",
            substrate.name()
        );
    }
    Ok(InitMode::Twin)
}

/// Initial states for `genomes` (rows): seeded directly, or drawn by the CPU twin as world 0 of
/// `seeds[i]` (one seed per world, or one for all).
pub fn init_for(
    substrate: &dyn Substrate,
    mode: InitMode,
    genomes: &[f32],
    seeds: &[u64],
) -> Result<Init> {
    let d = substrate.genome().dim().max(1);
    let first_seed = seeds.first().copied().unwrap_or(0);
    match mode {
        InitMode::Deterministic => Ok(Init::Seed(first_seed)),
        InitMode::Twin => {
            let n = genomes.len() / d;
            let mut states = Vec::with_capacity(n);
            for (i, g) in genomes.chunks_exact(d).enumerate() {
                let seed = seeds.get(i).copied().unwrap_or(first_seed);
                let s = substrate.cpu_rollout(g, &Init::Seed(seed), 0, &[0])?;
                states.push(s.into_iter().next().ok_or_else(|| {
                    Error::Invalid(format!(
                        "{}: the CPU twin returned no initial state",
                        substrate.name()
                    ))
                })?);
            }
            Ok(Init::States(states))
        }
    }
}

/// Whether `name` is a Life-like substrate (whose genome is a rule).
pub fn is_life_like(name: &str) -> bool {
    canonical_name(name).ok() == Some("gol")
}

/// A boxed model as a [`FoundationModel`] (what [`asal_fm::open_model`] returns), so it can be
/// wrapped in [`asal_fm::CachedModel`].
pub struct BoxedModel(pub Box<dyn FoundationModel>);

impl FoundationModel for BoxedModel {
    fn name(&self) -> &str {
        self.0.name()
    }

    fn dim(&self) -> usize {
        self.0.dim()
    }

    fn supports_text(&self) -> bool {
        self.0.supports_text()
    }

    fn image_spec(&self) -> Option<asal_fm::ImageSpec> {
        self.0.image_spec()
    }

    // Forwarded like the rest, so a GPU path feeds the boxed model its own way.
    fn gpu_input(&self) -> asal_fm::GpuInput {
        self.0.gpu_input()
    }

    fn embed_preprocessed(
        &self,
        values: &asal_fm::PixelValues,
        n: usize,
    ) -> asal_fm::Result<Vec<f32>> {
        self.0.embed_preprocessed(values, n)
    }

    fn embed_images(&self, frames: &[Frame<'_>]) -> asal_fm::Result<Vec<f32>> {
        self.0.embed_images(frames)
    }

    fn embed_texts(&self, prompts: &[String]) -> asal_fm::Result<Vec<f32>> {
        self.0.embed_texts(prompts)
    }
}
