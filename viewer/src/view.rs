//! The creature view: one creature live, with play / pause / step, speed, zoom and pan, reset
//! with a seed, a step counter, clip and creature-file export, and its genome as named sliders
//! whose edits apply to the running world.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use asal_substrates::{Decode, Gpu};
use eframe::egui;
use eframe::egui_wgpu::RenderState;

use crate::app::{App, Screen};
use crate::edit::{block_ranges, element_name, mutate, slider_range};
use crate::export::write_clip;
use crate::library::Entry;
use crate::live::{InitModes, Live};

/// Sliders shown per genome block; larger blocks (neural CA weights) show this many at a time.
const SLIDERS_PER_PAGE: usize = 32;

/// One creature running live.
pub struct CreatureView {
    /// The creature as opened (its genome is the original; edits live in `genome`).
    pub entry: Entry,
    pub(crate) live: Live,
    genome: Vec<f32>,
    seed: u64,
    playing: bool,
    zoom: f32,
    pan: egui::Vec2,
    pages: Vec<usize>,
    pub(crate) clip_path: String,
    pub(crate) save_path: String,
}

impl CreatureView {
    /// Starts `entry` live on the GPU with frames of `frame_size` (rounded up to 64 px).
    pub fn open(
        gpu: &Gpu,
        render_state: &RenderState,
        modes: &mut InitModes,
        entry: Entry,
        frame_size: u32,
    ) -> Result<Self> {
        let substrate = entry.creature.substrate()?;
        let genome = entry.creature.genome_for(substrate.as_ref())?;
        let mode = modes.get(gpu, &entry.batch_key(), substrate.as_ref())?;
        let seed = entry.creature.seed;
        let live = Live::new(
            gpu,
            render_state,
            substrate,
            mode,
            genome.clone(),
            vec![seed],
            frame_size,
        )?;
        let stem = file_stem(&entry.name);
        let blocks = live.substrate().genome().blocks.len();
        Ok(Self {
            clip_path: format!("out/view/{stem}.webp"),
            save_path: format!("out/view/{stem}-edited.json"),
            entry,
            live,
            genome,
            seed,
            playing: false,
            zoom: 1.0,
            pan: egui::Vec2::ZERO,
            pages: vec![0; blocks],
        })
    }

    /// The genome running now (with any edits).
    #[must_use]
    pub fn genome(&self) -> &[f32] {
        &self.genome
    }

    /// Steps since the last reset.
    #[must_use]
    pub fn step(&self) -> u64 {
        self.live.step()
    }

    /// The seed of the initial state.
    #[must_use]
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Whether it is playing.
    #[must_use]
    pub fn playing(&self) -> bool {
        self.playing
    }

    /// Starts or pauses playback.
    pub fn set_playing(&mut self, playing: bool) {
        self.playing = playing;
    }

    /// The live world (texture, states).
    #[must_use]
    pub fn live(&self) -> &Live {
        &self.live
    }

    /// Replaces the genome of the running world without resetting it.
    pub fn set_genome(&mut self, gpu: &Gpu, genome: Vec<f32>) -> Result<()> {
        self.live.set_genomes(gpu, genome.clone())?;
        self.genome = genome;
        Ok(())
    }

    /// Restarts from the initial state of `seed`.
    pub fn reset(&mut self, gpu: &Gpu, seed: u64) -> Result<()> {
        self.live.reset(gpu, vec![seed])?;
        self.seed = seed;
        Ok(())
    }

    pub(crate) fn reset_zoom(&mut self) {
        self.zoom = 1.0;
        self.pan = egui::Vec2::ZERO;
    }

    /// The creature as it runs now: edited genome and seed, provenance kept, score dropped
    /// (it no longer describes this genome).
    #[must_use]
    pub fn current_creature(&self) -> asal_substrates::creature::Creature {
        let mut c = self.entry.creature.clone();
        let edited = c.genome.as_deref() != Some(self.genome.as_slice()) || c.seed != self.seed;
        if edited {
            c.name = Some(format!("{} (edited)", self.entry.name));
            c.score = None;
            c.frames = None;
            c.generation = None;
            c.extra.insert(
                "derived_from".into(),
                serde_json::Value::String(
                    self.entry
                        .path
                        .as_ref()
                        .map_or_else(|| self.entry.name.clone(), |p| p.display().to_string()),
                ),
            );
        }
        c.genome = Some(self.genome.clone());
        c.genome_file = None;
        c.seed = self.seed;
        c.engine_version = Some(asal_search::run::ENGINE_VERSION.to_owned());
        c
    }

