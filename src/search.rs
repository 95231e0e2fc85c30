//! `asal search CONFIG.toml`: a resumable search run writing a run directory.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use anyhow::{Context as _, Result};
use asal_fm::{CachedModel, OnnxOptions, open_model};
use asal_search::config::{Config, OptimiserKind};
use asal_search::optim::Optimiser as _;
use asal_search::pipeline::{BoxedModel, PipelineSpec, image_only_error};
use asal_search::run::{LogEntry, OpenMode};
use asal_search::runner::{Engine, RunState};
use asal_search::session::{SearchSession, SessionEnd, SessionObserver, SessionStart};
use asal_substrates::creature::build;

/// Arguments of `asal search`.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// Run configuration (TOML; every field is documented in docs/CONFIG.md, ready configs in
    /// assets/configs/).
    config: PathBuf,
    /// Run directory (default: runs/<config name>).
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// Continue the run in --out from its last checkpoint.
    #[arg(long, conflicts_with = "force")]
    resume: bool,
    /// Delete an existing run directory and start again.
    #[arg(long)]
    force: bool,
    /// Print the resolved config and what the run would cost, then stop.
    #[arg(long)]
    dry_run: bool,
    /// Shrink the experiment by this factor in (0, 1]: generations, GA population and children,
    /// swept rules and rollouts per candidate (see docs/CONFIG.md).
    #[arg(long)]
    scale: Option<f64>,
    /// Clips written for this many of the best creatures at the end (0: none).
    #[arg(long, default_value_t = 3)]
    clips: usize,
}

/// The default run directory for a config file.
fn default_out(config: &Path) -> PathBuf {
    let stem = config
        .file_stem()
        .map_or_else(|| "run".into(), |s| s.to_string_lossy().into_owned());
    PathBuf::from("runs").join(stem)
}

/// What a run will cost, before pre-filter and cache savings.
struct Cost {
    generations: u64,
    candidates: u64,
    rollouts: u64,
    steps: u64,
    frames: u64,
}

fn cost(config: &Config, spec: &PipelineSpec) -> Result<Cost> {
    let p = &config.optimiser;
    let (generations, candidates) = match p.kind {
        OptimiserKind::Sweep => {
            let rules = match config.rule_set()? {
                asal_search::optim::RuleSet::All => u64::from(asal_search::optim::LIFE_RULES),
                asal_search::optim::RuleSet::Range { start, end } => u64::from(end - start),
                asal_search::optim::RuleSet::List(v) => v.len() as u64,
            };
            let gens = rules.div_ceil(p.popsize as u64).min(p.iterations);
            (gens, rules.min(gens * p.popsize as u64))
        }
        OptimiserKind::Ga => (
            p.iterations,
            p.popsize as u64 + (p.iterations.saturating_sub(1)) * p.n_child as u64,
        ),
        _ => (p.iterations, p.iterations * p.popsize as u64),
    };
    let rollouts = candidates * u64::from(spec.rollouts);
    Ok(Cost {
        generations,
        candidates,
        rollouts,
        steps: rollouts * u64::from(spec.steps),
        frames: rollouts * spec.frames_per_rollout() as u64,
    })
}

