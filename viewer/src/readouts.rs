//! Model readouts of the running creature: how close the current frame is to a prompt typed in,
//! and how novel the run has been so far.
//!
//! - **Similarity**: the cosine between the frame's image embedding and the prompt's text
//!   embedding (both unit vectors from the same foundation model, so their dot product). The text
//!   embedding is computed once per prompt edit; a new prompt also rescores every frame seen so
//!   far, so the curve always shows the current prompt.
//! - **Open-endedness so far**: the search's own objective, [`open_endedness`] with the search's
//!   default formula, evaluated on the embeddings of the frames observed since the last reset
//!   (lower = more novel: the mean, over frames, of the highest similarity to an earlier frame).
//!   The cost grows with the square of the frame count, so at most [`NOVELTY_FRAMES`] frames are
//!   kept: when full, every other one is dropped and later frames are taken at half the rate, the
//!   same even subsampling the search applies when it scores K frames of a rollout.
//!
//! The model runs on a worker thread: [`ModelReadouts::feed_frame`] copies the frame into a
//! channel and returns at once (at most [`MAX_IN_FLIGHT`] frames queue; more are skipped), and
//! [`ModelReadouts::poll`] (also called by [`ModelReadouts::readouts_ui`]) collects the results.
//! Without a model the panel says how to get one (`asal models pull clip-vit-b32`), and feeding is
//! a no-op. [`ModelReadouts::reset`] (new creature or seed) clears the history.

use std::collections::VecDeque;
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use anyhow::bail;
use asal_fm::{FoundationModel, Frame, OnnxOptions, Registry, open_model, open_model_in};
use asal_search::objectives::{OpenEndedness, Rows, dot, open_endedness};
use eframe::egui;
use egui_plot::{Legend, Line, Plot, PlotPoints};

/// The model opened when none is named: the original ASAL's CLIP.
pub const DEFAULT_MODEL: &str = "clip-vit-b32";

/// Frames kept for the open-endedness score (see the module docs).
pub const NOVELTY_FRAMES: usize = 256;

/// Readings kept for the plot (oldest dropped first).
pub const HISTORY_LIMIT: usize = 2048;

/// Frames waiting for or in inference at most; [`ModelReadouts::feed_frame`] skips beyond.
pub const MAX_IN_FLIGHT: usize = 2;

/// How often [`ModelReadouts::wants_frame`] asks for a frame, unless changed.
pub const DEFAULT_FEED_INTERVAL: Duration = Duration::from_millis(500);

/// Where the readouts get their model.
#[derive(Debug, Clone)]
pub struct ReadoutsOptions {
    /// `pixels`, a registry name (e.g. [`DEFAULT_MODEL`]) or a model directory.
    pub model: String,
    /// How an ONNX model runs (threads, provider).
    pub onnx: OnnxOptions,
    /// The registry resolving model names; `None` uses the environment's (`ASAL_HOME`).
    pub registry: Option<Registry>,
    /// Minimum time between frames [`ModelReadouts::wants_frame`] asks for.
    pub feed_interval: Duration,
}

impl Default for ReadoutsOptions {
    fn default() -> Self {
        // Half the cores at most: the readouts must not starve the simulation and the UI.
        let threads = std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1));
        Self {
            model: DEFAULT_MODEL.into(),
            onnx: OnnxOptions {
                intra_threads: Some(threads),
                ..OnnxOptions::default()
            },
            registry: None,
            feed_interval: DEFAULT_FEED_INTERVAL,
        }
    }
}

/// The model's state as the panel shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelState {
    /// Being opened on the worker thread.
    Loading {
        /// The name asked for.
        name: String,
    },
    /// Ready.
    Ready {
        /// The model's name.
        name: String,
        /// Embedding dimension.
        dim: usize,
        /// Whether it embeds text (needed for prompt similarity).
        supports_text: bool,
    },
    /// Could not be opened; the message says why and how to get a model.
    Unavailable {
        /// What went wrong and what to do.
        message: String,
    },
}

/// The readouts of one observed frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reading {
    /// The simulation step of the frame.
    pub step: u64,
    /// Cosine similarity to the prompt, when a prompt is set and the model embeds text.
    pub similarity: Option<f32>,
    /// Open-endedness of the frames kept so far, this one included (lower = more novel); `None`
    /// for the first frame (it needs two) and for frames skipped by the subsampling.
    pub novelty: Option<f32>,
}

