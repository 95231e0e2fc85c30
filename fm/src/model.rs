//! The `FoundationModel` trait and opening a model by name or directory.

use std::path::Path;

use crate::error::Result;
use crate::onnx::{OnnxModel, OnnxOptions};
use crate::pixels::PixelModel;
use crate::preprocess::{Frame, ImageSpec};

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

    /// Embeds frames: `[frames.len() × dim()]` row-major, each row of unit length.
    fn embed_images(&self, frames: &[Frame<'_>]) -> Result<Vec<f32>>;

    /// Embeds prompts: `[prompts.len() × dim()]`, each row of unit length. Image-only models return
    /// [`crate::FmError::ImageOnly`].
    fn embed_texts(&self, prompts: &[String]) -> Result<Vec<f32>>;
}

/// Opens a model from what a user typed: `pixels`, a registry name (e.g. `clip-vit-b32`,
/// `clip-vit-b32:fp16`, downloaded with `asal models pull`), or a model directory.
pub fn open_model(name_or_dir: &str, options: &OnnxOptions) -> Result<Box<dyn FoundationModel>> {
    if name_or_dir == "pixels" {
        return Ok(Box::new(PixelModel::new()));
    }
    let path = Path::new(name_or_dir);
    if path.exists() {
        return Ok(Box::new(OnnxModel::open(path, options)?));
    }
    let registry = crate::registry::Registry::from_env()?;
    let (dir, entry_options) = registry.local_model(name_or_dir)?;
    let mut options = options.clone();
    if options.variant.is_none() {
        options.variant = entry_options;
    }
    let mut model = OnnxModel::open(&dir, &options)?;
    model.set_name(name_or_dir);
    Ok(Box::new(model))
}
