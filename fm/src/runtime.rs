//! Finding and loading the ONNX Runtime shared library.
//!
//! `ort` is built with `load-dynamic`: nothing is linked at build time, so the build works offline and
//! one binary runs with whichever runtime (CPU or CUDA build) the machine has. The library is searched
//! in this order, and the first one that loads wins:
//!
//! 1. `ORT_DYLIB_PATH` (a file, or a folder holding the library);
//! 2. the project-local install made by `scripts/install-onnxruntime.sh`: `$ASAL_ORT_DIR/lib`, else
//!    `.ort/lib` in the current directory or any parent (so tests and the CLI find it from anywhere in
//!    the repository), else `.ort/lib` beside or above the running executable;
//! 3. an importable Python `onnxruntime` (its `capi/` folder);
//! 4. the system library paths (`LD_LIBRARY_PATH`, the loader's default search).
//!
//! Setting `ORT_DYLIB_PATH` pins the library: then it is the only place tried, because silently
//! loading some other library would hide the misconfiguration (and a different version).
//!
//! Loading happens once per process ([`runtime_info`]); a failure lists every place tried.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::error::{FmError, Result};

/// The loaded ONNX Runtime: where it came from, its version and the execution providers it has.
#[derive(Debug, Clone)]
pub struct RuntimeInfo {
    /// The shared library that was loaded.
    pub library: PathBuf,
    /// How it was found (e.g. "ORT_DYLIB_PATH", "project install", "python onnxruntime").
    pub source: String,
    /// Version, e.g. "1.31.1" (from the runtime's build string).
    pub version: String,
    /// Execution providers compiled into the loaded library, e.g. ["cpu", "cuda"].
    pub providers: Vec<String>,
}

/// A loaded runtime: its info and the process-wide `ort` environment.
pub(crate) struct Runtime {
    pub(crate) info: RuntimeInfo,
    pub(crate) env: ort::environment::Environment,
}

static RUNTIME: OnceLock<std::result::Result<Runtime, FmError>> = OnceLock::new();

/// Loads ONNX Runtime (once per process) and returns what was loaded.
pub fn runtime_info() -> Result<RuntimeInfo> {
    runtime().map(|r| r.info.clone())
}

/// The process-wide runtime, loading it on first use. A failure is remembered: a process gets one
/// attempt, because a library that loaded cannot be swapped for another.
pub(crate) fn runtime() -> Result<&'static Runtime> {
    match RUNTIME.get_or_init(load) {
        Ok(r) => Ok(r),
        // `load` only produces these two variants; `FmError` is not `Clone` (it can hold io::Error).
        Err(FmError::RuntimeInit { library, message }) => Err(FmError::RuntimeInit {
            library: library.clone(),
            message: message.clone(),
        }),
        Err(FmError::RuntimeNotFound { tried }) => Err(FmError::RuntimeNotFound {
            tried: tried.clone(),
        }),
        Err(other) => Err(FmError::RuntimeNotFound {
            tried: other.to_string(),
        }),
    }
}

/// File name of the library on this platform.
fn lib_name() -> String {
    format!(
        "{}onnxruntime{}",
        std::env::consts::DLL_PREFIX,
        std::env::consts::DLL_SUFFIX
    )
}

/// One place to look, and how it was found.
struct Candidate {
    path: PathBuf,
    source: &'static str,
}

/// The explicit and project-local candidates, in search order. Folders are expanded to the library
/// file inside them.
fn candidates() -> Vec<Candidate> {
    let mut out = Vec::new();
    let name = lib_name();
    let mut push_file_or_dir = |p: PathBuf, source: &'static str| {
        if p.is_dir() {
            out.push(Candidate {
                path: p.join(&name),
                source,
            });
        } else {
            out.push(Candidate { path: p, source });
        }
    };
    if let Some(p) = std::env::var_os("ORT_DYLIB_PATH").filter(|p| !p.is_empty()) {
        push_file_or_dir(PathBuf::from(p), "ORT_DYLIB_PATH");
    }
    if let Some(p) = std::env::var_os("ASAL_ORT_DIR").filter(|p| !p.is_empty()) {
        push_file_or_dir(PathBuf::from(p).join("lib"), "ASAL_ORT_DIR");
    }
    let mut roots: Vec<PathBuf> = Vec::new();
    if let Ok(cwd) = std::env::current_dir() {
        roots.push(cwd);
    }
    if let Some(dir) = std::env::current_exe()
        .ok()
        .and_then(|e| e.parent().map(Path::to_path_buf))
    {
        roots.push(dir);
    }
    // Tests and builds inside the repository: the crate's own source tree sits one level below the root.
    roots.push(PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    let mut seen = Vec::new();
    for root in roots {
        for dir in root.ancestors() {
            let lib = dir.join(".ort").join("lib");
            if lib.is_dir() && !seen.contains(&lib) {
                seen.push(lib.clone());
                push_file_or_dir(lib, "project install (.ort/lib)");
            }
        }
    }
    out
}