/// The prompt as the worker last answered for it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum PromptState {
    None,
    Pending(String),
    Ready(String),
    Failed { prompt: String, message: String },
}

enum Request {
    Prompt(String),
    Frame {
        epoch: u64,
        step: u64,
        width: usize,
        height: usize,
        rgba: Vec<u8>,
    },
    Reset {
        epoch: u64,
    },
}

enum Response {
    ModelReady {
        name: String,
        dim: usize,
        supports_text: bool,
    },
    ModelFailed(String),
    Prompt {
        epoch: u64,
        text: String,
        /// Similarity of every kept frame of `epoch` to the new prompt, by step.
        result: Result<Vec<(u64, f32)>, String>,
    },
    Reading {
        epoch: u64,
        reading: Reading,
    },
    FrameFailed {
        epoch: u64,
        message: String,
    },
}

/// Model readouts for the creature view.
pub struct ModelReadouts {
    options: ReadoutsOptions,
    tx: Sender<Request>,
    rx: Receiver<Response>,
    handle: Option<JoinHandle<()>>,
    model: ModelState,
    epoch: u64,
    prompt: PromptState,
    prompt_input: String,
    model_input: String,
    history: VecDeque<Reading>,
    in_flight: usize,
    last_step: Option<u64>,
    last_feed: Option<Instant>,
    frame_error: Option<String>,
}

impl std::fmt::Debug for ModelReadouts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModelReadouts")
            .field("model", &self.model)
            .field("prompt", &self.prompt)
            .field("readings", &self.history.len())
            .field("in_flight", &self.in_flight)
            .finish_non_exhaustive()
    }
}

impl ModelReadouts {
    /// Starts opening `options.model` on a worker thread; the panel shows it loading.
    pub fn new(options: ReadoutsOptions) -> Self {
        let model = options.model.clone();
        let (tx, rx, handle) = spawn_worker(&options);
        Self {
            model_input: model.clone(),
            model: match handle {
                Ok(_) => ModelState::Loading { name: model },
                Err(ref e) => ModelState::Unavailable {
                    message: format!("cannot start the readouts thread: {e}"),
                },
            },
            handle: handle.ok(),
            options,
            tx,
            rx,
            epoch: 0,
            prompt: PromptState::None,
            prompt_input: String::new(),
            history: VecDeque::new(),
            in_flight: 0,
            last_step: None,
            last_feed: None,
            frame_error: None,
        }
    }

    /// Replaces the model (`pixels`, a registry name or a directory): a new worker opens it, the
    /// history is cleared, and the current prompt is embedded again by the new model.
    pub fn load_model(&mut self, name: &str) {
        let prompt = self.prompt_text().map(str::to_string);
        let options = ReadoutsOptions {
            model: name.trim().to_string(),
            ..self.options.clone()
        };
        // Dropping the old sender ends the old worker after its current job.
        *self = Self::new(options);
        if let Some(p) = prompt {
            self.prompt_input = p.clone();
            self.set_prompt(&p);
        }
    }

    /// The model's state.
    pub fn model_state(&self) -> &ModelState {
        &self.model
    }

    /// The prompt in effect (or being embedded), if any.
    pub fn prompt_text(&self) -> Option<&str> {
        match &self.prompt {
            PromptState::None => None,
            PromptState::Pending(p) | PromptState::Ready(p) => Some(p),
            PromptState::Failed { prompt, .. } => Some(prompt),
        }
    }

    /// Why the prompt could not be embedded, if it could not.
    pub fn prompt_error(&self) -> Option<&str> {
        match &self.prompt {
            PromptState::Failed { message, .. } => Some(message),
            _ => None,
        }
    }

    /// Sets the prompt (an empty text clears it). Its text embedding is computed once, on the
    /// worker; the similarities of the frames seen so far are recomputed for it.
    pub fn set_prompt(&mut self, text: &str) {
        let text = text.trim().to_string();
        if self.prompt_text().unwrap_or_default() == text {
            return;
        }
        self.prompt = if text.is_empty() {
            for r in &mut self.history {
                r.similarity = None;
            }
            PromptState::None
        } else {
            PromptState::Pending(text.clone())
        };
        self.send(Request::Prompt(text));
    }

