//! Preprocessing and the pixel model on the GPU, next to the frames the substrates render.
//!
//! Frames are RGBA8 packed in `u32` (R in the low byte), as [`asal_substrates::FrameTarget`] holds
//! them (`[world][slot][y][x]`). [`GpuPreprocessor`] turns them into what a model takes without
//! reading the frames back:
//!
//! - [`GpuPreprocessor::preprocess`]: bilinear resize to the model size with the CPU reference's
//!   semantics ([`crate::preprocess`]: half-pixel centres, antialiased downsampling, using the very
//!   same weights), per-channel `(x − mean) / std`, NCHW in f32 or f16, read back once.
//! - [`GpuPreprocessor::pixel_embeddings`]: the whole `pixels` model (resize to 224, 8×8 average
//!   pooling, ImageNet normalisation, channel-major flatten, L2) in two dispatches; only the
//!   2352-d unit rows come back.
//! - [`GpuPreprocessor::embed`]: either of the above, chosen by [`FoundationModel::gpu_input`],
//!   then the model — the entry point of the search pipeline.
//!
//! Each has a `_host` twin taking RGBA8 bytes from the host (uploaded once). Kernels:
//! `shaders/fm_preprocess.wgsl`, `shaders/fm_pixels.wgsl`; parameters travel in uniforms whose Rust
//! mirrors are below, so one pipeline serves every size and model.

use asal_substrates::{FrameTarget, Gpu};
use bytemuck::{Pod, Zeroable};
use wgpu::util::DeviceExt as _;

use crate::error::{FmError, Result};
use crate::model::{FoundationModel, GpuInput};
use crate::pixels::{PIXEL_DIM, PIXEL_GRID, PIXEL_INPUT};
use crate::preprocess::{Frame, ImageSpec, PixelValues, Pixels, Precision, taps};

/// `shaders/fm_preprocess.wgsl`.
pub const PREPROCESS_WGSL: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shaders/fm_preprocess.wgsl"
));
/// `shaders/fm_pixels.wgsl`.
pub const PIXELS_WGSL: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../shaders/fm_pixels.wgsl"
));
/// Every kernel of this crate: (name, source, entry point). Tests validate each with naga.
pub const SHADERS: &[(&str, &str, &str)] = &[
    ("fm_preprocess", PREPROCESS_WGSL, "preprocess"),
    ("fm_pixels", PIXELS_WGSL, "pixels"),
];

/// Workgroup sizes of the kernels (`@workgroup_size` in the WGSL files).
const PREPROCESS_WORKGROUP: u32 = 64;

/// Parameters of one preprocessing dispatch. Keep in sync with `PreprocessParams` in
/// `shaders/fm_preprocess.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
pub struct PreprocessParams {
    /// Images in this dispatch.
    pub images: u32,
    /// Source frame width, pixels.
    pub src_width: u32,
    /// Source frame height, pixels.
    pub src_height: u32,
    /// Output side (the model's input size).
    pub size: u32,
    /// Index (pixels, relative to the bound range) of the first image's first pixel.
    pub first_pixel: u32,
    /// Pixels from one image's start to the next one's.
    pub image_stride: u32,
    /// Output `u32` words to write.
    pub out_words: u32,
    /// 1: pairs of f16 packed per word; 0: f32.
    pub half: u32,
    /// Per-channel mean (RGB, the fourth unused).
    pub mean: [f32; 4],
    /// Per-channel standard deviation (RGB, the fourth unused).
    pub std_dev: [f32; 4],
}

/// Resampling taps of one output row or column. Keep in sync with `TapRange` in
/// `shaders/fm_preprocess.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
pub struct TapRange {
    /// First source pixel.
    pub start: u32,
    /// Number of taps.
    pub count: u32,
    /// Index of the first weight.
    pub weights: u32,
}

