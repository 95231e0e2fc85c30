//! The explorer's state and its top-level layout: the run browser on the left, the chosen
//! screen (population grid, creature, interpolation, search monitor) in the middle, messages at
//! the bottom, and the keyboard shortcuts that drive them.
//!
//! [`App`] holds everything and draws itself from [`App::frame_ui`]; `asal view` and the tests
//! build it the same way ([`App::from_creation_context`]), on eframe's wgpu device.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use asal_search::rng::SearchRng;
use asal_substrates::Gpu;
use eframe::egui;
use eframe::egui_wgpu::RenderState;

use crate::export::ClipSettings;
use crate::grid::Grid;
use crate::interp::Interp;
use crate::library::{Library, SortKey};
use crate::live::InitModes;
use crate::view::CreatureView;

/// eframe storage key of [`Settings`].
const SETTINGS_KEY: &str = "asal-viewer-settings";
/// Recent paths kept.
const RECENT_MAX: usize = 10;
/// Messages kept on screen.
const NOTICES_MAX: usize = 6;

/// The screens of the central area.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Screen {
    /// Many creatures live as thumbnails.
    Grid,
    /// One creature, its controls and parameters.
    Creature,
    /// Two creatures and the line between their genomes.
    Interpolation,
    /// A search's log and its best creature.
    Monitor,
}

impl Screen {
    /// All screens, in tab order.
    pub const ALL: [Screen; 4] = [
        Self::Grid,
        Self::Creature,
        Self::Interpolation,
        Self::Monitor,
    ];

    /// Tab title.
    #[must_use]
    pub fn title(self) -> &'static str {
        match self {
            Self::Grid => "Grid",
            Self::Creature => "Creature",
            Self::Interpolation => "Interpolation",
            Self::Monitor => "Monitor",
        }
    }
}

/// What is remembered between launches (window layout is eframe's own).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Recently opened runs and creature files, newest first.
    pub recent: Vec<PathBuf>,
    /// The screen shown.
    pub screen: Screen,
    /// Simulation steps per displayed frame while playing.
    pub steps_per_frame: u32,
    /// Frame side of the creature view, pixels.
    pub view_size: u32,
    /// Frame side of grid thumbnails, pixels.
    pub thumb_size: u32,
    /// Mutation step size.
    pub sigma: f32,
    /// Variants spawned per mutation.
    pub variants: u32,
    /// Clip export settings.
    pub clip: ClipSettings,
    /// Sort column of the creature list.
    pub sort: SortKey,
    /// Sort descending.
    pub descending: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            recent: Vec::new(),
            screen: Screen::Grid,
            steps_per_frame: 1,
            view_size: 256,
            thumb_size: 64,
            sigma: 0.1,
            variants: 8,
            clip: ClipSettings::default(),
            sort: SortKey::Score,
            descending: false,
        }
    }
}

/// A message shown in the UI.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    /// The text.
    pub text: String,
    /// Whether it reports a failure (shown in red).
    pub is_error: bool,
}

/// The explorer.
pub struct App {
    pub(crate) gpu: Option<Gpu>,
    pub(crate) render_state: Option<RenderState>,
    pub(crate) device_lost: Arc<Mutex<Option<String>>>,
    pub(crate) gpu_failed: bool,
    pub(crate) modes: InitModes,
    pub(crate) settings: Settings,
    pub(crate) library: Library,
    pub(crate) path_text: String,
    pub(crate) filter: String,
    pub(crate) grid: Grid,
    pub(crate) view: Option<CreatureView>,
    pub(crate) interp: Interp,
    pub(crate) notices: Vec<Notice>,
    pub(crate) show_help: bool,
    pub(crate) rng: SearchRng,
    pub(crate) monitor: crate::monitor::SearchMonitor,
    pub(crate) readouts: Option<crate::readouts::ModelReadouts>,
    pub(crate) live_best: Option<crate::follow::LiveBest>,
    pub(crate) best_failures: Option<(PathBuf, Option<u64>, Option<u32>)>,
    last_frame: Option<u64>,
}

impl App {
    /// The app on eframe's wgpu device, with settings from eframe's storage, opening `paths`.
    pub fn from_creation_context(cc: &eframe::CreationContext<'_>, paths: &[PathBuf]) -> Self {
        let settings = cc
            .storage
            .and_then(|s| eframe::get_value::<Settings>(s, SETTINGS_KEY))
            .unwrap_or_default();
        Self::new(cc.wgpu_render_state.clone(), settings, paths)
    }

