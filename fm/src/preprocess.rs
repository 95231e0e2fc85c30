//! Frames and the CPU reference preprocessing for image encoders.
//!
//! The path is the original ASAL's (`foundation_models/clip.py`): an image with values in [0, 1] is
//! resized bilinearly to the model's input size when it is not already that size (no centre crop,
//! no shortest-side resize), normalised per channel with `(x − mean) / std`, and laid out NCHW.
//!
//! **Resize semantics.** The original calls `jax.image.resize(img, shape, 'bilinear')`, whose default
//! is `antialias=True`. That is implemented here exactly in structure: half-pixel centres (output
//! pixel `i` samples input coordinate `(i + 0.5) / scale − 0.5`), a triangle kernel that is widened
//! by `1 / scale` when downsampling (antialiasing), taps outside the image dropped and the remaining
//! weights renormalised to sum to 1 (which equals edge clamping for upsampling). Upsampling therefore
//! matches ordinary half-pixel bilinear interpolation; downsampling averages like an area filter
//! instead of aliasing. The result agrees with JAX up to float32 rounding (summation order differs).
//!
//! The GPU implementation ([`crate::gpu::GpuPreprocessor`]) uses the weights computed here and is
//! tested against [`preprocess`]; models accept its NCHW output through
//! [`crate::FoundationModel::embed_preprocessed`], and [`ImageSpec`] says what to produce.

use sha2::{Digest, Sha256};

use crate::error::{FmError, Result};

/// Pixel data of a frame, row-major, top row first.
#[derive(Debug, Clone, Copy)]
pub enum Pixels<'a> {
    /// 8-bit RGBA (4 bytes per pixel; alpha is ignored), as the renderer reads back.
    Rgba8(&'a [u8]),
    /// RGB float in [0, 1] (3 values per pixel), as the original's frames and the fixtures.
    RgbF32(&'a [f32]),
}

/// A borrowed image to embed.
#[derive(Debug, Clone, Copy)]
pub struct Frame<'a> {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// The pixels.
    pub pixels: Pixels<'a>,
}

impl<'a> Frame<'a> {
    /// An RGBA8 frame of `width × height` pixels (`data.len()` must be `width * height * 4`).
    pub fn rgba8(width: usize, height: usize, data: &'a [u8]) -> Self {
        Self {
            width,
            height,
            pixels: Pixels::Rgba8(data),
        }
    }

    /// An RGB f32 frame of `width × height` pixels in [0, 1] (`data.len()` must be `width * height * 3`).
    pub fn rgb_f32(width: usize, height: usize, data: &'a [f32]) -> Self {
        Self {
            width,
            height,
            pixels: Pixels::RgbF32(data),
        }
    }

    /// Checks that the buffer length matches the size; `index` names the frame in the error.
    pub fn validate(&self, index: usize) -> Result<()> {
        let (len, per_pixel, kind) = match self.pixels {
            Pixels::Rgba8(d) => (d.len(), 4, "RGBA8"),
            Pixels::RgbF32(d) => (d.len(), 3, "RGB f32"),
        };
        if self.width == 0 || self.height == 0 {
            return Err(FmError::BadFrame {
                index,
                message: format!("size {}×{} is empty", self.width, self.height),
            });
        }
        let want = self.width * self.height * per_pixel;
        if len != want {
            return Err(FmError::BadFrame {
                index,
                message: format!(
                    "{kind} buffer has {len} values, but {}×{} pixels need {want}",
                    self.width, self.height
                ),
            });
        }
        Ok(())
    }

    /// RGB values in [0, 1], row-major HWC.
    pub fn to_rgb_f32(&self) -> Vec<f32> {
        match self.pixels {
            Pixels::RgbF32(d) => d.to_vec(),
            Pixels::Rgba8(d) => d
                .chunks_exact(4)
                .flat_map(|p| [p[0], p[1], p[2]].map(|v| f32::from(v) / 255.0))
                .collect(),
        }
    }

