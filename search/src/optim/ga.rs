//! The original's illumination GA (`main_illuminate.py`): pure novelty search over a population.
//!
//! Each generation: pick `n_child` parents uniformly with replacement, child = parent + σ·N(0, I);
//! embed the children; pool parents and children, then `n_child` times remove the member whose
//! mean similarity to its `k_nbrs` most similar surviving members is highest. The GA is told
//! embeddings, not fitness, so it does not implement [`Optimiser`](super::Optimiser); its API is
//! [`IlluminationGa::ask`] / [`IlluminationGa::tell_embeddings`]. It keeps the parents' embeddings
//! so only children are ever evaluated after the first generation.

use serde::{Deserialize, Serialize};

use super::Population;
use crate::error::{Error, Result};
use crate::objectives::{Rows, dot, illumination};
use crate::rng::SearchRng;

/// Settings of [`IlluminationGa`]; `Default` gives the original's repository defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IlluminationGaConfig {
    /// Genome length.
    pub dim: usize,
    /// Population size N (repo default 256; the paper used 1024 for Lenia/Boids, 512 Particle Life).
    pub population: usize,
    /// Children per generation (32; 16 for Particle Life in the paper).
    pub n_child: usize,
    /// Neighbours averaged in the removal score (2).
    pub k_nbrs: usize,
    /// Mutation step σ (0.1).
    pub sigma: f64,
    /// Standard deviation of the initial population around 0. The original starts all N members
    /// at exactly 0 (`0.0`), i.e. N identical clones; a spread gives the first generations
    /// something to select from.
    pub init_spread: f64,
}

impl Default for IlluminationGaConfig {
    fn default() -> Self {
        Self {
            dim: 1,
            population: 256,
            n_child: 32,
            k_nbrs: 2,
            sigma: 0.1,
            init_spread: 0.0,
        }
    }
}

/// Illumination GA state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IlluminationGa {
    config: IlluminationGaConfig,
    /// Parents, N × dim.
    genomes: Vec<f32>,
    /// Parents' unit embeddings, N × emb_dim, once the initial population has been told.
    embeddings: Option<Vec<f32>>,
    emb_dim: usize,
    pending: Option<Population>,
    generation: u64,
    rng: SearchRng,
}

impl IlluminationGa {
    /// A fresh GA; the initial population is drawn here.
    pub fn new(config: IlluminationGaConfig, mut rng: SearchRng) -> Result<Self> {
        if config.dim == 0 {
            return Err(Error::Invalid("ga: dim must be > 0".into()));
        }
        if config.population < 2 {
            return Err(Error::Invalid(format!(
                "ga: population must be >= 2, got {}",
                config.population
            )));
        }
        if config.n_child == 0 || config.k_nbrs == 0 {
            return Err(Error::Invalid("ga: n_child and k_nbrs must be >= 1".into()));
        }
        let valid = config.sigma.is_finite()
            && config.sigma > 0.0
            && config.init_spread.is_finite()
            && config.init_spread >= 0.0;
        if !valid {
            return Err(Error::Invalid(format!(
                "ga: sigma must be > 0 and init_spread >= 0, got {} and {}",
                config.sigma, config.init_spread
            )));
        }
        let genomes = (0..config.population * config.dim)
            .map(|_| {
                if config.init_spread > 0.0 {
                    (config.init_spread * rng.normal()) as f32
                } else {
                    0.0
                }
            })
            .collect();
        Ok(Self {
            config,
            genomes,
            embeddings: None,
            emb_dim: 0,
            pending: None,
            generation: 0,
            rng,
        })
    }

    /// Settings.
    pub fn config(&self) -> &IlluminationGaConfig {
        &self.config
    }

    /// Whether the initial population's embeddings have been told.
    pub fn is_initialised(&self) -> bool {
        self.embeddings.is_some()
    }

    /// Current parents (N × dim).
    pub fn population(&self) -> Result<Population> {
        Population::new(
            self.genomes.clone(),
            self.config.population,
            self.config.dim,
        )
    }

    /// Parents' embeddings (N × emb_dim), once initialised.
    pub fn embeddings(&self) -> Option<(&[f32], usize)> {
        self.embeddings.as_deref().map(|e| (e, self.emb_dim))
    }