    /// The app on `render_state`'s device (none: browsing works, simulation reports why not).
    #[must_use]
    pub fn new(render_state: Option<RenderState>, settings: Settings, paths: &[PathBuf]) -> Self {
        let device_lost: Arc<Mutex<Option<String>>> = Arc::default();
        let gpu = render_state.as_ref().map(|rs| {
            let sink = device_lost.clone();
            rs.device.set_device_lost_callback(move |reason, message| {
                if let Ok(mut slot) = sink.lock() {
                    *slot = Some(format!("{reason:?}: {message}"));
                }
            });
            Gpu::from_device(rs.adapter.get_info(), rs.device.clone(), rs.queue.clone())
        });
        let mut app = Self {
            gpu,
            render_state,
            device_lost,
            gpu_failed: false,
            modes: InitModes::default(),
            settings,
            library: Library::default(),
            path_text: String::new(),
            filter: String::new(),
            grid: Grid::default(),
            view: None,
            interp: Interp::default(),
            notices: Vec::new(),
            show_help: false,
            rng: SearchRng::from_seed(0),
            monitor: crate::monitor::SearchMonitor::new(),
            readouts: None,
            live_best: None,
            best_failures: None,
            last_frame: None,
        };
        if app.gpu.is_none() {
            app.error(
                "no wgpu device: the explorer needs eframe's wgpu renderer to simulate; \
                 browsing still works",
            );
        }
        for path in paths {
            app.open_path(path);
        }
        if !app.library.entries.is_empty() {
            app.show_all_in_grid();
            // One creature opened directly is what the user wants to watch.
            if paths.len() == 1 && paths[0].is_file() {
                app.open_creature(0);
            }
        }
        app
    }

    /// The remembered settings.
    #[must_use]
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Everything opened.
    #[must_use]
    pub fn library(&self) -> &Library {
        &self.library
    }

    /// The creature view, when a creature is open.
    #[must_use]
    pub fn creature_view(&self) -> Option<&CreatureView> {
        self.view.as_ref()
    }

    /// The population grid.
    #[must_use]
    pub fn grid(&self) -> &Grid {
        &self.grid
    }

    /// The interpolation.
    #[must_use]
    pub fn interpolation(&self) -> &Interp {
        &self.interp
    }

    /// The GPU the simulation runs on (eframe's device).
    #[must_use]
    pub fn gpu(&self) -> Option<&Gpu> {
        self.gpu.as_ref()
    }

    /// Messages on screen, oldest first.
    #[must_use]
    pub fn notices(&self) -> &[Notice] {
        &self.notices
    }

    /// The screen shown.
    #[must_use]
    pub fn screen(&self) -> Screen {
        self.settings.screen
    }

    /// Removes every message.
    pub fn dismiss_notices(&mut self) {
        self.notices.clear();
    }

    /// Switches the central screen.
    pub fn show_screen(&mut self, screen: Screen) {
        self.settings.screen = screen;
    }

    /// Sets where "Save creature" writes (the creature view's text field).
    pub fn set_save_path(&mut self, path: impl Into<String>) {
        if let Some(v) = &mut self.view {
            v.save_path = path.into();
        }
    }

    /// Sets where "Export clip" writes (the creature view's text field).
    pub fn set_clip_path(&mut self, path: impl Into<String>) {
        if let Some(v) = &mut self.view {
            v.clip_path = path.into();
        }
    }

    pub(crate) fn error(&mut self, text: impl Into<String>) {
        let text = text.into();
        tracing::warn!("{text}");
        self.push_notice(Notice {
            text,
            is_error: true,
        });
    }

    pub(crate) fn info(&mut self, text: impl Into<String>) {
        self.push_notice(Notice {
            text: text.into(),
            is_error: false,
        });
    }

    fn push_notice(&mut self, notice: Notice) {
        self.notices.push(notice);
        let extra = self.notices.len().saturating_sub(NOTICES_MAX);
        self.notices.drain(..extra);
    }

    /// Opens a run directory or creature file (or a folder of them), reporting the outcome in
    /// the UI, and remembers it among the recent paths.
    pub fn open_path(&mut self, path: &Path) {
        match self.library.open(path) {
            Ok(n) => {
                self.info(format!(
                    "opened {}: {n} creature{}",
                    path.display(),
                    if n == 1 { "" } else { "s" }
                ));
                let path = path.to_path_buf();
                self.settings.recent.retain(|p| p != &path);
                self.settings.recent.insert(0, path);
                self.settings.recent.truncate(RECENT_MAX);
            }
            Err(e) => self.error(format!("{e:#}")),
        }
    }

    /// The GPU and render state, or an error notice saying why there is none.
    pub(crate) fn gpu_pair(&mut self) -> Option<(Gpu, RenderState)> {
        if self.gpu_failed {
            self.error("the GPU device was lost; restart the explorer to simulate again");
            return None;
        }
        match (&self.gpu, &self.render_state) {
            (Some(g), Some(r)) => Some((g.clone(), r.clone())),
            _ => {
                self.error("no wgpu device: cannot simulate");
                None
            }
        }
    }

