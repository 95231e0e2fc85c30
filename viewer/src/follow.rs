//! Wiring of the search monitor and the model readouts into the explorer: the monitor screen with
//! the followed run's current best creature running live beside the curves, and the readouts
//! section of the creature view, fed the live frame at the readouts' own low rate.

use std::path::PathBuf;

use anyhow::Result;
use asal_substrates::Gpu;
use eframe::egui;
use eframe::egui_wgpu::RenderState;

use crate::app::App;
use crate::library::read_creature;
use crate::live::{InitModes, Live};
use crate::monitor::MonitorAction;
use crate::readouts::{ModelReadouts, ReadoutsOptions};

/// Frame side of the monitor's live best creature, pixels.
const BEST_SIZE: u32 = 192;

/// The followed run's best creature, running live.
pub struct LiveBest {
    /// Which file and version it shows (path, generation, score as bits).
    key: (PathBuf, Option<u64>, Option<u32>),
    /// Its name.
    pub name: String,
    /// Its world.
    pub live: Live,
}

impl LiveBest {
    fn start(
        gpu: &Gpu,
        render_state: &RenderState,
        modes: &mut InitModes,
        key: (PathBuf, Option<u64>, Option<u32>),
    ) -> Result<Self> {
        let entry = read_creature(&key.0)?;
        let substrate = entry.creature.substrate()?;
        let genome = entry.creature.genome_for(substrate.as_ref())?;
        let mode = modes.get(gpu, &entry.batch_key(), substrate.as_ref())?;
        let live = Live::new(
            gpu,
            render_state,
            substrate,
            mode,
            genome,
            vec![entry.creature.seed],
            BEST_SIZE,
        )?;
        Ok(Self {
            key,
            name: entry.name,
            live,
        })
    }
}

impl App {
    /// The monitor screen: the search monitor's panel, and the followed run's best creature live.
    pub(crate) fn monitor_screen_ui(&mut self, ui: &mut egui::Ui) {
        self.refresh_live_best();
        if let Some(best) = &self.live_best {
            egui::Panel::right("best live")
                .resizable(true)
                .default_size(240.0)
                .show(ui, |ui| {
                    ui.heading("Current best, live");
                    ui.label(&best.name);
                    ui.weak(format!("step {}", best.live.step()));
                    let side = ui.available_width().clamp(64.0, 512.0);
                    ui.add(egui::Image::new((
                        best.live.texture_id(),
                        egui::vec2(side, side),
                    )));
                });
        }
        let action = self.monitor.monitor_ui(ui);
        match action {
            Some(MonitorAction::OpenCreature(path)) => {
                self.open_path(&path);
                if let Some(i) = self
                    .library
                    .entries
                    .iter()
                    .position(|e| e.path.as_ref() == Some(&path))
                {
                    self.open_creature(i);
                }
            }
            Some(MonitorAction::OpenRun(path)) => {
                self.open_path(&path);
                self.show_all_in_grid();
            }
            None => {}
        }
    }

    /// Follows the monitor's best creature: (re)starts it when the file or its score changes.
    fn refresh_live_best(&mut self) {
        let key = self
            .monitor
            .run()
            .and_then(|r| r.best())
            .map(|b| (b.path.clone(), b.generation, b.score.map(f32::to_bits)));
        let Some(key) = key else {
            self.live_best = None;
            return;
        };
        if self.live_best.as_ref().is_some_and(|b| b.key == key) || self.gpu_failed {
            return;
        }
        let (Some(gpu), Some(rs)) = (self.gpu.clone(), self.render_state.clone()) else {
            return;
        };
        // A creature file being replaced can be read half-written: try again next frame
        // rather than reporting it, and report only a file that stays bad.
        match LiveBest::start(&gpu, &rs, &mut self.modes, key.clone()) {
            Ok(best) => self.live_best = Some(best),
            Err(e) => {
                if self.best_failures.as_ref() != Some(&key) {
                    self.best_failures = Some(key);
                    self.error(format!("current best creature: {e:#}"));
                }
            }
        }
    }

    /// The readouts section of the creature view (the model loads when it is first opened).
    pub(crate) fn readouts_section_ui(&mut self, ui: &mut egui::Ui) {
        egui::CollapsingHeader::new("Model readouts")
            .default_open(false)
            .show(ui, |ui| {
                let readouts = self
                    .readouts
                    .get_or_insert_with(|| ModelReadouts::new(ReadoutsOptions::default()));
                readouts.readouts_ui(ui);
            });
    }

    /// Hands the creature view's current frame to the readouts when they want one (a readback
    /// of one frame at the readouts' rate, a few per second at most).
    pub(crate) fn feed_readouts(&mut self) {
        let (Some(readouts), Some(view), Some(gpu)) = (&mut self.readouts, &self.view, &self.gpu)
        else {
            return;
        };
        if !readouts.wants_frame() {
            return;
        }
        let live = view.live();
        match live.read_frame(gpu, 0) {
            Ok(rgba) => {
                let fs = live.frame_size();
                if let Err(e) = readouts.feed_frame(&rgba, fs, fs, live.step()) {
                    tracing::warn!("readouts: {e:#}");
                }
            }
            Err(e) => tracing::warn!("readouts: reading the frame back: {e:#}"),
        }
    }
}
