//! Search monitor: follow a run directory while a search writes it, and start or stop searches.
//!
//! - [`LogTail`] reads `log.jsonl` incrementally: each poll reads only the bytes appended since the
//!   last one, keeps an unfinished last line (a search mid-write) for the next poll, reports a
//!   malformed complete line as a message naming its line number and goes on with the rest, and
//!   starts over when the file is replaced or shrinks (a resumed run rewrites its log).
//! - [`FollowedRun`] is an attached run directory: its log entries, its config, its status
//!   (waiting, running, stalled, done — done as the checkpointed run state says, the same test the
//!   search itself uses) and its current best creature (`creatures/best-000.json`).
//! - [`SearchMonitor`] is the panel: attach to a run or start a search from a config. A started search
//!   runs in-process on a worker thread with its own GPU device, through the search crate's
//!   [`SearchSession`] (the loop `asal search` runs: log, checkpoints every `run.checkpoint_every`,
//!   sweep members, creature files).
//!   Stopping it interrupts the current generation and writes a checkpoint, so the run directory
//!   resumes exactly (`Resume` here or `asal search CONFIG --out DIR --resume`). Its errors appear
//!   in the panel.
//!
//! Polling is cheap: [`SearchMonitor::poll`] touches the file system at most once per poll interval
//! (500 ms by default), reads only new log bytes, and re-reads the checkpoint and creature file
//! only when their modification time changes.

use std::fs;
use std::io::{Read as _, Seek as _, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{Context as _, bail};
use asal_fm::{OnnxOptions, open_model};
use asal_search::config::Config;
use asal_search::pipeline::image_only_error;
use asal_search::run::{LogEntry, OpenMode, RunStore};
use asal_search::runner::RunState;
use asal_search::session::{SearchSession, SessionEnd, SessionObserver, SessionStart};
use asal_substrates::creature::{Creature, build};
use eframe::egui;
use egui_plot::{Legend, Line, Plot, PlotPoints};

/// How often [`SearchMonitor::poll`] reads the run directory, unless changed.
pub const DEFAULT_POLL_INTERVAL: Duration = Duration::from_millis(500);

/// At most this many log bytes are read per poll, so a huge log loads over several frames
/// instead of freezing one.
const MAX_READ_PER_POLL: usize = 8 << 20;

/// Messages kept in the panel (oldest dropped first).
const MAX_MESSAGES: usize = 50;

/// A run with no new log line for this long (and more than a few generation times) is stalled.
const STALL_AFTER_MIN: Duration = Duration::from_secs(60);

/// How many typical generation times of silence mean a stall, above [`STALL_AFTER_MIN`].
const STALL_GENERATIONS: f64 = 5.0;

const LOG_FILE: &str = "log.jsonl";
const CONFIG_FILE: &str = "config.toml";
const CHECKPOINT_FILE: &str = "checkpoint/state.json";
const BEST_CREATURE: &str = "creatures/best-000.json";

/// What the app should do after a click in the monitor panel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MonitorAction {
    /// Open this creature file in a creature view (the run's current best).
    OpenCreature(PathBuf),
    /// Open this run directory in the run browser.
    OpenRun(PathBuf),
}

/// What one [`LogTail::poll`] found.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct TailUpdate {
    /// Entries of the complete lines read in this poll, in file order.
    pub entries: Vec<LogEntry>,
    /// One message per malformed complete line (naming the file and line number); the lines
    /// around it are still read.
    pub problems: Vec<String>,
    /// The file was replaced, shrank or vanished since the last poll, so reading started over:
    /// entries read before are stale (a resumed run rewrites its log up to its checkpoint).
    pub restarted: bool,
}