    /// Generations completed (the initial evaluation does not count).
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Illumination score of the parents (lower = more diverse), once initialised.
    pub fn illumination_score(&self) -> Option<Result<f32>> {
        self.embeddings
            .as_ref()
            .map(|e| illumination(Rows::new(e, self.config.population, self.emb_dim)?))
    }

    /// Genomes to embed next: the whole initial population first, then `n_child` children per
    /// generation. Idempotent until [`Self::tell_embeddings`].
    pub fn ask(&mut self) -> Result<Population> {
        if let Some(p) = &self.pending {
            return Ok(p.clone());
        }
        let pop = if self.embeddings.is_none() {
            self.population()?
        } else {
            let d = self.config.dim;
            let mut children = Vec::with_capacity(self.config.n_child * d);
            for _ in 0..self.config.n_child {
                let parent = self.rng.below(self.config.population as u64) as usize;
                for j in 0..d {
                    let x = f64::from(self.genomes[parent * d + j])
                        + self.config.sigma * self.rng.normal();
                    children.push(super::to_genome(x));
                }
            }
            Population::new(children, self.config.n_child, d)?
        };
        self.pending = Some(pop.clone());
        Ok(pop)
    }

    /// Unit embeddings (rows × `emb_dim`) of the population returned by the last `ask`.
    pub fn tell_embeddings(&mut self, embeddings: &[f32], emb_dim: usize) -> Result<()> {
        let pending = self.pending.as_ref().ok_or(Error::NoPendingAsk)?;
        Rows::new(embeddings, pending.n, emb_dim)?;
        match &self.embeddings {
            None => {
                self.embeddings = Some(embeddings.to_vec());
                self.emb_dim = emb_dim;
            }
            Some(parents) => {
                if emb_dim != self.emb_dim {
                    return Err(Error::Invalid(format!(
                        "ga: embeddings have dim {emb_dim}, parents {}",
                        self.emb_dim
                    )));
                }
                let d = self.config.dim;
                let mut pool_emb = parents.clone();
                pool_emb.extend_from_slice(embeddings);
                let mut pool_genomes = self.genomes.clone();
                pool_genomes.extend_from_slice(&pending.genomes);
                let m = self.config.population + pending.n;
                let survivors = greedy_removal(
                    Rows::new(&pool_emb, m, emb_dim)?,
                    pending.n,
                    self.config.k_nbrs,
                )?;
                self.genomes = survivors
                    .iter()
                    .flat_map(|&i| pool_genomes[i * d..(i + 1) * d].iter().copied())
                    .collect();
                self.embeddings = Some(
                    survivors
                        .iter()
                        .flat_map(|&i| pool_emb[i * emb_dim..(i + 1) * emb_dim].iter().copied())
                        .collect(),
                );
                self.generation += 1;
            }
        }
        self.pending = None;
        Ok(())
    }
}

