//! Model registry: `list / pull / verify / path` for standard ONNX exports on the Hugging Face hub.
//!
//! Files land in `$ASAL_HOME/models/<name>/<path in repo>` (`ASAL_HOME` defaults to
//! `$XDG_CACHE_HOME/asal`, else `~/.cache/asal`). Sizes and SHA-256 hashes are not hard-coded: at
//! pull time the hub's tree API (`/api/models/<repo>/tree/<rev>?recursive=1`) gives each file's size
//! and, for LFS files (every ONNX file), its `lfs.oid`, which *is* the SHA-256 of the content. Small
//! git files (JSON configs) have no SHA-256 there; their size is checked, and the hash computed at
//! download time is recorded. Everything lands in `asal-manifest.json` in the model folder, which
//! `verify` checks against later.
//!
//! Downloads go to `$ASAL_HOME/partial/<name>/<path>.part`, resume with an HTTP `Range` request when
//! interrupted, are checked for size and hash, fsynced, and renamed into place, so the model folder
//! never holds a half-written file. `ASAL_HF_MIRROR` (or [`Registry::new`]'s base URL) replaces
//! `https://huggingface.co` for offline sites; a mirror must serve the same two URL shapes
//! (`/api/models/...` and `/<repo>/resolve/<rev>/<path>`).

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{FmError, Result};

/// Default hub.
pub const HF_BASE: &str = "https://huggingface.co";

/// A model the registry can pull.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelEntry {
    /// Registry name, e.g. "clip-vit-b32".
    pub name: String,
    /// Hub repository, e.g. "Xenova/clip-vit-base-patch32".
    pub repo: String,
    /// Git revision (branch, tag or commit).
    pub revision: String,
    /// Files to fetch, relative to the repository root.
    pub files: Vec<String>,
    /// Whether the model embeds text (CLIP) or only images (DINOv2).
    pub text: bool,
    /// One line for `asal models list`.
    pub description: String,
}

fn entry(
    name: &str,
    repo: &str,
    onnx: &[&str],
    extra: &[&str],
    text: bool,
    description: &str,
) -> ModelEntry {
    ModelEntry {
        name: name.into(),
        repo: repo.into(),
        revision: "main".into(),
        files: onnx.iter().chain(extra).map(|s| s.to_string()).collect(),
        text,
        description: description.into(),
    }
}

/// The built-in entries (transformers.js exports: `onnx/` plus the processor files).
pub fn builtin_entries() -> Vec<ModelEntry> {
    let clip_meta = ["config.json", "tokenizer.json", "preprocessor_config.json"];
    let dino_meta = ["config.json", "preprocessor_config.json"];
    let b32 = "Xenova/clip-vit-base-patch32";
    let l14 = "Xenova/clip-vit-large-patch14";
    vec![
        entry(
            "clip-vit-b32",
            b32,
            &["onnx/vision_model.onnx", "onnx/text_model.onnx"],
            &clip_meta,
            true,
            "OpenAI CLIP ViT-B/32, fp32 (the original ASAL model, 512-d)",
        ),
        entry(
            "clip-vit-b32-fp16",
            b32,
            &["onnx/vision_model_fp16.onnx", "onnx/text_model_fp16.onnx"],
            &clip_meta,
            true,
            "CLIP ViT-B/32, fp16 weights (for GPU providers)",
        ),
        entry(
            "clip-vit-b32-quantized",
            b32,
            &[
                "onnx/vision_model_quantized.onnx",
                "onnx/text_model_quantized.onnx",
            ],
            &clip_meta,
            true,
            "CLIP ViT-B/32, int8-quantised (smallest, CPU)",
        ),
        entry(
            "clip-vit-l14",
            l14,
            &["onnx/vision_model.onnx", "onnx/text_model.onnx"],
            &clip_meta,
            true,
            "OpenAI CLIP ViT-L/14, fp32 (768-d)",
        ),
        entry(
            "clip-vit-l14-fp16",
            l14,
            &["onnx/vision_model_fp16.onnx", "onnx/text_model_fp16.onnx"],
            &clip_meta,
            true,
            "CLIP ViT-L/14, fp16 weights",
        ),
        entry(
            "dinov2-small",
            "Xenova/dinov2-small",
            &["onnx/model.onnx"],
            &dino_meta,
            false,
            "DINOv2 ViT-S/14, image-only (384-d)",
        ),
        entry(
            "dinov2-base",
            "Xenova/dinov2-base",
            &["onnx/model.onnx"],
            &dino_meta,
            false,
            "DINOv2 ViT-B/14, image-only (768-d, the original's ablation)",
        ),
    ]
}