/// Runs `asal search`.
pub(crate) fn run(adapter: Option<&str>, args: &Args) -> Result<()> {
    let mut config = Config::load(&args.config)?;
    if let Some(f) = args.scale {
        config = config.scaled(f)?;
    }
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| default_out(&args.config));
    // Builds the substrate before anything else: an unknown substrate or bad substrate option
    // is reported against the config file, GPU or not.
    let substrate = build(&config.substrate.name, &config.substrate.options_json()?)
        .with_context(|| format!("{}: [substrate]", args.config.display()))?;
    let dim = substrate.genome().dim();
    // Checks the optimiser against the genome (e.g. a sweep needs a one-value rule genome).
    RunState::new(&config, dim).with_context(|| format!("{}", args.config.display()))?;
    let spec = PipelineSpec::from_config(&config);
    let resolved = config.to_toml_string()?;
    if args.dry_run {
        let c = cost(&config, &spec)?;
        println!("# resolved config ({})\n{resolved}", args.config.display());
        println!("# cost (upper bounds: the pre-filter and the embedding cache only save)");
        println!("genome:       {dim} values ({})", substrate.name());
        println!("generations:  {}", c.generations);
        println!("candidates:   {}", c.candidates);
        println!(
            "rollouts:     {} ({} per candidate)",
            c.rollouts, spec.rollouts
        );
        println!("steps:        {} ({} per rollout)", c.steps, spec.steps);
        println!(
            "frames:       {} ({} per rollout at {}², steps {:?}{})",
            c.frames,
            spec.frames_per_rollout(),
            spec.frame_size,
            spec.frame_steps,
            if spec.tracks.len() > 1 {
                ", both parities"
            } else {
                ""
            }
        );
        println!(
            "embeddings:   {} image, {} text",
            c.frames,
            config.objective.prompts.len()
        );
        println!("run dir:      {}", out.display());
        return Ok(());
    }

    let needs_text = config.objective.weighted().needs_prompts();
    if needs_text && config.model.name == "pixels" {
        return Err(image_only_error(&config, "pixels").into());
    }
    let model = open_model(&config.model.name, &OnnxOptions::default()).with_context(|| {
        format!(
            "opening model `{}` (model.name in {}); `asal models pull clip-vit-b32` fetches CLIP, \
             `pixels` needs no download but cannot embed text",
            config.model.name,
            args.config.display()
        )
    })?;
    if needs_text && !model.supports_text() {
        return Err(image_only_error(&config, model.name()).into());
    }
    let mode = if args.resume {
        OpenMode::Resume
    } else if args.force {
        OpenMode::Force
    } else {
        OpenMode::New
    };
    let mut search = SearchSession::open(config, substrate, model, &out, mode, adapter).map_err(
        |e| match e {
            asal_search::Error::ConfigChanged { stored } => anyhow::anyhow!(
                "{} was written for a different config than {}{}; resume with the same config and \
                 --scale, or start a new run with --out DIR (or --force to overwrite)",
                stored.display(),
                args.config.display(),
                args.scale
                    .map(|s| format!(" --scale {s}"))
                    .unwrap_or_default()
            ),
            other => other.into(),
        },
    )?;

    let stop = Arc::new(AtomicBool::new(false));
    let signals = Arc::new(AtomicUsize::new(0));
    {
        let (stop, signals) = (Arc::clone(&stop), Arc::clone(&signals));
        ctrlc::set_handler(move || {
            stop.store(true, Ordering::SeqCst);
            // A second signal means "now": the last checkpoint stands, nothing is torn.
            if signals.fetch_add(1, Ordering::SeqCst) >= 1 {
                std::process::exit(130);
            }
        })
        .context("installing the SIGINT/SIGTERM handler")?;
    }

    let c = cost(search.config(), &spec)?;
    let bar = indicatif::ProgressBar::new(c.generations);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg} [{bar:30}] {pos}/{len} generations ({elapsed}, eta {eta})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.set_position(search.state().generation.min(c.generations));
    let mut progress = Progress {
        bar: &bar,
        out: &out,
        session: Vec::new(),
    };
    let started = Instant::now();
    let end = search.run(&stop, &mut progress)?;
    bar.finish_and_clear();
    let session = progress.session;
    let state = search.state();
    if end == SessionEnd::Stopped {
        eprintln!(
            "interrupted after generation {}; checkpoint written. Continue with: asal search {} --out {} --resume{}",
            state.generation,
            args.config.display(),
            out.display(),
            args.scale
                .map(|s| format!(" --scale {s}"))
                .unwrap_or_default()
        );
        std::process::exit(130);
    }
    summarise(
        state,
        &session,
        started.elapsed().as_secs_f64(),
        search.model(),
    );
    if args.clips > 0 {
        let paths = search.store().creature_paths()?;
        for path in paths.iter().take(args.clips) {
            let dir = out.join("clips").join(
                path.file_stem()
                    .map_or_else(|| "creature".into(), |s| s.to_string_lossy().into_owned()),
            );
            // A denser clip than the K scored frames, so it plays as an animation.
            crate::replay::replay_to_clips(
                search.gpu(),
                path,
                &dir,
                Some(spec.steps.min(63) + 1),
                false,
            )?;
        }
    }
    println!("run directory: {}", out.display());
    Ok(())
}