    /// Draws the world with zoom (wheel) and pan (drag).
    fn canvas_ui(&mut self, ui: &mut egui::Ui) {
        let side = ui.available_width().min(ui.available_height()).max(64.0);
        let (rect, response) =
            ui.allocate_exact_size(egui::vec2(side, side), egui::Sense::click_and_drag());
        response
            .widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, "Creature view"));
        if response.hovered() {
            let scroll = ui.input(|i| i.smooth_scroll_delta.y);
            if scroll != 0.0 {
                self.zoom = (self.zoom * (scroll / 200.0).exp()).clamp(1.0, 32.0);
            }
        }
        if response.dragged() {
            self.pan -= response.drag_delta() / (side * self.zoom);
        }
        if response.double_clicked() {
            self.reset_zoom();
        }
        let half = 0.5 / self.zoom;
        let limit = 0.5 - half;
        self.pan = self
            .pan
            .clamp(egui::vec2(-limit, -limit), egui::vec2(limit, limit));
        let c = egui::pos2(0.5, 0.5) + self.pan;
        let uv = egui::Rect::from_min_max(
            egui::pos2(c.x - half, c.y - half),
            egui::pos2(c.x + half, c.y + half),
        );
        ui.painter()
            .image(self.live.texture_id(), rect, uv, egui::Color32::WHITE);
    }
}

/// A file-name-safe version of a display name.
fn file_stem(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let s = s.trim_matches('-').to_owned();
    if s.is_empty() { "creature".into() } else { s }
}

impl App {
    /// Opens library entry `i` in the creature view.
    pub fn open_creature(&mut self, i: usize) {
        let Some(entry) = self.library.entries.get(i).cloned() else {
            return;
        };
        self.open_entry(entry);
    }

    /// Opens a creature (from the library, the grid or an interpolation) in the creature view.
    pub fn open_entry(&mut self, entry: Entry) {
        let Some((gpu, rs)) = self.gpu_pair() else {
            return;
        };
        let name = entry.name.clone();
        match CreatureView::open(&gpu, &rs, &mut self.modes, entry, self.settings.view_size) {
            Ok(v) => {
                self.view = Some(v);
                if let Some(r) = &mut self.readouts {
                    r.reset();
                }
                self.settings.screen = Screen::Creature;
            }
            Err(e) => self.error(format!("cannot show {name}: {e:#}")),
        }
    }

    pub(crate) fn reset_view(&mut self) {
        let Some(gpu) = self.gpu.clone() else { return };
        if let Some(v) = &mut self.view {
            let seed = v.seed;
            if let Err(e) = v.reset(&gpu, seed) {
                self.error(format!("reset: {e:#}"));
            }
            if let Some(r) = &mut self.readouts {
                r.reset();
            }
        }
    }

