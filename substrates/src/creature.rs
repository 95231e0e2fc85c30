//! Creature files: a substrate, its settings and a genome, in versioned JSON.
//!
//! A creature file is everything needed to replay a simulation: which substrate, how it is
//! configured (`config`, the substrate's own settings), the genome (inline, or absent for the
//! substrate's base genome of zeros), the seed of its initial state and its rollout length.
//! `assets/creatures/` ships the original's Lenia start pattern (5N7KKM) and Orbium.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::gol::{Gol, GolConfig, GolStart, Pattern};
use crate::lenia::{Lenia, LeniaConfig};
use crate::substrate::Substrate;

/// The `format` field of every creature file.
pub const FORMAT: &str = "asal-creature";
/// The newest format version this build writes and reads.
pub const VERSION: u32 = 1;

/// A creature file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Creature {
    /// Always [`FORMAT`].
    pub format: String,
    /// Format version, at most [`VERSION`].
    pub version: u32,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Canonical substrate name.
    pub substrate: String,
    /// The substrate's settings (see each substrate's config type).
    #[serde(default)]
    pub config: serde_json::Value,
    /// The genome; absent means all zeros (the substrate's base creature).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub genome: Option<Vec<f32>>,
    /// Seed of the initial state.
    #[serde(default)]
    pub seed: u64,
    /// Name of the random generator behind `seed` (the counter hash of this engine).
    #[serde(default = "default_rng")]
    pub rng: String,
    /// Rollout length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub steps: Option<u32>,
    /// Where a large genome lives instead of `genome`: a tensor in a safetensors file next to
    /// this JSON. [`Creature::read`] loads it into `genome`; [`Creature::write`] creates it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub genome_file: Option<GenomeFile>,
    /// The frames a search scored (steps, size and content hashes), so a replay can prove it
    /// shows exactly what the search saw.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frames: Option<CreatureFrames>,
    /// Score under `objective` (minimised), when found by a search.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub score: Option<f32>,
    /// The objective the score refers to (the search config's `[objective]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub objective: Option<serde_json::Value>,
    /// Foundation model id that embedded the frames.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// Search generation the creature was evaluated in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation: Option<u64>,
    /// Version of the engine that wrote the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engine_version: Option<String>,
    /// Per-frame novelty over the scored rollout, for creatures found by an open-endedness
    /// objective (absent in files written before it was recorded, and for other objectives).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub novelty: Option<NoveltyCurve>,
    /// Anything else (provenance, source, code) is kept as is.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

fn default_rng() -> String {
    "lowbias32-counter".into()
}

/// Genomes longer than this are written to a safetensors file by [`Creature::write`].
pub const INLINE_GENOME_MAX: usize = 4096;

/// A genome stored as an F32 tensor in a safetensors file next to the creature JSON.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenomeFile {
    /// File name, relative to the creature JSON (no directories).
    pub file: String,
    /// Tensor name.
    pub tensor: String,
    /// Number of values.
    pub len: usize,
}

/// The frames a search scored for a creature.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreatureFrames {
    /// Rendered steps (sorted), as in `RolloutSpec::frame_steps`.
    pub steps: Vec<u32>,
    /// Frame side in pixels.
    pub size: u32,
    /// Hex SHA-256 of each frame's RGBA8 bytes, one per step (empty when not recorded).
    #[serde(default)]
    pub sha256: Vec<String>,
}

/// The per-frame terms of the open-endedness objective over a creature's rollout: how similar
/// each scored frame is to its most similar earlier frame. The creature's open-endedness score is
/// the plain mean of `similarity` (see `asal_search::objectives::open_endedness_per_frame`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NoveltyCurve {
    /// The step of each value: the scored frame steps (of the first track when both parities are
    /// scored; each value then averages the frame at the step and its parity partner, the next
    /// step or, for the last state, the one before).
    /// The `drop_first` formula has no value for the first scored frame, which has no past.
    pub steps: Vec<u32>,
    /// max over earlier frames t' of ⟨z_t, z_t'⟩ for each frame t (unit embeddings; lower = more
    /// novel), averaged over the rollouts that were embedded and over the tracks.
    pub similarity: Vec<f32>,
    /// The open-endedness formula: `drop_first` or `reference` (frame 0 counts as 0 and values
    /// are clamped at 0).
    pub formula: String,
    /// Rollouts averaged (pre-filtered rollouts have no embeddings and are left out).
    pub rollouts: u32,
}

