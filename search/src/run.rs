//! Run directories.
//!
//! ```text
//! RUN/
//!   config.toml            the resolved config
//!   log.jsonl              one LogEntry per generation
//!   checkpoint/state.json  optimiser state + RNG (previous one kept as state.prev.json)
//!   creatures/NAME.json    creature files (+ NAME.safetensors for genomes > 4096 values)
//!   population.safetensors final population (illumination), or every evaluated member (sweeps)
//! ```
//!
//! A sweep's `population.safetensors` ([`Members`]) is written before each checkpoint, so it
//! always holds at least the members the checkpoint counts; a resumed run cuts it back to them.
//!
//! Files that must never be half-written (config, checkpoints, creatures, population) are written
//! to a temporary file, fsynced, renamed over the target and the directory fsynced, so a crash or
//! full disk leaves the previous version intact.

use std::collections::BTreeMap;
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use asal_substrates::creature::Creature;

use crate::error::{Error, Result};
use crate::optim::Population;

/// Version of the checkpoint format written by this crate (creature files are versioned by
/// `asal_substrates::creature`).
pub const FORMAT_VERSION: u32 = 2;
/// This crate's version, recorded in checkpoints and creatures.
pub const ENGINE_VERSION: &str = env!("CARGO_PKG_VERSION");

const CONFIG_FILE: &str = "config.toml";
const LOG_FILE: &str = "log.jsonl";
const CHECKPOINT_DIR: &str = "checkpoint";
const CHECKPOINT_FILE: &str = "state.json";
const CHECKPOINT_PREV: &str = "state.prev.json";
const CREATURE_DIR: &str = "creatures";
const POPULATION_FILE: &str = "population.safetensors";

/// How to treat an existing directory when opening a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenMode {
    /// Start a new run; an existing non-empty directory is an error.
    New,
    /// Continue the run in an existing directory.
    Resume,
    /// Start a new run, deleting whatever the directory held.
    Force,
}

/// One generation in `log.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogEntry {
    /// Generation (0-based).
    pub generation: u64,
    /// Best fitness in this generation (illumination: the population's score).
    pub best_fitness: f32,
    /// Mean fitness in this generation.
    pub mean_fitness: f32,
    /// Best fitness so far.
    pub best_so_far: f32,
    /// Optimiser step size, if it has one.
    pub sigma: Option<f64>,
    /// Candidates evaluated.
    #[serde(default)]
    pub evaluated: u64,
    /// Rollouts the pre-filter scored without the model.
    #[serde(default)]
    pub skipped: u64,
    /// Frames rendered.
    #[serde(default)]
    pub frames: u64,
    /// Frames sent to the model (before its cache).
    #[serde(default)]
    pub embedded: u64,
    /// Candidates per second of this generation's wall time.
    #[serde(default)]
    pub genomes_per_s: f64,
    /// Frames per second of this generation's wall time.
    #[serde(default)]
    pub frames_per_s: f64,
    /// Seconds spent per stage (init, simulate, prefilter, embed, objective, optimise) and the
    /// evaluation's wall time (`evaluate`; simulation and embedding overlap when chunked).
    pub seconds: BTreeMap<String, f64>,
}

impl LogEntry {
    /// The entry without its timings: what must agree between a resumed and an uninterrupted run.
    pub fn without_timings(&self) -> Self {
        Self {
            genomes_per_s: 0.0,
            frames_per_s: 0.0,
            seconds: BTreeMap::new(),
            ..self.clone()
        }
    }
}

/// Checkpoint envelope around an optimiser's state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Checkpoint<T> {
    /// [`FORMAT_VERSION`].
    pub format_version: u32,
    /// Generations completed when written.
    pub generation: u64,
    /// The RNG the state's generator is ([`crate::RNG_NAME`]).
    pub rng: String,
    /// [`ENGINE_VERSION`] that wrote it.
    pub engine_version: String,
    /// The optimiser (or pipeline) state.
    pub state: T,
}

/// Owned embeddings with their dimension: (row-major values, dim).
pub type Embeddings = (Vec<f32>, usize);

