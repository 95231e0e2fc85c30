//! The `FoundationModel` trait and opening a model by name or directory.

use std::path::Path;

use crate::error::FmError;
use crate::error::Result;
use crate::onnx::{OnnxModel, OnnxOptions};
use crate::pixels::PixelModel;
use crate::preprocess::{Frame, ImageSpec, PixelValues, Precision};

/// How a GPU embedding path ([`crate::gpu::GpuPreprocessor::embed`]) feeds a model.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GpuInput {
    /// Read the frames back and call [`FoundationModel::embed_images`] (models that need the
    /// frame bytes on the host, e.g. the embedding cache, which hashes them).
    Frames,
    /// The pixel model: the whole model runs on the GPU.
    PixelModel,
    /// Preprocess on the GPU to this spec and precision, then call
    /// [`FoundationModel::embed_preprocessed`].
    Preprocessed {
        /// Size and normalisation.
        spec: ImageSpec,
        /// Element type of the model's input.
        precision: Precision,
    },
}

/// An image (and possibly text) encoder producing unit-length embeddings in one space.
///
/// Methods take `&self` so one model can be shared (`Arc<dyn FoundationModel>`) by the pipeline;
/// implementations serialise access to their sessions internally.
pub trait FoundationModel: Send + Sync {
    /// A short name for logs and run records (e.g. "pixels", "clip-vit-b32", a directory name).
    fn name(&self) -> &str;

    /// Embedding dimension D.
    fn dim(&self) -> usize;

    /// Whether [`FoundationModel::embed_texts`] works.
    fn supports_text(&self) -> bool;

    /// The input the image encoder wants, for a GPU preprocessing path; `None` when the model
    /// consumes frames its own way (the pixel model).
    fn image_spec(&self) -> Option<ImageSpec> {
        None
    }

    /// How a GPU path should feed this model (default: read frames back, [`GpuInput::Frames`]).
    fn gpu_input(&self) -> GpuInput {
        GpuInput::Frames
    }

    /// Embeds `n` images already preprocessed to [`FoundationModel::image_spec`] (NCHW), e.g. on
    /// the GPU. Returns unit rows `[n × dim()]`. Models without an image spec refuse.
    fn embed_preprocessed(&self, values: &PixelValues, n: usize) -> Result<Vec<f32>> {
        let _ = (values, n);
        Err(FmError::InvalidOption {
            field: "model input",
            value: self.name().to_string(),
            expected: "frames: this model does not take preprocessed pixel values",
        })
    }

    /// Embeds frames: `[frames.len() × dim()]` row-major, each row of unit length.
    fn embed_images(&self, frames: &[Frame<'_>]) -> Result<Vec<f32>>;

    /// Embeds prompts: `[prompts.len() × dim()]`, each row of unit length. Image-only models return
    /// [`crate::FmError::ImageOnly`].
    fn embed_texts(&self, prompts: &[String]) -> Result<Vec<f32>>;
}

/// Opens a model from what a user typed: `pixels`, a model directory, or a registry name (e.g.
/// `clip-vit-b32`, `clip-vit-b32-fp16`, `dinov2-base`; downloaded with `asal models pull`) looked up
/// in the registry configured by the environment (`ASAL_HOME`, `ASAL_HF_MIRROR`).
pub fn open_model(name_or_dir: &str, options: &OnnxOptions) -> Result<Box<dyn FoundationModel>> {
    if let Some(m) = open_builtin_or_dir(name_or_dir, options)? {
        return Ok(m);
    }
    open_model_in(
        &crate::registry::Registry::from_env()?,
        name_or_dir,
        options,
    )
}

/// As [`open_model`], with registry names resolved in `registry`.
pub fn open_model_in(
    registry: &crate::registry::Registry,
    name_or_dir: &str,
    options: &OnnxOptions,
) -> Result<Box<dyn FoundationModel>> {
    if let Some(m) = open_builtin_or_dir(name_or_dir, options)? {
        return Ok(m);
    }
    let dir = registry.path(name_or_dir)?;
    let mut model = OnnxModel::open(&dir, options)?;
    model.set_name(name_or_dir);
    Ok(Box::new(model))
}

fn open_builtin_or_dir(
    name_or_dir: &str,
    options: &OnnxOptions,
) -> Result<Option<Box<dyn FoundationModel>>> {
    if name_or_dir == "pixels" {
        return Ok(Some(Box::new(PixelModel::new())));
    }
    let path = Path::new(name_or_dir);
    if path.exists() {
        return Ok(Some(Box::new(OnnxModel::open(path, options)?)));
    }
    // Registry names never contain a path separator: this was meant as a directory.
    if name_or_dir.contains('/') || name_or_dir.contains(std::path::MAIN_SEPARATOR) {
        return Err(crate::error::FmError::MissingPath {
            path: path.to_path_buf(),
            hint: "give an existing model directory, or a registry name (see `asal models list`)"
                .into(),
        });
    }
    Ok(None)
}
