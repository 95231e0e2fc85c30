//! The ASAL desktop explorer: an eframe app on eframe's own wgpu device, so compute passes of the
//! substrates write straight into textures that egui shows (no CPU round trip).
//!
//! - [`app`]: the [`App`] state and layout, keyboard shortcuts, settings remembered between
//!   launches; `asal view` and the tests build it the same way.
//! - [`live`]: worlds stepping on the GPU, copied into a registered `Rgba8Unorm` texture in the
//!   same command encoder.
//! - [`library`] and `browser`: run directories and creature files, listed with substrate,
//!   objective and score, sorted and filtered.
//! - [`grid`]: many creatures live as thumbnails, one batch per substrate.
//! - [`view`]: one creature with playback, zoom and pan, seeds, named-slider parameters,
//!   mutation into variants, clip and creature export ([`export`]).
//! - [`interp`]: the line between two genomes, moved while the worlds run ([`edit`]).
//! - [`monitor`]: follow a run directory's `log.jsonl` (tolerating a partial last line), plot its
//!   fitness curves, start a search from a config in the background.
//! - [`readouts`]: model readouts of the running creature: similarity to a typed prompt and the
//!   open-endedness (novelty) score along the run so far.

pub mod app;
mod browser;
pub mod edit;
pub mod export;
pub mod follow;
pub mod grid;
pub mod interp;
pub mod library;
pub mod live;
pub mod monitor;
pub mod readouts;
pub mod view;

pub use app::{App, Notice, Screen, Settings};

/// Opens the explorer window on eframe's wgpu renderer with `paths` (runs or creature files)
/// opened; returns when the window closes. `adapter` picks the GPU by a substring of its name.
pub fn run_native(paths: Vec<std::path::PathBuf>, adapter: Option<String>) -> anyhow::Result<()> {
    let mut options = eframe::NativeOptions {
        renderer: eframe::Renderer::Wgpu,
        viewport: eframe::egui::ViewportBuilder::default()
            .with_title("ASAL explorer")
            .with_inner_size([1280.0, 800.0])
            .with_drag_and_drop(true),
        ..Default::default()
    };
    options.wgpu_options.wgpu_setup = wgpu_setup(adapter);
    eframe::run_native(
        "asal-viewer",
        options,
        Box::new(move |cc| Ok(Box::new(App::from_creation_context(cc, &paths)))),
    )
    .map_err(|e| {
        anyhow::anyhow!(
            "the explorer window failed: {e}. It needs a display (X11 or Wayland) and a Vulkan, \
             Metal, DX12 or GL driver; without a GPU install Mesa's software Vulkan \
             (`apt-get install mesa-vulkan-drivers`)"
        )
    })
}

/// eframe's device request, asking for every limit the adapter offers (as the headless engine
/// does, so batches that fit there fit here) on the adapter whose name contains `adapter`.
fn wgpu_setup(adapter: Option<String>) -> eframe::egui_wgpu::WgpuSetup {
    use std::sync::Arc;
    let mut setup = eframe::egui_wgpu::WgpuSetupCreateNew::without_display_handle();
    setup.device_descriptor = Arc::new(|adapter| wgpu::DeviceDescriptor {
        label: Some("asal explorer"),
        required_limits: adapter.limits(),
        ..Default::default()
    });
    if let Some(want) = adapter.filter(|a| !a.trim().is_empty()) {
        let want = want.to_lowercase();
        setup.native_adapter_selector = Some(Arc::new(move |adapters, _surface| {
            let names: Vec<String> = adapters.iter().map(|a| a.get_info().name).collect();
            adapters
                .iter()
                .find(|a| a.get_info().name.to_lowercase().contains(&want))
                .cloned()
                .ok_or_else(|| {
                    format!(
                        "no GPU adapter named like `{want}`; found: {}",
                        names.join(", ")
                    )
                })
        }));
    }
    eframe::egui_wgpu::WgpuSetup::CreateNew(setup)
}