/// Reads a JSONL log incrementally.
#[derive(Debug)]
pub struct LogTail {
    path: PathBuf,
    /// Bytes of the file consumed (complete lines plus `partial`).
    offset: u64,
    /// An unfinished last line, completed by a later poll.
    partial: Vec<u8>,
    /// Complete lines consumed, for line numbers in messages.
    lines: u64,
    /// Identity of the file read so far, to notice an atomic replacement.
    identity: Option<FileIdentity>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileIdentity {
    device: u64,
    inode: u64,
}

#[cfg(unix)]
fn file_identity(meta: &fs::Metadata) -> Option<FileIdentity> {
    use std::os::unix::fs::MetadataExt as _;
    Some(FileIdentity {
        device: meta.dev(),
        inode: meta.ino(),
    })
}

#[cfg(not(unix))]
fn file_identity(_meta: &fs::Metadata) -> Option<FileIdentity> {
    // Elsewhere a replacement is noticed only when the new file is shorter.
    None
}

impl LogTail {
    /// A tail of `path`, nothing read yet (the file need not exist yet).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self {
            path: path.into(),
            offset: 0,
            partial: Vec::new(),
            lines: 0,
            identity: None,
        }
    }

    /// The file followed.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Bytes of an unfinished last line held for the next poll.
    pub fn pending_bytes(&self) -> usize {
        self.partial.len()
    }

    /// Bytes of the file consumed so far.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    fn restart(&mut self) {
        self.offset = 0;
        self.partial.clear();
        self.lines = 0;
        self.identity = None;
    }

    /// Reads what was appended since the last poll (at most 8 MiB; the rest comes next time).
    /// A missing file is not an error (the search has not written a generation yet).
    pub fn poll(&mut self) -> std::io::Result<TailUpdate> {
        let mut update = TailUpdate::default();
        let meta = match fs::metadata(&self.path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                if self.offset > 0 || self.identity.is_some() {
                    self.restart();
                    update.restarted = true;
                }
                return Ok(update);
            }
            Err(e) => return Err(e),
        };
        let identity = file_identity(&meta);
        let replaced = self.identity.is_some() && identity != self.identity;
        if meta.len() < self.offset || replaced {
            self.restart();
            update.restarted = true;
        }
        self.identity = identity;
        if meta.len() == self.offset {
            return Ok(update);
        }
        let mut file = fs::File::open(&self.path)?;
        file.seek(SeekFrom::Start(self.offset))?;
        let mut chunk = Vec::new();
        file.take(MAX_READ_PER_POLL as u64)
            .read_to_end(&mut chunk)?;
        self.offset += chunk.len() as u64;
        self.partial.extend_from_slice(&chunk);
        let Some(last_newline) = self.partial.iter().rposition(|&b| b == b'\n') else {
            return Ok(update);
        };
        let complete: Vec<u8> = self.partial.drain(..=last_newline).collect();
        // `complete` ends with its newline; every piece before it is one whole line.
        for line in complete[..complete.len() - 1].split(|&b| b == b'\n') {
            self.lines += 1;
            let parsed = std::str::from_utf8(line)
                .map_err(|e| format!("not UTF-8 ({e})"))
                .and_then(|text| {
                    let text = text.trim();
                    if text.is_empty() {
                        return Ok(None);
                    }
                    serde_json::from_str::<LogEntry>(text)
                        .map(Some)
                        .map_err(|e| format!("not a log entry ({e})"))
                });
            match parsed {
                Ok(Some(entry)) => update.entries.push(entry),
                Ok(None) => {}
                Err(message) => update.problems.push(format!(
                    "{} line {}: {message}; line skipped",
                    self.path.display(),
                    self.lines
                )),
            }
        }
        Ok(update)
    }
}

/// The current best creature of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct BestCreature {
    /// Its file.
    pub path: PathBuf,
    /// Its display name (the file's `name`, else the file stem).
    pub name: String,
    /// Its score (lower is better).
    pub score: Option<f32>,
    /// The generation it was found in.
    pub generation: Option<u64>,
}

/// Where a followed run stands.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum RunStatus {
    /// No generation logged yet, and not silent for long.
    Waiting,
    /// Generations are being logged.
    Running,
    /// Not done, and no new log line for this long (well past the usual generation time).
    Stalled {
        /// Time since the log (or, without a log, the config) last changed.
        quiet: Duration,
    },
    /// The checkpointed state says the run has nothing left to do.
    Done,
}

impl RunStatus {
    /// A short word for the panel.
    pub fn label(&self) -> String {
        match self {
            Self::Waiting => "waiting for the first generation".into(),
            Self::Running => "running".into(),
            Self::Stalled { quiet } => {
                format!("stalled (no new generation for {})", human_duration(*quiet))
            }
            Self::Done => "done".into(),
        }
    }
}

/// What the last read checkpoint says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct CheckpointInfo {
    generation: u64,
    done: bool,
}

/// An attached run directory, followed incrementally.
#[derive(Debug)]
pub struct FollowedRun {
    dir: PathBuf,
    tail: LogTail,
    entries: Vec<LogEntry>,
    problems: Vec<String>,
    config: Option<Config>,
    config_mtime: Option<SystemTime>,
    checkpoint: Option<CheckpointInfo>,
    checkpoint_mtime: Option<SystemTime>,
    best: Option<BestCreature>,
    best_mtime: Option<SystemTime>,
    /// When the log (else the config) last changed, from its modification time.
    last_change: Option<SystemTime>,
}

fn mtime(path: &Path) -> Option<SystemTime> {
    fs::metadata(path).and_then(|m| m.modified()).ok()
}