    /// Clears the history (call it for a new creature, a new seed or a reset simulation). The
    /// prompt and the model stay.
    pub fn reset(&mut self) {
        self.epoch += 1;
        self.history.clear();
        self.last_step = None;
        self.frame_error = None;
        self.send(Request::Reset { epoch: self.epoch });
    }

    /// Whether a frame fed now would be used: a model is (or may soon be) there, the worker is
    /// not backed up, and the feed interval has passed. Check it before reading a frame back
    /// from the GPU.
    pub fn wants_frame(&self) -> bool {
        !matches!(self.model, ModelState::Unavailable { .. })
            && self.in_flight < MAX_IN_FLIGHT
            && self
                .last_feed
                .is_none_or(|t| t.elapsed() >= self.options.feed_interval)
    }

    /// Hands a frame (RGBA8, row-major, `width × height × 4` bytes) at simulation `step` to the
    /// worker. Returns `Ok(true)` when queued, `Ok(false)` when skipped: no model, the worker is
    /// busy with [`MAX_IN_FLIGHT`] frames, or `step` is not after the last fed step (the same
    /// frame again, e.g. while paused: counting it twice would fake a loss of novelty; after a
    /// reset any step is accepted). A buffer of the wrong size is an error naming the sizes.
    pub fn feed_frame(
        &mut self,
        rgba: &[u8],
        width: u32,
        height: u32,
        step: u64,
    ) -> anyhow::Result<bool> {
        let expected = (width as usize)
            .checked_mul(height as usize)
            .and_then(|n| n.checked_mul(4));
        if width == 0 || height == 0 || expected != Some(rgba.len()) {
            bail!(
                "readouts frame at step {step}: {} bytes for {width}×{height} RGBA8; expected \
                 width × height × 4 bytes with both sizes non-zero",
                rgba.len()
            );
        }
        if matches!(self.model, ModelState::Unavailable { .. })
            || self.in_flight >= MAX_IN_FLIGHT
            || self.last_step.is_some_and(|last| step <= last)
        {
            return Ok(false);
        }
        self.last_step = Some(step);
        self.last_feed = Some(Instant::now());
        self.in_flight += 1;
        self.send(Request::Frame {
            epoch: self.epoch,
            step,
            width: width as usize,
            height: height as usize,
            rgba: rgba.to_vec(),
        });
        Ok(true)
    }

    fn send(&mut self, request: Request) {
        if self.tx.send(request).is_err() && !matches!(self.model, ModelState::Unavailable { .. }) {
            self.model = ModelState::Unavailable {
                message: "the readouts thread stopped unexpectedly; load the model again".into(),
            };
        }
    }

    /// Frames queued or being embedded.
    pub fn pending(&self) -> usize {
        self.in_flight
    }

    /// Readings since the last reset (at most [`HISTORY_LIMIT`]), oldest first.
    pub fn history(&self) -> &VecDeque<Reading> {
        &self.history
    }

    /// The newest reading.
    pub fn latest(&self) -> Option<&Reading> {
        self.history.back()
    }

    /// The newest open-endedness value (the last frame kept for it).
    pub fn latest_novelty(&self) -> Option<f32> {
        self.history.iter().rev().find_map(|r| r.novelty)
    }

    /// The last frame error (e.g. inference failed), if any.
    pub fn frame_error(&self) -> Option<&str> {
        self.frame_error.as_deref()
    }

