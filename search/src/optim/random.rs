//! Random search: independent samples every generation, the honest baseline any optimiser's
//! result should be compared against at equal evaluations.

use serde::{Deserialize, Serialize};

use super::{Best, Optimiser, Population, check_fitness, to_genome, update_best};
use crate::error::{Error, Result};
use crate::rng::SearchRng;

/// How each genome component is drawn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RandomSampling {
    /// Uniform in [lo, hi).
    Uniform {
        /// Lower bound.
        lo: f64,
        /// Upper bound.
        hi: f64,
    },
    /// Normal around `mean` with standard deviation `sigma`.
    Normal {
        /// Centre.
        mean: f64,
        /// Standard deviation.
        sigma: f64,
    },
}

/// Random search state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RandomSearch {
    dim: usize,
    popsize: usize,
    sampling: RandomSampling,
    generation: u64,
    best: Option<Best>,
    pending: Option<Population>,
    rng: SearchRng,
}

impl RandomSearch {
    /// A fresh random search of `popsize` genomes of length `dim` per generation.
    pub fn new(
        dim: usize,
        popsize: usize,
        sampling: RandomSampling,
        rng: SearchRng,
    ) -> Result<Self> {
        if dim == 0 || popsize == 0 {
            return Err(Error::Invalid("random: dim and popsize must be > 0".into()));
        }
        let ok = match &sampling {
            RandomSampling::Uniform { lo, hi } => lo.is_finite() && hi.is_finite() && lo <= hi,
            RandomSampling::Normal { mean, sigma } => {
                mean.is_finite() && sigma.is_finite() && *sigma >= 0.0
            }
        };
        if !ok {
            return Err(Error::Invalid(format!(
                "random: invalid sampling {sampling:?}"
            )));
        }
        Ok(Self {
            dim,
            popsize,
            sampling,
            generation: 0,
            best: None,
            pending: None,
            rng,
        })
    }
}

impl Optimiser for RandomSearch {
    fn dim(&self) -> usize {
        self.dim
    }

    fn popsize(&self) -> usize {
        self.popsize
    }

    fn ask(&mut self) -> Result<Population> {
        if let Some(p) = &self.pending {
            return Ok(p.clone());
        }
        let genomes = (0..self.dim * self.popsize)
            .map(|_| {
                to_genome(match self.sampling {
                    RandomSampling::Uniform { lo, hi } => self.rng.uniform_range(lo, hi),
                    RandomSampling::Normal { mean, sigma } => mean + sigma * self.rng.normal(),
                })
            })
            .collect();
        let pop = Population::new(genomes, self.popsize, self.dim)?;
        self.pending = Some(pop.clone());
        Ok(pop)
    }

    fn tell(&mut self, fitness: &[f32]) -> Result<()> {
        let pop = self.pending.as_ref().ok_or(Error::NoPendingAsk)?;
        check_fitness(fitness, pop.n)?;
        update_best(&mut self.best, pop, fitness, self.generation);
        self.pending = None;
        self.generation += 1;
        Ok(())
    }

    fn best(&self) -> Option<&Best> {
        self.best.as_ref()
    }

    fn generation(&self) -> u64 {
        self.generation
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;
    use crate::optim::testfns::{run, sphere};

    #[test]
    fn samples_in_range_and_keeps_best() {
        let mut rs = RandomSearch::new(
            4,
            16,
            RandomSampling::Uniform { lo: -1.0, hi: 1.0 },
            SearchRng::from_seed(1),
        )
        .unwrap();
        let pop = rs.ask().unwrap();
        assert!(pop.genomes.iter().all(|&g| (-1.0..1.0).contains(&g)));
        let curve = run(&mut rs, sphere, 50).unwrap();
        assert!(curve.windows(2).all(|w| w[1] <= w[0]), "best never worsens");
        // 800 uniform samples in [-1,1]^4: the best lands well inside the unit ball.
        assert!(curve[49] < 0.2, "{}", curve[49]);
        let b = rs.best().unwrap();
        assert_eq!(sphere(&b.genome), b.fitness);
    }

    #[test]
    fn rejects_bad_sampling() {
        let bad = RandomSampling::Normal {
            mean: 0.0,
            sigma: -1.0,
        };
        assert!(RandomSearch::new(2, 2, bad, SearchRng::from_seed(0)).is_err());
    }
}