    /// Runs one frame of the app: advances the simulations once per frame and draws the UI.
    pub fn frame_ui(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        self.handle_dropped_files(&ctx);
        self.handle_shortcuts(&ctx);
        // egui may run several passes per frame; the simulations advance once per frame so
        // step counts depend on frames shown, never on layout passes.
        let frame = ctx.cumulative_frame_nr();
        if self.last_frame != Some(frame) {
            self.last_frame = Some(frame);
            self.tick();
        }

        egui::Panel::top("top").show(ui, |ui| self.top_bar_ui(ui));
        egui::Panel::bottom("notices").show(ui, |ui| self.notices_ui(ui));
        egui::Panel::left("browser")
            .resizable(true)
            .default_size(400.0)
            .show(ui, |ui| self.browser_ui(ui));
        egui::CentralPanel::default().show(ui, |ui| match self.settings.screen {
            Screen::Grid => self.grid_ui(ui),
            Screen::Creature => self.creature_ui(ui),
            Screen::Interpolation => self.interp_ui(ui),
            Screen::Monitor => self.monitor_ui(ui),
        });
        if self.show_help {
            let mut open = true;
            egui::Window::new("Keyboard shortcuts")
                .open(&mut open)
                .resizable(false)
                .show(&ctx, help_ui);
            self.show_help = open;
        }
        if self.is_playing() {
            ctx.request_repaint();
        }
    }

    /// Whether any simulation is running.
    #[must_use]
    pub fn is_playing(&self) -> bool {
        !self.gpu_failed
            && (self.view.as_ref().is_some_and(CreatureView::playing)
                || self.grid.playing
                || self.interp.playing
                || (self.settings.screen == Screen::Monitor && self.live_best.is_some()))
    }

    /// One frame of simulation for whatever is playing, plus GPU health checks.
    fn tick(&mut self) {
        // A lost device is reported from wgpu's maintenance; poll once per frame (without
        // waiting) so the loss is noticed even when nothing else polls.
        if let Some(gpu) = &self.gpu
            && let Err(e) = gpu.device.poll(wgpu::PollType::Poll)
            && let Ok(mut slot) = self.device_lost.lock()
        {
            slot.get_or_insert_with(|| e.to_string());
        }
        let lost = self.device_lost.lock().ok().and_then(|mut s| s.take());
        if let Some(reason) = lost {
            self.gpu_failed = true;
            self.error(format!(
                "the GPU device was lost ({reason}); simulation stopped. Browsing still works; \
                 restart the explorer to simulate again"
            ));
        }
        let Some(gpu) = self.gpu.clone().filter(|_| !self.gpu_failed) else {
            return;
        };
        let steps = self.settings.steps_per_frame.max(1);
        if let Some(view) = self.view.as_mut().filter(|v| v.playing()) {
            view.live.advance(&gpu, steps);
        }
        if self.grid.playing {
            for group in &mut self.grid.groups {
                group.live.advance(&gpu, steps);
            }
        }
        if self.interp.playing
            && let Some(live) = &mut self.interp.live
        {
            live.advance(&gpu, steps);
        }
        // The followed run's best creature always runs while its screen is shown.
        if self.settings.screen == Screen::Monitor
            && let Some(best) = &mut self.live_best
        {
            best.live.advance(&gpu, steps);
        }
        if self.view.is_some() {
            self.feed_readouts();
        }
        if let Err(e) = gpu.check_errors("simulating") {
            self.error(format!("{e}"));
            self.view = None;
            self.grid.playing = false;
            self.interp.playing = false;
        }
    }

