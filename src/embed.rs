//! `asal embed` (PNG images and prompts → unit embeddings in a safetensors file) and `asal tokenize`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use asal_fm::{ClipTokenizer, ExecutionProvider, Frame, OnnxOptions, Registry};

/// How an ONNX model is run; shared by the commands that open one.
#[derive(clap::Args, Debug, Clone)]
pub(crate) struct ModelOptions {
    /// Execution provider: cpu, cuda, tensorrt, coreml or directml (see `asal info` for the ones
    /// the installed ONNX Runtime has).
    #[arg(long, default_value = "cpu", env = "ASAL_EP")]
    ep: String,
    /// Images or prompts per inference call.
    #[arg(long, default_value_t = 32)]
    batch_size: usize,
    /// Model file variant: fp32, fp16, quantized, int8, ... (default: fp16 on GPU providers, fp32 on the CPU).
    #[arg(long)]
    variant: Option<String>,
}

impl ModelOptions {
    pub(crate) fn onnx(&self) -> Result<OnnxOptions> {
        if self.batch_size == 0 {
            bail!("--batch-size must be at least 1");
        }
        let provider: ExecutionProvider = self.ep.parse()?;
        Ok(OnnxOptions {
            provider,
            batch_size: self.batch_size,
            variant: self.variant.clone(),
            intra_threads: None,
        })
    }
}

/// Arguments of `asal embed`.
#[derive(clap::Args, Debug)]
pub(crate) struct EmbedArgs {
    /// Model: `pixels` (built in), a registry name (`asal models list`) or a model directory.
    #[arg(long)]
    model: String,
    /// PNG images to embed (any size; resized to the model's input as the original does).
    images: Vec<PathBuf>,
    /// Prompts to embed; takes every following value up to the next flag, so give images first.
    #[arg(long, num_args = 1..)]
    text: Vec<String>,
    /// Output safetensors file: `image_embeds` [n × D] and/or `text_embeds` [p × D], unit rows.
    #[arg(long)]
    out: PathBuf,
    #[command(flatten)]
    options: ModelOptions,
}

/// Arguments of `asal tokenize`.
#[derive(clap::Args, Debug)]
pub(crate) struct TokenizeArgs {
    /// Model: a registry name or a model directory (its `tokenizer.json`), or a tokenizer.json file.
    #[arg(long)]
    model: String,
    /// Texts to tokenize; prints one line of token ids per text.
    #[arg(required = true)]
    texts: Vec<String>,
}

/// An RGBA8 image read from a PNG.
struct Loaded {
    width: usize,
    height: usize,
    rgba: Vec<u8>,
}

fn load_png(path: &Path) -> Result<Loaded> {
    let img = image::ImageReader::open(path)
        .with_context(|| format!("cannot open image {}", path.display()))?
        .with_guessed_format()
        .with_context(|| format!("cannot read image {}", path.display()))?
        .decode()
        .with_context(|| {
            format!(
                "cannot decode image {} (expected a PNG file)",
                path.display()
            )
        })?
        .to_rgba8();
    Ok(Loaded {
        width: img.width() as usize,
        height: img.height() as usize,
        rgba: img.into_raw(),
    })
}