    /// SHA-256 of the size, pixel format and pixel bytes: equal hashes mean identical frames.
    pub fn content_hash(&self) -> [u8; 32] {
        let mut h = Sha256::new();
        h.update((self.width as u64).to_le_bytes());
        h.update((self.height as u64).to_le_bytes());
        match self.pixels {
            Pixels::Rgba8(d) => {
                h.update(b"rgba8");
                h.update(d);
            }
            Pixels::RgbF32(d) => {
                h.update(b"rgbf32");
                for v in d {
                    h.update(v.to_le_bytes());
                }
            }
        }
        h.finalize().into()
    }
}

/// What an image encoder expects: square input size and per-channel normalisation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImageSpec {
    /// Input height and width in pixels.
    pub size: usize,
    /// Per-channel mean (RGB), subtracted from values in [0, 1].
    pub mean: [f32; 3],
    /// Per-channel standard deviation (RGB).
    pub std: [f32; 3],
}

impl ImageSpec {
    /// OpenAI CLIP at 224 (asal.md §3.1).
    #[expect(
        clippy::excessive_precision,
        reason = "the constants digit for digit as OpenAI publishes them"
    )]
    pub const CLIP: ImageSpec = ImageSpec {
        size: 224,
        mean: [0.481_454_66, 0.457_827_5, 0.408_210_73],
        std: [0.268_629_54, 0.261_302_58, 0.275_777_11],
    };
    /// ImageNet statistics at 224, used by DINOv2 and the pixel model (asal.md §3.2, §3.3).
    pub const IMAGENET: ImageSpec = ImageSpec {
        size: 224,
        mean: [0.485, 0.456, 0.406],
        std: [0.229, 0.224, 0.225],
    };
}

/// Element type of a model's image input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Precision {
    /// 32-bit floats.
    #[default]
    F32,
    /// IEEE half precision (fp16 model files).
    F16,
}

/// Preprocessed images, `[n, 3, S, S]` NCHW, in the precision the model takes.
#[derive(Debug, Clone, PartialEq)]
pub enum PixelValues {
    /// f32 values.
    F32(Vec<f32>),
    /// f16 values.
    F16(Vec<half::f16>),
}

impl PixelValues {
    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            Self::F32(v) => v.len(),
            Self::F16(v) => v.len(),
        }
    }

    /// Whether there are no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The precision of the values.
    pub fn precision(&self) -> Precision {
        match self {
            Self::F32(_) => Precision::F32,
            Self::F16(_) => Precision::F16,
        }
    }

    /// The values as f32 (converting from f16 when needed).
    pub fn to_f32(&self) -> Vec<f32> {
        match self {
            Self::F32(v) => v.clone(),
            Self::F16(v) => v.iter().map(|x| x.to_f32()).collect(),
        }
    }
}

/// Contribution of input pixels to one output pixel along one axis.
pub(crate) struct Taps {
    /// First input pixel.
    pub(crate) start: usize,
    /// Weights of input pixels `start..start + weights.len()`, summing to 1.
    pub(crate) weights: Vec<f32>,
}

/// Resampling weights from `n_in` to `n_out` samples (see the module docs for the semantics).
pub(crate) fn taps(n_in: usize, n_out: usize) -> Vec<Taps> {
    let scale = n_out as f64 / n_in as f64;
    // Antialiasing: when downsampling, the triangle kernel spans 1/scale input pixels on each side.
    let support = (1.0 / scale).max(1.0);
    (0..n_out)
        .map(|i| {
            let centre = (i as f64 + 0.5) / scale - 0.5;
            let lo = (centre - support).floor().max(0.0) as usize;
            let hi = ((centre + support).ceil() as usize).min(n_in - 1);
            let raw: Vec<f64> = (lo..=hi)
                .map(|j| (1.0 - (j as f64 - centre).abs() / support).max(0.0))
                .collect();
            let total: f64 = raw.iter().sum();
            let weights = if total > 0.0 {
                raw.iter().map(|w| (w / total) as f32).collect()
            } else {
                // Unreachable for n_in ≥ 1 (the nearest pixel always has weight > 0); kept total.
                vec![1.0; raw.len()]
            };
            Taps { start: lo, weights }
        })
        .collect()
}