    /// Writes the open creature (with its edits) to the save path.
    pub fn save_current_creature(&mut self) {
        let Some(v) = &self.view else {
            self.error("open a creature first (click one in the list or the grid)");
            return;
        };
        let path = PathBuf::from(v.save_path.trim());
        let creature = v.current_creature();
        let result = (|| -> Result<()> {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("creating {}", dir.display()))?;
            }
            creature
                .write(&path)
                .with_context(|| format!("saving {}", path.display()))?;
            Ok(())
        })();
        match result {
            Ok(()) => {
                self.info(format!("saved {}", path.display()));
                if let Err(e) = self.library.open(&path) {
                    self.error(format!("{e:#}"));
                }
            }
            Err(e) => self.error(format!("{e:#}")),
        }
    }

    /// Writes a clip of the open creature, re-simulated from its seed (frame-accurate).
    pub fn export_clip(&mut self) {
        let Some(v) = &self.view else {
            self.error("open a creature first (click one in the list or the grid)");
            return;
        };
        let Some(gpu) = self.gpu.clone() else { return };
        let path = PathBuf::from(v.clip_path.trim());
        let result = write_clip(
            &gpu,
            v.live.substrate(),
            v.live.init_mode(),
            &v.genome,
            v.seed,
            &self.settings.clip,
            &path,
        );
        match result {
            Ok(n) => self.info(format!("wrote {n} frames to {}", path.display())),
            Err(e) => self.error(format!("clip export: {e:#}")),
        }
    }

    /// Mutates the open creature into variants (σ from the settings) and shows them in the grid.
    pub fn spawn_variants(&mut self) {
        let Some(v) = &self.view else {
            self.error("open a creature first to mutate it");
            return;
        };
        let spec = v.live.substrate().genome().clone();
        let n = self.settings.variants.clamp(1, 64);
        let sigma = self.settings.sigma;
        let mut entries = Vec::with_capacity(n as usize);
        for k in 0..n {
            let mut c = v.current_creature();
            c.genome = Some(mutate(&spec, &v.genome, sigma, &mut self.rng));
            c.name = Some(format!("{} σ{sigma} #{k}", v.entry.name));
            c.score = None;
            c.frames = None;
            entries.push(Entry {
                name: c.name.clone().unwrap_or_default(),
                creature: c,
                path: None,
                run: v.entry.run.clone(),
            });
        }
        self.show_in_grid(entries);
        self.settings.screen = Screen::Grid;
    }

    pub(crate) fn creature_ui(&mut self, ui: &mut egui::Ui) {
        let Some(gpu) = self.gpu.clone() else {
            ui.label("No GPU device: nothing can be simulated.");
            return;
        };
        if self.view.is_none() {
            ui.label("Click a creature in the list or the grid to open it here.");
            return;
        }
        let mut action = ViewAction::None;
        egui::Panel::right("parameters")
            .resizable(true)
            .default_size(320.0)
            .show(ui, |ui| {
                self.readouts_section_ui(ui);
                if let Some(v) = &mut self.view {
                    action = parameters_ui(ui, v, &mut self.settings);
                }
            });
        let Some(v) = &mut self.view else { return };
        ui.horizontal_wrapped(|ui| {
            ui.heading(&v.entry.name);
            let objective = v.entry.objective();
            ui.weak(if objective.is_empty() {
                v.entry.substrate()
            } else {
                format!("{} · {objective}", v.entry.substrate())
            });
        });
        ui.horizontal_wrapped(|ui| {
            let label = if v.playing { "Pause" } else { "Play" };
            if ui.button(label).on_hover_text("Space").clicked() {
                v.playing = !v.playing;
            }
            if ui.button("Step").on_hover_text(".").clicked() {
                v.playing = false;
                v.live.advance(&gpu, 1);
            }
            ui.label(format!("step {}", v.live.step()));
            ui.separator();
            let seed_label = ui.label("Seed");
            let mut seed = v.seed;
            ui.add(egui::DragValue::new(&mut seed))
                .labelled_by(seed_label.id);
            if seed != v.seed {
                v.seed = seed;
            }
            if ui
                .button("Reset")
                .on_hover_text("R: back to step 0 of this seed")
                .clicked()
            {
                action = ViewAction::Reset;
            }
            ui.separator();
            ui.label(format!("zoom {:.1}×", v.zoom));
        });
        v.canvas_ui(ui);
        match action {
            ViewAction::None => {}
            ViewAction::Reset => self.reset_view(),
            ViewAction::Genome(g) => {
                let result = v.set_genome(&gpu, g);
                if let Err(e) = result {
                    self.error(format!("parameter edit: {e:#}"));
                }
            }
            ViewAction::Save => self.save_current_creature(),
            ViewAction::Export => self.export_clip(),
            ViewAction::Mutate => self.spawn_variants(),
        }
    }
}

/// What the parameter panel asks for.
enum ViewAction {
    None,
    Reset,
    Genome(Vec<f32>),
    Save,
    Export,
    Mutate,
}