/// Parameters of one pixel-model dispatch. Keep in sync with `PixelParams` in
/// `shaders/fm_pixels.wgsl`.
#[repr(C)]
#[derive(Clone, Copy, Debug, Pod, Zeroable)]
pub struct PixelParams {
    /// Images in this dispatch.
    pub images: u32,
    /// Input side (224).
    pub size: u32,
    /// Pooled grid side (28).
    pub grid: u32,
    /// Pooling cell side (8).
    pub cell: u32,
    /// ImageNet mean (RGB, the fourth unused).
    pub mean: [f32; 4],
    /// ImageNet standard deviation (RGB, the fourth unused).
    pub std_dev: [f32; 4],
}

/// Frames in a GPU buffer: RGBA8 packed in `u32`, R in the low byte, each frame row-major.
#[derive(Debug, Clone, Copy)]
pub struct GpuFrames<'a> {
    /// The buffer (needs `STORAGE` usage).
    pub buffer: &'a wgpu::Buffer,
    /// Frame width, pixels.
    pub width: u32,
    /// Frame height, pixels.
    pub height: u32,
    /// Number of frames.
    pub count: u32,
    /// Pixel index of the first frame's first pixel.
    pub first_pixel: u64,
    /// Pixels from one frame's start to the next one's (`width × height` when packed).
    pub stride: u64,
}

impl<'a> GpuFrames<'a> {
    /// `count` frames of `width × height` packed one after another from the start of `buffer`.
    pub fn packed(buffer: &'a wgpu::Buffer, width: u32, height: u32, count: u32) -> Self {
        Self {
            buffer,
            width,
            height,
            count,
            first_pixel: 0,
            stride: u64::from(width) * u64::from(height),
        }
    }

    /// Every frame of a rollout's target, world-major (`[world][slot]`), as the rollout reads them back.
    pub fn all(target: &'a FrameTarget) -> Self {
        Self::packed(
            &target.buffer,
            target.size,
            target.size,
            target.worlds * target.slots,
        )
    }

    /// Frame slot `slot` of every world of a rollout's target (one frame per world).
    pub fn slot(target: &'a FrameTarget, slot: u32) -> Result<Self> {
        if slot >= target.slots {
            return Err(FmError::InvalidOption {
                field: "frame slot",
                value: slot.to_string(),
                expected: "a slot below the target's frame count",
            });
        }
        let plane = u64::from(target.size) * u64::from(target.size);
        Ok(Self {
            buffer: &target.buffer,
            width: target.size,
            height: target.size,
            count: target.worlds,
            first_pixel: u64::from(slot) * plane,
            stride: u64::from(target.slots) * plane,
        })
    }

    /// Frames `start..start + count` of these.
    fn range(&self, start: u32, count: u32) -> Self {
        Self {
            first_pixel: self.first_pixel + u64::from(start) * self.stride,
            count,
            ..*self
        }
    }

    /// Checks sizes against the buffer, so a bad layout is an error rather than a GPU fault.
    fn validate(&self) -> Result<()> {
        let bad = |message: String| FmError::BadFrame { index: 0, message };
        if self.width == 0 || self.height == 0 {
            return Err(bad(format!(
                "GPU frames of {}×{} are empty",
                self.width, self.height
            )));
        }
        let plane = u64::from(self.width) * u64::from(self.height);
        if self.count > 1 && self.stride < plane {
            return Err(bad(format!(
                "GPU frame stride {} is smaller than a {}×{} frame",
                self.stride, self.width, self.height
            )));
        }
        let end_px = match self.count {
            0 => 0,
            n => self.first_pixel + u64::from(n - 1) * self.stride + plane,
        };
        if end_px * 4 > self.buffer.size() {
            return Err(bad(format!(
                "{} GPU frames of {}×{} (first pixel {}, stride {}) need {} bytes; the buffer has {}",
                self.count,
                self.width,
                self.height,
                self.first_pixel,
                self.stride,
                end_px * 4,
                self.buffer.size()
            )));
        }
        Ok(())
    }
}

/// The GPU preprocessing and pixel-model pipelines, built once per device.
pub struct GpuPreprocessor {
    gpu: Gpu,
    preprocess: wgpu::ComputePipeline,
    pixels: wgpu::ComputePipeline,
}

impl std::fmt::Debug for GpuPreprocessor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GpuPreprocessor")
            .field("gpu", &self.gpu)
            .finish()
    }
}