/// Every member a sweep evaluated, in evaluation order, as `population.safetensors` stores it:
/// tensors `genomes` [n, dim], `embeddings` [n, emb_dim] (the unit mean over rollouts of the
/// last scored frame's embedding; all zeros for a member whose every rollout was pre-filtered),
/// `fitness` [n] and `generation` [n] (as f32, exact below 2^24). An illumination population has
/// only the first two (the gallery reads both kinds with [`RunStore::load_members`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Members {
    /// Genomes, row-major.
    pub genomes: Vec<f32>,
    /// Genome length.
    pub dim: usize,
    /// Embeddings, row-major (empty when the file has none).
    pub embeddings: Vec<f32>,
    /// Embedding length (0 when there are none).
    pub emb_dim: usize,
    /// Fitness per member (empty when not stored).
    pub fitness: Vec<f32>,
    /// Generation each member was evaluated in (empty when not stored).
    pub generation: Vec<f32>,
}

impl Members {
    /// Number of members.
    pub fn len(&self) -> usize {
        self.genomes.len().checked_div(self.dim).unwrap_or(0)
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends one generation's members: `genomes` (n × `dim`), their `embeddings`
    /// (n × `emb_dim`) and fitness.
    pub fn push(
        &mut self,
        genomes: &[f32],
        dim: usize,
        embeddings: &[f32],
        emb_dim: usize,
        fitness: &[f32],
        generation: u64,
    ) -> Result<()> {
        let n = fitness.len();
        if genomes.len() != n * dim || embeddings.len() != n * emb_dim {
            return Err(Error::shape("sweep members", n * dim, genomes.len()));
        }
        if !self.is_empty() && (dim != self.dim || emb_dim != self.emb_dim) {
            return Err(Error::Invalid(format!(
                "sweep members: genome/embedding dims {dim}/{emb_dim}, earlier {}/{}",
                self.dim, self.emb_dim
            )));
        }
        self.dim = dim;
        self.emb_dim = emb_dim;
        self.genomes.extend_from_slice(genomes);
        self.embeddings.extend_from_slice(embeddings);
        self.fitness.extend_from_slice(fitness);
        self.generation
            .extend(std::iter::repeat_n(generation as f32, n));
        Ok(())
    }

    /// Keeps the first `n` members.
    pub fn truncate(&mut self, n: usize) {
        self.genomes.truncate(n * self.dim);
        self.embeddings.truncate(n * self.emb_dim);
        self.fitness.truncate(n);
        self.generation.truncate(n);
    }
}

/// A run directory.
#[derive(Debug, Clone)]
pub struct RunStore {
    dir: PathBuf,
}

impl RunStore {
    /// Open `dir` for a run whose resolved config is `config_toml`.
    ///
    /// `New` refuses an existing non-empty directory, `Force` clears it first, `Resume` requires
    /// an existing run (its `config.toml` is kept; compare it with [`RunStore::config_toml`]).
    pub fn open(dir: impl Into<PathBuf>, config_toml: &str, mode: OpenMode) -> Result<Self> {
        let dir = dir.into();
        let occupied = match fs::read_dir(&dir) {
            Ok(mut entries) => entries.next().is_some(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
            Err(e) => return Err(Error::io(&dir, e)),
        };
        match mode {
            OpenMode::New if occupied => return Err(Error::RunExists(dir)),
            OpenMode::Resume => {
                if !dir.join(CONFIG_FILE).is_file() {
                    return Err(Error::Format {
                        path: dir.clone(),
                        message: "not a run directory (no config.toml) to resume".into(),
                    });
                }
                return Ok(Self { dir });
            }
            OpenMode::Force if occupied => {
                fs::remove_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
            }
            _ => {}
        }
        for sub in [CHECKPOINT_DIR, CREATURE_DIR] {
            let p = dir.join(sub);
            fs::create_dir_all(&p).map_err(|e| Error::io(&p, e))?;
        }
        let store = Self { dir };
        write_atomic(&store.dir.join(CONFIG_FILE), config_toml.as_bytes())?;
        Ok(store)
    }

    /// The run directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The stored `config.toml`.
    pub fn config_toml(&self) -> Result<String> {
        let p = self.dir.join(CONFIG_FILE);
        fs::read_to_string(&p).map_err(|e| Error::io(&p, e))
    }

    /// Append one line to `log.jsonl` and flush it to disk.
    pub fn append_log(&self, entry: &LogEntry) -> Result<()> {
        let p = self.dir.join(LOG_FILE);
        let mut line = serde_json::to_string(entry).map_err(|e| Error::Format {
            path: p.clone(),
            message: e.to_string(),
        })?;
        line.push('\n');
        let mut f = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&p)
            .map_err(|e| Error::io(&p, e))?;
        f.write_all(line.as_bytes()).map_err(|e| Error::io(&p, e))?;
        f.sync_data().map_err(|e| Error::io(&p, e))
    }

