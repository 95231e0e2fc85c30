//! `asal simulate`: run one substrate from a creature file, a rule or a genome file, and write
//! what it shows (PNG/GIF/WebP) and, on request, its states under the fixtures' tensor names.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail, ensure};
use asal_substrates::creature::{self, Creature};
use asal_substrates::gol::Rule;
use asal_substrates::substrate::{
    FrameSchedule, FrameTimes, Init, RolloutSpec, Substrate, rollout,
};
use asal_substrates::tensors::{Tensor, TensorData, TensorFile, write_tensors};
use asal_substrates::{Gpu, canonical_name};

use crate::clips::Clip;

/// Clip formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// A PNG per frame in `frames/`.
    Png,
    /// Animated GIF.
    Gif,
    /// Animated WebP.
    Webp,
}

/// Arguments of `asal simulate`.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// Substrate: `gol` (alias `life`) or `lenia`. Implied by --creature.
    #[arg(long, short)]
    substrate: Option<String>,
    /// Creature file (JSON), e.g. assets/creatures/orbium.json.
    #[arg(long, short)]
    creature: Option<PathBuf>,
    /// Life-like rule in B/S notation (`B3/S23`) or as the original's 18-bit integer (6152).
    #[arg(long)]
    rule: Option<String>,
    /// Genome file: safetensors with tensor `params`, shape [d] or [n, d] for n worlds.
    #[arg(long)]
    params: Option<PathBuf>,
    /// Initial state: safetensors with tensors `state0.<field>` (the fixtures' names).
    #[arg(long)]
    init_state: Option<PathBuf>,
    /// Life pattern in RLE, centred in the grid (instead of a random soup).
    #[arg(long)]
    pattern: Option<PathBuf>,
    /// Grid side in cells (Life: a multiple of 32; default 64. Lenia: default 128).
    #[arg(long)]
    size: Option<u32>,
    /// Life: alive probability of the initial soup (default: U(0.05, 0.4) per world, as the original).
    #[arg(long)]
    p0: Option<f32>,
    /// Seed of the initial state (default: the creature's, else 0).
    #[arg(long)]
    seed: Option<u64>,
    /// Steps to simulate (default: the creature's, else the original's rollout length).
    #[arg(long)]
    steps: Option<u32>,
    /// Number of frames, evenly spaced from step 0 to the last step (default: up to 128).
    #[arg(long, conflicts_with = "frame_steps")]
    frames: Option<u32>,
    /// Render exactly these steps (comma-separated).
    #[arg(long, value_delimiter = ',')]
    frame_steps: Vec<u32>,
    /// Also render the step after each chosen one, so strobing (B0) rules show both phases.
    #[arg(long)]
    both_parities: bool,
    /// Frame side in pixels.
    #[arg(long, default_value_t = 224)]
    frame_size: u32,
    /// Clip frame rate.
    #[arg(long, default_value_t = 30)]
    fps: u32,
    /// Clip formats to write.
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = [Format::Png, Format::Gif, Format::Webp])]
    formats: Vec<Format>,
    /// Write the states after these steps (comma-separated) as `state<k>.<field>`.
    #[arg(long, value_delimiter = ',')]
    dump_states: Vec<u32>,
    /// Output directory for clips, or a `.safetensors` file for --dump-states.
    #[arg(long, short, default_value = "out/simulate")]
    out: PathBuf,
    /// Clip directory when --out names a .safetensors file (default: no clips then).
    #[arg(long)]
    clips: Option<PathBuf>,
}

/// What to simulate, resolved from the arguments.
struct Job {
    substrate: Box<dyn Substrate>,
    genomes: Vec<f32>,
    worlds: usize,
    init: Init,
    steps: u32,
}