impl Creature {
    /// Reads and checks a creature file.
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let creature: Creature = serde_json::from_str(&text)
            .map_err(|e| Error::file(path, format!("not a creature file: {e}")))?;
        if creature.format != FORMAT {
            return Err(Error::file(
                path,
                format!("`format` is `{}`, expected `{FORMAT}`", creature.format),
            ));
        }
        if creature.version > VERSION {
            return Err(Error::file(
                path,
                format!(
                    "format version {} is newer than this build reads ({VERSION}); upgrade asal",
                    creature.version
                ),
            ));
        }
        let mut creature = creature;
        if let Some(gf) = &creature.genome_file {
            if creature.genome.is_some() {
                return Err(Error::file(
                    path,
                    "give either `genome` or `genome_file`, not both",
                ));
            }
            creature.genome = Some(read_genome_file(path, gf)?);
        }
        Ok(creature)
    }

    /// Writes the creature atomically as pretty JSON; a genome longer than
    /// [`INLINE_GENOME_MAX`] goes to `<stem>.safetensors` next to it (tensor `genome`).
    pub fn write(&self, path: &Path) -> Result<()> {
        let mut record = self.clone();
        if let Some(g) = self.genome.as_ref().filter(|g| g.len() > INLINE_GENOME_MAX) {
            let tensor_path = path.with_extension("safetensors");
            let file = tensor_path
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .ok_or_else(|| Error::file(path, "not a file path"))?;
            let tensors = std::collections::BTreeMap::from([(
                "genome".to_string(),
                crate::tensors::Tensor::f32(&[g.len()], g.clone()),
            )]);
            crate::tensors::write_tensors(&tensor_path, &tensors)?;
            record.genome = None;
            record.genome_file = Some(GenomeFile {
                file,
                tensor: "genome".into(),
                len: g.len(),
            });
        }
        let text = serde_json::to_string_pretty(&record)
            .map_err(|e| Error::file(path, format!("cannot serialise creature: {e}")))?;
        crate::tensors::write_atomic(path, text.as_bytes())
    }

    /// Builds the creature's substrate.
    pub fn substrate(&self) -> Result<Box<dyn Substrate>> {
        build(&self.substrate, &self.config)
    }

    /// The genome, or the base genome of zeros.
    pub fn genome_for(&self, substrate: &dyn Substrate) -> Result<Vec<f32>> {
        let genome = self
            .genome
            .clone()
            .unwrap_or_else(|| vec![0.0; substrate.genome().dim()]);
        substrate.genome().validate(&genome)?;
        Ok(genome)
    }
}

/// Reads a genome referenced by `genome_file` of the creature at `path`.
fn read_genome_file(path: &Path, gf: &GenomeFile) -> Result<Vec<f32>> {
    if gf.file.contains(['/', '\\']) || gf.file.starts_with('.') {
        return Err(Error::file(
            path,
            format!(
                "genome_file {:?} must be a plain file name next to the creature",
                gf.file
            ),
        ));
    }
    let file = crate::tensors::TensorFile::read(&path.with_file_name(&gf.file))?;
    let t = file.get(&gf.tensor)?;
    let crate::tensors::TensorData::F32(values) = &t.data else {
        return Err(Error::file(
            &file.path,
            format!("tensor `{}` must be F32", gf.tensor),
        ));
    };
    if values.len() != gf.len {
        return Err(Error::file(
            &file.path,
            format!(
                "tensor `{}` holds {} values; the creature says {}",
                gf.tensor,
                values.len(),
                gf.len
            ),
        ));
    }
    Ok(values.clone())
}

/// Settings of the Life-like substrate as they appear in a creature file or config.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GolSettings {
    /// Grid side (default 64).
    #[serde(default)]
    pub size: Option<u32>,
    /// Fixed alive probability of the initial soup (default: U(0.05, 0.4) per world).
    #[serde(default)]
    pub p0: Option<f32>,
    /// A pattern in Life RLE, centred, instead of a soup.
    #[serde(default)]
    pub pattern_rle: Option<String>,
}

