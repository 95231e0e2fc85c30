//! Errors of gallery export.

use std::path::{Path, PathBuf};

/// Why an export failed. Every variant names the file or value at fault.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A path given as a run directory is not one.
    #[error("{path}: not a run directory ({why})")]
    NotARun {
        /// The path given.
        path: PathBuf,
        /// What is missing.
        why: String,
    },
    /// A run without creature files.
    #[error("{0}: the run has no creatures (creatures/*.json); nothing to show")]
    NoCreatures(PathBuf),
    /// A file of a run is malformed, or a creature cannot be simulated.
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The output folder exists and `--force` was not given.
    #[error("{0} exists; pass --force to replace it")]
    OutputExists(PathBuf),
    /// Invalid option.
    #[error("{0}")]
    Invalid(String),
    /// Clip encoding failed.
    #[error("encoding {what}: {message}")]
    Encode {
        /// Which clip.
        what: String,
        /// The encoder's message.
        message: String,
    },
    /// Simulation failed.
    #[error(transparent)]
    Substrate(#[from] asal_substrates::Error),
}

impl Error {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    pub(crate) fn file(path: &Path, message: impl std::fmt::Display) -> Self {
        Self::File {
            path: path.to_path_buf(),
            message: message.to_string(),
        }
    }
}

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