/// Resizes an RGB HWC image (`h × w × 3`) to `out_h × out_w` (the semantics of the module docs).
pub fn resize_rgb(src: &[f32], w: usize, h: usize, out_w: usize, out_h: usize) -> Vec<f32> {
    if w == out_w && h == out_h {
        return src.to_vec();
    }
    // Separable: rows of the output first (height), then columns (width).
    let ty = taps(h, out_h);
    let mut tmp = vec![0.0f32; out_h * w * 3];
    for (oy, t) in ty.iter().enumerate() {
        let row = &mut tmp[oy * w * 3..(oy + 1) * w * 3];
        for (k, &wt) in t.weights.iter().enumerate() {
            let srow = &src[(t.start + k) * w * 3..(t.start + k + 1) * w * 3];
            for (d, s) in row.iter_mut().zip(srow) {
                *d += wt * s;
            }
        }
    }
    let tx = taps(w, out_w);
    let mut out = vec![0.0f32; out_h * out_w * 3];
    for oy in 0..out_h {
        let srow = &tmp[oy * w * 3..(oy + 1) * w * 3];
        for (ox, t) in tx.iter().enumerate() {
            let mut acc = [0.0f32; 3];
            for (k, &wt) in t.weights.iter().enumerate() {
                let p = &srow[(t.start + k) * 3..(t.start + k) * 3 + 3];
                for c in 0..3 {
                    acc[c] += wt * p[c];
                }
            }
            out[(oy * out_w + ox) * 3..(oy * out_w + ox) * 3 + 3].copy_from_slice(&acc);
        }
    }
    out
}

/// One frame resized to `size × size`, RGB HWC in [0, 1].
pub(crate) fn frame_rgb_at(frame: &Frame<'_>, size: usize) -> Vec<f32> {
    let rgb = frame.to_rgb_f32();
    resize_rgb(&rgb, frame.width, frame.height, size, size)
}

/// Preprocesses one frame into `out` (`3 × size × size`, CHW).
pub fn preprocess_into(
    frame: &Frame<'_>,
    index: usize,
    spec: &ImageSpec,
    out: &mut [f32],
) -> Result<()> {
    frame.validate(index)?;
    let n = spec.size * spec.size;
    if out.len() != 3 * n {
        return Err(FmError::BadFrame {
            index,
            message: format!(
                "output slice has {} values, expected 3×{}×{}",
                out.len(),
                spec.size,
                spec.size
            ),
        });
    }
    let rgb = frame_rgb_at(frame, spec.size);
    for c in 0..3 {
        let (m, s) = (spec.mean[c], spec.std[c]);
        for (o, p) in out[c * n..(c + 1) * n].iter_mut().zip(rgb.chunks_exact(3)) {
            *o = (p[c] - m) / s;
        }
    }
    Ok(())
}

