//! Renders the explorer on runs or creature files to a PNG (the README's docs/viewer.png), on
//! kittest's headless wgpu device, with the thumbnails advanced a given number of steps:
//!
//! ```sh
//! cargo run -p asal-viewer --example screenshot -- docs/viewer.png 48 runs/demo assets/creatures/orbium.json
//! ```

use std::path::PathBuf;

use anyhow::{Context as _, Result, bail};
use asal_viewer::{App, Screen};
use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [out, steps, paths @ ..] = args.as_slice() else {
        bail!("usage: screenshot OUT.png STEPS PATH...");
    };
    let steps: usize = steps.parse().context("STEPS must be a whole number")?;
    let paths: Vec<PathBuf> = paths.iter().map(PathBuf::from).collect();
    let mut h = Harness::builder()
        .with_size(egui::vec2(1280.0, 720.0))
        .wgpu()
        .build_eframe(move |cc| App::from_creation_context(cc, &paths));
    h.run();
    h.state_mut().dismiss_notices();
    h.state_mut().show_screen(Screen::Grid);
    h.get_by_label("Play").click();
    h.run_steps(steps);
    h.get_by_label("Pause").click();
    h.run();
    h.remove_cursor();
    h.run();
    let image = h.render().map_err(|e| anyhow::anyhow!("rendering: {e}"))?;
    image.save(out).with_context(|| format!("writing {out}"))?;
    println!("wrote {out}");
    Ok(())
}
