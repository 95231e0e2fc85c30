//! The population grid: many creatures live at once as thumbnails. Creatures that share a
//! substrate and its settings form one GPU batch, stepped and rendered with one dispatch per
//! kernel; click a thumbnail to open it in the creature view.

use anyhow::Result;
use asal_substrates::Gpu;
use eframe::egui;
use eframe::egui_wgpu::RenderState;

use crate::app::App;
use crate::library::Entry;
use crate::live::{InitModes, Live};

/// Creatures shown at most (the grid is for comparing, not for whole populations).
pub const GRID_MAX: usize = 64;

/// Creatures of one substrate (and settings) in one batch.
pub struct GridGroup {
    /// The creatures, world i = entries[i].
    pub entries: Vec<Entry>,
    /// Their worlds.
    pub live: Live,
}

impl GridGroup {
    /// Starts `entries` (all of one batch key) in one batch.
    pub fn new(
        gpu: &Gpu,
        render_state: &RenderState,
        modes: &mut InitModes,
        entries: Vec<Entry>,
        thumb: u32,
    ) -> Result<Self> {
        let first = entries
            .first()
            .ok_or_else(|| anyhow::anyhow!("an empty group has nothing to show"))?;
        let substrate = first.creature.substrate()?;
        let mode = modes.get(gpu, &first.batch_key(), substrate.as_ref())?;
        let mut genomes = Vec::new();
        for e in &entries {
            genomes.extend(e.creature.genome_for(substrate.as_ref())?);
        }
        let seeds = entries.iter().map(|e| e.creature.seed).collect();
        let live = Live::new(gpu, render_state, substrate, mode, genomes, seeds, thumb)?;
        Ok(Self { entries, live })
    }
}

/// The grid's state.
#[derive(Default)]
pub struct Grid {
    /// One group per substrate and settings.
    pub groups: Vec<GridGroup>,
    /// Whether the thumbnails run.
    pub playing: bool,
    /// What the grid shows (for the heading).
    pub title: String,
}

impl Grid {
    /// Steps since the last reset (all groups advance together).
    #[must_use]
    pub fn step(&self) -> u64 {
        self.groups.first().map_or(0, |g| g.live.step())
    }

    /// Creatures shown.
    #[must_use]
    pub fn len(&self) -> usize {
        self.groups.iter().map(|g| g.entries.len()).sum()
    }

    /// Whether nothing is shown.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl App {
    /// Shows every creature the browser lists (filtered and sorted), up to [`GRID_MAX`].
    pub fn show_all_in_grid(&mut self) {
        let rows = self
            .library
            .view(&self.filter, self.settings.sort, self.settings.descending);
        let entries: Vec<Entry> = rows
            .iter()
            .map(|&i| self.library.entries[i].clone())
            .collect();
        self.grid.title = if self.filter.trim().is_empty() {
            "All opened creatures".into()
        } else {
            format!("Creatures matching “{}”", self.filter.trim())
        };
        self.show_in_grid(entries);
    }

    /// Shows `entries` in the grid, one batch per substrate and settings.
    pub fn show_in_grid(&mut self, mut entries: Vec<Entry>) {
        if entries.len() > GRID_MAX {
            self.info(format!(
                "showing the first {GRID_MAX} of {} creatures in the grid; filter the list to see others",
                entries.len()
            ));
            entries.truncate(GRID_MAX);
        }
        let Some((gpu, rs)) = self.gpu_pair() else {
            return;
        };
        let mut keys: Vec<String> = Vec::new();
        for e in &entries {
            let k = e.batch_key();
            if !keys.contains(&k) {
                keys.push(k);
            }
        }
        // Release the old textures and buffers before allocating new ones.
        self.grid.groups.clear();
        for key in keys {
            let members: Vec<Entry> = entries
                .iter()
                .filter(|e| e.batch_key() == key)
                .cloned()
                .collect();
            let names = members.len();
            match GridGroup::new(
                &gpu,
                &rs,
                &mut self.modes,
                members,
                self.settings.thumb_size,
            ) {
                Ok(g) => self.grid.groups.push(g),
                Err(e) => self.error(format!("grid: {names} creature(s) of {key}: {e:#}")),
            }
        }
    }

    pub(crate) fn reset_grid(&mut self) {
        let Some(gpu) = self.gpu.clone() else { return };
        let mut failed = Vec::new();
        for g in &mut self.grid.groups {
            let seeds = g.entries.iter().map(|e| e.creature.seed).collect();
            if let Err(e) = g.live.reset(&gpu, seeds) {
                failed.push(format!("reset: {e:#}"));
            }
        }
        for f in failed {
            self.error(f);
        }
    }

    pub(crate) fn grid_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.heading(if self.grid.title.is_empty() {
                "Population grid"
            } else {
                self.grid.title.as_str()
            });
        });
        if self.grid.is_empty() {
            ui.label("Open a run or creature files; their creatures run here side by side.");
            return;
        }
        let mut reset = false;
        ui.horizontal(|ui| {
            let label = if self.grid.playing { "Pause" } else { "Play" };
            if ui.button(label).on_hover_text("Space").clicked() {
                self.grid.playing = !self.grid.playing;
            }
            if ui.button("Reset").on_hover_text("R").clicked() {
                reset = true;
            }
            ui.label(format!("step {}", self.grid.step()));
            ui.weak(format!(
                "{} creatures in {} batch{}",
                self.grid.len(),
                self.grid.groups.len(),
                if self.grid.groups.len() == 1 {
                    ""
                } else {
                    "es"
                }
            ));
        });
        if reset {
            self.reset_grid();
        }
        let thumb = self.settings.thumb_size.max(32) as f32 * 1.5;
        let cell = thumb + ui.spacing().item_spacing.x;
        let columns = ((ui.available_width() / cell).floor() as usize).max(1);
        let tiles: Vec<(&GridGroup, usize)> = self
            .grid
            .groups
            .iter()
            .flat_map(|g| (0..g.entries.len()).map(move |i| (g, i)))
            .collect();
        let mut open = None;
        egui::ScrollArea::vertical()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                for row in tiles.chunks(columns) {
                    ui.horizontal_top(|ui| {
                        for &(g, i) in row {
                            let e = &g.entries[i];
                            ui.vertical(|ui| {
                                ui.set_width(thumb);
                                let image = egui::Image::new((
                                    g.live.texture_id(),
                                    egui::vec2(thumb, thumb),
                                ))
                                .uv(g.live.uv(i as u32))
                                .sense(egui::Sense::click());
                                let r = ui.add(image);
                                r.widget_info(|| {
                                    egui::WidgetInfo::labeled(
                                        egui::Role::Button,
                                        true,
                                        format!("open {}", e.name),
                                    )
                                });
                                let r = r.on_hover_text(format!(
                                    "{} · {}\n{}",
                                    e.substrate(),
                                    e.creature.score.map_or_else(
                                        || "no score".into(),
                                        |s| format!("score {s:.4}")
                                    ),
                                    e.objective()
                                ));
                                if r.clicked() {
                                    open = Some(e.clone());
                                }
                                ui.add(
                                    egui::Label::new(egui::RichText::new(&e.name).small())
                                        .truncate(),
                                );
                            });
                        }
                    });
                }
            });
        if let Some(e) = open {
            self.open_entry(e);
        }
    }
}
