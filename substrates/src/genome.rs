//! Genomes: the flat `[f32]` vector optimisers see, and how each substrate decodes it.
//!
//! A [`GenomeSpec`] lists named blocks with shapes and decode transforms, so optimisers work on
//! one flat vector while the viewer can show named sliders and the substrate gets physical
//! parameters.

use crate::error::{Error, Result};

/// How a block's raw genome values become physical parameters.
#[derive(Clone, Debug, PartialEq)]
pub enum Decode {
    /// The value itself.
    Identity,
    /// `sigmoid(logit(clamp(base, 1e-6, 1-1e-6)) + clamp(x, -clip, clip))`: an offset in logit
    /// space around a base value in (0, 1), as the original's Lenia genome (`clip` may be +inf).
    LogitOffset {
        /// Base values, one per element.
        base: Vec<f32>,
        /// Bound on the absolute offset.
        clip: f32,
    },
    /// An integer in `[0, max)`, carried exactly by f32 (Life-like rules: `max` = 2^18).
    Integer {
        /// Exclusive upper bound.
        max: u32,
    },
    /// `lo + (hi − lo)·σ(x)`, or `10^(lo + (hi − lo)·σ(x))` with `log10` (the original Particle
    /// Life's bounded fields: β = σ(x), α = 3σ(x) − 1.5, mass = 10^(1.5σ(x) − 1.5), ...).
    Sigmoid {
        /// Value (or exponent) at x → −∞.
        lo: f32,
        /// Value (or exponent) at x → +∞.
        hi: f32,
        /// Whether the result is a power of ten.
        log10: bool,
    },
    /// `base·exp(x)`, one base per element (Particle Lenia's log-multipliers).
    Exp {
        /// Base values, one per element.
        base: Vec<f32>,
    },
}

/// One named block of a genome.
#[derive(Clone, Debug, PartialEq)]
pub struct GenomeBlock {
    /// Name (e.g. `m`, `cells`, `rule`).
    pub name: String,
    /// Shape of the block; the product is its length in the flat genome.
    pub shape: Vec<usize>,
    /// How raw values are decoded.
    pub decode: Decode,
    /// One line for the viewer and docs.
    pub doc: String,
}

impl GenomeBlock {
    /// Number of genome values in the block.
    #[must_use]
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    /// Whether the block has no values.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The layout of a substrate's flat genome.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GenomeSpec {
    /// Substrate name, for error messages.
    pub substrate: String,
    /// Blocks in flat order.
    pub blocks: Vec<GenomeBlock>,
}

/// A decoded genome: each block's physical values, in spec order.
#[derive(Clone, Debug, PartialEq)]
pub struct Decoded {
    /// (block name, values).
    pub blocks: Vec<(String, Vec<f32>)>,
}

impl Decoded {
    /// The values of block `name`.
    #[must_use]
    pub fn get(&self, name: &str) -> Option<&[f32]> {
        self.blocks
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
    }
}

fn logit(p: f64) -> f64 {
    p.ln() - (-p).ln_1p()
}

fn sigmoid(x: f64) -> f64 {
    1.0 / (1.0 + (-x).exp())
}

impl GenomeSpec {
    /// Total genome length.
    #[must_use]
    pub fn dim(&self) -> usize {
        self.blocks.iter().map(GenomeBlock::len).sum()
    }

    /// Checks the length and that every value is finite (and in range for integer blocks).
    pub fn validate(&self, genome: &[f32]) -> Result<()> {
        if genome.len() != self.dim() {
            return Err(Error::Genome {
                substrate: self.substrate.clone(),
                message: format!(
                    "expected {} values ({}), got {}",
                    self.dim(),
                    self.blocks
                        .iter()
                        .map(|b| format!("{} {:?}", b.name, b.shape))
                        .collect::<Vec<_>>()
                        .join(" + "),
                    genome.len()
                ),
            });
        }
        let mut offset = 0;
        for block in &self.blocks {
            let values = &genome[offset..offset + block.len()];
            if let Some(i) = values.iter().position(|v| !v.is_finite()) {
                return Err(Error::Genome {
                    substrate: self.substrate.clone(),
                    message: format!(
                        "block `{}` element {i} (genome index {}) is {}; every value must be finite",
                        block.name,
                        offset + i,
                        values[i]
                    ),
                });
            }
            if let Decode::Integer { max } = block.decode
                && let Some(i) = values
                    .iter()
                    .position(|&v| v < 0.0 || v >= max as f32 || v.fract() != 0.0)
            {
                return Err(Error::Genome {
                    substrate: self.substrate.clone(),
                    message: format!(
                        "block `{}` value {} is not an integer in [0, {max})",
                        block.name, values[i]
                    ),
                });
            }
            offset += block.len();
        }
        Ok(())
    }

    /// Validates and decodes one genome into physical parameters.
    pub fn decode(&self, genome: &[f32]) -> Result<Decoded> {
        self.validate(genome)?;
        let mut offset = 0;
        let mut blocks = Vec::with_capacity(self.blocks.len());
        for block in &self.blocks {
            let raw = &genome[offset..offset + block.len()];
            offset += block.len();
            let values = match &block.decode {
                Decode::Identity | Decode::Integer { .. } => raw.to_vec(),
                // f32 arithmetic in the original's order (σ, then scale, then offset).
                Decode::Sigmoid { lo, hi, log10 } => raw
                    .iter()
                    .map(|&x| {
                        let v = sigmoid(f64::from(x)) as f32 * (hi - lo) + lo;
                        if *log10 { 10f32.powf(v) } else { v }
                    })
                    .collect(),
                Decode::Exp { base } => raw.iter().zip(base).map(|(&x, &b)| b * x.exp()).collect(),
                Decode::LogitOffset { base, clip } => raw
                    .iter()
                    .zip(base)
                    .map(|(&x, &b)| {
                        // f32 arithmetic in the original's order so decoded values match it to
                        // the last bit where possible: logit(base) in f32, then the offset.
                        let b = f64::from(b.clamp(1e-6, 1.0 - 1e-6));
                        let l = logit(b) as f32;
                        let d = x.clamp(-*clip, *clip);
                        sigmoid(f64::from(l + d)) as f32
                    })
                    .collect(),
            };
            blocks.push((block.name.clone(), values));
        }
        Ok(Decoded { blocks })
    }

    /// Validates a batch of genomes stored row after row.
    pub fn validate_batch(&self, genomes: &[f32]) -> Result<usize> {
        let d = self.dim();
        if d == 0 || !genomes.len().is_multiple_of(d) || genomes.is_empty() {
            return Err(Error::Genome {
                substrate: self.substrate.clone(),
                message: format!(
                    "a batch must hold a whole number (≥1) of {d}-value genomes, got {} values",
                    genomes.len()
                ),
            });
        }
        for row in genomes.chunks_exact(d) {
            self.validate(row)?;
        }
        Ok(genomes.len() / d)
    }
}
