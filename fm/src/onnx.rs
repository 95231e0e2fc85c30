//! ONNX image/text encoders (CLIP, DINOv2, any ViT image tower) through ONNX Runtime.
//!
//! # Accepted model directories
//!
//! Model files are looked for in `DIR/onnx/` when it exists, else in `DIR/`:
//!
//! - **Separate towers** (transformers.js / Xenova layout in `onnx/`, Optimum layout at the top
//!   level): `vision_model[_VARIANT].onnx` and, for text, `text_model[_VARIANT].onnx`. VARIANT is
//!   empty (fp32) or `fp16`, `quantized`, `int8`, `uint8`, `q4`, `q4f16`, `bnb4`.
//! - **One file**: `model[_VARIANT].onnx`. When it takes `input_ids` as well as `pixel_values` it is a
//!   combined CLIP (both towers, the unused side is fed a one-item dummy); when it takes only
//!   `pixel_values` it is an image-only encoder such as DINOv2.
//!
//! Besides the ONNX files: `tokenizer.json` (needed for text), and optionally
//! `preprocessor_config.json` (`crop_size` or `size`, `image_mean`, `image_std`; defaults are the
//! original's CLIP constants at 224). Input and output names and element types are read from the
//! loaded graphs: images go to `pixel_values` (or the only rank-4 input), f32 or f16; ids to
//! `input_ids`, i64 or i32, plus `attention_mask` only when the graph declares it. Image embeddings
//! are read from `image_embeds`, else `pooler_output` (DINOv2's layer-normalised class token, as the
//! original uses), else the class token of `last_hidden_state`; text embeddings from `text_embeds`.
//! Outputs are L2-normalised here (the exports do not normalise).
//!
//! Variant choice when none is asked for: fp16 first on GPU providers, fp32 first on the CPU.

use std::borrow::Cow;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use ort::session::{Session, SessionInputValue, builder::GraphOptimizationLevel};
use ort::value::{Tensor, TensorElementType};

use crate::error::{FmError, Result};
use crate::model::{FoundationModel, GpuInput};
use crate::preprocess::{
    Frame, ImageSpec, PixelValues, Precision, l2_normalize_rows, preprocess, to_f16,
};
use crate::runtime::{ExecutionProvider, runtime};
use crate::tokenizer::ClipTokenizer;

/// How to load and run an ONNX model.
#[derive(Debug, Clone)]
pub struct OnnxOptions {
    /// Execution provider (default CPU). Registration failure is an error, not a silent fallback.
    pub provider: ExecutionProvider,
    /// Frames or prompts per inference call (default 32).
    pub batch_size: usize,
    /// File variant: "fp32", "fp16", "quantized", ... (see the module docs); `None` picks by provider.
    pub variant: Option<String>,
    /// Threads inside one operator; `None` lets ONNX Runtime decide.
    pub intra_threads: Option<usize>,
}

impl Default for OnnxOptions {
    fn default() -> Self {
        Self {
            provider: ExecutionProvider::Cpu,
            batch_size: 32,
            variant: None,
            intra_threads: None,
        }
    }
}

/// Known file-name suffixes of precision variants (after `vision_model`, `text_model`, `model`).
const VARIANTS: [&str; 8] = [
    "",
    "fp16",
    "quantized",
    "int8",
    "uint8",
    "q4",
    "q4f16",
    "bnb4",
];

/// The files making up a model, as found on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelFiles {
    /// The image encoder (or combined model).
    pub vision: PathBuf,
    /// The text encoder, when separate.
    pub text: Option<PathBuf>,
    /// `tokenizer.json`, when present.
    pub tokenizer: Option<PathBuf>,
    /// `preprocessor_config.json`, when present.
    pub preprocessor: Option<PathBuf>,
}

fn variant_suffix(v: &str) -> &str {
    match v {
        "fp32" | "" => "",
        other => other,
    }
}

fn file_for(dir: &Path, stem: &str, variant: &str) -> PathBuf {
    let v = variant_suffix(variant);
    if v.is_empty() {
        dir.join(format!("{stem}.onnx"))
    } else {
        dir.join(format!("{stem}_{v}.onnx"))
    }
}

