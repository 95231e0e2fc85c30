//! Search for ASAL: objectives, optimisers and run directories.
//!
//! Objectives and optimisers are pure CPU functions of scores (`&[f32]`) or unit embeddings
//! (row-major `&[f32]` with explicit dims); [`pipeline`] connects them to the substrates (GPU
//! rollouts) and a foundation model, and [`runner`] steps a resumable run one generation at a time.
//!
//! - [`objectives`]: supervised target (blocks or the original's tiling), symmetric InfoNCE,
//!   open-endedness, illumination, weighted sums. All minimised.
//! - [`optim`]: the ask/tell [`optim::Optimiser`] trait and Sep-CMA-ES (correct or evosax-0.1.6
//!   compatible), full CMA-ES, random search, the Life-like rule sweep, and the illumination GA
//!   (which is told embeddings rather than fitness). Every optimiser's whole state, RNG included,
//!   serialises so a checkpointed run resumes bit for bit.
//! - [`config`]: the TOML run configuration with validation that names field paths.
//! - [`run`]: run directories: resolved config, JSONL log, atomic checkpoints, creature files.
//! - [`pipeline`]: genomes → batched rollouts (common random numbers) → frames → pre-filter →
//!   embeddings → objective → fitness, with per-stage timings.
//! - [`runner`]: the checkpointable run state (optimiser, best creatures) and one generation's step.
//! - [`session`]: a run directory opened or resumed and stepped to its end or a stop, writing log,
//!   members, checkpoints and creatures at the same points for every caller.

pub mod config;
pub mod error;
pub mod objectives;
pub mod optim;
pub mod pipeline;
pub mod rng;
pub mod run;
pub mod runner;
pub mod session;

#[cfg(test)]
mod test_util;

pub use error::{Error, Result};
pub use rng::{RNG_NAME, SearchRng};
