//! `asal view [RUN_DIR | CREATURE ...]`: the desktop explorer (crate `asal-viewer`), on eframe's
//! wgpu device shared with the simulation.

use std::path::PathBuf;

use anyhow::Result;

/// Arguments of `asal view`.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// Run directories (written by `asal search`), creature files (JSON) or folders of creature
    /// files to open; more can be opened from the window (path field, drag and drop, recent list).
    paths: Vec<PathBuf>,
}

/// Runs `asal view` until its window closes.
pub(crate) fn run(adapter: Option<&str>, args: &Args) -> Result<()> {
    asal_viewer::run_native(args.paths.clone(), adapter.map(str::to_owned))
}