fn gpu_err(what: &'static str) -> impl FnOnce(asal_substrates::Error) -> FmError {
    move |source| FmError::Gpu { what, source }
}

fn pipeline(gpu: &Gpu, label: &str, source: &str, entry: &str) -> wgpu::ComputePipeline {
    let module = gpu
        .device
        .create_shader_module(wgpu::ShaderModuleDescriptor {
            label: Some(label),
            source: wgpu::ShaderSource::Wgsl(source.into()),
        });
    gpu.device
        .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
            label: Some(label),
            layout: None,
            module: &module,
            entry_point: Some(entry),
            compilation_options: Default::default(),
            cache: None,
        })
}

/// Workgroup counts covering `groups` workgroups within the per-dimension limit (rows along y;
/// the kernels rebuild the flat index from `num_workgroups`).
fn grid(groups: u32, max_per_dim: u32) -> (u32, u32) {
    let max = max_per_dim.max(1);
    if groups <= max {
        (groups.max(1), 1)
    } else {
        let y = groups.div_ceil(max);
        (groups.div_ceil(y), y)
    }
}

/// The resize taps for both axes, zero weights at either end dropped (they add exact zeros on the
/// CPU, so dropping them changes nothing but the work).
fn tap_tables(src_w: usize, src_h: usize, size: usize) -> (Vec<TapRange>, Vec<f32>) {
    let mut ranges = Vec::with_capacity(2 * size);
    let mut weights = Vec::new();
    // Output rows first (height), then columns (width): the order the kernel indexes them in.
    for n_in in [src_h, src_w] {
        for t in taps(n_in, size) {
            let first = t.weights.iter().position(|&w| w != 0.0).unwrap_or(0);
            let last = t
                .weights
                .iter()
                .rposition(|&w| w != 0.0)
                .unwrap_or(t.weights.len().saturating_sub(1));
            let kept = &t.weights[first..=last.max(first)];
            ranges.push(TapRange {
                start: (t.start + first) as u32,
                count: kept.len() as u32,
                weights: weights.len() as u32,
            });
            weights.extend_from_slice(kept);
        }
    }
    (ranges, weights)
}

impl GpuPreprocessor {
    /// Builds the pipelines on `gpu` (a clone shares the device; the substrates' frames live there).
    pub fn new(gpu: &Gpu) -> Result<Self> {
        let preprocess = pipeline(gpu, "fm_preprocess", PREPROCESS_WGSL, "preprocess");
        let pixels = pipeline(gpu, "fm_pixels", PIXELS_WGSL, "pixels");
        gpu.check_errors("building the preprocessing pipelines")
            .map_err(gpu_err("building the preprocessing pipelines"))?;
        Ok(Self {
            gpu: gpu.clone(),
            preprocess,
            pixels,
        })
    }

    /// The device the pipelines run on.
    pub fn gpu(&self) -> &Gpu {
        &self.gpu
    }