/// Finds the model files in `dir` (see the module docs for the layouts).
pub fn find_model_files(
    dir: &Path,
    variant: Option<&str>,
    provider: ExecutionProvider,
) -> Result<ModelFiles> {
    if !dir.is_dir() {
        return Err(FmError::MissingPath {
            path: dir.to_path_buf(),
            hint: "give a model directory (see `asal models list`) or a registry name".into(),
        });
    }
    let onnx_dir = if dir.join("onnx").is_dir() {
        dir.join("onnx")
    } else {
        dir.to_path_buf()
    };
    let order: Vec<&str> = match variant {
        Some(v) => vec![v],
        None if provider.is_gpu() => vec!["fp16", ""]
            .into_iter()
            .chain(VARIANTS[2..].iter().copied())
            .collect(),
        None => VARIANTS.to_vec(),
    };
    let pick = |stem: &str| {
        order
            .iter()
            .map(|v| file_for(&onnx_dir, stem, v))
            .find(|p| p.is_file())
    };
    let (vision, text) = if let Some(v) = pick("vision_model") {
        // The text tower of the same variant when it exists, else any.
        let vname = v.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let same = onnx_dir.join(vname.replacen("vision_model", "text_model", 1));
        let text = if same.is_file() {
            Some(same)
        } else {
            // Repositories often ship fewer text variants; any text tower shares the embedding space.
            VARIANTS
                .iter()
                .map(|v| file_for(&onnx_dir, "text_model", v))
                .find(|p| p.is_file())
        };
        (v, text)
    } else if let Some(m) = pick("model") {
        (m, None)
    } else {
        if let Some(v) = variant {
            let any = VARIANTS.iter().any(|w| {
                file_for(&onnx_dir, "vision_model", w).is_file()
                    || file_for(&onnx_dir, "model", w).is_file()
            });
            if any {
                return Err(FmError::InvalidOption {
                    field: "variant",
                    value: v.to_string(),
                    expected: "a variant whose file exists in the model directory (fp32, fp16, quantized, ...)",
                });
            }
        }
        return Err(FmError::NoModelFiles {
            dir: dir.to_path_buf(),
        });
    };
    let opt = |name: &str| Some(dir.join(name)).filter(|p| p.is_file());
    Ok(ModelFiles {
        vision,
        text,
        tokenizer: opt("tokenizer.json"),
        preprocessor: opt("preprocessor_config.json"),
    })
}

/// Reads `preprocessor_config.json` (size, mean, std), falling back to the CLIP defaults.
pub fn read_image_spec(path: Option<&Path>) -> Result<ImageSpec> {
    let mut spec = ImageSpec::CLIP;
    let Some(path) = path else { return Ok(spec) };
    let bad = |message: String| FmError::Config {
        path: path.to_path_buf(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| FmError::io("reading", path, e))?;
    let v: serde_json::Value = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
    let side = |x: &serde_json::Value| -> Option<usize> {
        if let Some(n) = x.as_u64() {
            return usize::try_from(n).ok();
        }
        let h = x.get("height").and_then(|h| h.as_u64());
        let w = x.get("width").and_then(|w| w.as_u64());
        match (h, w) {
            (Some(h), Some(w)) if h == w => usize::try_from(h).ok(),
            _ => x
                .get("shortest_edge")
                .and_then(|s| s.as_u64())
                .and_then(|s| usize::try_from(s).ok()),
        }
    };
    // The model sees the crop when the processor crops; ASAL feeds square frames resized to that size.
    let crop = v
        .get("do_center_crop")
        .and_then(|c| c.as_bool())
        .unwrap_or(true);
    let size = v
        .get("crop_size")
        .filter(|_| crop)
        .and_then(side)
        .or_else(|| v.get("size").and_then(side));
    if let Some(s) = size {
        if s == 0 {
            return Err(bad("size is 0".into()));
        }
        spec.size = s;
    }
    let triple = |key: &str| -> Result<Option<[f32; 3]>> {
        let Some(x) = v.get(key) else { return Ok(None) };
        if let Some(s) = x.as_f64() {
            return Ok(Some([s as f32; 3]));
        }
        let arr = x
            .as_array()
            .filter(|a| a.len() == 3)
            .and_then(|a| {
                a.iter()
                    .map(|e| e.as_f64().map(|f| f as f32))
                    .collect::<Option<Vec<f32>>>()
            })
            .ok_or_else(|| bad(format!("{key} must be a number or 3 numbers (RGB)")))?;
        Ok(Some([arr[0], arr[1], arr[2]]))
    };
    if let Some(m) = triple("image_mean")? {
        spec.mean = m;
    }
    if let Some(s) = triple("image_std")? {
        if s.iter().any(|&x| x <= 0.0) {
            return Err(bad("image_std values must be positive".into()));
        }
        spec.std = s;
    }
    Ok(spec)
}

/// Float input data in either precision, borrowed.
#[derive(Clone, Copy)]
enum Floats<'a> {
    F32(&'a [f32]),
    F16(&'a [half::f16]),
}

impl Floats<'_> {
    fn len(&self) -> usize {
        match self {
            Self::F32(v) => v.len(),
            Self::F16(v) => v.len(),
        }
    }

    fn slice(&self, range: std::ops::Range<usize>) -> Self {
        match self {
            Self::F32(v) => Floats::F32(&v[range]),
            Self::F16(v) => Floats::F16(&v[range]),
        }
    }
}

/// One graph input we fill.
#[derive(Debug, Clone)]
struct InputSlot {
    name: String,
    ty: TensorElementType,
}

/// How the embedding is read from an output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pooling {
    /// The output is `[N, D]`.
    Direct,
    /// The output is `[N, T, D]`; take token 0 (the class token).
    ClassToken,
}

