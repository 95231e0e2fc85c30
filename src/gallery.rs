//! `asal gallery RUN_DIR... -o DIR`: a static site of every creature of the given runs.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use asal_substrates::Gpu;

/// Arguments of `asal gallery`.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// Run directories written by `asal search`.
    #[arg(required = true)]
    runs: Vec<PathBuf>,
    /// Output folder for the site (index.html, style.css, app.js, media/, creatures/).
    #[arg(long, short)]
    out: PathBuf,
    /// Replace the output folder if it exists.
    #[arg(long)]
    force: bool,
    /// Clip frame rate.
    #[arg(long, default_value_t = 24)]
    fps: u32,
    /// At most this many frames per clip, evenly spaced over the creature's rollout.
    #[arg(long, default_value_t = 256)]
    frames: u32,
    /// Clip side in pixels (default: the frame size the search scored, else 224).
    #[arg(long)]
    size: Option<u32>,
    /// At most this many atlas thumbnails per run, up to 2048 (a sweep shows its best members,
    /// a larger illumination population an evenly spaced subset).
    #[arg(long, default_value_t = 1024)]
    atlas_max: usize,
}

/// Runs `asal gallery`.
pub(crate) fn run(adapter: Option<&str>, args: &Args) -> Result<()> {
    let opts = asal_gallery::Options {
        fps: args.fps,
        max_frames: args.frames,
        size: args.size,
        force: args.force,
        atlas_max: args.atlas_max,
        ..Default::default()
    };
    // Refuse before starting the GPU, so the common mistake costs nothing.
    if args.out.exists() && !args.force {
        anyhow::bail!("{} exists; pass --force to replace it", args.out.display());
    }
    let gpu = Gpu::new(adapter)?;
    let summary = asal_gallery::export(&gpu, &args.runs, &args.out, &opts, &mut |what| {
        eprintln!("simulating {what}");
    })
    .context("building the gallery")?;
    println!(
        "{} creature{} ({} KiB of WebP clips, {} KiB of GIF fallbacks), {} atlas{} → {}",
        summary.creatures,
        if summary.creatures == 1 { "" } else { "s" },
        summary.webp_bytes / 1024,
        summary.gif_bytes / 1024,
        summary.atlases,
        if summary.atlases == 1 { "" } else { "es" },
        args.out.join("index.html").display()
    );
    for note in &summary.notes {
        println!("note: {note}");
    }
    Ok(())
}