    /// Collects the worker's results; cheap when there are none. Called by the panel; call it
    /// each frame yourself while the panel is hidden.
    pub fn poll(&mut self) {
        loop {
            match self.rx.try_recv() {
                Ok(response) => self.apply(response),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    if !matches!(self.model, ModelState::Unavailable { .. }) {
                        let panic = self.handle.take().and_then(|h| h.join().err());
                        self.model = ModelState::Unavailable {
                            message: match panic {
                                Some(_) => "the readouts thread panicked; load the model again",
                                None => "the readouts thread stopped; load the model again",
                            }
                            .into(),
                        };
                    }
                    self.in_flight = 0;
                    break;
                }
            }
        }
    }

    /// Blocks until every fed frame and prompt has been answered, or `timeout` passes; returns
    /// whether everything was answered. For headless use and tests: never call it on the UI
    /// thread.
    pub fn wait_idle(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            self.poll();
            let idle = self.in_flight == 0
                && !matches!(self.prompt, PromptState::Pending(_))
                && !matches!(self.model, ModelState::Loading { .. });
            if idle {
                return true;
            }
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn apply(&mut self, response: Response) {
        match response {
            Response::ModelReady {
                name,
                dim,
                supports_text,
            } => {
                self.model = ModelState::Ready {
                    name,
                    dim,
                    supports_text,
                };
            }
            Response::ModelFailed(message) => {
                if let PromptState::Pending(prompt) = &self.prompt {
                    self.prompt = PromptState::Failed {
                        prompt: prompt.clone(),
                        message: "no model to embed the prompt".into(),
                    };
                }
                self.model = ModelState::Unavailable { message };
                self.in_flight = 0;
            }
            Response::Prompt {
                epoch,
                text,
                result,
            } => {
                // Only the newest prompt's answer counts; an older one was superseded by an edit.
                if self.prompt_text() != Some(text.as_str()) {
                    return;
                }
                match result {
                    Ok(similarities) => {
                        self.prompt = PromptState::Ready(text);
                        if epoch == self.epoch {
                            for (step, s) in similarities {
                                if let Ok(i) = self.history.binary_search_by_key(&step, |r| r.step)
                                {
                                    self.history[i].similarity = Some(s);
                                }
                            }
                        }
                    }
                    Err(message) => {
                        for r in &mut self.history {
                            r.similarity = None;
                        }
                        self.prompt = PromptState::Failed {
                            prompt: text,
                            message,
                        };
                    }
                }
            }
            Response::Reading { epoch, reading } => {
                self.in_flight = self.in_flight.saturating_sub(1);
                if epoch == self.epoch {
                    self.history.push_back(reading);
                    if self.history.len() > HISTORY_LIMIT {
                        self.history.pop_front();
                    }
                }
            }
            Response::FrameFailed { epoch, message } => {
                self.in_flight = self.in_flight.saturating_sub(1);
                if epoch == self.epoch {
                    self.frame_error = Some(message);
                }
            }
        }
    }

    /// Draws the panel: model, prompt field, latest values and a plot over steps.
    pub fn readouts_ui(&mut self, ui: &mut egui::Ui) {
        self.poll();
        if self.in_flight > 0
            || matches!(self.model, ModelState::Loading { .. })
            || matches!(self.prompt, PromptState::Pending(_))
        {
            ui.ctx().request_repaint_after(Duration::from_millis(100));
        }
        self.model_ui(ui);
        ui.horizontal(|ui| {
            let label = ui.label("Prompt:");
            let edit = ui
                .text_edit_singleline(&mut self.prompt_input)
                .labelled_by(label.id);
            // Applied on Enter or leaving the field: one text embedding per edit, not per key.
            if edit.lost_focus() {
                let text = self.prompt_input.clone();
                self.set_prompt(&text);
            }
        });
        self.values_ui(ui);
        readouts_plot_ui(ui, &self.history);
        ui.horizontal(|ui| {
            if ui.button("Reset readouts").clicked() {
                self.reset();
            }
            ui.label(format!("{} frames read", self.history.len()));
        });
    }

    fn model_ui(&mut self, ui: &mut egui::Ui) {
        match &self.model {
            ModelState::Loading { name } => {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label(format!("Loading model {name}…"));
                });
            }
            ModelState::Ready {
                name,
                dim,
                supports_text,
            } => {
                let text = if *supports_text {
                    "images and text"
                } else {
                    "images only"
                };
                ui.label(format!("Model: {name} ({dim}-d, {text})"));
            }
            ModelState::Unavailable { message } => {
                ui.colored_label(ui.visuals().warn_fg_color, "No model for readouts");
                ui.label(message.as_str());
            }
        }
        let mut load = None;
        ui.horizontal(|ui| {
            let label = ui.label("Model:");
            ui.text_edit_singleline(&mut self.model_input)
                .labelled_by(label.id);
            if ui.button("Load model").clicked() {
                load = Some(self.model_input.clone());
            }
            if ui.button("Use pixel model").clicked() {
                load = Some("pixels".into());
            }
        });
        if let Some(name) = load {
            self.load_model(&name);
        }
    }

    fn values_ui(&self, ui: &mut egui::Ui) {
        let supports_text = matches!(
            self.model,
            ModelState::Ready {
                supports_text: true,
                ..
            }
        );
        let image_only = matches!(
            self.model,
            ModelState::Ready {
                supports_text: false,
                ..
            }
        );
        match (&self.prompt, self.latest().and_then(|r| r.similarity)) {
            (PromptState::Failed { message, .. }, _) => {
                ui.colored_label(ui.visuals().warn_fg_color, message.as_str());
            }
            (PromptState::None, _) if image_only => {
                ui.label(
                    "Similarity: this model embeds images only; prompts need CLIP \
                     (`asal models pull clip-vit-b32`)",
                );
            }
            (PromptState::None, _) => {
                ui.label("Similarity: type a prompt and press Enter");
            }
            (PromptState::Pending(p), _) => {
                ui.label(format!("Similarity to \"{p}\": embedding the prompt…"));
            }
            (PromptState::Ready(p), Some(s)) => {
                ui.label(format!("Similarity to \"{p}\": {s:.4}"));
            }
            (PromptState::Ready(p), None) if supports_text => {
                ui.label(format!("Similarity to \"{p}\": waiting for a frame"));
            }
            (PromptState::Ready(p), None) => {
                ui.label(format!("Similarity to \"{p}\": no value"));
            }
        }
        match self.latest_novelty() {
            Some(v) => {
                ui.label(format!(
                    "Open-endedness so far: {v:.4} (lower = more novel)"
                ));
            }
            None => {
                ui.label("Open-endedness so far: needs two frames");
            }
        }
        if let Some(e) = &self.frame_error {
            ui.colored_label(ui.visuals().warn_fg_color, e.as_str());
        }
    }
}

