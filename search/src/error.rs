//! The crate's error type.

use std::path::PathBuf;

/// Result alias used throughout the crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in objectives, optimisers, configs and run directories.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A slice did not have the length its stated dimensions imply.
    #[error("{what}: expected {expected} values, got {got}")]
    Shape {
        /// What the slice holds.
        what: String,
        /// Length implied by the dimensions.
        expected: usize,
        /// Actual length.
        got: usize,
    },
    /// An argument outside its valid range (message says which and why).
    #[error("{0}")]
    Invalid(String),
    /// `tell` was called without a preceding `ask`.
    #[error("tell called without a pending ask (call ask first)")]
    NoPendingAsk,
    /// The optimiser state became non-finite (e.g. the step size overflowed).
    #[error("optimiser diverged: {0}")]
    Diverged(String),
    /// A config field failed validation; `path` is the dotted field path.
    #[error("{path}: {message}")]
    Config {
        /// Dotted path of the field, e.g. `optimiser.sigma`.
        path: String,
        /// What is wrong and what would be valid.
        message: String,
    },
    /// A config file could not be parsed.
    #[error("{file}: {message}")]
    ConfigParse {
        /// The file (or `<string>`).
        file: String,
        /// The parser's message, which names the offending key.
        message: String,
    },
    /// A filesystem operation failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory involved.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A run directory exists and neither resume nor force was given.
    #[error(
        "run directory {0} already exists; pass --resume to continue it or --force to overwrite it"
    )]
    RunExists(PathBuf),
    /// A resumed run directory was written for a different config than the one given.
    #[error(
        "{stored} was written for a different config; resume with the same config, or start a new run in another directory"
    )]
    ConfigChanged {
        /// The run directory's `config.toml`.
        stored: PathBuf,
    },
    /// A checkpoint could not be read back; the run directory is left untouched.
    #[error("corrupt checkpoint {path}: {message}")]
    CorruptCheckpoint {
        /// The checkpoint file.
        path: PathBuf,
        /// What failed.
        message: String,
    },
    /// The substrate engine failed (unknown substrate, bad genome, GPU error...).
    #[error(transparent)]
    Substrate(#[from] asal_substrates::Error),
    /// The foundation model failed.
    #[error(transparent)]
    Model(#[from] asal_fm::FmError),
    /// The run was interrupted (SIGINT/SIGTERM) mid-generation; the last checkpoint stands.
    #[error("interrupted")]
    Interrupted,
    /// A JSON record (log line, creature, state) could not be read or written.
    #[error("{path}: {message}")]
    Format {
        /// The file involved.
        path: PathBuf,
        /// What failed.
        message: String,
    },
}

impl Error {
    pub(crate) fn shape(what: impl Into<String>, expected: usize, got: usize) -> Self {
        Error::Shape {
            what: what.into(),
            expected,
            got,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    pub(crate) fn config(path: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Config {
            path: path.into(),
            message: message.into(),
        }
    }
}
