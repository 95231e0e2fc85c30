//! The crate's error type. Every variant names the file, field or value at fault and what would fix it.

use std::path::PathBuf;

/// Result alias for this crate.
pub type Result<T, E = FmError> = std::result::Result<T, E>;

/// Everything that can go wrong in `asal-fm`.
#[derive(Debug, thiserror::Error)]
pub enum FmError {
    /// No ONNX Runtime shared library could be loaded.
    #[error(
        "ONNX Runtime was not found. Places tried:\n{tried}\nInstall it with `scripts/install-onnxruntime.sh` \
         (add `--gpu` for CUDA), or point ORT_DYLIB_PATH at a libonnxruntime shared library (version >= 1.24)"
    )]
    RuntimeNotFound {
        /// One line per place tried, with why it failed.
        tried: String,
    },
    /// ONNX Runtime loaded, but creating its environment failed.
    #[error("ONNX Runtime from {library} failed to initialise: {message}")]
    RuntimeInit {
        /// The library that was loaded.
        library: PathBuf,
        /// The runtime's message.
        message: String,
    },
    /// An execution provider name that is not known.
    #[error("unknown execution provider '{0}'; valid: cpu, cuda, tensorrt, coreml, directml")]
    UnknownProvider(String),
    /// The requested execution provider is not part of the loaded ONNX Runtime build.
    #[error(
        "execution provider '{provider}' is not available in the ONNX Runtime at {library}; {hint}"
    )]
    ProviderUnavailable {
        /// The provider asked for.
        provider: String,
        /// The library in use.
        library: PathBuf,
        /// How to get a build that has it.
        hint: &'static str,
    },
    /// A model directory or file that does not exist.
    #[error("model path {path} does not exist; {hint}")]
    MissingPath {
        /// The missing path.
        path: PathBuf,
        /// What to do about it.
        hint: String,
    },
    /// A model directory without any ONNX file in a known layout.
    #[error(
        "no ONNX model found in {dir}; expected onnx/vision_model*.onnx (+ onnx/text_model*.onnx), \
         vision_model*.onnx (+ text_model*.onnx), or model.onnx"
    )]
    NoModelFiles {
        /// The directory searched.
        dir: PathBuf,
    },
    /// ONNX Runtime refused a model file (corrupt, not ONNX, unsupported operators...).
    #[error(
        "cannot load ONNX model {path}: {message}; check that the file is a complete ONNX export"
    )]
    ModelLoad {
        /// The model file.
        path: PathBuf,
        /// The runtime's message.
        message: String,
    },
    /// A model whose inputs or outputs do not fit what the embedding path needs.
    #[error("model {path} does not fit: {message}")]
    ModelInterface {
        /// The model file.
        path: PathBuf,
        /// What does not fit.
        message: String,
    },
    /// Running a model failed.
    #[error("inference with {path} failed: {message}")]
    Inference {
        /// The model file.
        path: PathBuf,
        /// The runtime's message.
        message: String,
    },
    /// A text request to a model that only embeds images.
    #[error(
        "model '{model}' embeds images only and cannot embed text prompts; use a CLIP model \
         (e.g. `asal models pull clip-vit-b32`) for prompt objectives"
    )]
    ImageOnly {
        /// The model's name.
        model: String,
    },
    /// A tokenizer file that cannot be read or parsed.
    #[error(
        "cannot load tokenizer {path}: {message}; a CLIP model directory needs its tokenizer.json"
    )]
    Tokenizer {
        /// The tokenizer file.
        path: PathBuf,
        /// The parser's message.
        message: String,
    },
    /// An empty (or whitespace-only) prompt.
    #[error("prompt {index} is empty; give a non-empty text")]
    EmptyPrompt {
        /// Position of the prompt in the request.
        index: usize,
    },
    /// A frame whose buffer does not match its declared size.
    #[error("frame {index}: {message}")]
    BadFrame {
        /// Position of the frame in the request.
        index: usize,
        /// What is wrong.
        message: String,
    },
    /// A config file (preprocessor_config.json, registry data...) that cannot be read or parsed.
    #[error("cannot read {path}: {message}")]
    Config {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// An invalid option value.
    #[error("invalid {field} = {value}: {expected}")]
    InvalidOption {
        /// The option.
        field: &'static str,
        /// The value given.
        value: String,
        /// What is valid.
        expected: &'static str,
    },
    /// A model name that the registry does not know.
    #[error("unknown model '{name}'; known models: {known}. A model directory path also works")]
    UnknownModel {
        /// The name asked for.
        name: String,
        /// Comma-separated list of known names.
        known: String,
    },
    /// A registry model that has not been downloaded.
    #[error("model '{name}' is not downloaded (looked in {dir}); run `asal models pull {name}`")]
    NotDownloaded {
        /// The model name.
        name: String,
        /// Where it was expected.
        dir: PathBuf,
    },
    /// A download that failed (network, HTTP status, server listing).
    #[error("download of {url} failed: {message}; retry (downloads resume), or set ASAL_HF_MIRROR")]
    Download {
        /// The URL.
        url: String,
        /// What failed.
        message: String,
    },
    /// A downloaded or stored file whose size or hash is wrong.
    #[error("{path}: {message}; the file was rejected, run the pull again")]
    Integrity {
        /// The file checked.
        path: PathBuf,
        /// Expected vs actual.
        message: String,
    },
    /// The GPU failed (device lost, validation error, readback timeout).
    #[error("GPU {what}: {source}")]
    Gpu {
        /// What was being done.
        what: &'static str,
        /// The GPU runtime's error.
        source: asal_substrates::Error,
    },
    /// A filesystem error on a named path.
    #[error("{action} {path}: {source}")]
    Io {
        /// What was being done.
        action: &'static str,
        /// The path.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
}

impl FmError {
    /// Wraps an I/O error with the action and path it happened on.
    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        Self::Io {
            action,
            path: path.into(),
            source,
        }
    }
}