impl FollowedRun {
    /// Attaches to `dir`, which must be a run directory (holding `config.toml` or `log.jsonl`).
    /// Nothing is read yet; call [`FollowedRun::refresh`].
    pub fn attach(dir: impl Into<PathBuf>) -> anyhow::Result<Self> {
        let dir = dir.into();
        if !dir.is_dir() {
            bail!(
                "{} is not a directory; attach to a run directory (it holds config.toml and log.jsonl)",
                dir.display()
            );
        }
        if !dir.join(CONFIG_FILE).is_file() && !dir.join(LOG_FILE).is_file() {
            bail!(
                "{} is not a run directory: it has neither config.toml nor log.jsonl (start a search \
                 with `asal search CONFIG --out DIR`, or pick the folder it wrote)",
                dir.display()
            );
        }
        Ok(Self {
            tail: LogTail::new(dir.join(LOG_FILE)),
            dir,
            entries: Vec::new(),
            problems: Vec::new(),
            config: None,
            config_mtime: None,
            checkpoint: None,
            checkpoint_mtime: None,
            best: None,
            best_mtime: None,
            last_change: None,
        })
    }

    /// The run directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Log entries read so far, one per generation, in order.
    pub fn entries(&self) -> &[LogEntry] {
        &self.entries
    }

    /// Messages about malformed log lines and unreadable files (newest last).
    pub fn problems(&self) -> &[String] {
        &self.problems
    }

    /// The run's config, once read.
    pub fn config(&self) -> Option<&Config> {
        self.config.as_ref()
    }

    /// The current best creature (`creatures/best-000.json`), once written.
    pub fn best(&self) -> Option<&BestCreature> {
        self.best.as_ref()
    }

    /// Generations logged.
    pub fn generations(&self) -> u64 {
        self.entries.last().map_or(0, |e| e.generation + 1)
    }

    /// Compute time of the logged generations (their evaluation plus optimiser seconds), which,
    /// unlike wall time since start, is meaningful for a run resumed or attached later.
    pub fn compute_time(&self) -> Duration {
        let secs: f64 = self.entries.iter().map(generation_seconds).sum();
        Duration::from_secs_f64(secs.max(0.0))
    }

    fn push_problem(&mut self, message: String) {
        if self.problems.last() != Some(&message) {
            self.problems.push(message);
        }
        if self.problems.len() > MAX_MESSAGES {
            self.problems.remove(0);
        }
    }

    /// Reads what changed: new log lines, and the config, checkpoint and best creature when their
    /// modification time moved.
    pub fn refresh(&mut self) {
        // Re-read when it changes: a run started again with Force writes a new one.
        let config_path = self.dir.join(CONFIG_FILE);
        let config_mtime = mtime(&config_path);
        if config_mtime != self.config_mtime {
            self.config_mtime = config_mtime;
            self.config = None;
            // The checkpoint's "done" is judged against the config: judge it again.
            self.checkpoint_mtime = None;
            self.checkpoint = None;
            if config_mtime.is_some() {
                match Config::load(&config_path) {
                    Ok(c) => self.config = Some(c),
                    Err(e) => self.push_problem(format!("cannot read the run's config: {e}")),
                }
            }
        }
        match self.tail.poll() {
            Ok(update) => {
                if update.restarted {
                    self.entries.clear();
                }
                self.entries.extend(update.entries);
                for p in update.problems {
                    self.push_problem(p);
                }
            }
            Err(e) => self.push_problem(format!("cannot read {}: {e}", self.tail.path().display())),
        }
        self.last_change = mtime(self.tail.path()).or_else(|| mtime(&self.dir.join(CONFIG_FILE)));
        let checkpoint_path = self.dir.join(CHECKPOINT_FILE);
        let checkpoint_mtime = mtime(&checkpoint_path);
        if checkpoint_mtime != self.checkpoint_mtime {
            self.checkpoint_mtime = checkpoint_mtime;
            self.checkpoint = None;
            if checkpoint_mtime.is_some() {
                match self.read_checkpoint() {
                    Ok(info) => self.checkpoint = info,
                    Err(e) => self.push_problem(format!("{e:#}")),
                }
            }
        }
        let best_path = self.dir.join(BEST_CREATURE);
        let best_mtime = mtime(&best_path);
        if best_mtime != self.best_mtime {
            self.best_mtime = best_mtime;
            self.best = None;
            if best_mtime.is_some() {
                match Creature::read(&best_path) {
                    Ok(c) => {
                        self.best = Some(BestCreature {
                            name: c.name.clone().unwrap_or_else(|| "best-000".into()),
                            score: c.score,
                            generation: c.generation,
                            path: best_path,
                        })
                    }
                    // Creature files are written atomically, so this is a real problem.
                    Err(e) => self.push_problem(format!("{}: {e}", best_path.display())),
                }
            }
        }
    }

