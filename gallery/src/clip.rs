//! Frames to files: PNG sequences, animated GIF and animated WebP, byte-for-byte deterministic.
//!
//! Determinism matters because galleries are committed and diffed: the same run must export the
//! same bytes. libwebp and the GIF quantiser are deterministic for identical input and options, and
//! no timestamps or encoder-version metadata are written.

use std::path::Path;

use crate::error::{Error, Result};

/// WebP quality of gallery clips: smooth substrates (Lenia) stay sharp at 80 while a 256-frame
/// 224² clip stays well under 2 MB.
pub const GALLERY_WEBP_QUALITY: f32 = 80.0;

/// A run of equally sized RGBA8 frames.
pub struct Clip<'a> {
    /// Frame side in pixels.
    pub size: u32,
    /// Frames, each `size² × 4` bytes.
    pub frames: Vec<&'a [u8]>,
    /// Playback rate.
    pub fps: u32,
}

impl Clip<'_> {
    fn check(&self) -> Result<()> {
        let want = (self.size as usize).pow(2) * 4;
        if self.frames.is_empty() {
            return Err(Error::Invalid("a clip needs at least one frame".into()));
        }
        if let Some(i) = self.frames.iter().position(|f| f.len() != want) {
            return Err(Error::Invalid(format!(
                "frame {i} has {} bytes; a {}² RGBA8 frame has {want}",
                self.frames[i].len(),
                self.size
            )));
        }
        Ok(())
    }

    /// Writes `dir/frame_00000.png`, ... .
    pub fn write_pngs(&self, dir: &Path) -> Result<()> {
        self.check()?;
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        for (i, frame) in self.frames.iter().enumerate() {
            let path = dir.join(format!("frame_{i:05}.png"));
            write_file(&path, &png_bytes(self.size, frame)?)?;
        }
        Ok(())
    }

    /// Encodes a looping GIF (NeuQuant palette per frame, deterministic for identical input).
    pub fn gif_bytes(&self) -> Result<Vec<u8>> {
        self.check()?;
        let err = |message: String| Error::Encode {
            what: "GIF".into(),
            message,
        };
        let size = u16::try_from(self.size)
            .map_err(|_| err("GIF frames must be at most 65535 px".into()))?;
        let mut bytes = Vec::new();
        {
            let mut encoder =
                gif::Encoder::new(&mut bytes, size, size, &[]).map_err(|e| err(e.to_string()))?;
            encoder
                .set_repeat(gif::Repeat::Infinite)
                .map_err(|e| err(e.to_string()))?;
            // GIF delays are in 1/100 s; keep the average rate right by carrying the remainder.
            let fps = self.fps.max(1);
            let mut carried = 0u32;
            for frame in &self.frames {
                let mut rgba = frame.to_vec();
                let mut f = gif::Frame::from_rgba_speed(size, size, &mut rgba, 10);
                carried += 100;
                f.delay = u16::try_from(carried / fps).unwrap_or(u16::MAX);
                carried %= fps;
                encoder.write_frame(&f).map_err(|e| err(e.to_string()))?;
            }
        }
        Ok(bytes)
    }

    /// Writes a looping GIF.
    pub fn write_gif(&self, path: &Path) -> Result<()> {
        write_file(path, &self.gif_bytes()?)
    }

    /// Encodes a looping animated WebP: lossless when `quality` is `None`, else lossy at that
    /// quality (0–100).
    pub fn webp_bytes(&self, quality: Option<f32>) -> Result<Vec<u8>> {
        self.check()?;
        let err = |message: String| Error::Encode {
            what: "WebP".into(),
            message,
        };
        let mut options = webp_animation::EncoderOptions::default();
        options.anim_params.loop_count = 0;
        options.encoding_config = Some(match quality {
            Some(q) => webp_animation::EncodingConfig::new_lossy(q),
            None => webp_animation::EncodingConfig::default(),
        });
        let mut encoder =
            webp_animation::Encoder::new_with_options((self.size, self.size), options)
                .map_err(|e| err(format!("{e:?}")))?;
        let frame_ms = 1000.0 / f64::from(self.fps.max(1));
        for (i, frame) in self.frames.iter().enumerate() {
            encoder
                .add_frame(frame, (i as f64 * frame_ms).round() as i32)
                .map_err(|e| err(format!("frame {i}: {e:?}")))?;
        }
        let end = (self.frames.len() as f64 * frame_ms).round() as i32;
        let data = encoder.finalize(end).map_err(|e| err(format!("{e:?}")))?;
        Ok(data.to_vec())
    }

    /// Writes a looping animated WebP (see [`Clip::webp_bytes`]).
    pub fn write_webp(&self, path: &Path, quality: Option<f32>) -> Result<()> {
        write_file(path, &self.webp_bytes(quality)?)
    }
}

