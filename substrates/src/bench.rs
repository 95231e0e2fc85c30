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
    /// The original's milliseconds per 224² render on that machine, if known.
    pub original_render_ms: Option<f64>,
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
    /// Milliseconds per 224² frame (rendering every world once, divided by the worlds).
    pub render_ms: f64,
    /// The original's render time over ours, when known.
    pub render_ratio_to_original: Option<f64>,
}

/// Frame side the original renders at.
const RENDER_SIZE: u32 = 224;

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
        batch.encode_steps(&mut encoder, chunk);
        gpu.submit_and_wait(encoder)?;
        steps += u64::from(chunk);
        // Grow the chunk so fast cases amortise submission the way real rollouts do.
        chunk = (chunk * 2).min(256);
    }
    let seconds = start.elapsed().as_secs_f64();
    let steps_per_s = steps as f64 * f64::from(worlds) / seconds;
    let render_ms = measure_render(gpu, batch.as_ref(), budget / 4)?;
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
        render_ms,
        render_ratio_to_original: case.original_render_ms.map(|o| o / render_ms),
    })
}

/// Milliseconds per rendered 224² frame, renders of all worlds repeated for about `budget`.
fn measure_render(
    gpu: &Gpu,
    batch: &dyn crate::substrate::WorldBatch,
    budget: Duration,
) -> Result<f64> {
    let target = crate::substrate::FrameTarget::new(gpu, batch.len(), 1, RENDER_SIZE)?;
    let mut encoder = gpu.device.create_command_encoder(&Default::default());
    batch.encode_render(&mut encoder, &target, 0);
    gpu.submit_and_wait(encoder)?;
    let start = Instant::now();
    let mut renders = 0u32;
    while renders == 0 || start.elapsed() < budget {
        let mut encoder = gpu.device.create_command_encoder(&Default::default());
        batch.encode_render(&mut encoder, &target, 0);
        gpu.submit_and_wait(encoder)?;
        renders += 1;
    }
    Ok(start.elapsed().as_secs_f64() * 1e3 / f64::from(renders * batch.len()))
}

/// The original's (steps/s at batch 1, steps/s at batch 16, ms per 224² render) on the 2-core
/// reference machine (`reference/performance.md`, last section).
#[must_use]
pub fn original_figures(substrate: &str) -> Option<(f64, f64, f64)> {
    Some(match substrate {
        "lenia" => (499.0, 285.0, 0.21),
        "gol" => (39_400.0, 62_100.0, 0.14),
        "boids" => (529.0, 508.0, 52.9),
        "plife" => (7.9, 2.9, 255.0),
        "plife_plus" => (20.4, 17.7, 73.5),
        "plenia" => (3950.0, 7660.0, 42.4),
        "dnca" => (147.0, 134.0, 0.21),
        "nca_d1" => (969.0, 438.0, 0.21),
        "nca_d3" => (625.0, 295.0, 0.23),
        _ => return None,
    })
}

/// The standard suite: every substrate at the original's size, batch 1 and 16, plus the sizes
/// the original could not afford (Life 8192², Particle Life at 50k and 100k particles).
pub fn suite() -> Result<Vec<Case>> {
    use crate::creature::build;
    use serde_json::json;
    let mut cases = Vec::new();
    let mut add = |name: String,
                   substrate: Box<dyn crate::substrate::Substrate>,
                   worlds: usize,
                   cells: u64,
                   original: bool| {
        let figures = original_figures(substrate.name()).filter(|_| original);
        let genome: Vec<f32> = if substrate.name() == "gol" {
            vec![6152.0]
        } else {
            vec![0.0; substrate.genome().dim()]
        };
        cases.push(Case {
            name,
            genomes: genome.repeat(worlds),
            cells_per_world: cells,
            original_steps_per_s: figures.and_then(|f| match worlds {
                1 => Some(f.0),
                16 => Some(f.1),
                _ => None,
            }),
            original_render_ms: figures.map(|f| f.2),
            substrate,
        });
    };
    for worlds in [1, 16, 256] {
        add(
            format!("gol 64² ×{worlds}"),
            build("gol", &json!({}))?,
            worlds,
            64 * 64,
            true,
        );
    }
    add(
        "gol 8192² ×1".into(),
        build("gol", &json!({ "size": 8192 }))?,
        1,
        8192 * 8192,
        false,
    );
    for worlds in [1, 16] {
        add(
            format!("lenia 5N7KKM 128² ×{worlds}"),
            build("lenia", &serde_json::Value::Null)?,
            worlds,
            128 * 128,
            true,
        );
    }
    // Both convolution paths forced, so the cost model's choice can be checked against them.
    let forced = |text: &str, convolution: &str| -> Result<Box<dyn crate::substrate::Substrate>> {
        let mut value: serde_json::Value = serde_json::from_str(text)
            .map_err(|e| crate::error::Error::invalid("bundled creature", e.to_string()))?;
        value["config"]["convolution"] = convolution.into();
        let path = std::path::Path::new("bench");
        Ok(Box::new(crate::lenia::Lenia::from_creature_json(
            &value.to_string(),
            path,
        )?))
    };
    for convolution in ["direct", "fft"] {
        for worlds in [1, 16] {
            add(
                format!("lenia 5N7KKM 128² {convolution} ×{worlds}"),
                forced(crate::lenia::AQUARIUM_5N7KKM, convolution)?,
                worlds,
                128 * 128,
                true,
            );
        }
        add(
            format!("lenia Orbium 128² {convolution} ×1"),
            forced(
                include_str!("../../assets/creatures/orbium.json"),
                convolution,
            )?,
            1,
            128 * 128,
            false,
        );
    }
    let orbium: crate::creature::Creature =
        serde_json::from_str(include_str!("../../assets/creatures/orbium.json"))
            .map_err(|e| crate::error::Error::invalid("bundled Orbium", e.to_string()))?;
    add(
        "lenia Orbium 128² ×1".into(),
        orbium.substrate()?,
        1,
        128 * 128,
        false,
    );
    for name in [
        "boids",
        "plife",
        "plife_plus",
        "plenia",
        "dnca",
        "nca_d1",
        "nca_d3",
    ] {
        let cells = if name.contains("nca") { 128 * 128 } else { 0 };
        for worlds in [1, 16] {
            add(
                format!("{name} ×{worlds}"),
                build(name, &json!({}))?,
                worlds,
                cells,
                true,
            );
        }
    }
    add(
        "plife 5000 all pairs ×1".into(),
        build("plife", &json!({ "neighbours": "all_pairs" }))?,
        1,
        0,
        false,
    );
    // Bigger worlds at the paper's neighbour density: rmax shrinks as 1/sqrt(N) so each particle
    // sees as many neighbours as at N = 5000, rmax = 0.1.
    for n in [50_000u32, 100_000] {
        let rmax = 0.1 * (5000.0 / f64::from(n)).sqrt();
        add(
            format!("plife {}k (rmax {rmax:.4}) ×1", n / 1000),
            build("plife", &json!({ "particles": n, "rmax": rmax }))?,
            1,
            0,
            false,
        );
    }
    Ok(cases)
}