/// Similarity and open-endedness over simulation steps.
fn readouts_plot_ui(ui: &mut egui::Ui, history: &VecDeque<Reading>) {
    let series = |f: fn(&Reading) -> Option<f32>| -> Vec<[f64; 2]> {
        history
            .iter()
            .filter_map(|r| f(r).map(|v| [r.step as f64, f64::from(v)]))
            .collect()
    };
    let similarity = series(|r| r.similarity);
    let novelty = series(|r| r.novelty);
    Plot::new("readouts_plot")
        .legend(Legend::default())
        .height(140.0)
        .x_axis_label("step")
        .show(ui, |plot| {
            plot.line(Line::new("similarity", PlotPoints::new(similarity)));
            plot.line(Line::new("open-endedness", PlotPoints::new(novelty)));
        });
}

type Worker = (
    Sender<Request>,
    Receiver<Response>,
    std::io::Result<JoinHandle<()>>,
);

fn spawn_worker(options: &ReadoutsOptions) -> Worker {
    let (req_tx, req_rx) = mpsc::channel();
    let (resp_tx, resp_rx) = mpsc::channel();
    let options = options.clone();
    let handle = std::thread::Builder::new()
        .name("asal-readouts".into())
        .spawn(move || worker_main(&options, &req_rx, &resp_tx));
    (req_tx, resp_rx, handle)
}

fn open_readouts_model(options: &ReadoutsOptions) -> Result<Box<dyn FoundationModel>, String> {
    let name = options.model.trim();
    if name.is_empty() {
        return Err(format!(
            "no model named; readouts need one: `asal models pull {DEFAULT_MODEL}` fetches CLIP \
             (similarity and novelty), or use `pixels` (built in, novelty only)"
        ));
    }
    let opened = match &options.registry {
        Some(registry) => open_model_in(registry, name, &options.onnx),
        None => open_model(name, &options.onnx),
    };
    opened.map_err(|e| match e {
        // This message already names the pull command.
        asal_fm::FmError::NotDownloaded { .. } => format!("{e}. Or use `pixels` (novelty only)."),
        e => format!(
            "cannot open model '{name}': {e}. `asal models pull {DEFAULT_MODEL}` fetches CLIP; \
             `pixels` is built in (novelty only)"
        ),
    })
}

/// The worker's state for one epoch (between resets).
struct WorkerState {
    model: Box<dyn FoundationModel>,
    text: Option<Vec<f32>>,
    epoch: u64,
    /// Every embedded frame of this epoch (at most [`HISTORY_LIMIT`]), for rescoring on a new
    /// prompt.
    frames: VecDeque<(u64, Vec<f32>)>,
    /// Embeddings kept for open-endedness, row-major.
    novelty_set: Vec<f32>,
    novelty_rows: usize,
    /// Frames arrived this epoch; a frame joins the novelty set when `arrivals % stride == 0`.
    arrivals: u64,
    stride: u64,
}

impl WorkerState {
    fn reset(&mut self, epoch: u64) {
        self.epoch = epoch;
        self.frames.clear();
        self.novelty_set.clear();
        self.novelty_rows = 0;
        self.arrivals = 0;
        self.stride = 1;
    }