/// One RGBA8 frame as PNG bytes.
pub fn png_bytes(size: u32, rgba: &[u8]) -> Result<Vec<u8>> {
    let mut out = std::io::Cursor::new(Vec::new());
    image::write_buffer_with_format(
        &mut out,
        rgba,
        size,
        size,
        image::ExtendedColorType::Rgba8,
        image::ImageFormat::Png,
    )
    .map_err(|e| Error::Encode {
        what: "PNG".into(),
        message: e.to_string(),
    })?;
    Ok(out.into_inner())
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    Ok(asal_substrates::tensors::write_atomic(path, bytes)?)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    /// Lenia-like frames: soft moving blobs on a dark background, with a little texture.
    fn lenia_like(n: usize, size: u32) -> Vec<Vec<u8>> {
        let s = size as f32;
        (0..n)
            .map(|t| {
                let t = t as f32;
                let mut f = vec![0u8; (size * size * 4) as usize];
                for y in 0..size {
                    for x in 0..size {
                        let (fx, fy) = (x as f32, y as f32);
                        let mut v = 0.0f32;
                        for k in 0..3 {
                            let k = k as f32;
                            let cx = s * (0.5 + 0.3 * (0.02 * t + 2.1 * k).sin());
                            let cy = s * (0.5 + 0.3 * (0.017 * t + 1.3 * k).cos());
                            let r2 = ((fx - cx).powi(2) + (fy - cy).powi(2)) / (s * 0.08).powi(2);
                            v += (-r2).exp() * (1.0 + 0.3 * (0.5 * fx + 0.3 * fy + 0.1 * t).sin());
                        }
                        let v = v.clamp(0.0, 1.0);
                        let i = ((y * size + x) * 4) as usize;
                        f[i] = (255.0 * v * 0.9) as u8;
                        f[i + 1] = (255.0 * v.sqrt() * 0.6) as u8;
                        f[i + 2] = (255.0 * (1.0 - v) * 0.3) as u8;
                        f[i + 3] = 255;
                    }
                }
                f
            })
            .collect()
    }

    #[test]
    fn gallery_webp_is_deterministic_and_compact() {
        let frames = lenia_like(256, 224);
        let clip = Clip {
            size: 224,
            frames: frames.iter().map(Vec::as_slice).collect(),
            fps: 24,
        };
        let a = clip.webp_bytes(Some(GALLERY_WEBP_QUALITY)).unwrap();
        let b = clip.webp_bytes(Some(GALLERY_WEBP_QUALITY)).unwrap();
        assert_eq!(a, b, "same frames, same bytes");
        assert!(
            a.len() < 2_000_000,
            "256-frame 224² clip is {} bytes",
            a.len()
        );
        assert_eq!(&a[..4], b"RIFF");
        assert_eq!(&a[8..12], b"WEBP");
    }

    #[test]
    fn gif_is_deterministic_and_loops() {
        let frames = lenia_like(6, 32);
        let clip = Clip {
            size: 32,
            frames: frames.iter().map(Vec::as_slice).collect(),
            fps: 8,
        };
        let a = clip.gif_bytes().unwrap();
        assert_eq!(a, clip.gif_bytes().unwrap());
        assert_eq!(&a[..6], b"GIF89a");
        // The NETSCAPE2.0 application extension is what makes it loop.
        assert!(a.windows(11).any(|w| w == b"NETSCAPE2.0"));
    }

    #[test]
    fn bad_frames_are_errors() {
        let short = vec![0u8; 10];
        let clip = Clip {
            size: 4,
            frames: vec![&short],
            fps: 8,
        };
        assert!(clip.webp_bytes(None).is_err());
        let empty = Clip {
            size: 4,
            frames: Vec::new(),
            fps: 8,
        };
        assert!(empty.gif_bytes().is_err());
    }
}
