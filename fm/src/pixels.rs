//! The built-in `pixels` model: the original's raw-pixel baseline (asal.md §3.3).
//!
//! A 224×224 RGB frame in [0, 1] is ImageNet-normalised, average-pooled over 8×8 blocks to 28×28×3,
//! flattened channel-major (index `c·784 + i·28 + j`) and L2-normalised: a 2352-d embedding that needs
//! no download. Frames of other sizes are first resized to 224 with [`crate::preprocess::resize_rgb`].

use crate::error::{FmError, Result};
use crate::model::FoundationModel;
use crate::preprocess::{Frame, ImageSpec, frame_rgb_at, l2_normalize_rows};

/// Input size the pixel model pools from.
pub const PIXEL_INPUT: usize = 224;
/// Side of the pooled grid (224 / 8).
pub const PIXEL_GRID: usize = 28;
/// Embedding dimension, 28·28·3.
pub const PIXEL_DIM: usize = PIXEL_GRID * PIXEL_GRID * 3;

/// The raw-pixel baseline model.
#[derive(Debug, Clone, Copy, Default)]
pub struct PixelModel;

impl PixelModel {
    /// The model (stateless).
    pub fn new() -> Self {
        Self
    }

    /// The pooled, normalised features of one frame before L2 normalisation (`PIXEL_DIM` values).
    pub fn features(frame: &Frame<'_>, index: usize) -> Result<Vec<f32>> {
        frame.validate(index)?;
        let rgb = frame_rgb_at(frame, PIXEL_INPUT);
        let spec = ImageSpec::IMAGENET;
        let cell = PIXEL_INPUT / PIXEL_GRID;
        let mut out = vec![0.0f32; PIXEL_DIM];
        // Pooling is linear, so the block mean is taken first and normalised after; f64 keeps the
        // 64-term sums exact enough that the result sits within float32 rounding of the original.
        for i in 0..PIXEL_GRID {
            for j in 0..PIXEL_GRID {
                let mut acc = [0.0f64; 3];
                for y in i * cell..(i + 1) * cell {
                    let row = &rgb
                        [(y * PIXEL_INPUT + j * cell) * 3..(y * PIXEL_INPUT + (j + 1) * cell) * 3];
                    for p in row.chunks_exact(3) {
                        for c in 0..3 {
                            acc[c] += f64::from(p[c]);
                        }
                    }
                }
                for c in 0..3 {
                    let mean = acc[c] / (cell * cell) as f64;
                    let v = (mean - f64::from(spec.mean[c])) / f64::from(spec.std[c]);
                    out[c * PIXEL_GRID * PIXEL_GRID + i * PIXEL_GRID + j] = v as f32;
                }
            }
        }
        Ok(out)
    }
}

impl FoundationModel for PixelModel {
    fn name(&self) -> &str {
        "pixels"
    }

    fn dim(&self) -> usize {
        PIXEL_DIM
    }

    fn supports_text(&self) -> bool {
        false
    }

    fn gpu_input(&self) -> crate::model::GpuInput {
        crate::model::GpuInput::PixelModel
    }

    fn embed_images(&self, frames: &[Frame<'_>]) -> Result<Vec<f32>> {
        let mut out = Vec::with_capacity(frames.len() * PIXEL_DIM);
        for (i, f) in frames.iter().enumerate() {
            out.extend(Self::features(f, i)?);
        }
        l2_normalize_rows(&mut out, PIXEL_DIM);
        Ok(out)
    }

    fn embed_texts(&self, _prompts: &[String]) -> Result<Vec<f32>> {
        Err(FmError::ImageOnly {
            model: self.name().to_string(),
        })
    }
}