    /// All log entries. A last line without its newline (being written, or cut by a crash) is
    /// ignored; a malformed complete line is an error naming its line number.
    pub fn read_log(&self) -> Result<Vec<LogEntry>> {
        let p = self.dir.join(LOG_FILE);
        let text = match fs::read_to_string(&p) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(Error::io(&p, e)),
        };
        let complete = match text.rfind('\n') {
            Some(i) => &text[..i],
            None => "",
        };
        complete
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| {
                serde_json::from_str(l).map_err(|e| Error::Format {
                    path: p.clone(),
                    message: format!("line {}: {e}", i + 1),
                })
            })
            .collect()
    }

    /// Keep only log entries of generations before `generation` (on resume from a checkpoint
    /// written after `generation` generations, so the log matches an uninterrupted run).
    pub fn truncate_log(&self, generation: u64) -> Result<()> {
        let kept: Vec<LogEntry> = self
            .read_log()?
            .into_iter()
            .filter(|e| e.generation < generation)
            .collect();
        let mut text = String::new();
        for e in &kept {
            let line = serde_json::to_string(e).map_err(|err| Error::Format {
                path: self.dir.join(LOG_FILE),
                message: err.to_string(),
            })?;
            text.push_str(&line);
            text.push('\n');
        }
        write_atomic(&self.dir.join(LOG_FILE), text.as_bytes())
    }

    /// Write a checkpoint atomically; the previous one is kept as `state.prev.json`.
    pub fn save_checkpoint<T: Serialize>(&self, generation: u64, state: &T) -> Result<()> {
        let dir = self.dir.join(CHECKPOINT_DIR);
        let path = dir.join(CHECKPOINT_FILE);
        let envelope = Checkpoint {
            format_version: FORMAT_VERSION,
            generation,
            rng: crate::RNG_NAME.to_string(),
            engine_version: ENGINE_VERSION.to_string(),
            state,
        };
        let bytes = serde_json::to_vec(&envelope).map_err(|e| Error::Format {
            path: path.clone(),
            message: format!("cannot serialise checkpoint: {e}"),
        })?;
        let tmp = dir.join(format!("{CHECKPOINT_FILE}.tmp"));
        write_synced(&tmp, &bytes)?;
        if path.exists() {
            let prev = dir.join(CHECKPOINT_PREV);
            fs::rename(&path, &prev).map_err(|e| Error::io(&prev, e))?;
        }
        fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
        sync_dir(&dir)
    }

    /// The latest checkpoint, or `None` if the run has none. Falls back to the previous one only
    /// when the latest is absent (a crash between the two renames); a present but unreadable
    /// checkpoint is [`Error::CorruptCheckpoint`] and nothing is modified.
    pub fn load_checkpoint<T: DeserializeOwned>(&self) -> Result<Option<Checkpoint<T>>> {
        let dir = self.dir.join(CHECKPOINT_DIR);
        let path = [CHECKPOINT_FILE, CHECKPOINT_PREV]
            .iter()
            .map(|f| dir.join(f))
            .find(|p| p.is_file());
        let Some(path) = path else {
            return Ok(None);
        };
        let bytes = fs::read(&path).map_err(|e| Error::io(&path, e))?;
        let corrupt = |message: String| Error::CorruptCheckpoint {
            path: path.clone(),
            message,
        };
        let value: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|e| corrupt(format!("not valid JSON ({e})")))?;
        let version = value
            .get("format_version")
            .and_then(serde_json::Value::as_u64);
        if version != Some(u64::from(FORMAT_VERSION)) {
            return Err(corrupt(format!(
                "format_version {version:?}, this engine reads {FORMAT_VERSION}"
            )));
        }
        let cp: Checkpoint<T> = serde_json::from_value(value)
            .map_err(|e| corrupt(format!("does not match the optimiser state ({e})")))?;
        if cp.rng != crate::RNG_NAME {
            return Err(corrupt(format!(
                "written with RNG {:?}, this engine uses {:?}",
                cp.rng,
                crate::RNG_NAME
            )));
        }
        Ok(Some(cp))
    }

    /// Save a creature as `creatures/NAME.json` (genome in `NAME.safetensors` when longer than
    /// `asal_substrates::creature::INLINE_GENOME_MAX`). Returns the JSON path.
    pub fn save_creature(&self, name: &str, creature: &Creature) -> Result<PathBuf> {
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            || name.starts_with('.')
        {
            return Err(Error::Invalid(format!(
                "creature name {name:?} must be non-empty ASCII letters, digits, '-', '_' or '.'"
            )));
        }
        let path = self.dir.join(CREATURE_DIR).join(format!("{name}.json"));
        creature.write(&path)?;
        Ok(path)
    }

    /// Write `name` in the run directory atomically (e.g. `ranked.tsv`).
    pub fn write_file(&self, name: &str, bytes: &[u8]) -> Result<()> {
        write_atomic(&self.dir.join(name), bytes)
    }

    /// Creature files in this run, sorted by name.
    pub fn creature_paths(&self) -> Result<Vec<PathBuf>> {
        let dir = self.dir.join(CREATURE_DIR);
        let mut out: Vec<PathBuf> = fs::read_dir(&dir)
            .map_err(|e| Error::io(&dir, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        out.sort();
        Ok(out)
    }

    /// Write `population.safetensors`: tensor `genomes` [n, dim], optionally `embeddings`
    /// [n, emb_dim] and `fitness` [n].
    pub fn save_population(
        &self,
        population: &Population,
        embeddings: Option<(&[f32], usize)>,
        fitness: Option<&[f32]>,
    ) -> Result<()> {
        let path = self.dir.join(POPULATION_FILE);
        let mut tensors = vec![(
            "genomes".to_string(),
            vec![population.n, population.dim],
            population.genomes.as_slice(),
        )];
        if let Some((e, d)) = embeddings {
            if e.len() != population.n * d {
                return Err(Error::shape(
                    "population embeddings",
                    population.n * d,
                    e.len(),
                ));
            }
            tensors.push(("embeddings".into(), vec![population.n, d], e));
        }
        if let Some(f) = fitness {
            if f.len() != population.n {
                return Err(Error::shape("population fitness", population.n, f.len()));
            }
            tensors.push(("fitness".into(), vec![population.n], f));
        }
        let bytes = safetensors_bytes(&tensors, &path)?;
        write_atomic(&path, &bytes)
    }

    /// Write a sweep's members as `population.safetensors` (see [`Members`]).
    pub fn save_members(&self, members: &Members) -> Result<()> {
        let path = self.dir.join(POPULATION_FILE);
        let n = members.len();
        let consistent = members.embeddings.len() == n * members.emb_dim
            && members.fitness.len() == n
            && members.generation.len() == n;
        if !consistent || members.emb_dim == 0 {
            return Err(Error::Format {
                path,
                message: format!(
                    "{n} members need {n} × {} embeddings, {n} fitness and {n} generation values",
                    members.emb_dim
                ),
            });
        }
        let tensors = vec![
            (
                "genomes".to_string(),
                vec![n, members.dim],
                members.genomes.as_slice(),
            ),
            (
                "embeddings".to_string(),
                vec![n, members.emb_dim],
                members.embeddings.as_slice(),
            ),
            ("fitness".to_string(), vec![n], members.fitness.as_slice()),
            (
                "generation".to_string(),
                vec![n],
                members.generation.as_slice(),
            ),
        ];
        let bytes = safetensors_bytes(&tensors, &path)?;
        write_atomic(&path, &bytes)
    }

    /// Read `population.safetensors` with whatever it holds (illumination: genomes and
    /// embeddings; sweeps: also fitness and generation), or `None` when the run has none.
    /// A tensor of the wrong shape is an error naming it.
    pub fn load_members(&self) -> Result<Option<Members>> {
        let path = self.dir.join(POPULATION_FILE);
        let bytes = match fs::read(&path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(&path, e)),
        };
        let st = safetensors::SafeTensors::deserialize(&bytes).map_err(|e| Error::Format {
            path: path.clone(),
            message: e.to_string(),
        })?;
        let (genomes, shape) = read_f32(&st, "genomes", &path)?;
        let [n, dim] = shape[..] else {
            return Err(Error::Format {
                path,
                message: format!("genomes must be 2-D, got shape {shape:?}"),
            });
        };
        let names: Vec<String> = st.names().into_iter().map(str::to_owned).collect();
        let has = |name: &str| names.iter().any(|x| x == name);
        let bad = |name: &str, shape: &[usize]| Error::Format {
            path: path.clone(),
            message: format!("tensor {name} has shape {shape:?}; {n} members were expected"),
        };
        let (embeddings, emb_dim) = if has("embeddings") {
            let (e, s) = read_f32(&st, "embeddings", &path)?;
            match s[..] {
                [rows, d] if rows == n => (e, d),
                _ => return Err(bad("embeddings", &s)),
            }
        } else {
            (Vec::new(), 0)
        };
        let column = |name: &str| -> Result<Vec<f32>> {
            if !has(name) {
                return Ok(Vec::new());
            }
            let (v, s) = read_f32(&st, name, &path)?;
            if s[..] != [n] {
                return Err(bad(name, &s));
            }
            Ok(v)
        };
        let fitness = column("fitness")?;
        let generation = column("generation")?;
        Ok(Some(Members {
            genomes,
            dim,
            embeddings,
            emb_dim,
            fitness,
            generation,
        }))
    }

    /// Read `population.safetensors`: genomes, and embeddings (with their dim) if present.
    pub fn load_population(&self) -> Result<(Population, Option<Embeddings>)> {
        let path = self.dir.join(POPULATION_FILE);
        let bytes = fs::read(&path).map_err(|e| Error::io(&path, e))?;
        let st = safetensors::SafeTensors::deserialize(&bytes).map_err(|e| Error::Format {
            path: path.clone(),
            message: e.to_string(),
        })?;
        let (genomes, shape) = read_f32(&st, "genomes", &path)?;
        let [n, dim] = shape[..] else {
            return Err(Error::Format {
                path,
                message: format!("genomes must be 2-D, got shape {shape:?}"),
            });
        };
        let pop = Population::new(genomes, n, dim)?;
        let emb = match read_f32(&st, "embeddings", &path) {
            Ok((e, s)) if s.len() == 2 => Some((e, s[1])),
            _ => None,
        };
        Ok((pop, emb))
    }
}