    /// Uploads host frames (all RGBA8 and of one size) into a packed frame buffer.
    pub fn upload(&self, frames: &[Frame<'_>]) -> Result<(wgpu::Buffer, u32, u32)> {
        let (w, h) = frames.first().map_or((1, 1), |f| (f.width, f.height));
        let mut bytes = Vec::with_capacity(frames.len() * w * h * 4);
        for (i, f) in frames.iter().enumerate() {
            f.validate(i)?;
            if (f.width, f.height) != (w, h) {
                return Err(FmError::BadFrame {
                    index: i,
                    message: format!(
                        "{}×{} differs from the first frame's {w}×{h}; a GPU batch holds frames of one size",
                        f.width, f.height
                    ),
                });
            }
            match f.pixels {
                Pixels::Rgba8(d) => bytes.extend_from_slice(d),
                Pixels::RgbF32(_) => {
                    return Err(FmError::BadFrame {
                        index: i,
                        message: "the GPU path takes RGBA8 frames; RGB f32 frames go through the CPU path".into(),
                    });
                }
            }
        }
        if bytes.is_empty() {
            // wgpu refuses zero-sized bindings; an empty batch never dispatches anyway.
            bytes.resize(4, 0);
        }
        let buffer = self
            .gpu
            .device
            .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some("fm frames"),
                contents: &bytes,
                usage: wgpu::BufferUsages::STORAGE
                    | wgpu::BufferUsages::COPY_DST
                    | wgpu::BufferUsages::COPY_SRC,
            });
        let dim = |v: usize| u32::try_from(v).unwrap_or(u32::MAX);
        Ok((buffer, dim(w), dim(h)))
    }

    /// The largest binding the device allows, in bytes.
    fn max_binding(&self) -> u64 {
        self.gpu
            .limits()
            .max_storage_buffer_binding_size
            .min(self.gpu.limits().max_buffer_size)
    }

    /// Frames per dispatch such that both the frames and the output fit one binding each.
    fn chunk_frames(&self, frames: &GpuFrames<'_>, out_bytes_per_frame: u64) -> Result<u32> {
        let limit = self.max_binding();
        let in_per = frames
            .stride
            .max(u64::from(frames.width) * u64::from(frames.height))
            * 4;
        // 256 bytes of slack: the frame binding starts at an aligned offset before the first frame.
        let per = in_per.max(out_bytes_per_frame);
        let n = limit.saturating_sub(256) / per;
        if n == 0 {
            return Err(FmError::BadFrame {
                index: 0,
                message: format!(
                    "one frame needs {per} bytes in a binding, over the adapter's limit of {limit}"
                ),
            });
        }
        Ok(u32::try_from(n).unwrap_or(u32::MAX))
    }

    /// Records one preprocessing dispatch of `frames` (at most one binding's worth; see
    /// [`GpuPreprocessor::preprocess`] for batches of any size) into `out` at byte 0. `out` needs
    /// `STORAGE` usage and [`preprocessed_bytes`] bytes. Keeps everything on the GPU, for callers
    /// that feed another kernel or overlap work.
    pub fn encode_preprocess(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        frames: &GpuFrames<'_>,
        spec: &ImageSpec,
        precision: Precision,
        out: &wgpu::Buffer,
    ) -> Result<()> {
        frames.validate()?;
        if frames.count == 0 {
            return Ok(());
        }
        let size = u32::try_from(spec.size)
            .ok()
            .filter(|&s| s > 0 && s <= 8192)
            .ok_or(FmError::InvalidOption {
                field: "model input size",
                value: spec.size.to_string(),
                expected: "1..=8192 pixels",
            })?;
        let bytes = preprocessed_bytes(frames.count as usize, spec.size, precision);
        if out.size() < bytes || bytes > self.max_binding() {
            return Err(FmError::BadFrame {
                index: 0,
                message: format!(
                    "preprocessing {} frames needs a {bytes}-byte output binding; the buffer has {} and the adapter allows {}",
                    frames.count,
                    out.size(),
                    self.max_binding()
                ),
            });
        }
        // Bind the frames from an aligned offset at or before the first frame: the binding may not
        // start anywhere, and the range keeps huge frame buffers within the binding limit.
        let align = u64::from(self.gpu.device.limits().min_storage_buffer_offset_alignment).max(4);
        let first_byte = frames.first_pixel * 4;
        let bind_start = first_byte / align * align;
        let plane = u64::from(frames.width) * u64::from(frames.height);
        let end_byte =
            (frames.first_pixel + u64::from(frames.count - 1) * frames.stride + plane) * 4;
        let bind_size = end_byte - bind_start;
        let to_u32 = |v: u64, what: &'static str| {
            u32::try_from(v).map_err(|_| FmError::BadFrame {
                index: 0,
                message: format!("{what} {v} does not fit the kernel's 32-bit indices"),
            })
        };
        if bind_size > self.max_binding() {
            return Err(FmError::BadFrame {
                index: 0,
                message: format!(
                    "{} frames span {bind_size} bytes, over the adapter's binding limit of {}; split the batch",
                    frames.count,
                    self.max_binding()
                ),
            });
        }
        let (ranges, weights) =
            tap_tables(frames.width as usize, frames.height as usize, spec.size);
        let half = precision == Precision::F16;
        let params = PreprocessParams {
            images: frames.count,
            src_width: frames.width,
            src_height: frames.height,
            size,
            first_pixel: to_u32((first_byte - bind_start) / 4, "first pixel")?,
            image_stride: to_u32(frames.stride, "frame stride")?,
            out_words: to_u32(bytes / 4, "output size")?,
            half: u32::from(half),
            mean: [spec.mean[0], spec.mean[1], spec.mean[2], 0.0],
            std_dev: [spec.std[0], spec.std[1], spec.std[2], 1.0],
        };
        let device = &self.gpu.device;
        let init = |label: &str, contents: &[u8], usage: wgpu::BufferUsages| {
            device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents,
                usage,
            })
        };
        let params_buf = init(
            "fm preprocess params",
            bytemuck::bytes_of(&params),
            wgpu::BufferUsages::UNIFORM,
        );
        let taps_buf = init(
            "fm resize taps",
            bytemuck::cast_slice(&ranges),
            wgpu::BufferUsages::STORAGE,
        );
        let weights_buf = init(
            "fm resize weights",
            bytemuck::cast_slice(&weights),
            wgpu::BufferUsages::STORAGE,
        );
        let bind = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("fm preprocess"),
            layout: &self.preprocess.get_bind_group_layout(0),
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: params_buf.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                        buffer: frames.buffer,
                        offset: bind_start,
                        size: wgpu::BufferSize::new(bind_size),
                    }),
                },
                wgpu::BindGroupEntry {
                    binding: 2,
                    resource: taps_buf.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 3,
                    resource: weights_buf.as_entire_binding(),
                },
                wgpu::BindGroupEntry {
                    binding: 4,
                    resource: wgpu::BindingResource::Buffer(wgpu::BufferBinding {
                        buffer: out,
                        offset: 0,
                        size: wgpu::BufferSize::new(bytes),
                    }),
                },
            ],
        });
        let groups = params.out_words.div_ceil(PREPROCESS_WORKGROUP);
        let (gx, gy) = grid(groups, self.gpu.limits().max_workgroups_per_dimension);
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: Some("fm preprocess"),
            timestamp_writes: None,
        });
        pass.set_pipeline(&self.preprocess);
        pass.set_bind_group(0, &bind, &[]);
        pass.dispatch_workgroups(gx, gy, 1);
        Ok(())
    }

    fn output_buffer(&self, label: &str, bytes: u64) -> wgpu::Buffer {
        self.gpu.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some(label),
            size: bytes.max(4),
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        })
    }

    /// Preprocesses GPU frames to `spec` in `precision`: `[n, 3, S, S]` NCHW, read back once per
    /// binding-sized chunk (one readback for any ordinary batch).
    pub fn preprocess(
        &self,
        frames: &GpuFrames<'_>,
        spec: &ImageSpec,
        precision: Precision,
    ) -> Result<PixelValues> {
        frames.validate()?;
        let per_frame = 3 * spec.size * spec.size;
        let total = frames.count as usize * per_frame;
        let mut f32s = Vec::new();
        let mut f16s = Vec::new();
        match precision {
            Precision::F32 => f32s.reserve(total),
            Precision::F16 => f16s.reserve(total),
        }
        let chunk = self.chunk_frames(frames, preprocessed_bytes(1, spec.size, precision) + 4)?;
        let mut start = 0;
        while start < frames.count {
            let n = chunk.min(frames.count - start);
            let part = frames.range(start, n);
            let bytes = preprocessed_bytes(n as usize, spec.size, precision);
            let out = self.output_buffer("fm pixel values", bytes);
            let mut encoder = self.gpu.device.create_command_encoder(&Default::default());
            self.encode_preprocess(&mut encoder, &part, spec, precision, &out)?;
            let raw = self
                .gpu
                .read_buffer(Some(encoder), &out, 0, bytes)
                .map_err(gpu_err("reading preprocessed frames back"))?;
            let values = n as usize * per_frame;
            match precision {
                Precision::F32 => f32s.extend(
                    raw.chunks_exact(4)
                        .take(values)
                        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
                ),
                Precision::F16 => f16s.extend(
                    raw.chunks_exact(2)
                        .take(values)
                        .map(|b| half::f16::from_le_bytes([b[0], b[1]])),
                ),
            }
            start += n;
        }
        Ok(match precision {
            Precision::F32 => PixelValues::F32(f32s),
            Precision::F16 => PixelValues::F16(f16s),
        })
    }

    /// [`GpuPreprocessor::preprocess`] for host RGBA8 frames (all of one size), uploaded once.
    pub fn preprocess_host(
        &self,
        frames: &[Frame<'_>],
        spec: &ImageSpec,
        precision: Precision,
    ) -> Result<PixelValues> {
        let (buffer, w, h) = self.upload(frames)?;
        self.preprocess(
            &GpuFrames::packed(&buffer, w, h, frames.len() as u32),
            spec,
            precision,
        )
    }

    /// The `pixels` model on the GPU: `[n × 2352]` unit rows, equal to
    /// [`crate::PixelModel`]'s within float rounding.
    pub fn pixel_embeddings(&self, frames: &GpuFrames<'_>) -> Result<Vec<f32>> {
        frames.validate()?;
        // Stage 1 writes the frames resized to 224 in [0, 1] (mean 0, std 1); stage 2 pools them.
        let unit = ImageSpec {
            size: PIXEL_INPUT,
            mean: [0.0; 3],
            std: [1.0; 3],
        };
        let resized_per = preprocessed_bytes(1, PIXEL_INPUT, Precision::F32);
        let chunk = self.chunk_frames(frames, resized_per)?;
        let mut out = Vec::with_capacity(frames.count as usize * PIXEL_DIM);
        let mut start = 0;
        while start < frames.count {
            let n = chunk.min(frames.count - start);
            let part = frames.range(start, n);
            let resized = self.output_buffer("fm pixels resized", u64::from(n) * resized_per);
            let emb_bytes = u64::from(n) * PIXEL_DIM as u64 * 4;
            let emb = self.output_buffer("fm pixel embeddings", emb_bytes);
            let mut encoder = self.gpu.device.create_command_encoder(&Default::default());
            self.encode_preprocess(&mut encoder, &part, &unit, Precision::F32, &resized)?;
            let spec = ImageSpec::IMAGENET;
            let params = PixelParams {
                images: n,
                size: PIXEL_INPUT as u32,
                grid: PIXEL_GRID as u32,
                cell: (PIXEL_INPUT / PIXEL_GRID) as u32,
                mean: [spec.mean[0], spec.mean[1], spec.mean[2], 0.0],
                std_dev: [spec.std[0], spec.std[1], spec.std[2], 1.0],
            };
            let params_buf =
                self.gpu
                    .device
                    .create_buffer_init(&wgpu::util::BufferInitDescriptor {
                        label: Some("fm pixel params"),
                        contents: bytemuck::bytes_of(&params),
                        usage: wgpu::BufferUsages::UNIFORM,
                    });
            let bind = self
                .gpu
                .device
                .create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some("fm pixels"),
                    layout: &self.pixels.get_bind_group_layout(0),
                    entries: &[
                        wgpu::BindGroupEntry {
                            binding: 0,
                            resource: params_buf.as_entire_binding(),
                        },
                        wgpu::BindGroupEntry {
                            binding: 1,
                            resource: resized.as_entire_binding(),
                        },
                        wgpu::BindGroupEntry {
                            binding: 2,
                            resource: emb.as_entire_binding(),
                        },
                    ],
                });
            {
                let (gx, gy) = grid(n, self.gpu.limits().max_workgroups_per_dimension);
                let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                    label: Some("fm pixels"),
                    timestamp_writes: None,
                });
                pass.set_pipeline(&self.pixels);
                pass.set_bind_group(0, &bind, &[]);
                pass.dispatch_workgroups(gx, gy, 1);
            }
            let raw = self
                .gpu
                .read_buffer(Some(encoder), &emb, 0, emb_bytes)
                .map_err(gpu_err("reading pixel embeddings back"))?;
            out.extend(
                raw.chunks_exact(4)
                    .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            );
            start += n;
        }
        Ok(out)
    }

    /// [`GpuPreprocessor::pixel_embeddings`] for host RGBA8 frames (all of one size).
    pub fn pixel_embeddings_host(&self, frames: &[Frame<'_>]) -> Result<Vec<f32>> {
        let (buffer, w, h) = self.upload(frames)?;
        self.pixel_embeddings(&GpuFrames::packed(&buffer, w, h, frames.len() as u32))
    }

    /// Embeds GPU frames with `model` the fastest way it allows ([`FoundationModel::gpu_input`]):
    /// the pixel model entirely on the GPU; ONNX models after GPU preprocessing (one readback of
    /// the model input, in its precision); others (the embedding cache) from frames read back.
    /// Returns unit rows `[n × model.dim()]`.
    pub fn embed(&self, model: &dyn FoundationModel, frames: &GpuFrames<'_>) -> Result<Vec<f32>> {
        match model.gpu_input() {
            GpuInput::PixelModel => self.pixel_embeddings(frames),
            GpuInput::Preprocessed { spec, precision } => {
                let values = self.preprocess(frames, &spec, precision)?;
                model.embed_preprocessed(&values, frames.count as usize)
            }
            GpuInput::Frames => {
                let bytes = self.read_frames(frames)?;
                let per = frames.width as usize * frames.height as usize * 4;
                let host: Vec<Frame<'_>> = bytes
                    .chunks_exact(per)
                    .map(|d| Frame::rgba8(frames.width as usize, frames.height as usize, d))
                    .collect();
                model.embed_images(&host)
            }
        }
    }

    /// Reads GPU frames back as RGBA8 bytes, `[frame][y][x][rgba]`.
    pub fn read_frames(&self, frames: &GpuFrames<'_>) -> Result<Vec<u8>> {
        frames.validate()?;
        let plane = u64::from(frames.width) * u64::from(frames.height) * 4;
        if frames.count == 0 {
            return Ok(Vec::new());
        }
        let span = u64::from(frames.count - 1) * frames.stride * 4 + plane;
        let raw = self
            .gpu
            .read_buffer(None, frames.buffer, frames.first_pixel * 4, span)
            .map_err(gpu_err("reading frames back"))?;
        let mut out = Vec::with_capacity(frames.count as usize * plane as usize);
        for i in 0..u64::from(frames.count) {
            let at = (i * frames.stride * 4) as usize;
            out.extend_from_slice(&raw[at..at + plane as usize]);
        }
        Ok(out)
    }
}

