//! Frame-accurate clip export: the creature is re-simulated from its seed with the kernels the
//! live view uses, so frame j of the clip is exactly the live frame at step `first + j·every`,
//! and encoded with the gallery's deterministic GIF/WebP encoder.

use std::path::Path;

use anyhow::{Context as _, Result, bail};
use asal_gallery::clip::Clip;
use asal_search::pipeline::{InitMode, init_for};
use asal_substrates::{RolloutSpec, Substrate, rollout};

/// Clip file formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum ClipFormat {
    /// Animated GIF.
    Gif,
    /// Animated WebP (lossless).
    Webp,
}

impl ClipFormat {
    /// File extension.
    #[must_use]
    pub fn extension(self) -> &'static str {
        match self {
            Self::Gif => "gif",
            Self::Webp => "webp",
        }
    }

    /// The format a path's extension names.
    pub fn from_path(path: &Path) -> Result<Self> {
        match path
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .as_deref()
        {
            Some("gif") => Ok(Self::Gif),
            Some("webp") => Ok(Self::Webp),
            _ => bail!(
                "{}: clips are written as .gif or .webp; give a path ending in one of those",
                path.display()
            ),
        }
    }
}

/// Which steps a clip shows and how.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ClipSettings {
    /// First step shown.
    pub first: u32,
    /// Number of frames.
    pub frames: u32,
    /// Steps between frames.
    pub every: u32,
    /// Frame side in pixels.
    pub size: u32,
    /// Playback rate.
    pub fps: u32,
}

impl Default for ClipSettings {
    fn default() -> Self {
        Self {
            first: 0,
            frames: 32,
            every: 4,
            size: 128,
            fps: 15,
        }
    }
}

impl ClipSettings {
    /// The steps whose frames the clip holds.
    pub fn steps(&self) -> Result<Vec<u32>> {
        if self.frames == 0 || self.every == 0 || self.size == 0 || self.fps == 0 {
            bail!(
                "a clip needs at least 1 frame, 1 step between frames, a size of 1 px and 1 fps \
                 (got {} frames, every {} steps, {} px, {} fps)",
                self.frames,
                self.every,
                self.size,
                self.fps
            );
        }
        (0..self.frames)
            .map(|j| {
                self.every
                    .checked_mul(j)
                    .and_then(|s| s.checked_add(self.first))
                    .context("the clip's last step is past 2^32 - 1")
            })
            .collect()
    }
}

/// Simulates one genome from `seed` and writes the clip to `path` (format from its extension).
/// Returns the number of frames written.
pub fn write_clip(
    gpu: &asal_substrates::Gpu,
    substrate: &dyn Substrate,
    mode: InitMode,
    genome: &[f32],
    seed: u64,
    settings: &ClipSettings,
    path: &Path,
) -> Result<usize> {
    let format = ClipFormat::from_path(path)?;
    let steps = settings.steps()?;
    let last = steps.last().copied().unwrap_or(0);
    let init = init_for(substrate, mode, genome, &[seed])?;
    let spec = RolloutSpec {
        steps: last,
        frame_steps: steps.clone(),
        frame_size: settings.size,
        dump_steps: Vec::new(),
    };
    let out = rollout(gpu, substrate, genome, &init, &spec, &mut |_| {})
        .context("simulating the clip")?;
    let frame_bytes = (settings.size as usize).pow(2) * 4;
    let clip = Clip {
        size: settings.size,
        frames: out.frames.chunks_exact(frame_bytes).collect(),
        fps: settings.fps,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    match format {
        ClipFormat::Gif => clip.write_gif(path),
        ClipFormat::Webp => clip.write_webp(path, None),
    }
    .with_context(|| format!("writing {}", path.display()))?;
    Ok(steps.len())
}