/// What a loaded graph takes and gives.
#[derive(Debug, Clone)]
struct Interface {
    pixels: Option<InputSlot>,
    /// Static input side from the graph (when not symbolic).
    pixel_side: Option<usize>,
    ids: Option<InputSlot>,
    mask: Option<InputSlot>,
    image_out: Option<(String, Pooling)>,
    text_out: Option<String>,
}

fn interface(session: &Session, path: &Path) -> Result<Interface> {
    let mut it = Interface {
        pixels: None,
        pixel_side: None,
        ids: None,
        mask: None,
        image_out: None,
        text_out: None,
    };
    for input in session.inputs() {
        let (Some(ty), Some(shape)) = (input.dtype().tensor_type(), input.dtype().tensor_shape())
        else {
            continue;
        };
        let slot = InputSlot {
            name: input.name().to_string(),
            ty,
        };
        let name = input.name();
        if name == "pixel_values" || (shape.len() == 4 && it.pixels.is_none()) {
            if !matches!(ty, TensorElementType::Float32 | TensorElementType::Float16) {
                return Err(FmError::ModelInterface {
                    path: path.to_path_buf(),
                    message: format!(
                        "image input '{name}' has element type {ty:?}; expected float32 or float16"
                    ),
                });
            }
            it.pixel_side = shape
                .get(3)
                .and_then(|&d| usize::try_from(d).ok())
                .filter(|&d| d > 0);
            it.pixels = Some(slot);
        } else if name == "input_ids" {
            it.ids = Some(slot);
        } else if name == "attention_mask" {
            it.mask = Some(slot);
        }
    }
    for slot in [&it.ids, &it.mask].into_iter().flatten() {
        if !matches!(slot.ty, TensorElementType::Int64 | TensorElementType::Int32) {
            return Err(FmError::ModelInterface {
                path: path.to_path_buf(),
                message: format!(
                    "text input '{}' has element type {:?}; expected int64 or int32",
                    slot.name, slot.ty
                ),
            });
        }
    }
    let outputs: Vec<(String, usize)> = session
        .outputs()
        .iter()
        .map(|o| {
            (
                o.name().to_string(),
                o.dtype().tensor_shape().map_or(0, |s| s.len()),
            )
        })
        .collect();
    let has = |n: &str| outputs.iter().any(|(o, _)| o == n);
    if it.pixels.is_some() {
        it.image_out = if has("image_embeds") {
            Some(("image_embeds".into(), Pooling::Direct))
        } else if has("pooler_output") {
            Some(("pooler_output".into(), Pooling::Direct))
        } else if has("last_hidden_state") {
            Some(("last_hidden_state".into(), Pooling::ClassToken))
        } else {
            outputs
                .iter()
                .find(|(_, r)| *r == 2)
                .map(|(n, _)| (n.clone(), Pooling::Direct))
        };
    }
    if it.ids.is_some() && has("text_embeds") {
        it.text_out = Some("text_embeds".into());
    }
    Ok(it)
}