    fn handle_dropped_files(&mut self, ctx: &egui::Context) {
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        });
        if dropped.is_empty() {
            return;
        }
        for path in &dropped {
            self.open_path(path);
        }
        self.show_all_in_grid();
    }

    fn handle_shortcuts(&mut self, ctx: &egui::Context) {
        // Typing in a text field never triggers shortcuts.
        if ctx.egui_wants_keyboard_input() {
            return;
        }
        let pressed = |key: egui::Key| ctx.input_mut(|i| i.consume_key(egui::Modifiers::NONE, key));
        let command =
            |key: egui::Key| ctx.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, key));
        if pressed(egui::Key::F1) || ctx.input(|i| i.key_pressed(egui::Key::Questionmark)) {
            self.show_help = !self.show_help;
        }
        if command(egui::Key::S) {
            self.save_current_creature();
        }
        if command(egui::Key::E) {
            self.export_clip();
        }
        if pressed(egui::Key::Space) {
            self.toggle_play();
        }
        if pressed(egui::Key::Period) {
            self.step_once();
        }
        if pressed(egui::Key::R) {
            self.reset_current();
        }
        if pressed(egui::Key::M) {
            self.spawn_variants();
        }
        if pressed(egui::Key::Plus) || pressed(egui::Key::Equals) {
            self.settings.steps_per_frame = (self.settings.steps_per_frame * 2).min(64);
        }
        if pressed(egui::Key::Minus) {
            self.settings.steps_per_frame = (self.settings.steps_per_frame / 2).max(1);
        }
        if pressed(egui::Key::Num0)
            && let Some(v) = &mut self.view
        {
            v.reset_zoom();
        }
        for (key, screen) in [
            (egui::Key::Num1, Screen::Grid),
            (egui::Key::Num2, Screen::Creature),
            (egui::Key::Num3, Screen::Interpolation),
            (egui::Key::Num4, Screen::Monitor),
        ] {
            if pressed(key) {
                self.settings.screen = screen;
            }
        }
    }

    /// Play/pause whatever the current screen shows.
    pub fn toggle_play(&mut self) {
        match self.settings.screen {
            Screen::Creature => {
                if let Some(v) = &mut self.view {
                    v.set_playing(!v.playing());
                }
            }
            Screen::Grid => self.grid.playing = !self.grid.playing,
            Screen::Interpolation => self.interp.playing = !self.interp.playing,
            Screen::Monitor => {}
        }
    }

    /// Advances the current screen's simulation by one step (paused or not).
    pub fn step_once(&mut self) {
        let Some(gpu) = self.gpu.clone().filter(|_| !self.gpu_failed) else {
            return;
        };
        match self.settings.screen {
            Screen::Creature => {
                if let Some(v) = &mut self.view {
                    v.set_playing(false);
                    v.live.advance(&gpu, 1);
                }
            }
            Screen::Grid => {
                self.grid.playing = false;
                for g in &mut self.grid.groups {
                    g.live.advance(&gpu, 1);
                }
            }
            Screen::Interpolation => {
                self.interp.playing = false;
                if let Some(l) = &mut self.interp.live {
                    l.advance(&gpu, 1);
                }
            }
            Screen::Monitor => {}
        }
    }

    fn reset_current(&mut self) {
        match self.settings.screen {
            Screen::Creature => self.reset_view(),
            Screen::Grid => self.reset_grid(),
            Screen::Interpolation => self.reset_interp(),
            Screen::Monitor => {}
        }
    }

    fn top_bar_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            ui.strong("ASAL explorer");
            ui.separator();
            for screen in Screen::ALL {
                ui.selectable_value(&mut self.settings.screen, screen, screen.title());
            }
            ui.separator();
            ui.add(
                egui::Slider::new(&mut self.settings.steps_per_frame, 1..=64)
                    .logarithmic(true)
                    .text("steps/frame"),
            );
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui.button("Help (F1)").clicked() {
                    self.show_help = !self.show_help;
                }
                if let Some(gpu) = &self.gpu {
                    ui.weak(&gpu.info().name);
                }
            });
        });
    }

    fn notices_ui(&mut self, ui: &mut egui::Ui) {
        let mut dismiss = None;
        for (i, n) in self.notices.iter().enumerate().rev().take(3) {
            ui.horizontal(|ui| {
                if ui.small_button("Dismiss").clicked() {
                    dismiss = Some(i);
                }
                let color = if n.is_error {
                    ui.visuals().error_fg_color
                } else {
                    ui.visuals().weak_text_color()
                };
                ui.colored_label(color, &n.text);
            });
        }
        if self.notices.is_empty() {
            ui.weak("Open a run directory or creature file: type its path, drop it here, or pick a recent one.");
        }
        if let Some(i) = dismiss {
            self.notices.remove(i);
        }
    }

    fn monitor_ui(&mut self, ui: &mut egui::Ui) {
        self.monitor_screen_ui(ui);
    }
}

impl eframe::App for App {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.frame_ui(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, SETTINGS_KEY, &self.settings);
    }
}

/// Shortcuts, as (keys, action); the help panel lists them.
pub const SHORTCUTS: &[(&str, &str)] = &[
    ("Space", "play / pause the current screen"),
    (".", "single step (pauses)"),
    ("R", "reset to the initial state of the seed"),
    ("+ / -", "double / halve the steps per frame"),
    ("M", "mutate the open creature into variants (grid)"),
    ("0", "reset zoom and pan"),
    ("1 2 3 4", "grid, creature, interpolation, monitor"),
    ("Ctrl+S", "save the open creature as a new creature file"),
    ("Ctrl+E", "export a clip of the open creature"),
    ("F1 / ?", "show or hide this help"),
    (
        "mouse",
        "wheel zooms, drag pans the creature view; click a thumbnail to open it",
    ),
];

fn help_ui(ui: &mut egui::Ui) {
    egui::Grid::new("shortcuts")
        .striped(true)
        .num_columns(2)
        .show(ui, |ui| {
            for (keys, action) in SHORTCUTS {
                ui.strong(*keys);
                ui.label(*action);
                ui.end_row();
            }
        });
}
