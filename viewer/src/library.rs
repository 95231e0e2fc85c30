//! What the explorer has opened: run directories and creature files, as one list of creatures
//! with their substrate, objective and score, sorted and filtered for the run browser.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use asal_gallery::run::Run;
use asal_substrates::creature::Creature;

/// One creature the explorer can show.
#[derive(Clone, Debug)]
pub struct Entry {
    /// Display name (the creature's `name`, else the file stem).
    pub name: String,
    /// The creature.
    pub creature: Creature,
    /// The file it came from, if any (variants and interpolations have none until saved).
    pub path: Option<PathBuf>,
    /// The run it belongs to (its directory name), if any.
    pub run: Option<String>,
}

impl Entry {
    /// Canonical substrate name (the file's own spelling when it is not a known name).
    #[must_use]
    pub fn substrate(&self) -> String {
        asal_substrates::canonical_name(&self.creature.substrate)
            .map_or_else(|_| self.creature.substrate.clone(), str::to_owned)
    }

    /// The objective as short text (`kind` and prompts), or an empty string.
    #[must_use]
    pub fn objective(&self) -> String {
        let Some(o) = &self.creature.objective else {
            return String::new();
        };
        let kind = o
            .get("kind")
            .and_then(serde_json::Value::as_str)
            .unwrap_or("");
        let prompts: Vec<&str> = o
            .get("prompts")
            .and_then(serde_json::Value::as_array)
            .map(|a| a.iter().filter_map(serde_json::Value::as_str).collect())
            .unwrap_or_default();
        if prompts.is_empty() {
            kind.to_owned()
        } else {
            format!("{kind}: {}", prompts.join(" -> "))
        }
    }

    /// A key that is equal for creatures that can share one GPU batch (substrate and settings).
    #[must_use]
    pub fn batch_key(&self) -> String {
        format!("{}|{}", self.substrate(), self.creature.config)
    }
}

/// Columns the creature list sorts by.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum SortKey {
    /// Display name.
    Name,
    /// Substrate name.
    Substrate,
    /// Objective text.
    Objective,
    /// Score (lower is better; creatures without one last).
    Score,
}

impl SortKey {
    /// All keys, in column order.
    // Score second: the list panel clips its right edge first, and the score is what users sort by.
    pub const ALL: [SortKey; 4] = [Self::Name, Self::Score, Self::Substrate, Self::Objective];

    /// Column title.
    #[must_use]
    pub fn title(self) -> &'static str {
        match self {
            Self::Name => "Name",
            Self::Substrate => "Substrate",
            Self::Objective => "Objective",
            Self::Score => "Score",
        }
    }
}

/// An opened run directory.
#[derive(Clone, Debug)]
pub struct RunInfo {
    /// The directory.
    pub dir: PathBuf,
    /// Its name.
    pub name: String,
    /// Generations in its log.
    pub generations: usize,
    /// Best fitness so far, from the last log line.
    pub best_so_far: Option<f64>,
}

/// Everything opened so far.
#[derive(Default)]
pub struct Library {
    /// Opened runs.
    pub runs: Vec<RunInfo>,
    /// All creatures, in the order they were opened.
    pub entries: Vec<Entry>,
}

impl Library {
    /// Opens a run directory, a folder of creature files, or one creature file, and adds its
    /// creatures. Returns how many were added. Nothing is added when anything in it is bad.
    pub fn open(&mut self, path: &Path) -> Result<usize> {
        let added = if path.is_dir() {
            if path.join("config.toml").is_file() {
                self.read_run(path)?
            } else {
                read_folder(path)?
            }
        } else if path.is_file() {
            vec![read_creature(path)?]
        } else {
            bail!("{}: no such file or directory", path.display());
        };
        let n = added.len();
        // Opening the same file again refreshes it instead of listing it twice.
        for entry in added {
            match self
                .entries
                .iter_mut()
                .find(|e| e.path.is_some() && e.path == entry.path)
            {
                Some(old) => *old = entry,
                None => self.entries.push(entry),
            }
        }
        Ok(n)
    }

    fn read_run(&mut self, dir: &Path) -> Result<Vec<Entry>> {
        let run = Run::load(dir).with_context(|| format!("opening run {}", dir.display()))?;
        let info = RunInfo {
            dir: dir.to_path_buf(),
            name: run.name.clone(),
            generations: run.log.len(),
            best_so_far: run.log.last().map(|g| g.best_so_far),
        };
        match self.runs.iter_mut().find(|r| r.dir == info.dir) {
            Some(old) => *old = info,
            None => self.runs.push(info),
        }
        Ok(run
            .creatures
            .into_iter()
            .map(|c| Entry {
                name: c.name,
                creature: c.creature,
                path: Some(c.path),
                run: Some(run.name.clone()),
            })
            .collect())
    }

    /// Indices of entries whose name, substrate, objective or run contains `filter`
    /// (case-insensitive), sorted by `key`.
    #[must_use]
    pub fn view(&self, filter: &str, key: SortKey, descending: bool) -> Vec<usize> {
        let needle = filter.trim().to_lowercase();
        let mut idx: Vec<usize> = (0..self.entries.len())
            .filter(|&i| {
                let e = &self.entries[i];
                needle.is_empty()
                    || [
                        e.name.as_str(),
                        &e.substrate(),
                        &e.objective(),
                        e.run.as_deref().unwrap_or(""),
                    ]
                    .iter()
                    .any(|s| s.to_lowercase().contains(&needle))
            })
            .collect();
        let e = &self.entries;
        idx.sort_by(|&a, &b| {
            let order = match key {
                SortKey::Name => e[a].name.cmp(&e[b].name),
                SortKey::Substrate => e[a].substrate().cmp(&e[b].substrate()),
                SortKey::Objective => e[a].objective().cmp(&e[b].objective()),
                SortKey::Score => {
                    let s = |i: usize| e[i].creature.score.map_or(f32::INFINITY, |s| s);
                    s(a).total_cmp(&s(b))
                }
            };
            if descending { order.reverse() } else { order }
        });
        idx
    }
}

/// Reads and checks one creature file: a known substrate with valid settings and genome.
pub fn read_creature(path: &Path) -> Result<Entry> {
    let creature = Creature::read(path).with_context(|| {
        format!(
            "{} is not a creature file (a JSON file written by `asal search`, or one of assets/creatures/)",
            path.display()
        )
    })?;
    check_creature(&creature).with_context(|| format!("{}", path.display()))?;
    let name = creature.name.clone().unwrap_or_else(|| {
        path.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    });
    Ok(Entry {
        name,
        creature,
        path: Some(path.to_path_buf()),
        run: None,
    })
}

/// Checks that a creature can be simulated: its substrate builds and its genome fits.
pub fn check_creature(creature: &Creature) -> Result<()> {
    let substrate = creature.substrate()?;
    creature.genome_for(substrate.as_ref())?;
    Ok(())
}

/// Every `*.json` creature file directly in `dir`, sorted by name.
fn read_folder(dir: &Path) -> Result<Vec<Entry>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    paths.sort();
    if paths.is_empty() {
        bail!(
            "{} is neither a run directory (no config.toml) nor a folder of creature files (no *.json)",
            dir.display()
        );
    }
    paths.iter().map(|p| read_creature(p)).collect()
}
