//! Optimisers behind one ask/tell interface.
//!
//! Fitness is **minimised** everywhere (the objectives return losses). Genomes are `f32`, as the
//! substrates consume them; internal state is `f64` so long runs do not drift. Every optimiser
//! owns its [`SearchRng`](crate::SearchRng) and derives `Serialize`/`Deserialize` over its whole
//! state, so `serde_json` round trips resume exactly (the crate enables `float_roundtrip`).
//!
//! `ask` is idempotent until `tell`: asking twice returns the same population, so a checkpoint
//! taken between the two (or a crash there) never skips candidates.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

pub mod cma_es;
pub mod ga;
pub mod random;
pub mod sep_cma_es;
pub mod sweep;

pub use cma_es::{CmaEs, CmaEsConfig};
pub use ga::{IlluminationGa, IlluminationGaConfig, greedy_removal};
pub use random::{RandomSampling, RandomSearch};
pub use sep_cma_es::{MeanInit, SepCmaEs, SepCmaEsConfig, SepCmaMode};
pub use sweep::{LIFE_RULES, LifeRule, RuleSet, Sweep};

/// A batch of genomes: `n` rows of `dim` values, row-major.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Population {
    /// `n × dim` values.
    pub genomes: Vec<f32>,
    /// Number of genomes.
    pub n: usize,
    /// Values per genome.
    pub dim: usize,
}

impl Population {
    /// Wrap `genomes` (must hold `n × dim` values).
    pub fn new(genomes: Vec<f32>, n: usize, dim: usize) -> Result<Self> {
        if genomes.len() != n * dim {
            return Err(Error::shape(
                format!("population ({n} × {dim})"),
                n * dim,
                genomes.len(),
            ));
        }
        Ok(Self { genomes, n, dim })
    }

    /// Genome `i`.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.genomes[i * self.dim..(i + 1) * self.dim]
    }

    /// Whether the population is empty (an exhausted sweep).
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }
}

/// The best genome seen so far and its fitness.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Best {
    /// The genome.
    pub genome: Vec<f32>,
    /// Its (minimised) fitness.
    pub fitness: f32,
    /// Generation (0-based) in which it was evaluated.
    pub generation: u64,
}

/// Ask/tell interface of every fitness-driven optimiser.
pub trait Optimiser {
    /// Genome length.
    fn dim(&self) -> usize;
    /// Candidates proposed per generation (the last sweep chunk may be smaller).
    fn popsize(&self) -> usize;
    /// Candidates to evaluate next. Idempotent until [`Optimiser::tell`].
    fn ask(&mut self) -> Result<Population>;
    /// Fitness (minimised) of the population returned by the last `ask`, in the same order.
    /// NaN counts as the worst possible value.
    fn tell(&mut self, fitness: &[f32]) -> Result<()>;
    /// Best genome so far, if any finite fitness has been told.
    fn best(&self) -> Option<&Best>;
    /// Generations completed (number of successful `tell`s).
    fn generation(&self) -> u64;
    /// Current global step size, for logs (None where it has no meaning).
    fn sigma(&self) -> Option<f64> {
        None
    }
    /// True when nothing is left to ask (an exhausted sweep).
    fn is_finished(&self) -> bool {
        false
    }
}

/// Any fitness-driven optimiser: the type the pipeline holds and checkpoints.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AnyOptimiser {
    /// Separable CMA-ES.
    SepCmaEs(SepCmaEs),
    /// Full-covariance CMA-ES.
    CmaEs(CmaEs),
    /// Random search.
    Random(RandomSearch),
    /// Exhaustive Life-like rule sweep.
    Sweep(Sweep),
}

macro_rules! dispatch {
    ($self:ident, $o:ident => $e:expr) => {
        match $self {
            AnyOptimiser::SepCmaEs($o) => $e,
            AnyOptimiser::CmaEs($o) => $e,
            AnyOptimiser::Random($o) => $e,
            AnyOptimiser::Sweep($o) => $e,
        }
    };
}

impl Optimiser for AnyOptimiser {
    fn dim(&self) -> usize {
        dispatch!(self, o => o.dim())
    }
    fn popsize(&self) -> usize {
        dispatch!(self, o => o.popsize())
    }
    fn ask(&mut self) -> Result<Population> {
        dispatch!(self, o => o.ask())
    }
    fn tell(&mut self, fitness: &[f32]) -> Result<()> {
        dispatch!(self, o => o.tell(fitness))
    }
    fn best(&self) -> Option<&Best> {
        dispatch!(self, o => o.best())
    }
    fn generation(&self) -> u64 {
        dispatch!(self, o => o.generation())
    }
    fn sigma(&self) -> Option<f64> {
        dispatch!(self, o => o.sigma())
    }
    fn is_finished(&self) -> bool {
        dispatch!(self, o => o.is_finished())
    }
}

/// Fitness with NaN mapped to +inf, so sorting treats broken evaluations as worst.
pub(crate) fn sanitise(f: f32) -> f64 {
    if f.is_nan() {
        f64::INFINITY
    } else {
        f64::from(f)
    }
}

/// Indices of `fitness` sorted ascending (stable, NaN last).
pub(crate) fn argsort(fitness: &[f32]) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..fitness.len()).collect();
    idx.sort_by(|&a, &b| sanitise(fitness[a]).total_cmp(&sanitise(fitness[b])));
    idx
}

/// Check a told fitness slice against the pending population size.
pub(crate) fn check_fitness(fitness: &[f32], n: usize) -> Result<()> {
    if fitness.len() != n {
        return Err(Error::shape("fitness", n, fitness.len()));
    }
    Ok(())
}