fn parameters_ui(
    ui: &mut egui::Ui,
    v: &mut CreatureView,
    settings: &mut crate::app::Settings,
) -> ViewAction {
    let mut action = ViewAction::None;
    egui::ScrollArea::vertical().show(ui, |ui| {
        ui.heading("Parameters");
        let spec = v.live.substrate().genome().clone();
        let mut genome = v.genome.clone();
        let decoded = spec.decode(&genome).ok();
        for ((bi, block), range) in spec.blocks.iter().enumerate().zip(block_ranges(&spec)) {
            let header = format!("{} {:?}", block.name, block.shape);
            egui::CollapsingHeader::new(header)
                .id_salt(("block", bi))
                .default_open(block.len() <= 8)
                .show(ui, |ui| {
                    if !block.doc.is_empty() {
                        ui.weak(&block.doc);
                    }
                    let pages = block.len().div_ceil(SLIDERS_PER_PAGE);
                    let page = v
                        .pages
                        .get(bi)
                        .copied()
                        .unwrap_or(0)
                        .min(pages.saturating_sub(1));
                    if pages > 1 {
                        ui.horizontal(|ui| {
                            let label = ui.label("Page");
                            let mut p = page + 1;
                            ui.add(egui::DragValue::new(&mut p).range(1..=pages))
                                .labelled_by(label.id);
                            ui.weak(format!("of {pages} ({} values)", block.len()));
                            if let Some(slot) = v.pages.get_mut(bi) {
                                *slot = p.saturating_sub(1);
                            }
                        });
                    }
                    let first = page * SLIDERS_PER_PAGE;
                    let last = (first + SLIDERS_PER_PAGE).min(block.len());
                    for i in first..last {
                        let gi = range.start + i;
                        let name = element_name(block, i);
                        let shown = decoded
                            .as_ref()
                            .and_then(|d| d.get(&block.name))
                            .and_then(|vals| vals.get(i))
                            .copied();
                        ui.horizontal(|ui| match block.decode {
                            Decode::Integer { max } => {
                                let mut x = genome[gi] as u32;
                                let label = ui.label(&name);
                                ui.add(egui::DragValue::new(&mut x).range(0..=max - 1))
                                    .labelled_by(label.id);
                                if v.live.substrate().name() == "gol" {
                                    ui.weak(
                                        asal_substrates::gol::Rule::from_code(i64::from(x))
                                            .map_or_else(|e| e.to_string(), |r| r.to_string()),
                                    );
                                }
                                genome[gi] = x as f32;
                            }
                            _ => {
                                let mut x = genome[gi];
                                let range = slider_range(block, x);
                                ui.add(egui::Slider::new(&mut x, range).text(&name));
                                if let Some(d) = shown
                                    && !matches!(block.decode, Decode::Identity)
                                {
                                    ui.weak(format!("= {d:.4}"));
                                }
                                genome[gi] = x;
                            }
                        });
                    }
                });
        }
        if genome != v.genome {
            action = ViewAction::Genome(genome);
        }
        if ui
            .add_enabled(
                v.entry.creature.genome.is_some() || v.genome.iter().any(|&x| x != 0.0),
                egui::Button::new("Revert to the opened genome"),
            )
            .clicked()
            && let Ok(s) = v.entry.creature.substrate()
            && let Ok(g) = v.entry.creature.genome_for(s.as_ref())
        {
            action = ViewAction::Genome(g);
        }
        ui.separator();
        ui.heading("Variants");
        ui.add(egui::Slider::new(&mut settings.sigma, 0.0..=2.0).text("σ"));
        ui.add(egui::Slider::new(&mut settings.variants, 1..=64).text("variants"));
        if ui
            .button("Mutate")
            .on_hover_text("M: spawn variants into the grid")
            .clicked()
        {
            action = ViewAction::Mutate;
        }
        ui.separator();
        ui.heading("Export");
        ui.horizontal(|ui| {
            let label = ui.label("Creature file");
            ui.add(egui::TextEdit::singleline(&mut v.save_path).desired_width(180.0))
                .labelled_by(label.id);
        });
        if ui.button("Save creature").on_hover_text("Ctrl+S").clicked() {
            action = ViewAction::Save;
        }
        let c = &mut settings.clip;
        ui.add(
            egui::Slider::new(&mut c.frames, 1..=512)
                .logarithmic(true)
                .text("frames"),
        );
        ui.add(
            egui::Slider::new(&mut c.every, 1..=64)
                .logarithmic(true)
                .text("steps between frames"),
        );
        ui.add(
            egui::Slider::new(&mut c.first, 0..=4096)
                .logarithmic(true)
                .text("first step"),
        );
        ui.add(egui::Slider::new(&mut c.size, 32..=512).text("clip size (px)"));
        ui.add(egui::Slider::new(&mut c.fps, 1..=60).text("fps"));
        ui.horizontal(|ui| {
            let label = ui.label("Clip file");
            ui.add(egui::TextEdit::singleline(&mut v.clip_path).desired_width(180.0))
                .labelled_by(label.id);
        });
        if ui
            .button("Export clip")
            .on_hover_text(
                "Ctrl+E: re-simulates from the seed with the current parameters; .gif or .webp",
            )
            .clicked()
        {
            action = ViewAction::Export;
        }
    });
    action
}
