//! Throughput measurement shared by `asal bench` and `cargo bench`.
//!
//! A case builds one batch of worlds, warms it up, then records steps in command buffers of
//! growing length until a time budget is spent; the figure is world-steps per second (summed
//! over the batch) and, for grids, cell updates per second. Only submission and completion are
//! timed, not batch creation, so the numbers are the simulation's, not the upload's.

use std::time::{Duration, Instant};

use serde::Serialize;

use crate::error::Result;
use crate::gpu::Gpu;
use crate::substrate::{Init, Substrate};

/// One benchmark case.
pub struct Case {
    /// Display name, e.g. `gol 64² × 256`.
    pub name: String,
    /// The substrate.
    pub substrate: Box<dyn Substrate>,
    /// Genomes, row after row (one per world).
    pub genomes: Vec<f32>,
    /// Cells per world (0 for particle substrates).
    pub cells_per_world: u64,
    /// The original's steps/s for the same case on the 2-core reference machine, if known.
    pub original_steps_per_s: Option<f64>,
}

/// One measured case.
#[derive(Clone, Debug, Serialize)]
pub struct Measurement {
    /// Case name.
    pub name: String,
    /// Worlds in the batch.
    pub worlds: u32,
    /// Steps timed (per world).
    pub steps: u64,
    /// Seconds those steps took.
    pub seconds: f64,
    /// World-steps per second, summed over the batch.
    pub steps_per_s: f64,
    /// Cell updates per second (grids only).
    pub cell_updates_per_s: Option<f64>,
    /// Milliseconds per step of the whole batch.
    pub ms_per_batch_step: f64,
    /// `steps_per_s` over the original's figure, when known.
    pub ratio_to_original: Option<f64>,
}

/// Runs `case` for about `budget` of GPU time.
pub fn measure(gpu: &Gpu, case: &Case, budget: Duration) -> Result<Measurement> {
    let mut batch = case
        .substrate
        .create_batch(gpu, &case.genomes, &Init::Seed(1), 0)?;
    let worlds = batch.len();
    // Warm-up: one step, so pipeline compilation and first-touch costs are not timed.
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    batch.encode_step(&mut encoder);
    gpu.submit_and_wait(encoder)?;
    let mut steps = 0u64;
    let mut chunk = 1u32;
    let start = Instant::now();
    while start.elapsed() < budget {
        let mut encoder = gpu.device.create_command_encoder(&Default::default());
        for _ in 0..chunk {
            batch.encode_step(&mut encoder);
        }
        gpu.submit_and_wait(encoder)?;
        steps += u64::from(chunk);
        // Grow the chunk so fast cases amortise submission the way real rollouts do.
        chunk = (chunk * 2).min(256);
    }
    let seconds = start.elapsed().as_secs_f64();
    let steps_per_s = steps as f64 * f64::from(worlds) / seconds;
    Ok(Measurement {
        name: case.name.clone(),
        worlds,
        steps,
        seconds,
        steps_per_s,
        cell_updates_per_s: (case.cells_per_world > 0)
            .then_some(steps_per_s * case.cells_per_world as f64),
        ms_per_batch_step: seconds * 1e3 / steps as f64,
        ratio_to_original: case.original_steps_per_s.map(|o| steps_per_s / o),
    })
}
