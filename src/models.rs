//! `asal models list | pull NAME | verify NAME | path NAME`: the model registry, and the ONNX
//! Runtime lines of `asal info`.

use anyhow::{Context as _, Result};
use asal_fm::{ModelStatus, Registry};
use indicatif::{ProgressBar, ProgressStyle};

/// Arguments of `asal models`.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(clap::Subcommand, Debug)]
enum Command {
    /// List the registry's models, whether each is downloaded, and where models go ($ASAL_HOME).
    List,
    /// Download a model (resumes an interrupted download; checks sizes and SHA-256).
    Pull {
        /// Registry name, e.g. clip-vit-b32.
        name: String,
    },
    /// Re-check the files of a downloaded model against its manifest.
    Verify {
        /// Registry name.
        name: String,
    },
    /// Print the folder of a downloaded model (for scripts and `--model`).
    Path {
        /// Registry name.
        name: String,
    },
}

/// Runs `asal models ...`.
pub(crate) fn run(args: &Args) -> Result<()> {
    let registry = Registry::from_env()?;
    match &args.command {
        Command::List => {
            println!(
                "models folder: {}",
                registry.home().join("models").display()
            );
            println!("{:<22} {:<9} {:<5} description", "name", "status", "text");
            println!(
                "{:<22} {:<9} {:<5} raw-pixel baseline (2352-d), no download",
                "pixels", "built-in", "no"
            );
            for (entry, status) in registry.list() {
                let status = match status {
                    ModelStatus::Complete => "pulled",
                    ModelStatus::Partial => "partial",
                    ModelStatus::Missing => "-",
                };
                println!(
                    "{:<22} {:<9} {:<5} {}",
                    entry.name,
                    status,
                    if entry.text { "yes" } else { "no" },
                    entry.description
                );
            }
        }
        Command::Pull { name } => {
            let bar = ProgressBar::new(0);
            bar.set_style(
                ProgressStyle::with_template(
                    "{msg:30!} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
                )
                .context("progress bar template")?
                .progress_chars("=> "),
            );
            let dir = registry.pull(name, &mut |p| {
                if bar.message() != p.file {
                    bar.set_message(p.file.to_string());
                }
                bar.set_length(p.total);
                bar.set_position(p.done);
            });
            bar.finish_and_clear();
            let dir = dir.with_context(|| format!("pulling '{name}'"))?;
            println!("{}", dir.display());
        }
        Command::Verify { name } => {
            let manifest = registry
                .verify(name)
                .with_context(|| format!("verifying '{name}'"))?;
            let bytes: u64 = manifest.files.iter().map(|f| f.size).sum();
            println!(
                "{name}: {} files, {:.1} MB, sizes and SHA-256 hashes match",
                manifest.files.len(),
                bytes as f64 / 1e6
            );
        }
        Command::Path { name } => {
            println!("{}", registry.path(name)?.display());
        }
    }
    Ok(())
}

/// The ONNX Runtime lines of `asal info`. A missing runtime is reported with the fix, not an
/// error: the GPU part of `asal info` stands on its own.
pub(crate) fn print_runtime_info() {
    match asal_fm::runtime_info() {
        Ok(rt) => {
            println!("onnx runtime:");
            println!("  library:    {} ({})", rt.library.display(), rt.source);
            println!("  version:    {}", rt.version);
            println!("  providers:  {}", rt.providers.join(", "));
        }
        Err(e) => {
            println!("onnx runtime: not available");
            for line in e.to_string().lines() {
                println!("  {line}");
            }
            println!("  (the built-in `pixels` model works without it; CLIP and DINOv2 need it)");
        }
    }
    match asal_fm::registry::asal_home() {
        Ok(home) => println!("models:     {}", home.join("models").display()),
        Err(e) => println!("models:     {e}"),
    }
}
