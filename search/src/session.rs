//! A search session: one run directory opened (new, forced or resumed), stepped generation by
//! generation until the run is done or a stop flag is raised, with every file written at the same
//! points whoever drives it (`asal search` in a terminal, the explorer's monitor on a worker
//! thread).
//!
//! The order of writes is part of what makes a run resumable: after each generation the log line;
//! every `run.checkpoint_every` generations and once more at the end the sweep's members, then the
//! checkpoint, then the creature files. A process killed between any two of these leaves a run
//! directory that resumes bit for bit (the log is cut back to the checkpoint; members beyond it are
//! cut back by [`RunState::restore_members`]).
//!
//! Progress goes to a [`SessionObserver`]; this module prints nothing.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use asal_fm::{CachedModel, FoundationModel};
use asal_substrates::{Gpu, Substrate};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::pipeline::{BoxedModel, InitMode, Pipeline, PipelineSpec};
use crate::run::{LogEntry, OpenMode, RunStore};
use crate::runner::{self, RunState};

/// What a session knows once its pipeline is built, before its first generation.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionStart {
    /// The substrate's name.
    pub substrate: String,
    /// Values in a genome.
    pub genome_dim: usize,
    /// The GPU adapter's name.
    pub adapter: String,
    /// The model's name.
    pub model: String,
    /// How initial states are made.
    pub init_mode: InitMode,
    /// Generations completed before this session (non-zero for a resumed run).
    pub resumed_after: u64,
}

/// Receives a session's progress. Both methods default to doing nothing.
pub trait SessionObserver {
    /// The pipeline is built; generations follow.
    fn started(&mut self, _start: &SessionStart) {}
    /// A generation finished and its log line is written (`state.generation` counts it).
    fn generation_done(&mut self, _entry: &LogEntry, _state: &RunState) {}
}

/// An observer that ignores everything.
impl SessionObserver for () {}

/// How a session's [`SearchSession::run`] ended. Either way the final checkpoint is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionEnd {
    /// The run has nothing left to do.
    Finished,
    /// The stop flag was raised first; the run directory resumes from here.
    Stopped,
}

/// An opened run directory with everything needed to step it: GPU, substrate, model, run state.
pub struct SearchSession {
    config: Config,
    spec: PipelineSpec,
    substrate: Box<dyn Substrate>,
    model: CachedModel<BoxedModel>,
    model_id: String,
    gpu: Gpu,
    store: RunStore,
    state: RunState,
}

impl std::fmt::Debug for SearchSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SearchSession")
            .field("dir", &self.store.dir())
            .field("substrate", &self.substrate.name())
            .field("model", &self.model_id)
            .field("generation", &self.state.generation)
            .finish_non_exhaustive()
    }
}

impl SearchSession {
    /// Opens `out` for `config` with `substrate` (built from `config.substrate`) and `model`
    /// (opened from `config.model`, checked against the objective by the caller, which knows how
    /// to word its hints).
    ///
    /// `Resume` first checks that the run directory was written for an equal config
    /// ([`Error::ConfigChanged`] otherwise), then continues from its checkpoint (or from the
    /// start, with the log cleared, if none was written yet). The GPU is opened before a `New` or
    /// `Force` directory is created, so a machine without one leaves the directory untouched.
    pub fn open(
        config: Config,
        substrate: Box<dyn Substrate>,
        model: Box<dyn FoundationModel>,
        out: &Path,
        mode: OpenMode,
        adapter: Option<&str>,
    ) -> Result<Self> {
        let dim = substrate.genome().dim();
        let spec = PipelineSpec::from_config(&config);
        let resolved = config.to_toml_string()?;
        let model_id = model.name().to_string();
        let model = CachedModel::new(BoxedModel(model), config.model.cache);
        if mode == OpenMode::Resume {
            let stored_path = out.join("config.toml");
            let stored = RunStore::open(out, &resolved, OpenMode::Resume)?.config_toml()?;
            let stored_config = Config::from_toml_str(&stored, &stored_path.display().to_string())?;
            if stored_config != config {
                return Err(Error::ConfigChanged {
                    stored: stored_path,
                });
            }
        }
        let gpu = Gpu::new(adapter)?;
        let store = RunStore::open(out, &resolved, mode)?;
        let state = match mode {
            OpenMode::Resume => match store.load_checkpoint::<RunState>()? {
                Some(cp) => {
                    store.truncate_log(cp.generation)?;
                    let mut state = cp.state;
                    state.restore_members(&store);
                    state
                }
                None => {
                    store.truncate_log(0)?;
                    RunState::new(&config, dim)?
                }
            },
            OpenMode::New | OpenMode::Force => RunState::new(&config, dim)?,
        };
        Ok(Self {
            config,
            spec,
            substrate,
            model,
            model_id,
            gpu,
            store,
            state,
        })
    }