    fn read_checkpoint(&self) -> anyhow::Result<Option<CheckpointInfo>> {
        let Some(config) = &self.config else {
            return Ok(None);
        };
        // Resume mode writes nothing; it only checks that config.toml is there.
        let store = RunStore::open(&self.dir, "", OpenMode::Resume)?;
        let checkpoint = store.load_checkpoint::<RunState>()?;
        Ok(checkpoint.map(|cp| CheckpointInfo {
            generation: cp.generation,
            done: cp.state.is_done(config),
        }))
    }

    /// Whether the checkpointed state says the run is finished.
    pub fn is_done(&self) -> bool {
        // A resumed run rewrites its log; a checkpoint ahead of the log is from before that.
        self.checkpoint
            .is_some_and(|c| c.done && c.generation <= self.generations())
    }

    /// The status at `now` (wall clock, compared with file modification times).
    pub fn status(&self, now: SystemTime) -> RunStatus {
        if self.is_done() {
            return RunStatus::Done;
        }
        let quiet = self
            .last_change
            .and_then(|t| now.duration_since(t).ok())
            .unwrap_or_default();
        let typical = self
            .entries
            .iter()
            .rev()
            .take(5)
            .map(generation_seconds)
            .fold(0.0f64, f64::max);
        let stall_after = STALL_AFTER_MIN.max(Duration::from_secs_f64(
            (typical * STALL_GENERATIONS).clamp(0.0, 1e9),
        ));
        if quiet > stall_after {
            RunStatus::Stalled { quiet }
        } else if self.entries.is_empty() {
            RunStatus::Waiting
        } else {
            RunStatus::Running
        }
    }
}

/// Wall seconds of one logged generation (evaluation plus optimiser).
fn generation_seconds(e: &LogEntry) -> f64 {
    let get = |k: &str| {
        e.seconds
            .get(k)
            .copied()
            .filter(|v| v.is_finite())
            .unwrap_or(0.0)
    };
    get("evaluate") + get("optimise")
}

fn human_duration(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}h {:02}m", s / 3600, (s % 3600) / 60)
    } else if s >= 60 {
        format!("{}m {:02}s", s / 60, s % 60)
    } else {
        format!("{:.1} s", d.as_secs_f64())
    }
}

/// How to start a search.
#[derive(Debug, Clone, PartialEq)]
pub struct SearchRequest {
    /// The config file. `None` resumes with the run directory's own `config.toml` (only with
    /// [`OpenMode::Resume`]).
    pub config: Option<PathBuf>,
    /// The run directory.
    pub out: PathBuf,
    /// New (refuses an occupied directory), Resume (continues from its checkpoint) or Force
    /// (deletes what the directory held).
    pub mode: OpenMode,
    /// Shrink factor in (0, 1] (as `asal search --scale`).
    pub scale: Option<f64>,
    /// GPU adapter filter (as `ASAL_ADAPTER` / `--adapter`).
    pub adapter: Option<String>,
}

impl SearchRequest {
    /// A new run of `config` in `out`.
    pub fn new(config: impl Into<PathBuf>, out: impl Into<PathBuf>) -> Self {
        Self {
            config: Some(config.into()),
            out: out.into(),
            mode: OpenMode::New,
            scale: None,
            adapter: None,
        }
    }

    /// Continues the run in `out` from its checkpoint, with its own config.
    pub fn resume(out: impl Into<PathBuf>) -> Self {
        Self {
            config: None,
            out: out.into(),
            mode: OpenMode::Resume,
            scale: None,
            adapter: None,
        }
    }
}

/// Where a search started from this monitor stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JobState {
    /// Opening the model and the GPU.
    Starting,
    /// Running; generations completed so far (resumed ones included).
    Running {
        /// Generations completed.
        generation: u64,
    },
    /// Stopping after a stop request (the current generation is interrupted).
    Stopping,
    /// Finished every generation.
    Finished {
        /// Generations completed.
        generation: u64,
    },
    /// Stopped on request; the run directory holds a checkpoint to resume from.
    Stopped {
        /// Generations completed.
        generation: u64,
    },
    /// Failed with this message; the last checkpoint stands.
    Failed(String),
}

impl JobState {
    /// Whether the worker is still at work.
    pub fn is_active(&self) -> bool {
        matches!(self, Self::Starting | Self::Running { .. } | Self::Stopping)
    }
}

enum JobEvent {
    Started(String),
    Generation(u64),
    Ended(anyhow::Result<JobEnd>),
}

