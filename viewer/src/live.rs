//! Worlds simulated live on eframe's own wgpu device and shown as a native egui texture.
//!
//! A [`Live`] batch holds n worlds of one substrate. Each frame the app records the steps, the
//! render kernel and one `copy_buffer_to_texture` per world into a single command encoder, so the
//! frames go from the substrate's RGBA8 frame buffer into an `Rgba8Unorm` atlas texture that egui
//! samples directly: no frame ever travels through the CPU. The atlas is a grid of `cols × rows`
//! tiles of `frame_size²` pixels, world i at tile (i mod cols, i div cols).

use std::collections::HashMap;

use anyhow::{Context as _, Result, bail};
use asal_search::pipeline::{InitMode, init_for, probe_init};
use asal_substrates::tensors::State;
use asal_substrates::{FrameTarget, Gpu, Init, Substrate, WorldBatch};
use eframe::egui;
use eframe::egui_wgpu::RenderState;

/// Frame sides are multiples of this, so every row of a frame is one aligned texture-copy row
/// (`wgpu::COPY_BYTES_PER_ROW_ALIGNMENT` is 256 bytes = 64 RGBA8 pixels).
pub const FRAME_ALIGN: u32 = wgpu::COPY_BYTES_PER_ROW_ALIGNMENT / 4;

/// Rounds a requested frame side up to a multiple of [`FRAME_ALIGN`] (at least one multiple).
#[must_use]
pub fn aligned_frame_size(size: u32) -> u32 {
    size.max(1).div_ceil(FRAME_ALIGN) * FRAME_ALIGN
}

/// How each substrate (by name and settings) draws initial states, probed once per device: the
/// same rule the search and `asal replay` use, so a creature starts here as it did there.
#[derive(Default)]
pub struct InitModes {
    modes: HashMap<String, InitMode>,
}

impl InitModes {
    /// The init mode of `substrate` built from `key` (its name and settings as text).
    pub fn get(&mut self, gpu: &Gpu, key: &str, substrate: &dyn Substrate) -> Result<InitMode> {
        if let Some(mode) = self.modes.get(key) {
            return Ok(*mode);
        }
        let mode = probe_init(gpu, substrate)
            .with_context(|| format!("probing how {} draws initial states", substrate.name()))?;
        self.modes.insert(key.to_owned(), mode);
        Ok(mode)
    }
}

/// n worlds of one substrate, stepping on the GPU and drawn into one registered texture.
pub struct Live {
    substrate: Box<dyn Substrate>,
    genomes: Vec<f32>,
    seeds: Vec<u64>,
    mode: InitMode,
    batch: Box<dyn WorldBatch>,
    target: FrameTarget,
    texture: wgpu::Texture,
    texture_id: egui::TextureId,
    render_state: RenderState,
    frame_size: u32,
    cols: u32,
    rows: u32,
    step: u64,
}

impl Live {
    /// Creates the worlds (one per genome row, world i from `seeds[i]`), registers their atlas
    /// texture with egui and renders the initial states.
    pub fn new(
        gpu: &Gpu,
        render_state: &RenderState,
        substrate: Box<dyn Substrate>,
        mode: InitMode,
        genomes: Vec<f32>,
        seeds: Vec<u64>,
        frame_size: u32,
    ) -> Result<Self> {
        let n = substrate
            .genome()
            .validate_batch(&genomes)
            .with_context(|| format!("genomes for {}", substrate.name()))?;
        if seeds.len() != n {
            bail!("{} seeds given for {n} worlds", seeds.len());
        }
        let frame_size = aligned_frame_size(frame_size);
        let init = init_for(substrate.as_ref(), mode, &genomes, &seeds)?;
        let batch = substrate.create_batch(gpu, &genomes, &init, 0)?;
        let target = FrameTarget::new(gpu, n as u32, 1, frame_size)?;
        let cols = (n as f64).sqrt().ceil().max(1.0) as u32;
        let rows = (n as u32).div_ceil(cols);
        let max_side = gpu.device.limits().max_texture_dimension_2d;
        if cols * frame_size > max_side || rows * frame_size > max_side {
            bail!(
                "{n} worlds of {frame_size}² px need a {}×{} texture, over this adapter's {max_side} px limit; \
                 show fewer creatures or smaller thumbnails",
                cols * frame_size,
                rows * frame_size
            );
        }
        let texture = gpu.device.create_texture(&wgpu::TextureDescriptor {
            label: Some("live frames"),
            size: wgpu::Extent3d {
                width: cols * frame_size,
                height: rows * frame_size,
                depth_or_array_layers: 1,
            },
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            // egui's renderer samples native textures as Rgba8Unorm holding gamma-encoded
            // colours, which is what the render kernels write.
            format: wgpu::TextureFormat::Rgba8Unorm,
            usage: wgpu::TextureUsages::TEXTURE_BINDING
                | wgpu::TextureUsages::COPY_DST
                | wgpu::TextureUsages::COPY_SRC,
            view_formats: &[],
        });
        let view = texture.create_view(&wgpu::TextureViewDescriptor::default());
        let texture_id = render_state.renderer.write().register_native_texture(
            &render_state.device,
            &view,
            wgpu::FilterMode::Nearest,
        );
        let mut live = Self {
            substrate,
            genomes,
            seeds,
            mode,
            batch,
            target,
            texture,
            texture_id,
            render_state: render_state.clone(),
            frame_size,
            cols,
            rows,
            step: 0,
        };
        live.advance(gpu, 0);
        Ok(live)
    }