    /// Steps generations until the run is done or `stop` is raised, then writes the final
    /// checkpoint. A stop interrupts the current generation, which is then not counted (the
    /// resumed run repeats it exactly). Errors leave the last checkpoint standing.
    pub fn run(
        &mut self,
        stop: &AtomicBool,
        observer: &mut dyn SessionObserver,
    ) -> Result<SessionEnd> {
        let pipeline = Pipeline::new(
            &self.gpu,
            self.substrate.as_ref(),
            &self.model,
            &self.config,
        )?;
        observer.started(&SessionStart {
            substrate: self.substrate.name().to_string(),
            genome_dim: self.substrate.genome().dim(),
            adapter: self.gpu.info().name.clone(),
            model: self.model_id.clone(),
            init_mode: pipeline.init_mode(),
            resumed_after: self.state.generation,
        });
        let keep = self.config.run.keep_best;
        while !self.state.is_done(&self.config) && !stop.load(Ordering::SeqCst) {
            match self.state.step(&pipeline, keep, &mut |_| {}, stop) {
                Ok(entry) => {
                    self.store.append_log(&entry)?;
                    tracing::info!(
                        "generation {}: best {:.5} mean {:.5} ({:.2} s)",
                        entry.generation,
                        entry.best_fitness,
                        entry.mean_fitness,
                        entry.seconds.get("evaluate").copied().unwrap_or(0.0)
                    );
                    observer.generation_done(&entry, &self.state);
                    if self
                        .state
                        .generation
                        .is_multiple_of(self.config.run.checkpoint_every)
                    {
                        self.checkpoint()?;
                    }
                }
                Err(Error::Interrupted) => break,
                Err(e) => return Err(e),
            }
        }
        self.checkpoint()?;
        Ok(if self.state.is_done(&self.config) {
            SessionEnd::Finished
        } else {
            SessionEnd::Stopped
        })
    }

    fn checkpoint(&self) -> Result<()> {
        // Members first: a crash between the two leaves a file with more members than the
        // checkpoint counts (cut back on resume), never fewer.
        runner::write_members(&self.store, &self.state)?;
        self.store
            .save_checkpoint(self.state.generation, &self.state)?;
        runner::write_outputs(
            &self.store,
            &self.config,
            &self.spec,
            &self.model_id,
            &self.state,
        )
    }

    /// The run state (generations completed, optimiser, best creatures).
    pub fn state(&self) -> &RunState {
        &self.state
    }

    /// The run directory.
    pub fn store(&self) -> &RunStore {
        &self.store
    }

    /// The GPU the session simulates on (for replaying its creatures afterwards).
    pub fn gpu(&self) -> &Gpu {
        &self.gpu
    }

    /// The model with its embedding cache (whose hit/miss counts measure this session).
    pub fn model(&self) -> &CachedModel<BoxedModel> {
        &self.model
    }

    /// The run's config.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The resolved pipeline spec.
    pub fn spec(&self) -> &PipelineSpec {
        &self.spec
    }
}