    fn prompt(&mut self, text: &str) -> Result<Vec<(u64, f32)>, String> {
        if text.is_empty() {
            self.text = None;
            return Ok(Vec::new());
        }
        if !self.model.supports_text() {
            self.text = None;
            return Err(format!(
                "model '{}' embeds images only, so it cannot score a prompt; `asal models pull \
                 {DEFAULT_MODEL}` fetches CLIP",
                self.model.name()
            ));
        }
        let embedding = self
            .model
            .embed_texts(&[text.to_string()])
            .map_err(|e| format!("cannot embed the prompt: {e}"))?;
        let similarities = self
            .frames
            .iter()
            .map(|(step, frame)| (*step, dot(frame, &embedding) as f32))
            .collect();
        self.text = Some(embedding);
        Ok(similarities)
    }

    fn frame(
        &mut self,
        step: u64,
        width: usize,
        height: usize,
        rgba: &[u8],
    ) -> Result<Reading, String> {
        let embedding = self
            .model
            .embed_images(&[Frame::rgba8(width, height, rgba)])
            .map_err(|e| format!("cannot embed the frame at step {step}: {e}"))?;
        let dim = self.model.dim();
        let similarity = self.text.as_ref().map(|t| dot(&embedding, t) as f32);
        let mut novelty = None;
        if self.arrivals.is_multiple_of(self.stride) {
            if self.novelty_rows == NOVELTY_FRAMES {
                self.thin_novelty_set(dim);
            }
            if self.arrivals.is_multiple_of(self.stride) {
                self.novelty_set.extend_from_slice(&embedding);
                self.novelty_rows += 1;
                if self.novelty_rows >= 2 {
                    let rows = Rows::new(&self.novelty_set, self.novelty_rows, dim)
                        .map_err(|e| format!("novelty: {e}"))?;
                    novelty = Some(
                        open_endedness(rows, OpenEndedness::default())
                            .map_err(|e| format!("novelty: {e}"))?,
                    );
                }
            }
        }
        self.arrivals += 1;
        self.frames.push_back((step, embedding));
        if self.frames.len() > HISTORY_LIMIT {
            self.frames.pop_front();
        }
        Ok(Reading {
            step,
            similarity,
            novelty,
        })
    }

    /// Keeps every other row of the novelty set and halves the rate new frames join it.
    fn thin_novelty_set(&mut self, dim: usize) {
        let kept: Vec<f32> = self
            .novelty_set
            .chunks_exact(dim)
            .step_by(2)
            .flatten()
            .copied()
            .collect();
        self.novelty_rows = kept.len() / dim;
        self.novelty_set = kept;
        self.stride *= 2;
    }
}

fn worker_main(
    options: &ReadoutsOptions,
    requests: &Receiver<Request>,
    responses: &Sender<Response>,
) {
    let model = match open_readouts_model(options) {
        Ok(m) => m,
        Err(message) => {
            let _ = responses.send(Response::ModelFailed(message));
            return;
        }
    };
    let _ = responses.send(Response::ModelReady {
        name: model.name().to_string(),
        dim: model.dim(),
        supports_text: model.supports_text(),
    });
    let mut state = WorkerState {
        model,
        text: None,
        epoch: 0,
        frames: VecDeque::new(),
        novelty_set: Vec::new(),
        novelty_rows: 0,
        arrivals: 0,
        stride: 1,
    };
    // Ends when the panel drops its sender.
    for request in requests {
        let response = match request {
            Request::Reset { epoch } => {
                state.reset(epoch);
                continue;
            }
            Request::Prompt(text) => {
                let result = state.prompt(&text);
                // Similarities are for the worker's epoch; the panel checks it against its own.
                Response::Prompt {
                    epoch: state.epoch,
                    text,
                    result,
                }
            }
            Request::Frame {
                epoch,
                step,
                width,
                height,
                rgba,
            } => {
                // Requests arrive in order, so a frame's epoch is the worker's: every reset
                // was sent (and applied) before the frames fed after it.
                match state.frame(step, width, height, &rgba) {
                    Ok(reading) => Response::Reading { epoch, reading },
                    Err(message) => Response::FrameFailed { epoch, message },
                }
            }
        };
        if responses.send(response).is_err() {
            return;
        }
    }
}