/// The candidates after the project-local ones. Separate so that Python is only started when
/// nothing nearer worked.
fn late_candidates() -> Vec<Candidate> {
    let name = lib_name();
    let mut out = Vec::new();
    if let Some(dir) = python_onnxruntime_dir() {
        out.push(Candidate {
            path: dir.join("capi").join(&name),
            source: "python onnxruntime",
        });
    }
    // Last: the bare name, resolved by the system loader (LD_LIBRARY_PATH, ldconfig cache, ...).
    out.push(Candidate {
        path: PathBuf::from(&name),
        source: "system library path",
    });
    out
}

/// The folder of an importable Python `onnxruntime`, if any.
fn python_onnxruntime_dir() -> Option<PathBuf> {
    let python = std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_string());
    let out = std::process::Command::new(python)
        .args([
            "-c",
            "import onnxruntime, os; print(os.path.dirname(onnxruntime.__file__))",
        ])
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let dir = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!dir.is_empty()).then(|| PathBuf::from(dir))
}

/// The Python wheel ships the library only under a versioned name (`libonnxruntime.so.1.31.1`).
fn resolve_versioned(path: &Path) -> Option<PathBuf> {
    if path.exists() || path.parent().is_none_or(|p| p.as_os_str().is_empty()) {
        return Some(path.to_path_buf());
    }
    let dir = path.parent()?;
    let stem = path.file_name()?.to_str()?;
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(stem) || n.starts_with(&stem.replace(".dylib", ".")))
        })
        .filter(|p| !p.to_string_lossy().contains("providers"))
        .collect();
    found.sort();
    found.pop()
}

fn load() -> Result<Runtime> {
    let mut tried = Vec::new();
    let pinned = std::env::var_os("ORT_DYLIB_PATH").is_some_and(|p| !p.is_empty());
    let search: Box<dyn Iterator<Item = Candidate>> = if pinned {
        // `candidates` lists ORT_DYLIB_PATH first when it is set.
        Box::new(candidates().into_iter().take(1))
    } else {
        Box::new(
            candidates()
                .into_iter()
                .chain(std::iter::once_with(late_candidates).flatten()),
        )
    };
    for c in search {
        let Some(path) = resolve_versioned(&c.path) else {
            tried.push(format!(
                "  - {} ({}): not found",
                c.path.display(),
                c.source
            ));
            continue;
        };
        match ort::init_from(&path) {
            Ok(builder) => {
                let env = builder
                    .with_name("asal")
                    .build()
                    .map_err(|e| FmError::RuntimeInit {
                        library: path.clone(),
                        message: e.to_string(),
                    })?;
                let info = RuntimeInfo {
                    library: path.clone(),
                    source: c.source.to_string(),
                    version: version_from_file_name(&path)
                        .or_else(|| version_from_build_info(ort::info()))
                        .unwrap_or_else(|| format!("unknown ({})", ort::info())),
                    providers: available_providers(),
                };
                tracing::info!(
                    library = %info.library.display(),
                    version = %info.version,
                    providers = ?info.providers,
                    "loaded ONNX Runtime ({})",
                    info.source
                );
                return Ok(Runtime { info, env });
            }
            Err(e) => tried.push(format!("  - {} ({}): {e}", path.display(), c.source)),
        }
    }
    if pinned {
        tried.push(
            "  (ORT_DYLIB_PATH pins the library, so no other place was searched; unset it to search)"
                .into(),
        );
        return Err(FmError::RuntimeNotFound {
            tried: tried.join("\n"),
        });
    }
    // Also name the places that did not even yield a candidate, so the list is complete.
    let sources = tried.clone();
    let named = |s: &str| sources.iter().any(|t| t.contains(s));
    if !named("(ORT_DYLIB_PATH)") {
        tried.push("  - ORT_DYLIB_PATH: not set".into());
    }
    if !named("(ASAL_ORT_DIR)") {
        tried.push("  - ASAL_ORT_DIR: not set".into());
    }
    if !named("(project install") {
        tried.push(
            "  - .ort/lib (scripts/install-onnxruntime.sh): none in the current directory, beside the executable, \
             or in any of their parent directories"
                .into(),
        );
    }
    if !named("(python onnxruntime)") {
        tried.push("  - python onnxruntime: `python3 -c 'import onnxruntime'` failed (set PYTHON to choose the interpreter)".into());
    }
    // Keep the search order: the system loader came last.
    if let Some(i) = tried
        .iter()
        .position(|t| t.contains("(system library path)"))
    {
        let system = tried.remove(i);
        tried.push(system);
    }
    Err(FmError::RuntimeNotFound {
        tried: tried.join("\n"),
    })
}