/// A loaded graph, shared between the towers of a combined model.
struct Graph {
    session: Mutex<Session>,
    path: PathBuf,
    io: Interface,
}

fn load_session(path: &Path, options: &OnnxOptions) -> Result<Session> {
    let rt = runtime()?;
    let load_err = |e: String| FmError::ModelLoad {
        path: path.to_path_buf(),
        message: e,
    };
    let mut builder = Session::builder(&rt.env)
        .map_err(|e| load_err(e.to_string()))?
        .with_optimization_level(GraphOptimizationLevel::Level3)
        .map_err(|e| load_err(e.to_string()))?;
    if let Some(n) = options.intra_threads {
        builder = builder
            .with_intra_threads(n)
            .map_err(|e| load_err(e.to_string()))?;
    }
    if options.provider != ExecutionProvider::Cpu {
        builder = builder
            .with_execution_providers([options.provider.dispatch()?])
            .map_err(|e| {
                load_err(format!(
                    "execution provider {} failed to register: {e}",
                    options.provider
                ))
            })?;
    }
    builder
        .commit_from_file(path)
        .map_err(|e| load_err(e.to_string()))
}

impl Graph {
    fn open(path: &Path, options: &OnnxOptions) -> Result<Arc<Self>> {
        let session = load_session(path, options)?;
        let io = interface(&session, path)?;
        Ok(Arc::new(Self {
            session: Mutex::new(session),
            path: path.to_path_buf(),
            io,
        }))
    }

    fn infer_err(&self, e: impl std::fmt::Display) -> FmError {
        FmError::Inference {
            path: self.path.clone(),
            message: e.to_string(),
        }
    }

    /// The input tensor in the graph's element type, converting only when the data differs from it.
    fn float_input(
        &self,
        slot: &InputSlot,
        shape: Vec<i64>,
        data: Floats<'_>,
    ) -> Result<SessionInputValue<'static>> {
        let wants_f16 = slot.ty == TensorElementType::Float16;
        Ok(match (wants_f16, data) {
            (true, Floats::F32(d)) => Tensor::from_array((shape, to_f16(d)))
                .map_err(|e| self.infer_err(e))?
                .into(),
            (true, Floats::F16(d)) => Tensor::from_array((shape, d.to_vec()))
                .map_err(|e| self.infer_err(e))?
                .into(),
            (false, Floats::F32(d)) => Tensor::from_array((shape, d.to_vec()))
                .map_err(|e| self.infer_err(e))?
                .into(),
            (false, Floats::F16(d)) => {
                let wide: Vec<f32> = d.iter().map(|v| v.to_f32()).collect();
                Tensor::from_array((shape, wide))
                    .map_err(|e| self.infer_err(e))?
                    .into()
            }
        })
    }

    fn int_input(
        &self,
        slot: &InputSlot,
        shape: Vec<i64>,
        data: Vec<i64>,
    ) -> Result<SessionInputValue<'static>> {
        Ok(match slot.ty {
            TensorElementType::Int32 => {
                let narrow: Vec<i32> = data
                    .iter()
                    .map(|&v| i32::try_from(v).unwrap_or(i32::MAX))
                    .collect();
                Tensor::from_array((shape, narrow))
                    .map_err(|e| self.infer_err(e))?
                    .into()
            }
            _ => Tensor::from_array((shape, data))
                .map_err(|e| self.infer_err(e))?
                .into(),
        })
    }

    /// Runs the graph and returns the named output as `[rows × D]` f32 (pooled as asked), with D.
    fn run(
        &self,
        inputs: Vec<(Cow<'static, str>, SessionInputValue<'static>)>,
        output: &str,
        pooling: Pooling,
    ) -> Result<(Vec<f32>, usize)> {
        let mut session = self
            .session
            .lock()
            .map_err(|_| self.infer_err("session lock poisoned by an earlier panic"))?;
        let outputs = session.run(inputs).map_err(|e| self.infer_err(e))?;
        let value = outputs
            .get(output)
            .ok_or_else(|| self.infer_err(format!("graph produced no output '{output}'")))?;
        let (shape, data): (Vec<i64>, Vec<f32>) = match value.dtype().tensor_type() {
            Some(TensorElementType::Float16) => {
                let (s, d) = value
                    .try_extract_tensor::<half::f16>()
                    .map_err(|e| self.infer_err(e))?;
                (s.to_vec(), d.iter().map(|v| v.to_f32()).collect())
            }
            _ => {
                let (s, d) = value
                    .try_extract_tensor::<f32>()
                    .map_err(|e| self.infer_err(e))?;
                (s.to_vec(), d.to_vec())
            }
        };
        let dims: Vec<usize> = shape
            .iter()
            .map(|&d| usize::try_from(d).unwrap_or(0))
            .collect();
        match (pooling, dims.as_slice()) {
            (Pooling::Direct, [n, d]) => Ok((data[..n * d].to_vec(), *d)),
            (Pooling::ClassToken, [n, t, d]) => Ok((
                (0..*n)
                    .flat_map(|i| data[i * t * d..i * t * d + d].iter().copied())
                    .collect(),
                *d,
            )),
            _ => Err(self.infer_err(format!(
                "output '{output}' has shape {shape:?}; expected [batch, dim]"
            ))),
        }
    }
}