/// Replace `best` if `population` holds a strictly better finite fitness.
pub(crate) fn update_best(
    best: &mut Option<Best>,
    population: &Population,
    fitness: &[f32],
    generation: u64,
) {
    let mut current = best.as_ref().map(|b| b.fitness);
    let mut chosen = None;
    for (i, &f) in fitness.iter().enumerate() {
        if f.is_finite() && current.is_none_or(|c| f < c) {
            current = Some(f);
            chosen = Some(i);
        }
    }
    if let Some(i) = chosen {
        *best = Some(Best {
            genome: population.row(i).to_vec(),
            fitness: fitness[i],
            generation,
        });
    }
}

/// Convert a sample to the genome's `f32`, clipped to the finite range as evosax does.
pub(crate) fn to_genome(x: f64) -> f32 {
    (x as f32).clamp(f32::MIN, f32::MAX)
}

#[cfg(test)]
pub(crate) mod testfns {
    //! Benchmark functions for optimiser tests (minimum 0).

    /// Σ x².
    pub(crate) fn sphere(x: &[f32]) -> f32 {
        x.iter().map(|&v| f64::from(v).powi(2)).sum::<f64>() as f32
    }

    /// Σ 10^(6 i/(n−1)) x_i²: axis-aligned, condition number 1e6.
    pub(crate) fn ellipsoid(x: &[f32]) -> f32 {
        let n = x.len();
        x.iter()
            .enumerate()
            .map(|(i, &v)| {
                let e = if n > 1 {
                    6.0 * i as f64 / (n - 1) as f64
                } else {
                    0.0
                };
                10f64.powf(e) * f64::from(v).powi(2)
            })
            .sum::<f64>() as f32
    }

    /// Rosenbrock, minimum at (1, …, 1).
    pub(crate) fn rosenbrock(x: &[f32]) -> f32 {
        x.windows(2)
            .map(|w| {
                let (a, b) = (f64::from(w[0]), f64::from(w[1]));
                100.0 * (b - a * a).powi(2) + (1.0 - a).powi(2)
            })
            .sum::<f64>() as f32
    }

    /// Run `gens` generations of `opt` on `f`; returns the best fitness after each generation.
    pub(crate) fn run<O: super::Optimiser>(
        opt: &mut O,
        f: impl Fn(&[f32]) -> f32,
        gens: usize,
    ) -> super::Result<Vec<f32>> {
        let mut curve = Vec::with_capacity(gens);
        for _ in 0..gens {
            let pop = opt.ask()?;
            let fit: Vec<f32> = (0..pop.n).map(|i| f(pop.row(i))).collect();
            opt.tell(&fit)?;
            curve.push(opt.best().map_or(f32::INFINITY, |b| b.fitness));
        }
        Ok(curve)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;
    use crate::rng::SearchRng;

    fn all_kinds() -> Vec<AnyOptimiser> {
        let rng = SearchRng::from_seed;
        vec![
            AnyOptimiser::SepCmaEs(
                SepCmaEs::new(
                    SepCmaEsConfig {
                        dim: 6,
                        popsize: 8,
                        mean_init: MeanInit::Uniform { lo: -1.0, hi: 1.0 },
                        ..SepCmaEsConfig::default()
                    },
                    rng(11),
                )
                .unwrap(),
            ),
            AnyOptimiser::CmaEs(
                CmaEs::new(
                    CmaEsConfig {
                        dim: 6,
                        sigma_init: 0.3,
                        ..CmaEsConfig::default()
                    },
                    rng(12),
                )
                .unwrap(),
            ),
            AnyOptimiser::Random(
                RandomSearch::new(
                    6,
                    8,
                    RandomSampling::Normal {
                        mean: 0.0,
                        sigma: 1.0,
                    },
                    rng(13),
                )
                .unwrap(),
            ),
            AnyOptimiser::Sweep(Sweep::new(RuleSet::Range { start: 0, end: 50 }, 8).unwrap()),
        ]
    }

    fn step(o: &mut AnyOptimiser) {
        let pop = o.ask().unwrap();
        let f: Vec<f32> = (0..pop.n)
            .map(|i| testfns::rosenbrock(pop.row(i)))
            .collect();
        o.tell(&f).unwrap();
    }

    /// ask/tell k generations, checkpoint through JSON, continue: identical to never stopping,
    /// down to the bits of every genome and of the final state.
    #[test]
    fn checkpoint_resume_is_bitwise() {
        for (k, total) in [(0usize, 7usize), (3, 7), (5, 13)] {
            for (mut straight, mut interrupted) in all_kinds().into_iter().zip(all_kinds()) {
                for _ in 0..k {
                    step(&mut straight);
                    step(&mut interrupted);
                }
                // Checkpoint with a population pending, the awkward case.
                let pending = interrupted.ask().unwrap();
                let json = serde_json::to_string(&interrupted).unwrap();
                drop(interrupted);
                let mut resumed: AnyOptimiser = serde_json::from_str(&json).unwrap();
                assert_eq!(resumed.ask().unwrap(), pending);
                for _ in k..total {
                    let a = straight.ask().unwrap();
                    let b = resumed.ask().unwrap();
                    let bits =
                        |p: &Population| p.genomes.iter().map(|g| g.to_bits()).collect::<Vec<_>>();
                    assert_eq!(bits(&a), bits(&b));
                    step(&mut straight);
                    step(&mut resumed);
                }
                assert_eq!(straight, resumed);
                assert_eq!(
                    serde_json::to_string(&straight).unwrap(),
                    serde_json::to_string(&resumed).unwrap()
                );
            }
        }
    }

    #[test]
    fn state_names_its_kind() {
        let json = serde_json::to_value(&all_kinds()[0]).unwrap();
        assert_eq!(json["kind"], "sep_cma_es");
    }
}