/// The version in a library file name (`libonnxruntime.so.1.31.1`, `libonnxruntime.1.31.1.dylib`),
/// following symlinks. `ort` offers no safe accessor for the runtime's version string, and official
/// builds name their library this way.
fn version_from_file_name(path: &Path) -> Option<String> {
    let real = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    let name = real.file_name()?.to_str()?;
    let rest = &name[name.find("onnxruntime")? + "onnxruntime".len()..];
    let digits: Vec<&str> = rest
        .split('.')
        .filter(|part| !part.is_empty() && part.chars().all(|c| c.is_ascii_digit()))
        .collect();
    (digits.len() >= 2).then(|| digits.join("."))
}

/// Parses "git-branch=rel-1.31.1" out of ONNX Runtime's build string (present in release-branch builds).
fn version_from_build_info(info: &str) -> Option<String> {
    let rest = &info[info.find("rel-")? + 4..];
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let v = rest[..end].trim_end_matches('.');
    (!v.is_empty()).then(|| v.to_string())
}

/// Providers compiled into the loaded library, by our short names.
fn available_providers() -> Vec<String> {
    use ort::ep::ExecutionProvider as _;
    let mut out = vec!["cpu".to_string()];
    type Probe = fn() -> ort::Result<bool>;
    let checks: [(&str, Probe); 4] = [
        ("cuda", ort::ep::CUDA::is_available),
        ("tensorrt", ort::ep::TensorRT::is_available),
        ("coreml", ort::ep::CoreML::is_available),
        ("directml", ort::ep::DirectML::is_available),
    ];
    for (name, available) in checks {
        if available().unwrap_or(false) {
            out.push(name.to_string());
        }
    }
    out
}

/// Where a model runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ExecutionProvider {
    /// The CPU provider (always present).
    #[default]
    Cpu,
    /// NVIDIA CUDA (needs the `onnxruntime-gpu` build).
    Cuda,
    /// NVIDIA TensorRT (needs the `onnxruntime-gpu` build and TensorRT libraries).
    TensorRt,
    /// Apple CoreML (macOS builds).
    CoreMl,
    /// DirectML (Windows builds).
    DirectMl,
}

impl ExecutionProvider {
    /// The short name used on the command line and in configs.
    pub fn name(self) -> &'static str {
        match self {
            Self::Cpu => "cpu",
            Self::Cuda => "cuda",
            Self::TensorRt => "tensorrt",
            Self::CoreMl => "coreml",
            Self::DirectMl => "directml",
        }
    }

    /// Whether it runs on a GPU (then fp16 model files are preferred).
    pub fn is_gpu(self) -> bool {
        !matches!(self, Self::Cpu)
    }

    fn install_hint(self) -> &'static str {
        match self {
            Self::Cpu => "the CPU provider is always built in",
            Self::Cuda | Self::TensorRt => {
                "install the CUDA build with `scripts/install-onnxruntime.sh --gpu` (needs an NVIDIA driver and CUDA 12 libraries)"
            }
            Self::CoreMl => "CoreML is only in the macOS builds of ONNX Runtime",
            Self::DirectMl => "DirectML is only in the Windows onnxruntime-directml build",
        }
    }

    /// The `ort` dispatch for this provider, failing (not falling back silently) when it cannot register.
    pub(crate) fn dispatch(self) -> Result<ort::ep::ExecutionProviderDispatch> {
        let rt = runtime()?;
        if !rt.info.providers.iter().any(|p| p == self.name()) {
            return Err(FmError::ProviderUnavailable {
                provider: self.name().to_string(),
                library: rt.info.library.clone(),
                hint: self.install_hint(),
            });
        }
        Ok(match self {
            Self::Cpu => ort::ep::CPU::default().build(),
            Self::Cuda => ort::ep::CUDA::default().build(),
            Self::TensorRt => ort::ep::TensorRT::default().build(),
            Self::CoreMl => ort::ep::CoreML::default().build(),
            Self::DirectMl => ort::ep::DirectML::default().build(),
        }
        .error_on_failure())
    }
}

