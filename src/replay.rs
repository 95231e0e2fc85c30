//! `asal replay CREATURE.json`: re-simulate a saved creature exactly as the search saw it, check
//! its frames against the hashes the search recorded, and write a clip.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use asal_fm::Frame;
use asal_search::pipeline::{hex, init_for, probe_init};
use asal_substrates::Gpu;
use asal_substrates::creature::Creature;
use asal_substrates::substrate::{RolloutSpec, rollout};

use crate::clips::Clip;

/// Arguments of `asal replay`.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// Creature file (JSON), e.g. runs/demo/creatures/best-000.json.
    creature: PathBuf,
    /// Output directory for the clip (default: out/replay/<creature name>).
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// Frames in the clip, evenly spaced from step 0 to the last step (default: the frames the
    /// search scored).
    #[arg(long)]
    frames: Option<u32>,
    /// Fail unless every frame the search scored is reproduced bit for bit.
    #[arg(long)]
    verify: bool,
}

/// What a replay found.
pub(crate) struct Report {
    /// Frames compared with the search's hashes and how many were identical.
    pub(crate) compared: usize,
    pub(crate) identical: usize,
}

/// Runs `asal replay`.
pub(crate) fn run(adapter: Option<&str>, args: &Args) -> Result<()> {
    let out = args.out.clone().unwrap_or_else(|| {
        PathBuf::from("out/replay").join(
            args.creature
                .file_stem()
                .map_or_else(|| "creature".into(), |s| s.to_string_lossy().into_owned()),
        )
    });
    let gpu = Gpu::new(adapter)?;
    let report = replay_to_clips(&gpu, &args.creature, &out, args.frames, args.verify)?;
    if report.compared == 0 {
        println!("no frame hashes in the creature file: nothing to compare");
    } else {
        println!(
            "frames identical to the search's: {}/{}",
            report.identical, report.compared
        );
    }
    println!("clip → {}", out.display());
    Ok(())
}

/// Replays the creature at `path` and writes `clip.gif`, `clip.webp` and `frames/` into `dir`.
pub(crate) fn replay_to_clips(
    gpu: &Gpu,
    path: &Path,
    dir: &Path,
    clip_frames: Option<u32>,
    verify: bool,
) -> Result<Report> {
    let creature = Creature::read(path)?;
    let substrate = creature
        .substrate()
        .with_context(|| format!("{}: substrate", path.display()))?;
    let genome = creature
        .genome_for(substrate.as_ref())
        .with_context(|| format!("{}: genome", path.display()))?;
    let steps = creature.steps.unwrap_or_else(|| substrate.default_steps());
    let (search_steps, size, hashes) = match &creature.frames {
        Some(f) => (f.steps.clone(), f.size, f.sha256.clone()),
        None => (vec![steps], 224, Vec::new()),
    };
    let clip_steps: Vec<u32> = match clip_frames {
        Some(0) => bail!("--frames must be at least 1"),
        Some(1) => vec![steps],
        Some(k) => (0..k)
            .map(|j| (u64::from(j) * u64::from(steps) / u64::from(k - 1)) as u32)
            .collect(),
        None => search_steps.clone(),
    };
    let mut all: Vec<u32> = search_steps.iter().chain(&clip_steps).copied().collect();
    all.sort_unstable();
    all.dedup();
    if let Some(bad) = all.iter().find(|&&s| s > steps) {
        bail!(
            "{}: frame step {bad} is past the creature's {steps} steps",
            path.display()
        );
    }
    // The same initial-state path as the search, so the frames can match bit for bit.
    let mode = probe_init(gpu, substrate.as_ref())?;
    let init = init_for(substrate.as_ref(), mode, &genome, &[creature.seed])?;
    let spec = RolloutSpec {
        steps,
        frame_steps: all.clone(),
        frame_size: size,
        dump_steps: Vec::new(),
    };
    let out = rollout(gpu, substrate.as_ref(), &genome, &init, &spec, &mut |_| {})?;
    let fb = (size as usize).pow(2) * 4;
    let frame = |step: u32| -> &[u8] {
        let i = all.binary_search(&step).unwrap_or_default();
        &out.frames[i * fb..(i + 1) * fb]
    };
    let mut report = Report {
        compared: 0,
        identical: 0,
    };
    for (step, want) in search_steps.iter().zip(&hashes) {
        report.compared += 1;
        let got = hex(&Frame::rgba8(size as usize, size as usize, frame(*step)).content_hash());
        if &got == want {
            report.identical += 1;
        } else {
            tracing::warn!("frame at step {step} differs from the search's");
        }
    }
    if verify && report.identical != report.compared {
        bail!(
            "{}: {} of {} frames differ from what the search saw (different adapter or driver?)",
            path.display(),
            report.compared - report.identical,
            report.compared
        );
    }
    let clip = Clip {
        size,
        frames: clip_steps.iter().map(|&s| frame(s)).collect(),
        fps: 8,
    };
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    clip.write_pngs(&dir.join("frames"))?;
    clip.write_gif(&dir.join("clip.gif"))?;
    clip.write_webp(&dir.join("clip.webp"), None)?;
    Ok(report)
}