fn resolve(args: &Args) -> Result<Job> {
    let creature = args.creature.as_deref().map(Creature::read).transpose()?;
    let name = match (&creature, &args.substrate) {
        (Some(c), Some(s)) => {
            ensure!(
                canonical_name(s)? == canonical_name(&c.substrate)?,
                "--substrate {s} contradicts the creature's substrate `{}`",
                c.substrate
            );
            canonical_name(s)?
        }
        (Some(c), None) => canonical_name(&c.substrate)?,
        (None, Some(s)) => canonical_name(s)?,
        (None, None) => {
            bail!("say what to simulate: --substrate gol|lenia, or --creature FILE.json")
        }
    };
    if name != "gol" {
        for (flag, given) in [
            ("--rule", args.rule.is_some()),
            ("--pattern", args.pattern.is_some()),
            ("--p0", args.p0.is_some()),
        ] {
            ensure!(
                !given,
                "{flag} applies to Life-like rules (--substrate gol), not `{name}`"
            );
        }
    }
    let mut config = creature
        .as_ref()
        .map_or(serde_json::Value::Null, |c| c.config.clone());
    if name == "lenia" && config.is_null() {
        let base: Creature = serde_json::from_str(asal_substrates::lenia::AQUARIUM_5N7KKM)?;
        config = base.config;
    }
    if !config.is_object() {
        config = serde_json::json!({});
    }
    if let Some(size) = args.size {
        config["size"] = size.into();
    }
    if let Some(p0) = args.p0 {
        config["p0"] = p0.into();
    }
    if let Some(path) = &args.pattern {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading pattern {}", path.display()))?;
        asal_substrates::gol::Pattern::parse_rle(&text)
            .with_context(|| format!("pattern {}", path.display()))?;
        config["pattern_rle"] = text.into();
    }
    let substrate = creature::build(name, &config)?;
    let d = substrate.genome().dim();

    let (genomes, worlds) = if let Some(path) = &args.params {
        ensure!(
            args.rule.is_none(),
            "give either --rule or --params, not both"
        );
        read_params(path, d)?
    } else if let Some(rule) = &args.rule {
        (vec![Rule::parse(rule)?.code() as f32], 1)
    } else if let Some(c) = &creature {
        (c.genome_for(substrate.as_ref())?, 1)
    } else if name == "gol" {
        (vec![Rule::CONWAY.code() as f32], 1)
    } else {
        (vec![0.0; d], 1)
    };
    substrate.genome().validate_batch(&genomes)?;

    let init = match &args.init_state {
        Some(path) => {
            let file = TensorFile::read(path)?;
            Init::States(vec![file.state("state0")?])
        }
        None => Init::Seed(args.seed.or(creature.as_ref().map(|c| c.seed)).unwrap_or(0)),
    };
    let steps = args
        .steps
        .or(creature.as_ref().and_then(|c| c.steps))
        .unwrap_or_else(|| substrate.default_steps());
    Ok(Job {
        substrate,
        genomes,
        worlds,
        init,
        steps,
    })
}

/// Reads tensor `params` ([d] or [n, d]) from a safetensors file.
fn read_params(path: &Path, d: usize) -> Result<(Vec<f32>, usize)> {
    let file = TensorFile::read(path)?;
    let t = file.get("params")?;
    let TensorData::F32(values) = &t.data else {
        bail!(
            "{}: tensor `params` must be float32 (F32), got {:?}",
            path.display(),
            t.data_type_name()
        );
    };
    let worlds = match t.shape.as_slice() {
        [n] if *n == d => 1,
        [n, k] if *k == d && *n > 0 => *n,
        // The original stores Life rules as a scalar int; accept a [1] float too.
        other => bail!(
            "{}: tensor `params` has shape {other:?}; this substrate needs [{d}] or [n, {d}]",
            path.display()
        ),
    };
    Ok((values.clone(), worlds))
}

trait DataTypeName {
    fn data_type_name(&self) -> &'static str;
}

impl DataTypeName for Tensor {
    fn data_type_name(&self) -> &'static str {
        match self.data {
            TensorData::F32(_) => "F32",
            TensorData::I32(_) => "I32",
            TensorData::U8(_) => "U8",
        }
    }
}

fn frame_steps(args: &Args, steps: u32) -> Result<Vec<u32>> {
    let times = if !args.frame_steps.is_empty() {
        FrameTimes::Steps(args.frame_steps.clone())
    } else {
        let k = args.frames.unwrap_or_else(|| (steps + 1).min(128)).max(1);
        ensure!(
            k <= steps + 1,
            "--frames {k}: at most one frame per step ({} for {steps} steps)",
            steps + 1
        );
        let spaced = if k == 1 {
            vec![steps]
        } else {
            (0..k)
                .map(|j| ((u64::from(j) * u64::from(steps)) / u64::from(k - 1)) as u32)
                .collect()
        };
        FrameTimes::Steps(spaced)
    };
    Ok(FrameSchedule {
        times,
        both_parities: args.both_parities,
    }
    .resolve(steps)?)
}

