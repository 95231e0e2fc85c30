//! The substrate crate's error type: every variant names the input at fault and what is valid.

use std::path::PathBuf;

/// Errors from the GPU runtime, substrates, genomes and state files.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No GPU adapter matched (or none exists at all).
    #[error(
        "no GPU adapter found{filter}.\n  adapters seen: {seen}\n  On a machine without a GPU driver, install Mesa's software Vulkan driver: \
         `sudo apt-get install mesa-vulkan-drivers libvulkan1` (or run scripts/bootstrap.sh).\n  \
         Pick an adapter by a substring of its name with --adapter or ASAL_ADAPTER."
    )]
    NoAdapter {
        /// " matching `x`" when a filter was given.
        filter: String,
        /// Names of the adapters that were found but did not match.
        seen: String,
    },
    /// The adapter refused to create a device.
    #[error("could not open a device on adapter `{adapter}`: {source}")]
    RequestDevice {
        /// Adapter name.
        adapter: String,
        /// wgpu's reason.
        source: wgpu::RequestDeviceError,
    },
    /// The GPU did not finish in time.
    #[error(
        "the GPU did not finish within {seconds} s ({what}); the driver may be hung or the batch too large"
    )]
    Timeout {
        /// What was being waited for.
        what: &'static str,
        /// The bound.
        seconds: u64,
    },
    /// The GPU reported an error while waiting or mapping.
    #[error("GPU error while {what}: {message}")]
    Gpu {
        /// What was being done.
        what: &'static str,
        /// Driver message.
        message: String,
    },
    /// A validation error raised by wgpu while recording or submitting work.
    #[error("GPU validation error in {what}: {message}")]
    Validation {
        /// What was being done.
        what: String,
        /// wgpu's message.
        message: String,
    },
    /// Unknown substrate name.
    #[error("unknown substrate `{name}`; valid substrates: {valid}")]
    UnknownSubstrate {
        /// What was asked for.
        name: String,
        /// Comma-separated list of valid names.
        valid: String,
    },
    /// A parameter is out of range or malformed.
    #[error("invalid {what}: {message}")]
    Invalid {
        /// The parameter (e.g. `rule`, `grid size`).
        what: String,
        /// What was wrong and what would be valid.
        message: String,
    },
    /// A genome vector has the wrong length or non-finite values.
    #[error("invalid genome for `{substrate}`: {message}")]
    Genome {
        /// Substrate name.
        substrate: String,
        /// What was wrong and what would be valid.
        message: String,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A file was read but its content is not valid.
    #[error("{path}: {message}")]
    File {
        /// The file.
        path: PathBuf,
        /// What was wrong and what would be valid.
        message: String,
    },
}

/// Result with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub(crate) fn invalid(what: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid {
            what: what.into(),
            message: message.into(),
        }
    }

    pub(crate) fn file(path: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Self::File {
            path: path.into(),
            message: message.into(),
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}