/// Preprocesses frames into one NCHW f32 tensor `[n, 3, size, size]`.
pub fn preprocess(frames: &[Frame<'_>], spec: &ImageSpec) -> Result<Vec<f32>> {
    let per = 3 * spec.size * spec.size;
    let mut out = vec![0.0f32; frames.len() * per];
    for (i, (f, o)) in frames.iter().zip(out.chunks_exact_mut(per)).enumerate() {
        preprocess_into(f, i, spec, o)?;
    }
    Ok(out)
}

/// Converts to half precision for fp16 models.
pub fn to_f16(values: &[f32]) -> Vec<half::f16> {
    values.iter().map(|&v| half::f16::from_f32(v)).collect()
}

/// L2-normalises each `dim`-sized row in place (rows of zeros stay zero rather than becoming NaN).
pub fn l2_normalize_rows(values: &mut [f32], dim: usize) {
    for row in values.chunks_exact_mut(dim.max(1)) {
        let norm = row
            .iter()
            .map(|v| f64::from(*v) * f64::from(*v))
            .sum::<f64>()
            .sqrt();
        if norm > 0.0 {
            for v in row {
                *v = (f64::from(*v) / norm) as f32;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_size_is_identity() {
        let src: Vec<f32> = (0..4 * 5 * 3).map(|i| i as f32 / 60.0).collect();
        assert_eq!(resize_rgb(&src, 4, 5, 4, 5), src);
    }

    #[test]
    fn upsampling_is_half_pixel_bilinear() {
        // 2 pixels -> 4: output centres at input coords -0.25, 0.25, 0.75, 1.25; values 0 and 1.
        let src = [0.0, 0.0, 0.0, 1.0, 1.0, 1.0];
        let out = resize_rgb(&src, 2, 1, 4, 1);
        let got: Vec<f32> = out.chunks(3).map(|p| p[0]).collect();
        // Edges clamp; interior samples interpolate linearly.
        assert_eq!(got, vec![0.0, 0.25, 0.75, 1.0]);
    }

    #[test]
    fn downsampling_by_two_averages_pairs() {
        // Antialiased 2x downsampling: centre at 0.5 + 2k, kernel support 2 -> taps 0.25, 0.75, 0.75, 0.25 over
        // pixels 2k-1..2k+2 (edges renormalised). Interior output: (0.25a + 0.75b + 0.75c + 0.25d) / 2.
        let vals = [0.0f32, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0];
        let src: Vec<f32> = vals.iter().flat_map(|&v| [v, v, v]).collect();
        let out = resize_rgb(&src, 8, 1, 4, 1);
        let got: Vec<f32> = out.chunks(3).map(|p| p[0]).collect();
        let expect1 = (0.25 * 1.0 + 0.75 * 2.0 + 0.75 * 3.0 + 0.25 * 4.0) / 2.0;
        assert!((got[1] - expect1).abs() < 1e-6, "{got:?}");
        // Left edge: taps for pixels -1 (dropped), 0, 1, 2 -> (0.75*0 + 0.75*1 + 0.25*2) / 1.75.
        assert!((got[0] - (0.75 + 0.5) / 1.75).abs() < 1e-6, "{got:?}");
        // A constant image stays constant through any resize.
        let flat = vec![0.3f32; 7 * 5 * 3];
        assert!(
            resize_rgb(&flat, 7, 5, 3, 11)
                .iter()
                .all(|v| (v - 0.3).abs() < 1e-6)
        );
    }

    #[test]
    fn nchw_layout_and_normalisation() {
        let mut data = vec![0u8; 2 * 2 * 4];
        data[4] = 255; // pixel (0, 1) red
        let spec = ImageSpec {
            size: 2,
            mean: [0.5, 0.25, 0.0],
            std: [0.5, 0.25, 1.0],
        };
        let out = preprocess(&[Frame::rgba8(2, 2, &data)], &spec).expect("valid frame");
        assert_eq!(out.len(), 12);
        assert_eq!(&out[0..4], &[-1.0, 1.0, -1.0, -1.0]);
        assert_eq!(&out[4..8], &[-1.0; 4]);
        assert_eq!(&out[8..12], &[0.0; 4]);
    }

    #[test]
    fn bad_frames_are_errors() {
        let data = [0u8; 10];
        assert!(matches!(
            Frame::rgba8(2, 2, &data).validate(3),
            Err(FmError::BadFrame { index: 3, .. })
        ));
        assert!(Frame::rgba8(0, 2, &[]).validate(0).is_err());
    }

    #[test]
    fn content_hash_tells_frames_apart() {
        let a = [1u8; 16];
        let mut b = a;
        b[5] = 2;
        assert_eq!(
            Frame::rgba8(2, 2, &a).content_hash(),
            Frame::rgba8(2, 2, &a).content_hash()
        );
        assert_ne!(
            Frame::rgba8(2, 2, &a).content_hash(),
            Frame::rgba8(2, 2, &b).content_hash()
        );
        assert_ne!(
            Frame::rgba8(2, 2, &a).content_hash(),
            Frame::rgba8(4, 1, &a).content_hash()
        );
    }
}