/// An image encoder, optionally with a text encoder, loaded from a model directory.
pub struct OnnxModel {
    name: String,
    files: ModelFiles,
    spec: ImageSpec,
    dim: usize,
    batch_size: usize,
    vision: Arc<Graph>,
    text: Option<Arc<Graph>>,
    tokenizer: Option<ClipTokenizer>,
    provider: ExecutionProvider,
}

impl std::fmt::Debug for OnnxModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OnnxModel")
            .field("name", &self.name)
            .field("files", &self.files)
            .field("spec", &self.spec)
            .field("dim", &self.dim)
            .field("provider", &self.provider)
            .finish()
    }
}

impl OnnxModel {
    /// Loads the model in `dir` (layouts in the module docs).
    pub fn open(dir: &Path, options: &OnnxOptions) -> Result<Self> {
        if options.batch_size == 0 {
            return Err(FmError::InvalidOption {
                field: "batch_size",
                value: "0".into(),
                expected: "a positive number of frames per inference call",
            });
        }
        let files = find_model_files(dir, options.variant.as_deref(), options.provider)?;
        let mut spec = read_image_spec(files.preprocessor.as_deref())?;
        let vision = Graph::open(&files.vision, options)?;
        if vision.io.pixels.is_none() {
            return Err(FmError::ModelInterface {
                path: files.vision.clone(),
                message: "no image input (expected 'pixel_values' [batch, 3, H, W])".into(),
            });
        }
        if vision.io.image_out.is_none() {
            return Err(FmError::ModelInterface {
                path: files.vision.clone(),
                message: "no image embedding output (expected 'image_embeds', 'pooler_output' or 'last_hidden_state')".into(),
            });
        }
        if let Some(side) = vision.io.pixel_side.filter(|&s| s != spec.size) {
            tracing::warn!(
                config = spec.size,
                graph = side,
                "preprocessor size differs from the graph's fixed input size; using the graph's"
            );
            spec.size = side;
        }
        let text = match &files.text {
            Some(p) => Some(Graph::open(p, options)?),
            // A combined CLIP: the same graph also embeds text.
            None if vision.io.text_out.is_some() => Some(vision.clone()),
            None => None,
        };
        if let Some(t) = &text
            && (t.io.ids.is_none() || t.io.text_out.is_none())
        {
            return Err(FmError::ModelInterface {
                path: t.path.clone(),
                message: "text model needs input 'input_ids' and output 'text_embeds'".into(),
            });
        }
        let tokenizer = match (&text, &files.tokenizer) {
            (Some(_), Some(p)) => Some(ClipTokenizer::from_file(p)?),
            (Some(_), None) => {
                return Err(FmError::MissingPath {
                    path: dir.join("tokenizer.json"),
                    hint:
                        "a model with a text encoder needs the tokenizer.json of its hub repository"
                            .into(),
                });
            }
            _ => None,
        };
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| dir.display().to_string());
        let mut model = Self {
            name,
            files,
            spec,
            dim: 0,
            batch_size: options.batch_size,
            vision,
            text,
            tokenizer,
            provider: options.provider,
        };
        // The embedding size is only certain once the graph has run (outputs are often symbolic).
        let probe = model.run_vision(Floats::F32(&vec![0.0; 3 * spec.size * spec.size]), 1)?;
        model.dim = probe.len();
        tracing::info!(
            model = %model.name,
            vision = %model.files.vision.display(),
            text = ?model.files.text,
            provider = %model.provider,
            dim = model.dim,
            size = spec.size,
            "loaded ONNX model"
        );
        Ok(model)
    }

    /// Renames the model (used for registry names).
    pub fn set_name(&mut self, name: &str) {
        self.name = name.to_string();
    }

    /// The files in use.
    pub fn files(&self) -> &ModelFiles {
        &self.files
    }

    /// The execution provider the sessions run on.
    pub fn provider(&self) -> ExecutionProvider {
        self.provider
    }

    /// The tokenizer, for models that embed text.
    pub fn tokenizer(&self) -> Option<&ClipTokenizer> {
        self.tokenizer.as_ref()
    }

    /// Runs the image tower on preprocessed `[n, 3, S, S]` NCHW data; returns raw `[n × D]` rows.
    fn run_vision(&self, nchw: Floats<'_>, n: usize) -> Result<Vec<f32>> {
        let g = &self.vision;
        let s = self.spec.size as i64;
        let (Some(px), Some((out, pooling))) = (&g.io.pixels, &g.io.image_out) else {
            return Err(g.infer_err("graph has no image input/output"));
        };
        let mut inputs = vec![(
            Cow::Owned(px.name.clone()),
            g.float_input(px, vec![n as i64, 3, s, s], nchw)?,
        )];
        // A combined CLIP also wants text: one minimal sequence that is ignored. Id 0 exists in every
        // vocabulary, and both argmax and end-token pooling then land on a valid position.
        if let Some(ids) = &g.io.ids {
            inputs.push((
                Cow::Owned(ids.name.clone()),
                g.int_input(ids, vec![1, 2], vec![0, 0])?,
            ));
        }
        if let Some(mask) = &g.io.mask {
            inputs.push((
                Cow::Owned(mask.name.clone()),
                g.int_input(mask, vec![1, 2], vec![1, 1])?,
            ));
        }
        let (rows, d) = g.run(inputs, out, *pooling)?;
        if self.dim != 0 && d != self.dim {
            return Err(g.infer_err(format!(
                "image embedding has {d} values, earlier {}",
                self.dim
            )));
        }
        Ok(rows)
    }

    /// Element type of the image input (f16 for fp16 exports): what a GPU path should produce.
    pub fn input_precision(&self) -> Precision {
        match self.vision.io.pixels.as_ref().map(|p| p.ty) {
            Some(TensorElementType::Float16) => Precision::F16,
            _ => Precision::F32,
        }
    }

    /// Embeds frames already preprocessed to `[n, 3, S, S]` NCHW f32 (S = `image_spec().size`), e.g.
    /// on the GPU. Returns unit rows `[n × D]`.
    pub fn embed_pixel_values(&self, nchw: &[f32], n: usize) -> Result<Vec<f32>> {
        self.embed_floats(Floats::F32(nchw), n)
    }

    /// As [`OnnxModel::embed_pixel_values`], for f16 values (fp16 models take them unconverted).
    pub fn embed_pixel_values_f16(&self, nchw: &[half::f16], n: usize) -> Result<Vec<f32>> {
        self.embed_floats(Floats::F16(nchw), n)
    }

    fn embed_floats(&self, nchw: Floats<'_>, n: usize) -> Result<Vec<f32>> {
        let per = 3 * self.spec.size * self.spec.size;
        if nchw.len() != n * per {
            return Err(FmError::BadFrame {
                index: 0,
                message: format!(
                    "pixel_values has {} values; {n} images of 3×{}² need {}",
                    nchw.len(),
                    self.spec.size,
                    n * per
                ),
            });
        }
        let mut out = Vec::with_capacity(n * self.dim);
        for start in (0..n).step_by(self.batch_size) {
            let rows = (n - start).min(self.batch_size);
            out.extend(self.run_vision(nchw.slice(start * per..(start + rows) * per), rows)?);
        }
        l2_normalize_rows(&mut out, self.dim);
        Ok(out)
    }
}