/// Size and hash of one file, as expected and as recorded after download.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRecord {
    /// Path relative to the model folder.
    pub path: String,
    /// Size in bytes.
    pub size: u64,
    /// Lower-case hex SHA-256 of the content.
    pub sha256: String,
    /// Whether the hash came from the hub (LFS oid) rather than being computed locally.
    pub hub_hash: bool,
}

/// `asal-manifest.json`: what a complete pull wrote.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Manifest {
    /// Registry name.
    pub name: String,
    /// Hub repository.
    pub repo: String,
    /// Revision pulled.
    pub revision: String,
    /// The files.
    pub files: Vec<FileRecord>,
}

/// Local state of a registry model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelStatus {
    /// Nothing downloaded.
    Missing,
    /// A pull started but did not finish (resume with another pull).
    Partial,
    /// All files present (run `verify` to check hashes).
    Complete,
}

/// Progress of a pull, for progress bars.
#[derive(Debug, Clone, Copy)]
pub struct Progress<'a> {
    /// The file being fetched.
    pub file: &'a str,
    /// Bytes of it present so far.
    pub done: u64,
    /// Its total size.
    pub total: u64,
}

/// The registry: entries, local folder and hub base URL.
#[derive(Debug, Clone)]
pub struct Registry {
    home: PathBuf,
    base_url: String,
    entries: Vec<ModelEntry>,
}

/// `$ASAL_HOME`, else `$XDG_CACHE_HOME/asal`, else `~/.cache/asal`.
pub fn asal_home() -> Result<PathBuf> {
    let var = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(h) = var("ASAL_HOME") {
        return Ok(h);
    }
    if let Some(x) = var("XDG_CACHE_HOME") {
        return Ok(x.join("asal"));
    }
    var("HOME")
        .map(|h| h.join(".cache").join("asal"))
        .ok_or(FmError::InvalidOption {
            field: "ASAL_HOME",
            value: String::new(),
            expected: "set ASAL_HOME (or HOME / XDG_CACHE_HOME) to a folder for downloaded models",
        })
}