/// The terminal's view of a session: the start line, the progress bar, the session's log entries
/// (for the benchmark summary).
struct Progress<'a> {
    bar: &'a indicatif::ProgressBar,
    out: &'a Path,
    session: Vec<LogEntry>,
}

impl SessionObserver for Progress<'_> {
    fn started(&mut self, start: &SessionStart) {
        self.bar.suspend(|| {
            eprintln!(
                "search: {} ({}-value genome) on {}, model {}, {:?} initial states → {}",
                start.substrate,
                start.genome_dim,
                start.adapter,
                start.model,
                start.init_mode,
                self.out.display()
            );
            if start.resumed_after > 0 {
                eprintln!("resuming after generation {}", start.resumed_after);
            }
        });
    }

    fn generation_done(&mut self, entry: &LogEntry, _state: &RunState) {
        self.bar
            .set_message(format!("best {:.5}", entry.best_so_far));
        self.bar.inc(1);
        self.session.push(entry.clone());
    }
}

/// Prints the result and the benchmark figures of this session.
fn summarise(state: &RunState, session: &[LogEntry], wall: f64, model: &CachedModel<BoxedModel>) {
    match &state.engine {
        Engine::Fitness { optimiser } => {
            if let Some(b) = optimiser.best() {
                println!(
                    "best fitness {:.6} (generation {}), genome {}",
                    b.fitness,
                    b.generation,
                    preview(&b.genome)
                );
            }
        }
        Engine::Illumination { ga } => {
            if let Some(Ok(s)) = ga.illumination_score() {
                println!(
                    "illumination score {s:.6} (population {})",
                    ga.config().population
                );
            }
        }
    }
    if let Some(ranked) = state.ranked_rules() {
        println!("top rules (lower = better):");
        for (i, (rule, f)) in ranked.iter().take(10).enumerate() {
            println!("  {:>3}. {:<20} {f:.6}", i + 1, rule.to_string());
        }
    }
    if session.is_empty() {
        return;
    }
    let mut stages: BTreeMap<&str, f64> = BTreeMap::new();
    for e in session {
        for (k, v) in &e.seconds {
            *stages.entry(k.as_str()).or_default() += v;
        }
    }
    let genomes: u64 = session.iter().map(|e| e.evaluated).sum();
    let frames: u64 = session.iter().map(|e| e.frames).sum();
    let (hits, misses) = model.stats();
    println!(
        "benchmark: {} generations in {wall:.1} s: {:.1} genomes/s, {:.1} frames/s; frames embedded by the model {misses}, from cache {hits}, pre-filtered rollouts {}",
        session.len(),
        genomes as f64 / wall,
        frames as f64 / wall,
        session.iter().map(|e| e.skipped).sum::<u64>()
    );
    let per_stage: Vec<String> = stages
        .iter()
        .map(|(k, v)| format!("{k} {v:.2} s"))
        .collect();
    println!("  stages: {}", per_stage.join(", "));
}

fn preview(genome: &[f32]) -> String {
    let shown: Vec<String> = genome.iter().take(6).map(|v| format!("{v:.4}")).collect();
    if genome.len() > 6 {
        format!("[{}, … {} values]", shown.join(", "), genome.len())
    } else {
        format!("[{}]", shown.join(", "))
    }
}