enum JobEnd {
    Finished(u64),
    Stopped(u64),
}

/// A search running on a worker thread.
struct SearchJob {
    stop: Arc<AtomicBool>,
    events: Receiver<JobEvent>,
    handle: Option<JoinHandle<()>>,
    state: JobState,
    out: PathBuf,
}

impl SearchJob {
    fn spawn(request: SearchRequest) -> anyhow::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let (tx, rx) = mpsc::channel();
        let out = request.out.clone();
        let handle = {
            let stop = Arc::clone(&stop);
            std::thread::Builder::new()
                .name("asal-search".into())
                .spawn(move || {
                    let result = run_search(&request, &stop, &tx);
                    // The receiver may be gone (monitor dropped); nothing left to tell then.
                    let _ = tx.send(JobEvent::Ended(result));
                })
                .context("starting the search thread")?
        };
        Ok(Self {
            stop,
            events: rx,
            handle: Some(handle),
            state: JobState::Starting,
            out,
        })
    }

    /// Takes the worker's news; returns messages for the panel.
    fn drain(&mut self) -> Vec<String> {
        let mut messages = Vec::new();
        loop {
            match self.events.try_recv() {
                Ok(JobEvent::Started(what)) => {
                    messages.push(what);
                    if self.state == JobState::Starting {
                        self.state = JobState::Running { generation: 0 };
                    }
                }
                Ok(JobEvent::Generation(g)) => {
                    if !matches!(self.state, JobState::Stopping) {
                        self.state = JobState::Running { generation: g + 1 };
                    }
                }
                Ok(JobEvent::Ended(result)) => {
                    self.join();
                    self.state = match result {
                        Ok(JobEnd::Finished(generation)) => JobState::Finished { generation },
                        Ok(JobEnd::Stopped(generation)) => {
                            messages.push(format!(
                                "search stopped after generation {generation}; {} can be resumed",
                                self.out.display()
                            ));
                            JobState::Stopped { generation }
                        }
                        Err(e) => {
                            let error = format!("{e:#}");
                            messages.push(format!("search failed: {error}"));
                            JobState::Failed(error)
                        }
                    };
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    if self.state.is_active() {
                        // The thread ended without its final event: it panicked.
                        let message = match self.join() {
                            Some(panic) => format!("search thread panicked: {panic}"),
                            None => "search thread ended without a result".into(),
                        };
                        messages.push(message.clone());
                        self.state = JobState::Failed(message);
                    }
                    break;
                }
            }
        }
        messages
    }

    /// Joins the finished thread; returns a panic message if it panicked.
    fn join(&mut self) -> Option<String> {
        let handle = self.handle.take()?;
        match handle.join() {
            Ok(()) => None,
            Err(payload) => Some(
                payload
                    .downcast_ref::<&str>()
                    .map(|s| (*s).to_string())
                    .or_else(|| payload.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".into()),
            ),
        }
    }
}

impl Drop for SearchJob {
    fn drop(&mut self) {
        // Stop and wait, so the checkpoint is written and the run directory stays resumable.
        self.stop.store(true, Ordering::SeqCst);
        let _ = self.join();
    }
}

/// `asal search` without its terminal output: resolve the config, open the model, then run the
/// search crate's session (run directory, generations, log, checkpoints) to its end or a stop.
fn run_search(
    request: &SearchRequest,
    stop: &AtomicBool,
    events: &Sender<JobEvent>,
) -> anyhow::Result<JobEnd> {
    let stored_config_path = request.out.join(CONFIG_FILE);
    let (config, config_name) = match &request.config {
        Some(path) => {
            let mut config = Config::load(path)?;
            if let Some(f) = request.scale {
                config = config.scaled(f)?;
            }
            (config, path.display().to_string())
        }
        None if request.mode == OpenMode::Resume => (
            Config::load(&stored_config_path)?,
            stored_config_path.display().to_string(),
        ),
        None => bail!("a new search needs a config file (only a resumed run can use its own)"),
    };
    let substrate = build(&config.substrate.name, &config.substrate.options_json()?)
        .with_context(|| format!("{config_name}: [substrate]"))?;
    let dim = substrate.genome().dim();
    RunState::new(&config, dim).with_context(|| config_name.clone())?;
    let needs_text = config.objective.weighted().needs_prompts();
    if needs_text && config.model.name == "pixels" {
        return Err(image_only_error(&config, "pixels").into());
    }
    let model = open_model(&config.model.name, &OnnxOptions::default()).with_context(|| {
        format!(
            "opening model `{}` (model.name in {config_name}); `asal models pull clip-vit-b32` \
             fetches CLIP, `pixels` needs no download but cannot embed text",
            config.model.name
        )
    })?;
    if needs_text && !model.supports_text() {
        return Err(image_only_error(&config, model.name()).into());
    }
    let mut search = SearchSession::open(
        config,
        substrate,
        model,
        &request.out,
        request.mode,
        request.adapter.as_deref(),
    )
    .map_err(|e| match e {
        asal_search::Error::ConfigChanged { stored } => anyhow::anyhow!(
            "{} was written for a different config than {config_name}; resume with the same \
             config, or start a new run in another directory",
            stored.display()
        ),
        other => other.into(),
    })?;
    let mut observer = JobObserver {
        events,
        out: &request.out,
    };
    let end = search.run(stop, &mut observer)?;
    let generation = search.state().generation;
    Ok(match end {
        SessionEnd::Finished => JobEnd::Finished(generation),
        SessionEnd::Stopped => JobEnd::Stopped(generation),
    })
}