impl Registry {
    /// The built-in entries, `ASAL_HOME` and `ASAL_HF_MIRROR` from the environment.
    pub fn from_env() -> Result<Self> {
        let base = std::env::var("ASAL_HF_MIRROR")
            .ok()
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| HF_BASE.into());
        Ok(Self::new(asal_home()?, &base, builtin_entries()))
    }

    /// A registry with explicit folder, base URL and entries.
    pub fn new(home: impl Into<PathBuf>, base_url: &str, entries: Vec<ModelEntry>) -> Self {
        Self {
            home: home.into(),
            base_url: base_url.trim_end_matches('/').to_string(),
            entries,
        }
    }

    /// All entries.
    pub fn entries(&self) -> &[ModelEntry] {
        &self.entries
    }

    /// The local folder models land in.
    pub fn home(&self) -> &Path {
        &self.home
    }

    /// The entry called `name`.
    pub fn entry(&self, name: &str) -> Result<&ModelEntry> {
        self.entries
            .iter()
            .find(|e| e.name == name)
            .ok_or_else(|| FmError::UnknownModel {
                name: name.to_string(),
                known: self
                    .entries
                    .iter()
                    .map(|e| e.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// Where the model's files go (whether or not they exist).
    pub fn model_dir(&self, name: &str) -> Result<PathBuf> {
        Ok(self.home.join("models").join(&self.entry(name)?.name))
    }

    fn partial_dir(&self, name: &str) -> PathBuf {
        self.home.join("partial").join(name)
    }

    /// Local state of the model.
    pub fn status(&self, name: &str) -> Result<ModelStatus> {
        let dir = self.model_dir(name)?;
        if dir.join(MANIFEST).is_file() {
            return Ok(ModelStatus::Complete);
        }
        if dir.exists() || self.partial_dir(name).exists() {
            return Ok(ModelStatus::Partial);
        }
        Ok(ModelStatus::Missing)
    }

    /// Every entry with its local state.
    pub fn list(&self) -> Vec<(&ModelEntry, ModelStatus)> {
        self.entries
            .iter()
            .map(|e| (e, self.status(&e.name).unwrap_or(ModelStatus::Missing)))
            .collect()
    }

    /// The folder of a completely pulled model.
    pub fn path(&self, name: &str) -> Result<PathBuf> {
        let dir = self.model_dir(name)?;
        if self.status(name)? != ModelStatus::Complete {
            return Err(FmError::NotDownloaded {
                name: name.to_string(),
                dir,
            });
        }
        Ok(dir)
    }

    fn agent() -> ureq::Agent {
        ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_connect(Some(std::time::Duration::from_secs(30)))
            // A stalled transfer fails (and resumes on the next pull) rather than hanging forever.
            .timeout_recv_body(Some(std::time::Duration::from_secs(120)))
            .build()
            .into()
    }

    /// Sizes and hashes of the entry's files from the hub's tree listing.
    fn remote_records(&self, e: &ModelEntry, agent: &ureq::Agent) -> Result<Vec<FileRecord>> {
        let url = format!(
            "{}/api/models/{}/tree/{}?recursive=1",
            self.base_url, e.repo, e.revision
        );
        let dl = |message: String| FmError::Download {
            url: url.clone(),
            message,
        };
        let mut resp = agent.get(&url).call().map_err(|err| dl(err.to_string()))?;
        if resp.status() != 200 {
            return Err(dl(format!("HTTP {}", resp.status())));
        }
        let body = resp
            .body_mut()
            .read_to_string()
            .map_err(|err| dl(err.to_string()))?;
        let listing: Vec<TreeItem> =
            serde_json::from_str(&body).map_err(|err| dl(format!("bad listing: {err}")))?;
        e.files
            .iter()
            .map(|f| {
                let item = listing
                    .iter()
                    .find(|i| &i.path == f)
                    .ok_or_else(|| dl(format!("the repository has no file '{f}'")))?;
                Ok(match &item.lfs {
                    Some(lfs) => FileRecord {
                        path: f.clone(),
                        size: lfs.size,
                        sha256: lfs.oid.to_ascii_lowercase(),
                        hub_hash: true,
                    },
                    None => FileRecord {
                        path: f.clone(),
                        size: item.size,
                        sha256: String::new(),
                        hub_hash: false,
                    },
                })
            })
            .collect()
    }

    /// Downloads (or completes) the model; returns its folder. Already complete files are kept.
    pub fn pull(&self, name: &str, progress: &mut dyn FnMut(Progress<'_>)) -> Result<PathBuf> {
        let e = self.entry(name)?.clone();
        let dir = self.model_dir(name)?;
        let partial = self.partial_dir(name);
        let agent = Self::agent();
        let records = self.remote_records(&e, &agent)?;
        let mut landed = Vec::new();
        for mut rec in records {
            let target = dir.join(&rec.path);
            if target.is_file() {
                // Only trust a present file that still checks out; otherwise fetch it again.
                if let Ok(hash) = check_file(&target, &rec) {
                    rec.sha256 = hash;
                    progress(Progress {
                        file: &rec.path,
                        done: rec.size,
                        total: rec.size,
                    });
                    landed.push(rec);
                    continue;
                }
            }
            let part = partial.join(format!("{}.part", rec.path));
            let url = format!(
                "{}/{}/resolve/{}/{}",
                self.base_url, e.repo, e.revision, rec.path
            );
            download(&agent, &url, &part, rec.size, &rec.path, progress)?;
            let hash = match check_file(&part, &rec) {
                Ok(h) => h,
                Err(err) => {
                    // A wrong file must not be resumed from either: start clean next time.
                    let _ = std::fs::remove_file(&part);
                    return Err(err);
                }
            };
            rec.sha256 = hash;
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)
                    .map_err(|err| FmError::io("creating", parent, err))?;
            }
            std::fs::rename(&part, &target)
                .map_err(|err| FmError::io("moving into place", &target, err))?;
            landed.push(rec);
        }
        let manifest = Manifest {
            name: e.name.clone(),
            repo: e.repo.clone(),
            revision: e.revision.clone(),
            files: landed,
        };
        write_atomic(
            &dir.join(MANIFEST),
            &serde_json::to_vec_pretty(&manifest).map_err(|err| FmError::Config {
                path: dir.join(MANIFEST),
                message: err.to_string(),
            })?,
        )?;
        let _ = std::fs::remove_dir_all(&partial);
        Ok(dir)
    }

    /// Re-checks every file of a pulled model against its manifest (size and SHA-256).
    pub fn verify(&self, name: &str) -> Result<Manifest> {
        let dir = self.path(name)?;
        let mpath = dir.join(MANIFEST);
        let text = std::fs::read(&mpath).map_err(|e| FmError::io("reading", &mpath, e))?;
        let manifest: Manifest = serde_json::from_slice(&text).map_err(|e| FmError::Config {
            path: mpath.clone(),
            message: e.to_string(),
        })?;
        for rec in &manifest.files {
            check_file(&dir.join(&rec.path), rec)?;
        }
        Ok(manifest)
    }
}

const MANIFEST: &str = "asal-manifest.json";

#[derive(Debug, Deserialize)]
struct TreeItem {
    path: String,
    #[serde(default)]
    size: u64,
    #[serde(default)]
    lfs: Option<LfsInfo>,
}

#[derive(Debug, Deserialize)]
struct LfsInfo {
    oid: String,
    size: u64,
}

/// Checks size (and SHA-256 when known); returns the computed hash.
fn check_file(path: &Path, rec: &FileRecord) -> Result<String> {
    let meta = std::fs::metadata(path).map_err(|e| FmError::io("reading", path, e))?;
    if meta.len() != rec.size {
        return Err(FmError::Integrity {
            path: path.to_path_buf(),
            message: format!("size is {} bytes, expected {}", meta.len(), rec.size),
        });
    }
    let hash = sha256_file(path)?;
    if !rec.sha256.is_empty() && hash != rec.sha256 {
        return Err(FmError::Integrity {
            path: path.to_path_buf(),
            message: format!("sha256 is {hash}, expected {}", rec.sha256),
        });
    }
    Ok(hash)
}

/// Lower-case hex SHA-256 of a file.
pub fn sha256_file(path: &Path) -> Result<String> {
    let mut f = std::fs::File::open(path).map_err(|e| FmError::io("opening", path, e))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f
            .read(&mut buf)
            .map_err(|e| FmError::io("reading", path, e))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// Writes `bytes` to a temp file beside `path`, fsyncs, renames over `path`.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let tmp = path.with_extension("tmp");
    let mut f = std::fs::File::create(&tmp).map_err(|e| FmError::io("creating", &tmp, e))?;
    f.write_all(bytes)
        .map_err(|e| FmError::io("writing", &tmp, e))?;
    f.sync_all().map_err(|e| FmError::io("syncing", &tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| FmError::io("moving into place", path, e))
}

/// Fetches `url` into `part`, resuming from its current length with a Range request.
fn download(
    agent: &ureq::Agent,
    url: &str,
    part: &Path,
    size: u64,
    label: &str,
    progress: &mut dyn FnMut(Progress<'_>),
) -> Result<()> {
    let dl = |message: String| FmError::Download {
        url: url.to_string(),
        message,
    };
    if let Some(parent) = part.parent() {
        std::fs::create_dir_all(parent).map_err(|e| FmError::io("creating", parent, e))?;
    }
    let mut have = std::fs::metadata(part).map(|m| m.len()).unwrap_or(0);
    if have > size {
        // Longer than the file can be: stale from another revision.
        std::fs::remove_file(part).map_err(|e| FmError::io("removing", part, e))?;
        have = 0;
    }
    if have == size {
        return Ok(());
    }
    let mut req = agent.get(url);
    if have > 0 {
        req = req.header("Range", format!("bytes={have}-"));
        tracing::info!(file = label, offset = have, "resuming download");
    }
    let resp = req.call().map_err(|e| dl(e.to_string()))?;
    let status = resp.status().as_u16();
    let append = match status {
        206 if have > 0 => true,
        // The server ignored the Range (or there was none): start over.
        200 => false,
        416 => {
            return Err(dl(
                "server rejected the resume offset (HTTP 416); the partial file was removed".into(),
            ))
            .inspect_err(|_| {
                let _ = std::fs::remove_file(part);
            });
        }
        s => return Err(dl(format!("HTTP {s}"))),
    };
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .append(append)
        .truncate(!append)
        .open(part)
        .map_err(|e| FmError::io("opening", part, e))?;
    let mut done = if append { have } else { 0 };
    let mut reader = resp.into_body().into_reader();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = reader.read(&mut buf).map_err(|e| {
            dl(format!(
                "{e} after {done} of {size} bytes (run the pull again to resume)"
            ))
        })?;
        if n == 0 {
            break;
        }
        file.write_all(&buf[..n])
            .map_err(|e| FmError::io("writing", part, e))?;
        done += n as u64;
        progress(Progress {
            file: label,
            done,
            total: size,
        });
    }
    file.sync_all()
        .map_err(|e| FmError::io("syncing", part, e))?;
    if done < size {
        // The server closed without an error (no Content-Length): keep the bytes for the next pull.
        return Err(dl(format!(
            "connection closed after {done} of {size} bytes (run the pull again to resume)"
        )));
    }
    Ok(())
}
