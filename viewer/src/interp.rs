//! Interpolation between two creatures of one substrate (the original's phase-transition
//! study): three worlds run side by side, A, the genome a fraction t of the way from A to B, and
//! B, all from one seed so only the genome differs. Moving t changes the middle world's genome
//! while it runs; t = 0 and t = 1 give exactly A's and B's genomes.

use anyhow::{Result, bail};
use asal_substrates::Gpu;
use eframe::egui;
use eframe::egui_wgpu::RenderState;

use crate::app::App;
use crate::edit::lerp;
use crate::library::Entry;
use crate::live::{InitModes, Live};

/// The interpolation's state.
#[derive(Default)]
pub struct Interp {
    /// Library index of creature A.
    pub a: Option<usize>,
    /// Library index of creature B.
    pub b: Option<usize>,
    /// Position between A (0) and B (1).
    pub t: f32,
    /// Seed shared by the three worlds.
    pub seed: u64,
    /// Whether the worlds run.
    pub playing: bool,
    /// The three worlds: A, A→B at t, B.
    pub live: Option<Live>,
    names: (String, String),
    ends: Option<(Vec<f32>, Vec<f32>)>,
}

impl Interp {
    /// Starts A, the interpolation at `self.t` and B from `self.seed`.
    pub fn start(
        &mut self,
        gpu: &Gpu,
        render_state: &RenderState,
        modes: &mut InitModes,
        a: &Entry,
        b: &Entry,
    ) -> Result<()> {
        if a.batch_key() != b.batch_key() {
            bail!(
                "A ({}) is {} and B ({}) is {}: interpolation needs two creatures of one substrate \
                 with the same settings",
                a.name,
                describe(a),
                b.name,
                describe(b)
            );
        }
        let substrate = a.creature.substrate()?;
        let ga = a.creature.genome_for(substrate.as_ref())?;
        let gb = b.creature.genome_for(substrate.as_ref())?;
        let mode = modes.get(gpu, &a.batch_key(), substrate.as_ref())?;
        let mid = lerp(substrate.genome(), &ga, &gb, self.t);
        let genomes = [ga.as_slice(), &mid, &gb].concat();
        let size = 192;
        // Release the previous worlds before allocating new ones.
        self.live = None;
        self.live = Some(Live::new(
            gpu,
            render_state,
            substrate,
            mode,
            genomes,
            vec![self.seed; 3],
            size,
        )?);
        self.names = (a.name.clone(), b.name.clone());
        self.ends = Some((ga, gb));
        Ok(())
    }

    /// Moves the middle world to `t` (clamped to [0, 1]) without restarting it.
    pub fn set_t(&mut self, gpu: &Gpu, t: f32) -> Result<()> {
        self.t = t.clamp(0.0, 1.0);
        let (Some(live), Some((ga, gb))) = (&mut self.live, &self.ends) else {
            return Ok(());
        };
        let mid = lerp(live.substrate().genome(), ga, gb, self.t);
        let genomes = [ga.as_slice(), &mid, gb].concat();
        live.set_genomes(gpu, genomes)
    }

    /// The genomes of A, the middle world and B, as running now.
    #[must_use]
    pub fn genomes(&self) -> Option<[&[f32]; 3]> {
        let live = self.live.as_ref()?;
        let d = live.substrate().genome().dim();
        let g = live.genomes();
        Some([&g[..d], &g[d..2 * d], &g[2 * d..]])
    }

    /// Restarts the three worlds from the shared seed.
    pub fn reset(&mut self, gpu: &Gpu) -> Result<()> {
        if let Some(live) = &mut self.live {
            live.reset(gpu, vec![self.seed; 3])?;
        }
        Ok(())
    }
}

fn describe(e: &Entry) -> String {
    let config = e.creature.config.to_string();
    if config == "null" || config == "{}" {
        e.substrate()
    } else {
        format!("{} {}", e.substrate(), truncate(&config, 60))
    }
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        format!("{}…", s.chars().take(n).collect::<String>())
    }
}