/// Forwards a session's progress to the panel.
struct JobObserver<'a> {
    events: &'a Sender<JobEvent>,
    out: &'a Path,
}

impl SessionObserver for JobObserver<'_> {
    fn started(&mut self, start: &SessionStart) {
        // The receiver may be gone (monitor dropped); the search still ends cleanly.
        let _ = self.events.send(JobEvent::Started(format!(
            "search: {} ({}-value genome) on {}, model {} → {}{}",
            start.substrate,
            start.genome_dim,
            start.adapter,
            start.model,
            self.out.display(),
            if start.resumed_after > 0 {
                format!(", resuming after generation {}", start.resumed_after)
            } else {
                String::new()
            }
        )));
    }

    fn generation_done(&mut self, entry: &LogEntry, _state: &RunState) {
        let _ = self.events.send(JobEvent::Generation(entry.generation));
    }
}

/// The search monitor panel: one followed run and at most one search started from here.
pub struct SearchMonitor {
    run: Option<FollowedRun>,
    job: Option<SearchJob>,
    messages: Vec<String>,
    poll_interval: Duration,
    last_poll: Option<Instant>,
    config_input: String,
    out_input: String,
    attach_input: String,
    overwrite: bool,
}

impl Default for SearchMonitor {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for SearchMonitor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchMonitor")
            .field("run", &self.run.as_ref().map(FollowedRun::dir))
            .field("job", &self.job_state())
            .field("messages", &self.messages)
            .finish_non_exhaustive()
    }
}

impl SearchMonitor {
    /// An empty monitor (nothing attached).
    pub fn new() -> Self {
        Self {
            run: None,
            job: None,
            messages: Vec::new(),
            poll_interval: DEFAULT_POLL_INTERVAL,
            last_poll: None,
            config_input: String::new(),
            out_input: String::new(),
            attach_input: String::new(),
            overwrite: false,
        }
    }

    /// How often [`SearchMonitor::poll`] reads files (default [`DEFAULT_POLL_INTERVAL`]).
    pub fn set_poll_interval(&mut self, interval: Duration) {
        self.poll_interval = interval;
    }

    /// Follows the run in `dir` (replacing any followed run) and reads it once. A search started
    /// here keeps running; the panel shows the attached run.
    pub fn attach(&mut self, dir: impl Into<PathBuf>) -> anyhow::Result<()> {
        let mut run = FollowedRun::attach(dir)?;
        run.refresh();
        self.attach_input = run.dir().display().to_string();
        self.run = Some(run);
        self.last_poll = Some(Instant::now());
        Ok(())
    }

    /// Stops following the run (a search started here keeps running).
    pub fn detach(&mut self) {
        self.run = None;
    }

    /// The followed run.
    pub fn run(&self) -> Option<&FollowedRun> {
        self.run.as_ref()
    }

    /// The search started here, if any.
    pub fn job_state(&self) -> Option<&JobState> {
        self.job.as_ref().map(|j| &j.state)
    }

    /// Errors and notices for the panel (newest last).
    pub fn messages(&self) -> &[String] {
        &self.messages
    }

    fn push_message(&mut self, message: String) {
        self.messages.push(message);
        if self.messages.len() > MAX_MESSAGES {
            self.messages.remove(0);
        }
    }

