//! Embedding throughput: the search pipeline's whole path against bare inference, in one run.
//!
//! The path is what a search does per batch: frames already on the GPU (as a rollout leaves them)
//! → GPU preprocessing → one readback → the model ([`GpuPreprocessor::embed`]). Bare inference is
//! the same model on the same batch with its input already prepared on the host
//! ([`FoundationModel::embed_preprocessed`]: one `ort` session run plus L2 normalisation of the
//! rows). The two are timed alternately, so drifting machine load hits both alike; the goal
//! is a path at most 10% slower than bare inference.

use std::time::{Duration, Instant};

use crate::error::{FmError, Result};
use crate::gpu::{GpuFrames, GpuPreprocessor};
use crate::model::{FoundationModel, GpuInput};

/// One measurement.
#[derive(Debug, Clone)]
pub struct EmbedBench {
    /// The model's name.
    pub model: String,
    /// Images per call.
    pub batch: usize,
    /// Side of the frames on the GPU.
    pub frame_size: u32,
    /// Embedding dimension.
    pub dim: usize,
    /// Images/s through the whole path.
    pub path_images_per_s: f64,
    /// Images/s of bare inference (`None` for the pixel model, which has no separate inference).
    pub bare_images_per_s: Option<f64>,
    /// Images/s of GPU preprocessing plus readback alone (`None` for the pixel model).
    pub preprocess_images_per_s: Option<f64>,
    /// Timed calls of each kind.
    pub iterations: usize,
}

impl EmbedBench {
    /// Extra time of the path over bare inference, as a fraction (0.05 = 5% slower).
    pub fn overhead(&self) -> Option<f64> {
        self.bare_images_per_s
            .map(|bare| bare / self.path_images_per_s - 1.0)
    }
}

impl std::fmt::Display for EmbedBench {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: batch {} of {}² frames → {}-d: path {:.1} images/s",
            self.model, self.batch, self.frame_size, self.dim, self.path_images_per_s
        )?;
        if let (Some(bare), Some(pre), Some(over)) = (
            self.bare_images_per_s,
            self.preprocess_images_per_s,
            self.overhead(),
        ) {
            write!(
                f,
                ", bare inference {bare:.1} images/s (path overhead {:+.1}%), GPU preprocessing + readback alone {pre:.1} images/s",
                over * 100.0
            )?;
        }
        write!(f, " ({} timed calls each)", self.iterations)
    }
}

/// Deterministic, varied RGBA8 frames (an xorshift stream), so no path can shortcut on constant input.
pub fn test_frames(n: usize, size: u32) -> Vec<u8> {
    let mut x: u32 = 0x9e37_79b9;
    (0..n * (size as usize).pow(2) * 4)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            (x >> 24) as u8
        })
        .collect()
}

/// Measures `model` on `batch` frames of `frame_size`² for about `seconds` per kind (at least two
/// timed calls each, after one untimed warm-up call each).
pub fn embed_path(
    pre: &GpuPreprocessor,
    model: &dyn FoundationModel,
    batch: usize,
    frame_size: u32,
    seconds: f64,
) -> Result<EmbedBench> {
    if batch == 0 || frame_size == 0 {
        return Err(FmError::InvalidOption {
            field: "benchmark batch / frame size",
            value: format!("{batch} / {frame_size}"),
            expected: "both at least 1",
        });
    }
    let bytes = test_frames(batch, frame_size);
    let host: Vec<crate::Frame<'_>> = bytes
        .chunks_exact((frame_size as usize).pow(2) * 4)
        .map(|d| crate::Frame::rgba8(frame_size as usize, frame_size as usize, d))
        .collect();
    // Upload once, untimed: in a search the rollout leaves the frames on the GPU.
    let (buffer, w, h) = pre.upload(&host)?;
    let frames = GpuFrames::packed(&buffer, w, h, batch as u32);
    let budget = Duration::from_secs_f64(seconds.max(0.0));
    let prepared = match model.gpu_input() {
        GpuInput::Preprocessed { spec, precision } => {
            Some((spec, precision, pre.preprocess(&frames, &spec, precision)?))
        }
        _ => None,
    };
    // Warm-up: first calls allocate and (for ort) pick kernels.
    pre.embed(model, &frames)?;
    if let Some((_, _, values)) = &prepared {
        model.embed_preprocessed(values, batch)?;
    }
    let (mut t_path, mut t_bare, mut t_pre) = (Duration::ZERO, Duration::ZERO, Duration::ZERO);
    let mut iterations = 0;
    let start = Instant::now();
    while iterations < 2 || start.elapsed() < budget * 2 {
        let t = Instant::now();
        pre.embed(model, &frames)?;
        t_path += t.elapsed();
        if let Some((spec, precision, values)) = &prepared {
            let t = Instant::now();
            model.embed_preprocessed(values, batch)?;
            t_bare += t.elapsed();
            let t = Instant::now();
            pre.preprocess(&frames, spec, *precision)?;
            t_pre += t.elapsed();
        }
        iterations += 1;
    }
    let rate = |t: Duration| (batch * iterations) as f64 / t.as_secs_f64().max(1e-9);
    Ok(EmbedBench {
        model: model.name().to_string(),
        batch,
        frame_size,
        dim: model.dim(),
        path_images_per_s: rate(t_path),
        bare_images_per_s: prepared.as_ref().map(|_| rate(t_bare)),
        preprocess_images_per_s: prepared.as_ref().map(|_| rate(t_pre)),
        iterations,
    })
}