/// Runs `asal embed`.
pub(crate) fn run_embed(args: &EmbedArgs) -> Result<()> {
    if args.images.is_empty() && args.text.is_empty() {
        bail!("nothing to embed: give PNG images and/or --text PROMPT...");
    }
    // Cheap checks first, so bad input fails before a model loads.
    for (i, t) in args.text.iter().enumerate() {
        if t.trim().is_empty() {
            bail!("prompt {i} is empty; give a non-empty text");
        }
    }
    let images = args
        .images
        .iter()
        .map(|p| load_png(p))
        .collect::<Result<Vec<_>>>()?;
    let model = asal_fm::open_model(&args.model, &args.options.onnx()?)
        .with_context(|| format!("opening model '{}'", args.model))?;
    if !args.text.is_empty() && !model.supports_text() {
        return Err(asal_fm::FmError::ImageOnly {
            model: model.name().to_string(),
        }
        .into());
    }
    let dim = model.dim();
    let mut tensors: Vec<(&str, Vec<f32>, usize)> = Vec::new();
    if !images.is_empty() {
        let frames: Vec<Frame<'_>> = images
            .iter()
            .map(|l| Frame::rgba8(l.width, l.height, &l.rgba))
            .collect();
        let emb = model.embed_images(&frames).context("embedding images")?;
        tensors.push(("image_embeds", emb, images.len()));
    }
    if !args.text.is_empty() {
        let emb = model.embed_texts(&args.text).context("embedding prompts")?;
        tensors.push(("text_embeds", emb, args.text.len()));
    }
    write_safetensors(&args.out, &tensors, dim, model.name())?;
    eprintln!(
        "wrote {} ({} images, {} prompts, {dim}-d, model {})",
        args.out.display(),
        images.len(),
        args.text.len(),
        model.name()
    );
    Ok(())
}

/// Writes `[rows × dim]` f32 tensors, atomically (temp file, then rename).
fn write_safetensors(
    out: &Path,
    tensors: &[(&str, Vec<f32>, usize)],
    dim: usize,
    model: &str,
) -> Result<()> {
    let bytes: Vec<Vec<u8>> = tensors
        .iter()
        .map(|(_, v, _)| v.iter().flat_map(|x| x.to_le_bytes()).collect())
        .collect();
    let views = tensors
        .iter()
        .zip(&bytes)
        .map(|((name, _, rows), b)| {
            safetensors::tensor::TensorView::new(safetensors::Dtype::F32, vec![*rows, dim], b)
                .map(|v| (name.to_string(), v))
        })
        .collect::<std::result::Result<Vec<_>, _>>()
        .context("building the output tensors")?;
    let meta = HashMap::from([
        ("model".to_string(), model.to_string()),
        ("dim".to_string(), dim.to_string()),
    ]);
    let data = safetensors::serialize(views, Some(meta)).context("serialising embeddings")?;
    let dir = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !dir.is_dir() {
        bail!(
            "output folder {} does not exist (for --out {})",
            dir.display(),
            out.display()
        );
    }
    let file_name = out
        .file_name()
        .with_context(|| format!("--out {} is not a file path", out.display()))?;
    let tmp = dir.join(format!(".{}.tmp", file_name.to_string_lossy()));
    std::fs::write(&tmp, data).with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, out).with_context(|| format!("writing {}", out.display()))?;
    Ok(())
}

/// The tokenizer.json for what a user typed: a file, a model directory, or a registry name.
fn tokenizer_path(model: &str) -> Result<PathBuf> {
    if model == "pixels" {
        bail!("model 'pixels' embeds images only and has no tokenizer; use a CLIP model");
    }
    let path = Path::new(model);
    if path.exists() {
        return Ok(path.to_path_buf());
    }
    let registry = Registry::from_env()?;
    registry
        .path(model)
        .with_context(|| format!("'{model}' is neither a file nor a directory"))
}

/// Runs `asal tokenize`.
pub(crate) fn run_tokenize(args: &TokenizeArgs) -> Result<()> {
    let tok = ClipTokenizer::from_file(tokenizer_path(&args.model)?)?;
    let mut lines = Vec::with_capacity(args.texts.len());
    for (i, text) in args.texts.iter().enumerate() {
        let ids = tok.encode(text).map_err(|e| match e {
            // `encode` numbers a single prompt 0; name its place among the arguments.
            asal_fm::FmError::EmptyPrompt { .. } => asal_fm::FmError::EmptyPrompt { index: i },
            other => other,
        })?;
        lines.push(ids.iter().map(i64::to_string).collect::<Vec<_>>().join(" "));
    }
    println!("{}", lines.join("\n"));
    Ok(())
}