    /// Starts a search on a worker thread and follows its run directory. Refused while another
    /// search started here is still running.
    pub fn start_search(&mut self, request: SearchRequest) -> anyhow::Result<()> {
        if self.job.as_ref().is_some_and(|j| j.state.is_active()) {
            bail!("a search is already running here; stop it first");
        }
        if let Some(config) = &request.config
            && !config.is_file()
        {
            bail!(
                "config file {} does not exist; pick a TOML run config (ready ones are in assets/configs/)",
                config.display()
            );
        }
        if request.config.is_none() && request.mode != OpenMode::Resume {
            bail!("a new search needs a config file (only a resumed run can use its own)");
        }
        // A finished job's thread is joined when its last event was read; drop it now.
        self.job = None;
        let out = request.out.clone();
        self.job = Some(SearchJob::spawn(request)?);
        // Follow the directory as soon as the search creates it.
        self.run = FollowedRun::attach(&out).ok();
        self.out_input = out.display().to_string();
        self.attach_input = out.display().to_string();
        Ok(())
    }

    /// Asks the running search to stop: the current generation is interrupted, a checkpoint is
    /// written, and the run directory can be resumed.
    pub fn stop_search(&mut self) {
        if let Some(job) = &mut self.job
            && job.state.is_active()
        {
            job.stop.store(true, Ordering::SeqCst);
            job.state = JobState::Stopping;
        }
    }

    /// Polls if the poll interval has passed since the last poll; cheap otherwise. Call it every
    /// frame (the panel does it too).
    pub fn poll(&mut self) {
        let due = self
            .last_poll
            .is_none_or(|t| t.elapsed() >= self.poll_interval);
        if due {
            self.poll_now();
        }
    }

    /// Reads the worker's news and the followed run's files now.
    pub fn poll_now(&mut self) {
        self.last_poll = Some(Instant::now());
        if let Some(job) = &mut self.job {
            let news = job.drain();
            if self.run.is_none() && job.out.is_dir() {
                self.run = FollowedRun::attach(&job.out).ok();
            }
            for m in news {
                self.push_message(m);
            }
        }
        if let Some(run) = &mut self.run {
            run.refresh();
        }
    }

    /// Whether a search started here is still at work (the app should keep repainting).
    pub fn is_busy(&self) -> bool {
        self.job.as_ref().is_some_and(|j| j.state.is_active())
    }

    /// Draws the panel; returns what the user asked the app to do.
    pub fn monitor_ui(&mut self, ui: &mut egui::Ui) -> Option<MonitorAction> {
        self.poll();
        let following = self
            .run
            .as_ref()
            .is_some_and(|r| r.status(SystemTime::now()) != RunStatus::Done);
        if self.is_busy() || following {
            // Never faster than 10 Hz: the files change at most once per generation.
            ui.ctx()
                .request_repaint_after(self.poll_interval.max(Duration::from_millis(100)));
        }
        let mut action = None;
        self.controls_ui(ui);
        ui.separator();
        match &self.run {
            Some(run) => {
                let searching_here = self
                    .job
                    .as_ref()
                    .is_some_and(|j| j.state.is_active() && j.out == run.dir());
                if let Some(a) = run_ui(ui, run, searching_here) {
                    action = Some(a);
                }
            }
            None => {
                ui.label("No run attached: attach to a run directory or start a search.");
            }
        }
        if !self.messages.is_empty() {
            ui.separator();
            ui.horizontal(|ui| {
                ui.label("Messages");
                if ui.small_button("Clear messages").clicked() {
                    self.messages.clear();
                }
            });
            for m in self.messages.iter().rev().take(5) {
                ui.colored_label(ui.visuals().warn_fg_color, m);
            }
        }
        action
    }

    fn controls_ui(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            let label = ui.label("Run directory:");
            ui.text_edit_singleline(&mut self.attach_input)
                .labelled_by(label.id);
            if ui.button("Attach").clicked() {
                let dir = PathBuf::from(self.attach_input.trim());
                if let Err(e) = self.attach(dir) {
                    self.push_message(format!("{e:#}"));
                }
            }
        });
        ui.horizontal(|ui| {
            let label = ui.label("Config:");
            ui.text_edit_singleline(&mut self.config_input)
                .labelled_by(label.id);
            let label = ui.label("Output:");
            ui.text_edit_singleline(&mut self.out_input)
                .labelled_by(label.id);
        });
        let busy = self.is_busy();
        ui.horizontal(|ui| {
            ui.checkbox(&mut self.overwrite, "Overwrite output");
            if ui
                .add_enabled(!busy, egui::Button::new("Start search"))
                .clicked()
            {
                let config = PathBuf::from(self.config_input.trim());
                let out = if self.out_input.trim().is_empty() {
                    default_out(&config)
                } else {
                    PathBuf::from(self.out_input.trim())
                };
                let mut request = SearchRequest::new(config, out);
                if self.overwrite {
                    request.mode = OpenMode::Force;
                }
                if let Err(e) = self.start_search(request) {
                    self.push_message(format!("{e:#}"));
                }
            }
            let resumable = self
                .run
                .as_ref()
                .is_some_and(|r| !r.is_done() && r.dir().join(CONFIG_FILE).is_file());
            if ui
                .add_enabled(!busy && resumable, egui::Button::new("Resume search"))
                .clicked()
                && let Some(run) = &self.run
            {
                let request = SearchRequest::resume(run.dir().to_path_buf());
                if let Err(e) = self.start_search(request) {
                    self.push_message(format!("{e:#}"));
                }
            }
            if ui
                .add_enabled(busy, egui::Button::new("Stop search"))
                .clicked()
            {
                self.stop_search();
            }
        });
        if let Some(state) = self.job_state() {
            ui.label(format!("Search here: {}", job_label(state)));
        }
    }
}

