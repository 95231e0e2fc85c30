//! `asal`: simulate artificial-life substrates on the GPU (and, as the project grows, search them
//! with foundation models). Each subcommand is a thin layer over the library crates.

mod bench;
mod clips;
mod embed;
mod gallery;
mod models;
mod replay;
mod search;
mod simulate;
mod view;

use std::process::ExitCode;

use anyhow::Result;
use clap::{Parser, Subcommand};

/// GPU artificial-life search engine in the spirit of ASAL.
#[derive(Parser)]
#[command(name = "asal", version, about, long_about = None)]
struct Cli {
    /// Use the GPU adapter whose name contains this text (see `asal info`).
    #[arg(long, global = true, env = "ASAL_ADAPTER")]
    adapter: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Show the GPU adapter, its backend and the limits that bound batch sizes.
    Info,
    /// Run a substrate for N steps and write frames (PNG, GIF, WebP) and, optionally, states.
    Simulate(Box<simulate::Args>),
    /// Measure simulation throughput on this adapter.
    Bench(bench::Args),
    /// Embed PNG images and prompts with a model; write unit embeddings to a safetensors file.
    Embed(Box<embed::EmbedArgs>),
    /// Print a model's token ids for texts, one line per text.
    Tokenize(embed::TokenizeArgs),
    /// List, download, verify or locate foundation models.
    Models(models::Args),
    /// Search a substrate with a foundation model, as a config file says (resumable).
    Search(Box<search::Args>),
    /// Re-simulate a saved creature, check its frames against the search's, write a clip.
    Replay(replay::Args),
    /// Export runs' creatures as a static site: clips, fitness plots, atlas, creature files.
    Gallery(Box<gallery::Args>),
    /// Open the desktop explorer on runs and creature files: watch, compare and steer them live.
    View(view::Args),
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
                tracing_subscriber::EnvFilter::new("warn,wgpu_hal=error,wgpu_core=error,naga=warn")
            }),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    let adapter = cli.adapter.as_deref();
    match cli.command {
        Command::Info => {
            // The ONNX Runtime report comes even when no GPU is found, and never fails the command.
            let gpu = info(adapter);
            models::print_runtime_info();
            gpu
        }
        Command::Embed(args) => embed::run_embed(&args),
        Command::Tokenize(args) => embed::run_tokenize(&args),
        Command::Models(args) => models::run(&args),
        Command::Simulate(args) => simulate::run(adapter, &args),
        Command::Bench(args) => bench::run(adapter, &args),
        Command::Search(args) => search::run(adapter, &args),
        Command::Replay(args) => replay::run(adapter, &args),
        Command::Gallery(args) => gallery::run(adapter, &args),
        Command::View(args) => view::run(adapter, &args),
    }
}

fn info(adapter: Option<&str>) -> Result<()> {
    let gpu = asal_substrates::Gpu::new(adapter)?;
    let i = gpu.info();
    let l = gpu.limits();
    println!("adapter:   {}", i.name);
    println!("backend:   {:?}", i.backend);
    println!("type:      {:?}", i.device_type);
    println!("driver:    {} {}", i.driver, i.driver_info);
    println!("limits:");
    println!(
        "  max buffer size:              {} MiB",
        l.max_buffer_size >> 20
    );
    println!(
        "  max storage binding:          {} MiB",
        l.max_storage_buffer_binding_size >> 20
    );
    println!(
        "  max workgroups per dimension: {}",
        l.max_workgroups_per_dimension
    );
    println!(
        "  workgroup shared memory:      {} KiB",
        l.max_workgroup_storage_size >> 10
    );
    println!(
        "  invocations per workgroup:    {}",
        l.max_invocations_per_workgroup
    );
    println!("substrates: {}", asal_substrates::SUBSTRATES.join(", "));
    Ok(())
}
