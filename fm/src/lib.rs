//! Foundation models: image and text embeddings for ASAL objectives.
//!
//! Every objective is a function of unit-length image embeddings (and, for prompt objectives, text
//! embeddings in the same space). This crate provides:
//!
//! - [`FoundationModel`]: `dim`, `embed_images(frames) -> [n × D]`, `embed_texts(prompts) -> [p × D]`,
//!   rows L2-normalised; image-only models answer text requests with [`FmError::ImageOnly`].
//! - [`PixelModel`] (`pixels`): the original's raw-pixel baseline, built in, no download.
//! - [`OnnxModel`]: CLIP (and DINOv2 or any ViT image tower) through ONNX Runtime via `ort`, loaded
//!   from a model directory in the common export layouts (see [`onnx`]).
//! - [`open_model`]: `pixels`, a registry name or a directory, as a user types it.
//! - [`runtime`]: finding the ONNX Runtime shared library at run time ([`runtime_info`] for `asal info`).
//! - [`ClipTokenizer`]: `tokenizer.json` through Hugging Face `tokenizers`, padded to 77.
//! - [`preprocess`]: frames (RGBA8 or RGB f32, any size) → resize → normalise → NCHW, the CPU
//!   reference a GPU path must match; [`OnnxModel::embed_pixel_values`] takes its output directly.
//! - [`registry`]: `list / pull / verify / path` of hub models into `$ASAL_HOME`.
//! - [`CachedModel`]: identical frames embedded once.
//! - [`gpu`]: preprocessing and the pixel model on the GPU, next to the rendered frames
//!   ([`GpuPreprocessor::embed`] is the search pipeline's entry point); [`mod@bench`] measures it.
//!
//! # Model directories
//!
//! Files are looked for in `DIR/onnx/` when it exists, else `DIR/`: `vision_model[_VARIANT].onnx`
//! (+ `text_model[_VARIANT].onnx`), or one `model[_VARIANT].onnx` (combined CLIP when it takes
//! `input_ids`, else image-only); VARIANT is empty (fp32), `fp16`, `quantized`, `int8`, `uint8`,
//! `q4`, `q4f16` or `bnb4`. Beside them: `tokenizer.json` (required with a text tower) and optionally
//! `preprocessor_config.json` (`crop_size`/`size`, `image_mean`, `image_std`). Details in [`onnx`]
//! and `docs/MODELS.md`.
//!
//! # Environment
//!
//! `ORT_DYLIB_PATH` (pins the ONNX Runtime library), `ASAL_ORT_DIR` (the project-local install,
//! default `.ort/`), `PYTHON` (for an installed `onnxruntime` package), `ASAL_HOME` (downloaded
//! models), `ASAL_HF_MIRROR` (hub mirror). For CUDA install the GPU build with
//! `scripts/install-onnxruntime.sh --gpu` and choose [`ExecutionProvider::Cuda`] (`--ep cuda`).

pub mod bench;
pub mod cache;
pub mod error;
pub mod gpu;
pub mod model;
pub mod onnx;
pub mod pixels;
pub mod preprocess;
pub mod registry;
pub mod runtime;
pub mod tokenizer;

pub use cache::CachedModel;
pub use error::{FmError, Result};
pub use gpu::{GpuFrames, GpuPreprocessor};
pub use model::{FoundationModel, GpuInput, open_model, open_model_in};
pub use onnx::{OnnxModel, OnnxOptions};
pub use pixels::{PIXEL_DIM, PixelModel};
pub use preprocess::{Frame, ImageSpec, PixelValues, Pixels, Precision};
pub use registry::{ModelEntry, ModelStatus, Registry};
pub use runtime::{ExecutionProvider, RuntimeInfo, runtime_info};
pub use tokenizer::{CLIP_CONTEXT, ClipTokenizer, TokenBatch};