/// `runs/<config stem>`, as `asal search` defaults.
fn default_out(config: &Path) -> PathBuf {
    let stem = config
        .file_stem()
        .map_or_else(|| "run".into(), |s| s.to_string_lossy().into_owned());
    PathBuf::from("runs").join(stem)
}

fn job_label(state: &JobState) -> String {
    match state {
        JobState::Starting => "starting (opening the model and the GPU)".into(),
        JobState::Running { generation } => format!("running, {generation} generations done"),
        JobState::Stopping => "stopping (writing a checkpoint)".into(),
        JobState::Finished { generation } => format!("finished after {generation} generations"),
        JobState::Stopped { generation } => {
            format!("stopped after {generation} generations (resumable)")
        }
        JobState::Failed(message) => format!("failed: {message}"),
    }
}

fn run_ui(ui: &mut egui::Ui, run: &FollowedRun, searching_here: bool) -> Option<MonitorAction> {
    let mut action = None;
    ui.horizontal(|ui| {
        ui.label(format!("Run {}", run.dir().display()));
        if ui.small_button("Open in browser").clicked() {
            action = Some(MonitorAction::OpenRun(run.dir().to_path_buf()));
        }
    });
    if let Some(config) = run.config() {
        ui.label(format!(
            "{} · objective {:?} · model {} · optimiser {:?} (limit {} generations)",
            config.substrate.name,
            config.objective.kind,
            config.model.name,
            config.optimiser.kind,
            config.optimiser.iterations
        ));
    }
    let status = match run.status(SystemTime::now()) {
        // Our own worker is alive: a long first generation is not a stall.
        RunStatus::Stalled { .. } | RunStatus::Waiting if searching_here => {
            if run.entries().is_empty() {
                RunStatus::Waiting
            } else {
                RunStatus::Running
            }
        }
        status => status,
    };
    ui.label(format!("Status: {}", status.label()));
    ui.label(format!(
        "Generations: {} · compute time {}",
        run.generations(),
        human_duration(run.compute_time())
    ));
    if let Some(last) = run.entries().last() {
        ui.label(format!(
            "Best so far {:.5} · last generation best {:.5}, mean {:.5}",
            last.best_so_far, last.best_fitness, last.mean_fitness
        ));
    }
    match run.best() {
        Some(best) => {
            ui.horizontal(|ui| {
                let score = best
                    .score
                    .map_or_else(|| "no score".into(), |s| format!("{s:.5}"));
                ui.label(format!("Best creature: {} ({score})", best.name));
                if ui.button("Open best creature").clicked() {
                    action = Some(MonitorAction::OpenCreature(best.path.clone()));
                }
            });
        }
        None => {
            ui.label("Best creature: none written yet (written at each checkpoint)");
        }
    }
    fitness_plot_ui(ui, run.entries());
    for p in run.problems().iter().rev().take(3) {
        ui.colored_label(ui.visuals().warn_fg_color, p);
    }
    action
}

/// Best, mean and best-so-far fitness per generation (lower is better).
fn fitness_plot_ui(ui: &mut egui::Ui, entries: &[LogEntry]) {
    let series = |f: fn(&LogEntry) -> f32| -> Vec<[f64; 2]> {
        entries
            .iter()
            .filter(|e| f(e).is_finite())
            .map(|e| [e.generation as f64, f64::from(f(e))])
            .collect()
    };
    let best = series(|e| e.best_fitness);
    let mean = series(|e| e.mean_fitness);
    let so_far = series(|e| e.best_so_far);
    Plot::new("monitor_fitness")
        .legend(Legend::default())
        .height(180.0)
        .x_axis_label("generation")
        .y_axis_label("fitness (lower is better)")
        .show(ui, |plot| {
            plot.line(Line::new("best", PlotPoints::new(best)));
            plot.line(Line::new("mean", PlotPoints::new(mean)));
            plot.line(Line::new("best so far", PlotPoints::new(so_far)));
        });
}