    /// Records `steps` steps of every world, renders them and copies the frames into the
    /// texture, all in one submission; nothing is waited for.
    pub fn advance(&mut self, gpu: &Gpu, steps: u32) {
        let mut encoder = gpu
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("live step"),
            });
        if steps > 0 {
            self.batch.encode_steps(&mut encoder, steps);
        }
        self.batch.encode_render(&mut encoder, &self.target, 0);
        let fs = self.frame_size;
        let frame_bytes = u64::from(fs) * u64::from(fs) * 4;
        for world in 0..self.len() {
            encoder.copy_buffer_to_texture(
                wgpu::TexelCopyBufferInfo {
                    buffer: &self.target.buffer,
                    layout: wgpu::TexelCopyBufferLayout {
                        offset: u64::from(world) * frame_bytes,
                        bytes_per_row: Some(fs * 4),
                        rows_per_image: Some(fs),
                    },
                },
                wgpu::TexelCopyTextureInfo {
                    texture: &self.texture,
                    mip_level: 0,
                    origin: wgpu::Origin3d {
                        x: (world % self.cols) * fs,
                        y: (world / self.cols) * fs,
                        z: 0,
                    },
                    aspect: wgpu::TextureAspect::All,
                },
                wgpu::Extent3d {
                    width: fs,
                    height: fs,
                    depth_or_array_layers: 1,
                },
            );
        }
        gpu.queue.submit([encoder.finish()]);
        self.step += u64::from(steps);
    }

    /// Replaces the genomes while the worlds keep their current states and step count (a live
    /// parameter edit). States are read back once per edit; frames still never are.
    pub fn set_genomes(&mut self, gpu: &Gpu, genomes: Vec<f32>) -> Result<()> {
        let n = self.substrate.genome().validate_batch(&genomes)?;
        if n != self.len() as usize {
            bail!("{n} genomes for {} live worlds", self.len());
        }
        let states: Vec<State> = self.batch.read_states(gpu)?;
        self.batch = self
            .substrate
            .create_batch(gpu, &genomes, &Init::States(states), 0)?;
        self.genomes = genomes;
        self.advance(gpu, 0);
        Ok(())
    }

    /// Restarts every world from the initial state of its seed, at step 0.
    pub fn reset(&mut self, gpu: &Gpu, seeds: Vec<u64>) -> Result<()> {
        if seeds.len() != self.len() as usize {
            bail!("{} seeds for {} live worlds", seeds.len(), self.len());
        }
        let init = init_for(self.substrate.as_ref(), self.mode, &self.genomes, &seeds)?;
        self.batch = self.substrate.create_batch(gpu, &self.genomes, &init, 0)?;
        self.seeds = seeds;
        self.step = 0;
        self.advance(gpu, 0);
        Ok(())
    }

    /// Every world's current state (a readback, for tests and live edits).
    pub fn read_states(&self, gpu: &Gpu) -> Result<Vec<State>> {
        Ok(self.batch.read_states(gpu)?)
    }

    /// World `world`'s frame as shown now, RGBA8 `frame_size² × 4` bytes. This is a readback:
    /// for model readouts at a low rate and for tests, never for display.
    pub fn read_frame(&self, gpu: &Gpu, world: u32) -> Result<Vec<u8>> {
        if world >= self.len() {
            bail!("world {world} of a {}-world batch", self.len());
        }
        let bytes = u64::from(self.frame_size).pow(2) * 4;
        Ok(gpu.read_buffer(None, &self.target.buffer, u64::from(world) * bytes, bytes)?)
    }

    /// Number of worlds.
    #[must_use]
    pub fn len(&self) -> u32 {
        self.batch.len()
    }

    /// Whether there are no worlds (never, once created).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Steps taken since the last reset.
    #[must_use]
    pub fn step(&self) -> u64 {
        self.step
    }

    /// The substrate.
    #[must_use]
    pub fn substrate(&self) -> &dyn Substrate {
        self.substrate.as_ref()
    }

    /// The genomes, row after row.
    #[must_use]
    pub fn genomes(&self) -> &[f32] {
        &self.genomes
    }

    /// The seeds, one per world.
    #[must_use]
    pub fn seeds(&self) -> &[u64] {
        &self.seeds
    }

    /// How initial states are drawn.
    #[must_use]
    pub fn init_mode(&self) -> InitMode {
        self.mode
    }

    /// Frame side in pixels (a multiple of [`FRAME_ALIGN`]).
    #[must_use]
    pub fn frame_size(&self) -> u32 {
        self.frame_size
    }

    /// The egui texture holding the atlas.
    #[must_use]
    pub fn texture_id(&self) -> egui::TextureId {
        self.texture_id
    }

    /// The texture coordinates of world `i`'s tile in the atlas.
    #[must_use]
    pub fn uv(&self, i: u32) -> egui::Rect {
        let (c, r) = (i % self.cols, i / self.cols);
        let (w, h) = (self.cols as f32, self.rows as f32);
        egui::Rect::from_min_max(
            egui::pos2(c as f32 / w, r as f32 / h),
            egui::pos2((c + 1) as f32 / w, (r + 1) as f32 / h),
        )
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        self.render_state
            .renderer
            .write()
            .free_texture(&self.texture_id);
    }
}
