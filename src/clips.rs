//! Frames to files: PNG sequences, animated GIF and animated WebP, byte-for-byte deterministic.

use std::path::Path;

use anyhow::{Context as _, Result};

/// A run of equally sized RGBA8 frames.
pub(crate) struct Clip<'a> {
    /// Frame side in pixels.
    pub(crate) size: u32,
    /// Frames, each `size² × 4` bytes.
    pub(crate) frames: Vec<&'a [u8]>,
    /// Playback rate.
    pub(crate) fps: u32,
}

impl Clip<'_> {
    /// Writes `dir/frame_00000.png`, ... .
    pub(crate) fn write_pngs(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        for (i, frame) in self.frames.iter().enumerate() {
            let path = dir.join(format!("frame_{i:05}.png"));
            image::save_buffer(
                &path,
                frame,
                self.size,
                self.size,
                image::ExtendedColorType::Rgba8,
            )
            .with_context(|| format!("writing {}", path.display()))?;
        }
        Ok(())
    }

    /// Writes a looping GIF (NeuQuant palette per frame, deterministic for identical input).
    pub(crate) fn write_gif(&self, path: &Path) -> Result<()> {
        let size = u16::try_from(self.size).context("GIF frames must be at most 65535 px")?;
        let mut bytes = Vec::new();
        {
            let mut encoder =
                gif::Encoder::new(&mut bytes, size, size, &[]).context("starting GIF")?;
            encoder
                .set_repeat(gif::Repeat::Infinite)
                .context("GIF loop")?;
            // GIF delays are in 1/100 s; keep the average rate right by carrying the remainder.
            let mut carried = 0u32;
            for frame in &self.frames {
                let mut rgba = frame.to_vec();
                let mut f = gif::Frame::from_rgba_speed(size, size, &mut rgba, 10);
                carried += 100;
                f.delay = (carried / self.fps.max(1)) as u16;
                carried %= self.fps.max(1);
                encoder.write_frame(&f).context("writing GIF frame")?;
            }
        }
        write_file(path, &bytes)
    }

    /// Writes a looping lossless-or-lossy animated WebP.
    pub(crate) fn write_webp(&self, path: &Path, quality: Option<f32>) -> Result<()> {
        let mut options = webp_animation::EncoderOptions::default();
        options.anim_params.loop_count = 0;
        options.encoding_config = Some(match quality {
            Some(q) => webp_animation::EncodingConfig::new_lossy(q),
            None => webp_animation::EncodingConfig::default(),
        });
        let mut encoder =
            webp_animation::Encoder::new_with_options((self.size, self.size), options)
                .map_err(|e| anyhow::anyhow!("starting WebP: {e:?}"))?;
        let frame_ms = 1000.0 / f64::from(self.fps.max(1));
        for (i, frame) in self.frames.iter().enumerate() {
            encoder
                .add_frame(frame, (i as f64 * frame_ms).round() as i32)
                .map_err(|e| anyhow::anyhow!("WebP frame {i}: {e:?}"))?;
        }
        let end = (self.frames.len() as f64 * frame_ms).round() as i32;
        let data = encoder
            .finalize(end)
            .map_err(|e| anyhow::anyhow!("finishing WebP: {e:?}"))?;
        write_file(path, &data)
    }
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<()> {
    asal_substrates::tensors::write_atomic(path, bytes)
        .with_context(|| format!("writing {}", path.display()))
}