/// Runs `asal simulate`.
pub(crate) fn run(adapter: Option<&str>, args: &Args) -> Result<()> {
    let job = resolve(args)?;
    let states_file = args.out.extension().is_some_and(|e| e == "safetensors");
    ensure!(
        !states_file || !args.dump_states.is_empty(),
        "--out {} is a .safetensors file: add --dump-states 1,2,10 to say which states to write",
        args.out.display()
    );
    ensure!(
        args.dump_states.is_empty() || states_file,
        "--dump-states writes a safetensors file: give --out FILE.safetensors (clips can go to --clips DIR)"
    );
    let clip_dir = if states_file {
        args.clips.clone()
    } else {
        Some(args.out.clone())
    };
    let frame_steps = if clip_dir.is_some() {
        frame_steps(args, job.steps)?
    } else {
        Vec::new()
    };
    let mut dump = args.dump_states.clone();
    dump.sort_unstable();
    dump.dedup();

    let gpu = Gpu::new(adapter)?;
    tracing::info!("simulating on {}", gpu.describe());
    let spec = RolloutSpec {
        steps: job.steps,
        frame_steps: frame_steps.clone(),
        frame_size: args.frame_size,
        dump_steps: dump,
    };
    let bar = indicatif::ProgressBar::new(u64::from(job.steps) * job.worlds as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg} [{bar:40}] {pos}/{len} world-steps ({per_sec}, eta {eta})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar.set_message(format!("{} × {}", job.substrate.name(), job.worlds));
    let start = std::time::Instant::now();
    let out = rollout(
        &gpu,
        job.substrate.as_ref(),
        &job.genomes,
        &job.init,
        &spec,
        &mut |n| bar.inc(n),
    )?;
    bar.finish_and_clear();
    let seconds = start.elapsed().as_secs_f64();
    println!(
        "{} world(s) of {} × {} steps in {seconds:.2} s on {}",
        job.worlds,
        job.substrate.name(),
        job.steps,
        gpu.info().name
    );

    if states_file {
        let mut tensors = BTreeMap::new();
        for (t, states) in &out.states {
            for field in states[0].keys() {
                let name = format!("state{t}.{field}");
                let tensor = if job.worlds == 1 {
                    states[0][field].clone()
                } else {
                    stack(states.iter().map(|s| &s[field]))
                };
                tensors.insert(name, tensor);
            }
        }
        write_tensors(&args.out, &tensors)?;
        println!("states {:?} → {}", args.dump_states, args.out.display());
    }
    if let Some(dir) = clip_dir {
        let frame_bytes = (args.frame_size as usize).pow(2) * 4;
        let per_world = frame_steps.len() * frame_bytes;
        for w in 0..job.worlds {
            let world_dir = if job.worlds == 1 {
                dir.clone()
            } else {
                dir.join(format!("world_{w:03}"))
            };
            std::fs::create_dir_all(&world_dir)
                .with_context(|| format!("creating {}", world_dir.display()))?;
            let frames = out.frames[w * per_world..(w + 1) * per_world]
                .chunks_exact(frame_bytes)
                .collect();
            let clip = Clip {
                size: args.frame_size,
                frames,
                fps: args.fps,
            };
            for format in &args.formats {
                match format {
                    Format::Png => clip.write_pngs(&world_dir.join("frames"))?,
                    Format::Gif => clip.write_gif(&world_dir.join("clip.gif"))?,
                    Format::Webp => clip.write_webp(&world_dir.join("clip.webp"), None)?,
                }
            }
        }
        println!(
            "{} frame(s) per world (steps {}) → {}",
            frame_steps.len(),
            summarize(&frame_steps),
            dir.display()
        );
    }
    Ok(())
}

/// Stacks per-world tensors along a new leading axis.
fn stack<'a>(tensors: impl Iterator<Item = &'a Tensor>) -> Tensor {
    let tensors: Vec<&Tensor> = tensors.collect();
    let mut shape = vec![tensors.len()];
    shape.extend(&tensors[0].shape);
    let data = match &tensors[0].data {
        TensorData::F32(_) => TensorData::F32(tensors.iter().flat_map(|t| t.to_f32()).collect()),
        TensorData::I32(_) | TensorData::U8(_) => {
            TensorData::I32(tensors.iter().flat_map(|t| t.to_i32()).collect())
        }
    };
    Tensor { shape, data }
}

fn summarize(steps: &[u32]) -> String {
    match steps {
        [] => "none".into(),
        [one] => one.to_string(),
        [first, .., last] if steps.len() > 6 => format!("{first}..{last}"),
        _ => steps
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(","),
    }
}