/// Bytes of `n` preprocessed images of side `size` in `precision` (f16 rounded up to whole words).
pub fn preprocessed_bytes(n: usize, size: usize, precision: Precision) -> u64 {
    let values = (n * 3 * size * size) as u64;
    match precision {
        Precision::F32 => values * 4,
        Precision::F16 => values.div_ceil(2) * 4,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_covers_large_batches_within_the_limit() {
        assert_eq!(grid(10, 65535), (10, 1));
        assert_eq!(grid(0, 65535), (1, 1));
        let (x, y) = grid(200_000, 65535);
        assert!(x <= 65535 && x * y >= 200_000);
    }

    #[test]
    fn tap_tables_drop_only_zero_weights() {
        // Same size: one tap of weight 1 per output pixel (the CPU's [0, 1, 0] trimmed).
        let (r, w) = tap_tables(5, 5, 5);
        assert_eq!(r.len(), 10);
        assert!(r.iter().all(|t| t.count == 1));
        assert!(w.iter().all(|&x| x == 1.0));
        assert_eq!(r[3].start, 3);
        // Downsampling keeps every nonzero weight, summing to 1.
        let (r, w) = tap_tables(16, 8, 4);
        for t in &r {
            let s: f32 = w[t.weights as usize..(t.weights + t.count) as usize]
                .iter()
                .sum();
            assert!((s - 1.0).abs() < 1e-6);
        }
    }

    #[test]
    fn preprocessed_bytes_round_half_pairs_up() {
        assert_eq!(preprocessed_bytes(2, 4, Precision::F32), 2 * 48 * 4);
        // 27 values -> 14 words.
        assert_eq!(preprocessed_bytes(1, 3, Precision::F16), 56);
    }
}
