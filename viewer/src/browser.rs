//! The run browser: open runs and creature files by path, drag and drop or the recent list;
//! the creatures of everything opened, sortable and filterable.

use std::path::PathBuf;

use eframe::egui;

use crate::app::{App, Screen};
use crate::library::SortKey;

impl App {
    pub(crate) fn browser_ui(&mut self, ui: &mut egui::Ui) {
        ui.heading("Runs & creatures");
        ui.horizontal(|ui| {
            let label = ui.label("Path");
            let edit = ui
                .add(
                    egui::TextEdit::singleline(&mut self.path_text)
                        .hint_text("run directory or creature .json")
                        .desired_width(ui.available_width() - 60.0),
                )
                .labelled_by(label.id);
            let entered = edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if ui.button("Open").clicked() || entered {
                let text = self.path_text.trim().to_owned();
                if text.is_empty() {
                    self.error("type the path of a run directory or creature file first");
                } else {
                    self.open_path(&PathBuf::from(text));
                    self.show_all_in_grid();
                }
            }
        });
        let recent = self.settings.recent.clone();
        if !recent.is_empty() {
            egui::CollapsingHeader::new("Recent")
                .default_open(self.library.entries.is_empty())
                .show(ui, |ui| {
                    for path in recent {
                        let text = path.display().to_string();
                        if ui.link(&text).on_hover_text("Open again").clicked() {
                            self.open_path(&path);
                            self.show_all_in_grid();
                        }
                    }
                });
        }
        if !self.library.runs.is_empty() {
            ui.separator();
            for run in &self.library.runs {
                ui.horizontal_wrapped(|ui| {
                    ui.strong(&run.name);
                    ui.weak(format!("{} generations", run.generations));
                    if let Some(best) = run.best_so_far {
                        ui.weak(format!("best {best:.4}"));
                    }
                });
            }
        }
        ui.separator();
        ui.horizontal(|ui| {
            let label = ui.label("Filter");
            ui.add(
                egui::TextEdit::singleline(&mut self.filter)
                    .hint_text("name, substrate, objective or run")
                    .desired_width(ui.available_width() - 90.0),
            )
            .labelled_by(label.id);
            if ui
                .add_enabled(
                    !self.library.entries.is_empty(),
                    egui::Button::new("Grid all"),
                )
                .on_hover_text("Show every listed creature live in the grid")
                .clicked()
            {
                self.show_all_in_grid();
                self.settings.screen = Screen::Grid;
            }
        });
        let rows = self
            .library
            .view(&self.filter, self.settings.sort, self.settings.descending);
        let mut open = None;
        egui::ScrollArea::both()
            .auto_shrink([false, false])
            .show(ui, |ui| {
                egui::Grid::new("creatures")
                    .striped(true)
                    .num_columns(4)
                    .show(ui, |ui| {
                        for key in SortKey::ALL {
                            let arrow = match (self.settings.sort == key, self.settings.descending)
                            {
                                (true, false) => " ^",
                                (true, true) => " v",
                                (false, _) => "",
                            };
                            if ui
                                .add(
                                    egui::Button::new(format!("{}{arrow}", key.title()))
                                        .frame(false),
                                )
                                .on_hover_text("Sort by this column")
                                .clicked()
                            {
                                if self.settings.sort == key {
                                    self.settings.descending = !self.settings.descending;
                                } else {
                                    self.settings.sort = key;
                                    self.settings.descending = false;
                                }
                            }
                        }
                        ui.end_row();
                        for &i in &rows {
                            let e = &self.library.entries[i];
                            let selected = self
                                .view
                                .as_ref()
                                .is_some_and(|v| v.entry.path.is_some() && v.entry.path == e.path);
                            if ui
                                .selectable_label(selected, &e.name)
                                .on_hover_text(
                                    e.path
                                        .as_ref()
                                        .map_or_else(String::new, |p| p.display().to_string()),
                                )
                                .clicked()
                            {
                                open = Some(i);
                            }
                            // Same order as `SortKey::ALL`, the header row.
                            ui.label(
                                e.creature
                                    .score
                                    .map_or_else(|| "–".to_owned(), |s| format!("{s:.4}")),
                            );
                            ui.label(e.substrate());
                            ui.label(truncate(&e.objective(), 28));
                            ui.end_row();
                        }
                    });
                if rows.is_empty() && !self.library.entries.is_empty() {
                    ui.weak("No creature matches the filter.");
                }
            });
        if let Some(i) = open {
            self.open_creature(i);
        }
    }
}

fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_owned()
    } else {
        let mut s: String = text.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}