/// The original's greedy removal: `n_remove` times, kill the member whose mean similarity to its
/// `k_nbrs` most similar surviving members is highest (ties: lowest index, as `argmax`). Returns
/// the survivors' indices in pool order.
pub fn greedy_removal(pool: Rows<'_>, n_remove: usize, k_nbrs: usize) -> Result<Vec<usize>> {
    let m = pool.rows();
    if n_remove >= m {
        return Err(Error::Invalid(format!(
            "cannot remove {n_remove} of {m} members"
        )));
    }
    let mut sim = vec![0.0f64; m * m];
    for i in 0..m {
        for j in 0..i {
            let s = dot(pool.row(i), pool.row(j));
            sim[i * m + j] = s;
            sim[j * m + i] = s;
        }
    }
    let mut alive = vec![true; m];
    let mut top = Vec::with_capacity(m);
    for _ in 0..n_remove {
        let mut worst: Option<(usize, f64)> = None;
        for i in (0..m).filter(|&i| alive[i]) {
            top.clear();
            top.extend(
                (0..m)
                    .filter(|&j| j != i && alive[j])
                    .map(|j| sim[i * m + j]),
            );
            let k = k_nbrs.min(top.len());
            // Partial selection of the k largest similarities.
            top.select_nth_unstable_by(k.saturating_sub(1), |a, b| b.total_cmp(a));
            let score = top[..k].iter().sum::<f64>() / k.max(1) as f64;
            if worst.is_none_or(|(_, s)| score > s) {
                worst = Some((i, score));
            }
        }
        if let Some((i, _)) = worst {
            alive[i] = false;
        }
    }
    Ok((0..m).filter(|&i| alive[i]).collect())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;

    fn unit(v: &[f32]) -> Vec<f32> {
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter().map(|x| x / n).collect()
    }

    #[test]
    fn duplicates_are_removed_first() {
        // Four orthogonal directions plus two extra copies of direction 0.
        let mut rows = Vec::new();
        for i in 0..4 {
            let mut v = [0.0f32; 4];
            v[i] = 1.0;
            rows.extend(v);
        }
        rows.extend([1.0f32, 0.0, 0.0, 0.0]);
        rows.extend(unit(&[1.0, 0.01, 0.0, 0.0]));
        let survivors = greedy_removal(Rows::new(&rows, 6, 4).unwrap(), 2, 2).unwrap();
        assert_eq!(survivors.len(), 4);
        let kept = Rows::new(&rows, 6, 4).unwrap();
        let emb: Vec<f32> = survivors
            .iter()
            .flat_map(|&i| kept.row(i).to_vec())
            .collect();
        // The survivors are the four orthogonal directions (one copy of direction 0).
        let score = illumination(Rows::new(&emb, 4, 4).unwrap()).unwrap();
        assert!(score.abs() < 1e-6, "survivors {survivors:?} score {score}");
    }

    /// Embeds a genome as the unit vector along (g, 0.3): clones embed identically.
    fn embed(pop: &Population) -> Vec<f32> {
        (0..pop.n)
            .flat_map(|i| {
                let mut v = pop.row(i).to_vec();
                v.push(0.3);
                unit(&v)
            })
            .collect()
    }

    #[test]
    fn illumination_improves_and_state_round_trips() {
        let config = IlluminationGaConfig {
            dim: 3,
            population: 24,
            n_child: 6,
            ..IlluminationGaConfig::default()
        };
        let mut ga = IlluminationGa::new(config, SearchRng::from_seed(1)).unwrap();
        let init = ga.ask().unwrap();
        assert_eq!(init.n, 24);
        assert!(
            init.genomes.iter().all(|&g| g == 0.0),
            "the original starts at 0"
        );
        ga.tell_embeddings(&embed(&init), 4).unwrap();
        let first = ga.illumination_score().unwrap().unwrap();
        assert!((first - 1.0).abs() < 1e-6, "clones: {first}");
        let mut scores = vec![first];
        for _ in 0..60 {
            let kids = ga.ask().unwrap();
            assert_eq!(kids.n, 6);
            ga.tell_embeddings(&embed(&kids), 4).unwrap();
            scores.push(ga.illumination_score().unwrap().unwrap());
        }
        assert_eq!(ga.generation(), 60);
        assert!(scores[60] < 0.9, "scores {scores:?}");
        assert!(scores[60] < scores[10], "scores {scores:?}");
        // A checkpointed GA continues identically.
        let json = serde_json::to_string(&ga).unwrap();
        let mut copy: IlluminationGa = serde_json::from_str(&json).unwrap();
        for _ in 0..3 {
            let a = ga.ask().unwrap();
            let b = copy.ask().unwrap();
            assert_eq!(a, b);
            ga.tell_embeddings(&embed(&a), 4).unwrap();
            copy.tell_embeddings(&embed(&b), 4).unwrap();
        }
        assert_eq!(ga, copy);
    }

    #[test]
    fn rejects_bad_input() {
        let mut ga = IlluminationGa::new(
            IlluminationGaConfig {
                dim: 2,
                population: 4,
                n_child: 2,
                ..Default::default()
            },
            SearchRng::from_seed(0),
        )
        .unwrap();
        assert!(matches!(
            ga.tell_embeddings(&[], 3),
            Err(Error::NoPendingAsk)
        ));
        ga.ask().unwrap();
        assert!(ga.tell_embeddings(&[0.0; 5], 3).is_err());
        assert!(
            IlluminationGa::new(
                IlluminationGaConfig {
                    population: 1,
                    ..Default::default()
                },
                SearchRng::from_seed(0)
            )
            .is_err()
        );
    }
}