impl App {
    /// Starts the interpolation between library entries `a` and `b`.
    pub fn start_interpolation(&mut self, a: usize, b: usize) {
        let (Some(ea), Some(eb)) = (
            self.library.entries.get(a).cloned(),
            self.library.entries.get(b).cloned(),
        ) else {
            self.error("pick two opened creatures as A and B");
            return;
        };
        let Some((gpu, rs)) = self.gpu_pair() else {
            return;
        };
        self.interp.a = Some(a);
        self.interp.b = Some(b);
        if let Err(e) = self.interp.start(&gpu, &rs, &mut self.modes, &ea, &eb) {
            self.error(format!("interpolation: {e:#}"));
        }
    }

    /// Moves the interpolation to `t`.
    pub fn set_interpolation_t(&mut self, t: f32) {
        let Some(gpu) = self.gpu.clone() else { return };
        if let Err(e) = self.interp.set_t(&gpu, t) {
            self.error(format!("interpolation: {e:#}"));
        }
    }

    pub(crate) fn reset_interp(&mut self) {
        let Some(gpu) = self.gpu.clone() else { return };
        if let Err(e) = self.interp.reset(&gpu) {
            self.error(format!("reset: {e:#}"));
        }
    }

    pub(crate) fn interp_ui(&mut self, ui: &mut egui::Ui) {
        ui.heading("Interpolation");
        if self.library.entries.len() < 2 {
            ui.label("Open at least two creatures of one substrate to interpolate between them.");
            return;
        }
        let names: Vec<String> = self
            .library
            .entries
            .iter()
            .map(|e| format!("{} ({})", e.name, e.substrate()))
            .collect();
        let mut a = self.interp.a;
        let mut b = self.interp.b;
        let mut start = false;
        ui.horizontal(|ui| {
            for (label, pick) in [("A", &mut a), ("B", &mut b)] {
                let text = pick
                    .and_then(|i| names.get(i).cloned())
                    .unwrap_or_else(|| "pick a creature".into());
                egui::ComboBox::from_label(label)
                    .selected_text(text)
                    .width(200.0)
                    .show_ui(ui, |ui| {
                        for (i, n) in names.iter().enumerate() {
                            ui.selectable_value(pick, Some(i), n);
                        }
                    });
            }
            let seed_label = ui.label("Seed");
            ui.add(egui::DragValue::new(&mut self.interp.seed))
                .labelled_by(seed_label.id);
            if ui.button("Start").clicked() {
                start = true;
            }
        });
        if start {
            match (a, b) {
                (Some(a), Some(b)) => self.start_interpolation(a, b),
                _ => self.error("pick both A and B first"),
            }
        } else {
            self.interp.a = a;
            self.interp.b = b;
        }
        if self.interp.live.is_none() {
            ui.label("Pick A and B, then Start.");
            return;
        }
        let mut t = self.interp.t;
        let mut reset = false;
        ui.horizontal(|ui| {
            let label = if self.interp.playing { "Pause" } else { "Play" };
            if ui.button(label).on_hover_text("Space").clicked() {
                self.interp.playing = !self.interp.playing;
            }
            if ui.button("Reset").on_hover_text("R").clicked() {
                reset = true;
            }
            if let Some(live) = &self.interp.live {
                ui.label(format!("step {}", live.step()));
            }
        });
        ui.add(
            egui::Slider::new(&mut t, 0.0..=1.0)
                .text("t")
                .fixed_decimals(3),
        );
        if t != self.interp.t {
            self.set_interpolation_t(t);
        }
        if reset {
            self.reset_interp();
        }
        let Some(live) = &self.interp.live else {
            return;
        };
        let side = ((ui.available_width() - 24.0) / 3.0).clamp(64.0, 512.0);
        ui.horizontal(|ui| {
            let captions = [
                format!("A: {}", self.interp.names.0),
                format!("t = {:.3}", self.interp.t),
                format!("B: {}", self.interp.names.1),
            ];
            for (i, caption) in captions.iter().enumerate() {
                ui.vertical(|ui| {
                    ui.add(
                        egui::Image::new((live.texture_id(), egui::vec2(side, side)))
                            .uv(live.uv(i as u32)),
                    );
                    ui.label(caption);
                });
            }
        });
    }
}