impl FoundationModel for OnnxModel {
    fn name(&self) -> &str {
        &self.name
    }

    fn dim(&self) -> usize {
        self.dim
    }

    fn supports_text(&self) -> bool {
        self.text.is_some()
    }

    fn image_spec(&self) -> Option<ImageSpec> {
        Some(self.spec)
    }

    fn gpu_input(&self) -> GpuInput {
        GpuInput::Preprocessed {
            spec: self.spec,
            precision: self.input_precision(),
        }
    }

    fn embed_preprocessed(&self, values: &PixelValues, n: usize) -> Result<Vec<f32>> {
        match values {
            PixelValues::F32(v) => self.embed_pixel_values(v, n),
            PixelValues::F16(v) => self.embed_pixel_values_f16(v, n),
        }
    }

    fn embed_images(&self, frames: &[Frame<'_>]) -> Result<Vec<f32>> {
        let mut out = Vec::with_capacity(frames.len() * self.dim);
        for (k, chunk) in frames.chunks(self.batch_size).enumerate() {
            let nchw = preprocess(chunk, &self.spec).map_err(|e| match e {
                // Report the frame's position in the whole request, not in the chunk.
                FmError::BadFrame { index, message } => FmError::BadFrame {
                    index: index + k * self.batch_size,
                    message,
                },
                other => other,
            })?;
            out.extend(self.run_vision(Floats::F32(&nchw), chunk.len())?);
        }
        l2_normalize_rows(&mut out, self.dim);
        Ok(out)
    }

    fn embed_texts(&self, prompts: &[String]) -> Result<Vec<f32>> {
        let (Some(g), Some(tok)) = (&self.text, &self.tokenizer) else {
            return Err(FmError::ImageOnly {
                model: self.name.clone(),
            });
        };
        let (Some(ids_slot), Some(out_name)) = (&g.io.ids, &g.io.text_out) else {
            return Err(FmError::ImageOnly {
                model: self.name.clone(),
            });
        };
        // Tokenise everything first so a bad prompt fails before any inference.
        let batch = tok.encode_batch(prompts)?;
        let mut out = Vec::with_capacity(prompts.len() * self.dim);
        let len = batch.len;
        for start in (0..batch.rows).step_by(self.batch_size) {
            let rows = (batch.rows - start).min(self.batch_size);
            let range = start * len..(start + rows) * len;
            let shape = vec![rows as i64, len as i64];
            let mut inputs = vec![(
                Cow::Owned(ids_slot.name.clone()),
                g.int_input(ids_slot, shape.clone(), batch.ids[range.clone()].to_vec())?,
            )];
            if let Some(mask) = &g.io.mask {
                inputs.push((
                    Cow::Owned(mask.name.clone()),
                    g.int_input(mask, shape, batch.attention_mask[range].to_vec())?,
                ));
            }
            // A combined CLIP also wants an image: one blank frame that is ignored.
            if let Some(px) = &g.io.pixels {
                let s = self.spec.size as i64;
                inputs.push((
                    Cow::Owned(px.name.clone()),
                    g.float_input(
                        px,
                        vec![1, 3, s, s],
                        Floats::F32(&vec![0.0; (3 * s * s) as usize]),
                    )?,
                ));
            }
            let (rows_out, d) = g.run(inputs, out_name, Pooling::Direct)?;
            if d != self.dim {
                return Err(FmError::ModelInterface {
                    path: g.path.clone(),
                    message: format!(
                        "text embeddings have {d} values but image embeddings {}: not one embedding space",
                        self.dim
                    ),
                });
            }
            out.extend(rows_out);
        }
        l2_normalize_rows(&mut out, self.dim);
        Ok(out)
    }
}