impl std::str::FromStr for ExecutionProvider {
    type Err = FmError;

    fn from_str(s: &str) -> Result<Self> {
        Ok(match s.trim().to_ascii_lowercase().as_str() {
            "cpu" => Self::Cpu,
            "cuda" | "gpu" => Self::Cuda,
            "tensorrt" | "trt" => Self::TensorRt,
            "coreml" => Self::CoreMl,
            "directml" | "dml" => Self::DirectMl,
            _ => return Err(FmError::UnknownProvider(s.to_string())),
        })
    }
}

impl std::fmt::Display for ExecutionProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_version_from_build_string() {
        let s = "ORT Build Info: git-branch=rel-1.31.1, git-commit-id=abc, build type=Release";
        assert_eq!(version_from_build_info(s).as_deref(), Some("1.31.1"));
        assert_eq!(version_from_build_info("no version here"), None);
        let v = |s: &str| version_from_file_name(Path::new(s));
        assert_eq!(v("/x/libonnxruntime.so.1.31.1").as_deref(), Some("1.31.1"));
        assert_eq!(
            v("/x/libonnxruntime.1.24.0.dylib").as_deref(),
            Some("1.24.0")
        );
        assert_eq!(v("/nonexistent/libonnxruntime.so"), None);
    }

    #[test]
    fn search_order_ends_with_the_system_loader() {
        assert_eq!(
            late_candidates().last().map(|c| c.source),
            Some("system library path")
        );
        let c = candidates();
        // From inside the repository the project-local install folder is always a candidate when it exists.
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../.ort/lib");
        if root.is_dir() {
            assert!(c.iter().any(|c| c.source.starts_with("project install")));
        }
    }

    #[test]
    fn versioned_library_names_resolve_like_the_python_wheel_ships_them() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let name = lib_name();
        for f in [
            format!("{name}.1.31.1"),
            "libonnxruntime_providers_shared.so".to_string(),
        ] {
            std::fs::write(tmp.path().join(f), b"").expect("write");
        }
        let got = resolve_versioned(&tmp.path().join(&name));
        assert_eq!(got, Some(tmp.path().join(format!("{name}.1.31.1"))));
        let empty = tempfile::tempdir().expect("temp dir");
        assert_eq!(resolve_versioned(&empty.path().join(&name)), None);
        // A bare name is left to the system loader.
        assert_eq!(
            resolve_versioned(Path::new(&name)),
            Some(PathBuf::from(&name))
        );
    }

    #[test]
    fn not_found_error_says_how_to_install() {
        let e = FmError::RuntimeNotFound {
            tried: "  - /a/libonnxruntime.so (ORT_DYLIB_PATH): not found".into(),
        };
        let msg = e.to_string();
        for needle in [
            "/a/libonnxruntime.so",
            "scripts/install-onnxruntime.sh",
            "ORT_DYLIB_PATH",
            "--gpu",
        ] {
            assert!(msg.contains(needle), "{msg}");
        }
    }

    #[test]
    fn provider_names_round_trip() {
        for ep in [
            ExecutionProvider::Cpu,
            ExecutionProvider::Cuda,
            ExecutionProvider::TensorRt,
            ExecutionProvider::CoreMl,
            ExecutionProvider::DirectMl,
        ] {
            assert_eq!(ep.name().parse::<ExecutionProvider>().ok(), Some(ep));
        }
        assert!(matches!(
            "vulkan".parse::<ExecutionProvider>(),
            Err(FmError::UnknownProvider(_))
        ));
    }
}
