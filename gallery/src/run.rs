//! Reading run directories for export: everything is loaded and checked before any simulation, so
//! bad input fails fast and never leaves a partial site.

use std::path::{Path, PathBuf};

use asal_search::run::{Members, OpenMode, RunStore};
use asal_substrates::creature::Creature;

use crate::error::{Error, Result};

/// One generation of the run's log (what the fitness plot needs).
#[derive(Clone, Debug, PartialEq)]
pub struct Generation {
    /// Generation index.
    pub generation: u64,
    /// Best fitness of the generation (minimised).
    pub best: f64,
    /// Mean fitness.
    pub mean: f64,
    /// Best so far.
    pub best_so_far: f64,
}

/// A creature file of a run.
#[derive(Clone, Debug)]
pub struct RunCreature {
    /// The file.
    pub path: PathBuf,
    /// Its name (the `name` field, else the file stem).
    pub name: String,
    /// The parsed creature.
    pub creature: Creature,
}

/// A run directory as the gallery sees it.
#[derive(Clone, Debug)]
pub struct Run {
    /// The directory.
    pub dir: PathBuf,
    /// Display name (the directory's name).
    pub name: String,
    /// `config.toml`, parsed loosely (only display fields are read, so any config version works).
    pub config: toml::Table,
    /// The log.
    pub log: Vec<Generation>,
    /// Creature files, sorted by file name.
    pub creatures: Vec<RunCreature>,
    /// `population.safetensors` when it holds embeddings: an illumination run's final population,
    /// or every member a sweep evaluated (then with fitness and generation).
    pub population: Option<Members>,
}

impl Run {
    /// Loads and checks the run at `dir`: a readable config, a parsable log, at least one creature
    /// file, each of a known substrate with a valid genome.
    pub fn load(dir: &Path) -> Result<Self> {
        if !dir.is_dir() {
            return Err(Error::NotARun {
                path: dir.into(),
                why: "no such directory".into(),
            });
        }
        if !dir.join("config.toml").is_file() {
            return Err(Error::NotARun {
                path: dir.into(),
                why: "no config.toml; give the folder `asal search` wrote".into(),
            });
        }
        let store = RunStore::open(dir, "", OpenMode::Resume).map_err(|e| Error::file(dir, e))?;
        let config_path = dir.join("config.toml");
        let config: toml::Table = store
            .config_toml()
            .map_err(|e| Error::file(&config_path, e))?
            .parse()
            .map_err(|e| Error::file(&config_path, format!("not valid TOML: {e}")))?;
        let log = store
            .read_log()
            .map_err(|e| Error::file(&dir.join("log.jsonl"), e))?
            .iter()
            .map(|e| Generation {
                generation: e.generation,
                best: f64::from(e.best_fitness),
                mean: f64::from(e.mean_fitness),
                best_so_far: f64::from(e.best_so_far),
            })
            .collect();
        let paths = if dir.join("creatures").is_dir() {
            store.creature_paths().map_err(|e| Error::file(dir, e))?
        } else {
            Vec::new()
        };
        let mut creatures = Vec::new();
        for path in paths {
            let creature = Creature::read(&path).map_err(|e| Error::file(&path, e))?;
            let substrate = creature.substrate().map_err(|e| Error::file(&path, e))?;
            creature
                .genome_for(substrate.as_ref())
                .map_err(|e| Error::file(&path, e))?;
            let name = creature.name.clone().unwrap_or_else(|| {
                path.file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_default()
            });
            creatures.push(RunCreature {
                path,
                name,
                creature,
            });
        }
        let population = store
            .load_members()
            .map_err(|e| Error::file(&dir.join("population.safetensors"), e))?
            .filter(|m| m.emb_dim > 0 && !m.is_empty());
        // Illumination runs keep a population rather than creature files: its atlas is the
        // content. Anything else without creatures has nothing to show.
        if creatures.is_empty() && population.is_none() {
            return Err(Error::NoCreatures(dir.into()));
        }
        let name = dir
            .canonicalize()
            .ok()
            .and_then(|d| d.file_name().map(|f| f.to_string_lossy().into_owned()))
            .unwrap_or_else(|| dir.display().to_string());
        Ok(Self {
            dir: dir.into(),
            name,
            config,
            log,
            creatures,
            population,
        })
    }

    /// A config value at a dotted path (`objective.kind`), as display text.
    #[must_use]
    pub fn config_str(&self, path: &str) -> Option<String> {
        let mut v: Option<&toml::Value> = None;
        for (i, key) in path.split('.').enumerate() {
            v = if i == 0 {
                self.config.get(key)
            } else {
                v.and_then(|v| v.get(key))
            };
        }
        v.map(|v| match v {
            toml::Value::String(s) => s.clone(),
            other => other.to_string(),
        })
    }

    /// Whether the run is a Life-like rule sweep (`optimiser.kind = "sweep"`).
    #[must_use]
    pub fn is_sweep(&self) -> bool {
        self.config_str("optimiser.kind").as_deref() == Some("sweep")
    }

    /// The run's config as the search crate reads it, when this build can (a config from another
    /// version may not parse; callers then fall back to the loosely read fields).
    #[must_use]
    pub fn search_config(&self) -> Option<asal_search::config::Config> {
        let path = self.dir.join("config.toml");
        let text = std::fs::read_to_string(&path).ok()?;
        asal_search::config::Config::from_toml_str(&text, &path.display().to_string()).ok()
    }

    /// The run's substrate as its config describes it (`[substrate]`: `name` and its options).
    pub fn substrate(&self) -> Result<Box<dyn asal_substrates::Substrate>> {
        let path = self.dir.join("config.toml");
        let mut table = self
            .config
            .get("substrate")
            .and_then(toml::Value::as_table)
            .cloned()
            .ok_or_else(|| Error::file(&path, "no [substrate] table"))?;
        let name = table
            .remove("name")
            .and_then(|v| v.as_str().map(str::to_owned))
            .ok_or_else(|| Error::file(&path, "[substrate] has no `name`"))?;
        let options = serde_json::to_value(&table).map_err(|e| Error::file(&path, e))?;
        asal_substrates::creature::build(&name, &options).map_err(|e| Error::file(&path, e))
    }

    /// The config's prompts (`objective.prompts`).
    #[must_use]
    pub fn prompts(&self) -> Vec<String> {
        self.config
            .get("objective")
            .and_then(|o| o.get("prompts"))
            .and_then(toml::Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(|p| p.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }
}
