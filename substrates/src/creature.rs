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
    /// Anything else (score, objective, model, provenance) is kept as is.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

fn default_rng() -> String {
    "lowbias32-counter".into()
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
        Ok(creature)
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
                    format!("{e}; see assets/creatures/5N7KKM.json for the fields (variant, size, recenter, crop, cells_size, clip_dynamics, clip_cells, pattern)"),
                )
            })?;
            Ok(Box::new(Lenia::new(c)?))
        }
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