/// Builds a substrate from its canonical or alias name and its settings (JSON; `null` for defaults).
pub fn build(name: &str, config: &serde_json::Value) -> Result<Box<dyn Substrate>> {
    let config = if config.is_null() {
        &serde_json::Value::Object(Default::default())
    } else {
        config
    };
    match crate::canonical_name(name)? {
        "gol" => {
            let s: GolSettings = serde_json::from_value(config.clone()).map_err(|e| {
                Error::invalid(
                    "gol config",
                    format!("{e}; valid fields: size, p0, pattern_rle"),
                )
            })?;
            let start = match s.pattern_rle {
                Some(rle) => GolStart::Pattern(Pattern::parse_rle(&rle)?),
                None => GolStart::Soup { p0: s.p0 },
            };
            Ok(Box::new(Gol::new(GolConfig {
                size: s.size.unwrap_or(64),
                start,
            })?))
        }
        "lenia" => {
            if config.as_object().is_some_and(serde_json::Map::is_empty) {
                return Ok(Box::new(Lenia::asal()?));
            }
            let c: LeniaConfig = serde_json::from_value(config.clone()).map_err(|e| {
                Error::invalid(
                    "lenia config",
                    format!("{e}; see assets/creatures/5N7KKM.json for the fields (variant, size, recenter, crop, cells_size, clip_dynamics, clip_cells, convolution, pattern)"),
                )
            })?;
            Ok(Box::new(Lenia::new(c)?))
        }
        "boids" => Ok(Box::new(crate::boids::Boids::from_json(config)?)),
        name @ ("dnca" | "nca_d1" | "nca_d3") => {
            Ok(Box::new(crate::nca::Nca::from_json(name, config)?))
        }
        "plife" => Ok(Box::new(crate::plife::Plife::from_json(config)?)),
        "plife_plus" => Ok(Box::new(crate::plife_plus::PlifePlus::from_json(config)?)),
        "plenia" => Ok(Box::new(crate::plenia::Plenia::from_json(config)?)),
        other => Err(Error::UnknownSubstrate {
            name: other.into(),
            valid: crate::SUBSTRATES.join(", "),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_creatures_load() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/creatures");
        for name in ["5N7KKM.json", "orbium.json"] {
            let c = Creature::read(&dir.join(name)).unwrap_or_else(|e| panic!("{e}"));
            let s = c.substrate().unwrap_or_else(|e| panic!("{name}: {e}"));
            assert!(c.genome_for(s.as_ref()).is_ok());
        }
    }

    #[test]
    fn search_fields_and_external_genomes_round_trip() {
        let dir = std::env::temp_dir().join(format!("asal-creature-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let mut c: Creature = serde_json::from_value(serde_json::json!({
            "format": FORMAT, "version": VERSION, "substrate": "gol", "config": {"size": 32},
            "genome": [6152.0], "seed": 3, "steps": 8,
            "frames": {"steps": [7, 8], "size": 32, "sha256": ["ab", "cd"]},
            "score": -0.5, "objective": {"kind": "open_endedness"}, "model": "pixels",
            "generation": 2, "engine_version": "0.1.0", "source": "test"
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.frames.as_ref().map(|f| f.steps.len()), Some(2));
        assert!(c.extra.contains_key("source") && !c.extra.contains_key("score"));
        let small = dir.join("small.json");
        c.write(&small).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(Creature::read(&small).ok(), Some(c.clone()));
        c.genome = Some((0..INLINE_GENOME_MAX + 1).map(|i| i as f32).collect());
        let big = dir.join("big.json");
        c.write(&big).unwrap_or_else(|e| panic!("{e}"));
        assert!(big.with_extension("safetensors").is_file());
        let back = Creature::read(&big).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back.genome, c.genome);
        assert_eq!(
            back.genome_file.as_ref().map(|g| g.len),
            Some(INLINE_GENOME_MAX + 1)
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn novelty_is_optional_and_round_trips() {
        let old: Creature = serde_json::from_value(serde_json::json!({
            "format": FORMAT, "version": VERSION, "substrate": "gol", "genome": [6152.0]
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(old.novelty, None);
        let text = serde_json::to_string(&old).unwrap_or_default();
        assert!(!text.contains("novelty"), "absent stays absent: {text}");
        let mut new = old.clone();
        new.novelty = Some(NoveltyCurve {
            steps: vec![4, 8, 12],
            similarity: vec![0.5, 0.75, 0.25],
            formula: "drop_first".into(),
            rollouts: 2,
        });
        let text = serde_json::to_string(&new).unwrap_or_default();
        let back: Creature = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, new);
        assert!(back.extra.is_empty(), "novelty is a field, not an extra");
    }

    #[test]
    fn bad_configs_name_the_field() {
        let err = build("gol", &serde_json::json!({"sise": 64}))
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("sise") && err.contains("valid fields"),
            "{err}"
        );
        let err = build("boids2", &serde_json::Value::Null)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("unknown substrate"), "{err}");
    }
}