fn safetensors_bytes(tensors: &[(String, Vec<usize>, &[f32])], path: &Path) -> Result<Vec<u8>> {
    let raw: Vec<(String, Vec<usize>, Vec<u8>)> = tensors
        .iter()
        .map(|(n, s, d)| {
            (
                n.clone(),
                s.clone(),
                d.iter().flat_map(|v| v.to_le_bytes()).collect(),
            )
        })
        .collect();
    let views = raw
        .iter()
        .map(|(n, s, b)| {
            safetensors::tensor::TensorView::new(safetensors::Dtype::F32, s.clone(), b)
                .map(|v| (n.clone(), v))
        })
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| Error::Format {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
    safetensors::tensor::serialize(views, None).map_err(|e| Error::Format {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

fn read_f32(
    st: &safetensors::SafeTensors<'_>,
    name: &str,
    path: &Path,
) -> Result<(Vec<f32>, Vec<usize>)> {
    let t = st.tensor(name).map_err(|e| Error::Format {
        path: path.to_path_buf(),
        message: format!("tensor {name}: {e}"),
    })?;
    if t.dtype() != safetensors::Dtype::F32 {
        return Err(Error::Format {
            path: path.to_path_buf(),
            message: format!("tensor {name} is {:?}, expected F32", t.dtype()),
        });
    }
    let v = t
        .data()
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    Ok((v, t.shape().to_vec()))
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = File::create(path).map_err(|e| Error::io(path, e))?;
    f.write_all(bytes).map_err(|e| Error::io(path, e))?;
    f.sync_all().map_err(|e| Error::io(path, e))
}

fn sync_dir(dir: &Path) -> Result<()> {
    // Directory fsync makes the rename durable; not every platform can open a directory.
    if let Ok(d) = File::open(dir) {
        d.sync_all().map_err(|e| Error::io(dir, e))?;
    }
    Ok(())
}

/// Temp file, fsync, rename, fsync the directory: the target is either old or new, never torn.
fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.tmp"));
    if let Err(e) = write_synced(&tmp, bytes) {
        let _ = fs::remove_file(&tmp);
        return Err(e);
    }
    fs::rename(&tmp, path).map_err(|e| Error::io(path, e))?;
    sync_dir(dir)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;
    use crate::SearchRng;
    use crate::optim::{AnyOptimiser, Optimiser, SepCmaEs, SepCmaEsConfig};

    fn entry(g: u64) -> LogEntry {
        LogEntry {
            generation: g,
            best_fitness: -(g as f32),
            mean_fitness: 0.5,
            best_so_far: -(g as f32),
            sigma: Some(0.1),
            evaluated: 4,
            skipped: 0,
            frames: 8,
            embedded: 8,
            genomes_per_s: 1.0,
            frames_per_s: 2.0,
            seconds: BTreeMap::from([("simulate".to_string(), 0.25)]),
        }
    }

    #[test]
    fn existing_dir_needs_resume_or_force() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("run");
        let store = RunStore::open(&dir, "a = 1\n", OpenMode::New).unwrap();
        store.append_log(&entry(0)).unwrap();
        assert!(matches!(
            RunStore::open(&dir, "a = 2\n", OpenMode::New),
            Err(Error::RunExists(_))
        ));
        assert_eq!(
            store.config_toml().unwrap(),
            "a = 1\n",
            "refusal touched nothing"
        );
        let resumed = RunStore::open(&dir, "a = 2\n", OpenMode::Resume).unwrap();
        assert_eq!(resumed.config_toml().unwrap(), "a = 1\n");
        assert_eq!(resumed.read_log().unwrap().len(), 1);
        let forced = RunStore::open(&dir, "a = 3\n", OpenMode::Force).unwrap();
        assert_eq!(forced.config_toml().unwrap(), "a = 3\n");
        assert!(forced.read_log().unwrap().is_empty());
        assert!(RunStore::open(tmp.path().join("none"), "", OpenMode::Resume).is_err());
    }

    #[test]
    fn log_tolerates_partial_last_line_and_truncates() {
        let tmp = tempfile::tempdir().unwrap();
        let store = RunStore::open(tmp.path().join("r"), "", OpenMode::New).unwrap();
        for g in 0..4 {
            store.append_log(&entry(g)).unwrap();
        }
        let log = store.dir().join(LOG_FILE);
        let mut f = OpenOptions::new().append(true).open(&log).unwrap();
        f.write_all(b"{\"generation\": 4, \"best_fit").unwrap();
        drop(f);
        let entries = store.read_log().unwrap();
        assert_eq!(entries, (0..4).map(entry).collect::<Vec<_>>());
        store.truncate_log(2).unwrap();
        assert_eq!(store.read_log().unwrap(), vec![entry(0), entry(1)]);
        // A broken complete line is an error naming it.
        fs::write(&log, "{\"generation\": 0}\n{}\n").unwrap();
        let e = store.read_log().unwrap_err().to_string();
        assert!(e.contains("line 1"), "{e}");
    }

    #[test]
    fn checkpoint_round_trip_keeps_previous_and_reports_corruption() {
        let tmp = tempfile::tempdir().unwrap();
        let store = RunStore::open(tmp.path().join("r"), "", OpenMode::New).unwrap();
        assert!(store.load_checkpoint::<AnyOptimiser>().unwrap().is_none());
        let mut opt = AnyOptimiser::SepCmaEs(
            SepCmaEs::new(
                SepCmaEsConfig {
                    dim: 3,
                    popsize: 4,
                    ..Default::default()
                },
                SearchRng::from_seed(1),
            )
            .unwrap(),
        );
        store.save_checkpoint(0, &opt).unwrap();
        let p = opt.ask().unwrap();
        opt.tell(&vec![1.0; p.n]).unwrap();
        store.save_checkpoint(1, &opt).unwrap();
        let cp = store.load_checkpoint::<AnyOptimiser>().unwrap().unwrap();
        assert_eq!(cp.generation, 1);
        assert_eq!(cp.state, opt);
        let cdir = store.dir().join(CHECKPOINT_DIR);
        assert!(cdir.join(CHECKPOINT_PREV).is_file());
        // Corrupt the latest: a clear error, and both files stay as they were.
        fs::write(cdir.join(CHECKPOINT_FILE), b"{\"format_version\": 1, \"gen").unwrap();
        let before_prev = fs::read(cdir.join(CHECKPOINT_PREV)).unwrap();
        let e = store.load_checkpoint::<AnyOptimiser>().unwrap_err();
        assert!(matches!(e, Error::CorruptCheckpoint { .. }), "{e}");
        assert!(e.to_string().contains("corrupt checkpoint"), "{e}");
        assert_eq!(fs::read(cdir.join(CHECKPOINT_PREV)).unwrap(), before_prev);
        assert_eq!(
            fs::read(cdir.join(CHECKPOINT_FILE)).unwrap(),
            b"{\"format_version\": 1, \"gen"
        );
        // A state of the wrong kind is also reported, not misread.
        store.save_checkpoint(2, &vec![1u8, 2]).unwrap();
        assert!(matches!(
            store.load_checkpoint::<AnyOptimiser>(),
            Err(Error::CorruptCheckpoint { .. })
        ));
        // With the latest missing (crash between renames), the previous one is used.
        fs::remove_file(cdir.join(CHECKPOINT_FILE)).unwrap();
        fs::write(
            cdir.join(CHECKPOINT_PREV),
            serde_json::to_vec(&Checkpoint {
                format_version: FORMAT_VERSION,
                generation: 1,
                rng: crate::RNG_NAME.into(),
                engine_version: ENGINE_VERSION.into(),
                state: opt.clone(),
            })
            .unwrap(),
        )
        .unwrap();
        assert_eq!(
            store
                .load_checkpoint::<AnyOptimiser>()
                .unwrap()
                .unwrap()
                .state,
            opt
        );
    }

    #[test]
    fn creatures_are_substrate_creature_files() {
        let tmp = tempfile::tempdir().unwrap();
        let store = RunStore::open(tmp.path().join("r"), "", OpenMode::New).unwrap();
        let c: Creature = serde_json::from_value(serde_json::json!({
            "format": "asal-creature", "version": 1, "substrate": "gol", "genome": [6152.0],
            "score": -0.5, "model": "pixels", "generation": 3
        }))
        .unwrap();
        let p = store.save_creature("best-000", &c).unwrap();
        assert_eq!(Creature::read(&p).unwrap(), c);
        assert_eq!(store.creature_paths().unwrap(), vec![p]);
        assert!(store.save_creature("../escape", &c).is_err());
    }

    #[test]
    fn members_round_trip_and_truncate() {
        let tmp = tempfile::tempdir().unwrap();
        let store = RunStore::open(tmp.path().join("r"), "", OpenMode::New).unwrap();
        assert_eq!(store.load_members().unwrap(), None);
        let mut m = Members::default();
        m.push(&[1.0, 2.0], 1, &[0.6, 0.8, 1.0, 0.0], 2, &[-0.5, -0.25], 0)
            .unwrap();
        m.push(&[3.0], 1, &[0.0, 0.0], 2, &[1.0], 1).unwrap();
        assert!(m.push(&[3.0], 1, &[0.0; 3], 3, &[1.0], 2).is_err());
        assert_eq!(m.len(), 3);
        store.save_members(&m).unwrap();
        let back = store.load_members().unwrap().unwrap();
        assert_eq!(back, m);
        assert_eq!(back.generation, vec![0.0, 0.0, 1.0]);
        // The illumination reader sees the same genomes and embeddings.
        let (pop, emb) = store.load_population().unwrap();
        assert_eq!((pop.n, pop.dim), (3, 1));
        assert_eq!(emb, Some((m.embeddings.clone(), 2)));
        let mut cut = back.clone();
        cut.truncate(2);
        assert_eq!(cut.len(), 2);
        assert_eq!(cut.embeddings, vec![0.6, 0.8, 1.0, 0.0]);
        assert_eq!(cut.fitness, vec![-0.5, -0.25]);
        // An illumination population loads with no fitness or generation.
        let pop = Population::new(vec![5.0, 6.0], 2, 1).unwrap();
        store
            .save_population(&pop, Some((&[1.0, 0.0, 0.0, 1.0], 2)), None)
            .unwrap();
        let ill = store.load_members().unwrap().unwrap();
        assert_eq!((ill.len(), ill.emb_dim), (2, 2));
        assert!(ill.fitness.is_empty() && ill.generation.is_empty());
    }

    #[test]
    fn population_round_trip() {
        let tmp = tempfile::tempdir().unwrap();
        let store = RunStore::open(tmp.path().join("r"), "", OpenMode::New).unwrap();
        let pop = Population::new((0..12).map(|i| i as f32).collect(), 4, 3).unwrap();
        let emb: Vec<f32> = (0..8).map(|i| i as f32 / 8.0).collect();
        store
            .save_population(&pop, Some((&emb, 2)), Some(&[1.0, 2.0, 3.0, 4.0]))
            .unwrap();
        let (p2, e2) = store.load_population().unwrap();
        assert_eq!(p2, pop);
        assert_eq!(e2, Some((emb, 2)));
        assert!(store.save_population(&pop, None, Some(&[1.0])).is_err());
    }
}
