//! Full-covariance CMA-ES (Hansen, "The CMA Evolution Strategy: A Tutorial", 2016), for genomes
//! of up to a few hundred values where learning correlations pays for the O(n²) state and the
//! O(n³) eigendecomposition.
//!
//! Positive recombination weights only (ln((λ+1)/2) − ln i over the μ = ⌊λ/2⌋ best), the
//! tutorial's default learning rates, and a lazy eigendecomposition: B and D are refreshed only
//! when λ/(c_1+c_μ)/n/10 generations have passed, which keeps the cost per sample O(n²).

use nalgebra::{DMatrix, DVector, SymmetricEigen};
use serde::{Deserialize, Serialize};

use super::{Best, Optimiser, Population, argsort, check_fitness, to_genome, update_best};
use crate::error::{Error, Result};
use crate::optim::sep_cma_es::MeanInit;
use crate::rng::SearchRng;

/// Settings of [`CmaEs`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CmaEsConfig {
    /// Genome length n.
    pub dim: usize,
    /// Population size λ; `None` = 4 + ⌊3 ln n⌋.
    pub popsize: Option<usize>,
    /// Initial step size.
    pub sigma_init: f64,
    /// Initial mean.
    pub mean_init: MeanInit,
}

impl Default for CmaEsConfig {
    fn default() -> Self {
        Self {
            dim: 1,
            popsize: None,
            sigma_init: 0.1,
            mean_init: MeanInit::Zero,
        }
    }
}

/// CMA-ES state. Matrices are stored row-major as plain vectors so the state serialises without
/// nalgebra's serde feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CmaEs {
    config: CmaEsConfig,
    lambda: usize,
    weights: Vec<f64>,
    mu_eff: f64,
    c_sigma: f64,
    d_sigma: f64,
    c_c: f64,
    c_1: f64,
    c_mu: f64,
    chi_n: f64,
    mean: Vec<f64>,
    sigma: f64,
    /// Covariance C (n × n).
    c: Vec<f64>,
    /// Eigenvectors B of C as columns (n × n).
    b: Vec<f64>,
    /// Square roots of C's eigenvalues.
    d: Vec<f64>,
    p_sigma: Vec<f64>,
    p_c: Vec<f64>,
    generation: u64,
    eigen_generation: u64,
    best: Option<Best>,
    pending: Option<Population>,
    rng: SearchRng,
}

impl CmaEs {
    /// A fresh optimiser.
    pub fn new(config: CmaEsConfig, mut rng: SearchRng) -> Result<Self> {
        let n = config.dim;
        if n == 0 {
            return Err(Error::Invalid("cma_es: dim must be > 0".into()));
        }
        if !(config.sigma_init.is_finite() && config.sigma_init > 0.0) {
            return Err(Error::Invalid(format!(
                "cma_es: sigma_init must be > 0, got {}",
                config.sigma_init
            )));
        }
        let nf = n as f64;
        let lambda = config
            .popsize
            .unwrap_or(4 + (3.0 * nf.ln()).floor() as usize);
        if lambda < 2 {
            return Err(Error::Invalid(format!(
                "cma_es: popsize must be >= 2, got {lambda}"
            )));
        }
        let mu = lambda / 2;
        let raw: Vec<f64> = (0..mu)
            .map(|i| ((lambda as f64 + 1.0) / 2.0).ln() - ((i + 1) as f64).ln())
            .collect();
        let total: f64 = raw.iter().sum();
        let weights: Vec<f64> = raw.iter().map(|w| w / total).collect();
        let mu_eff = 1.0 / weights.iter().map(|w| w * w).sum::<f64>();
        let c_sigma = (mu_eff + 2.0) / (nf + mu_eff + 5.0);
        let d_sigma = 1.0 + 2.0 * (((mu_eff - 1.0) / (nf + 1.0)).sqrt() - 1.0).max(0.0) + c_sigma;
        let c_c = (4.0 + mu_eff / nf) / (nf + 4.0 + 2.0 * mu_eff / nf);
        let c_1 = 2.0 / ((nf + 1.3).powi(2) + mu_eff);
        let c_mu =
            (1.0 - c_1).min(2.0 * (mu_eff - 2.0 + 1.0 / mu_eff) / ((nf + 2.0).powi(2) + mu_eff));
        let chi_n = nf.sqrt() * (1.0 - 1.0 / (4.0 * nf) + 1.0 / (21.0 * nf * nf));
        let mean = config.mean_init.draw(n, &mut rng)?;
        let mut identity = vec![0.0; n * n];
        for i in 0..n {
            identity[i * n + i] = 1.0;
        }
        Ok(Self {
            lambda,
            weights,
            mu_eff,
            c_sigma,
            d_sigma,
            c_c,
            c_1,
            c_mu,
            chi_n,
            mean,
            sigma: config.sigma_init,
            c: identity.clone(),
            b: identity,
            d: vec![1.0; n],
            p_sigma: vec![0.0; n],
            p_c: vec![0.0; n],
            generation: 0,
            eigen_generation: 0,
            best: None,
            pending: None,
            rng,
            config,
        })
    }

    /// Current mean.
    pub fn mean(&self) -> &[f64] {
        &self.mean
    }

    fn n(&self) -> usize {
        self.config.dim
    }

    /// C^{-1/2} v = B D^{-1} Bᵀ v.
    fn inv_sqrt_c_times(&self, v: &[f64]) -> Vec<f64> {
        let n = self.n();
        let bt_v: Vec<f64> = (0..n)
            .map(|k| (0..n).map(|i| self.b[i * n + k] * v[i]).sum::<f64>() / self.d[k])
            .collect();
        (0..n)
            .map(|i| (0..n).map(|k| self.b[i * n + k] * bt_v[k]).sum())
            .collect()
    }

    fn refresh_eigen(&mut self) -> Result<()> {
        let n = self.n();
        let mut m = DMatrix::from_row_slice(n, n, &self.c);
        // Enforce exact symmetry: rounding in the rank updates leaves tiny asymmetries.
        for i in 0..n {
            for j in 0..i {
                let v = 0.5 * (m[(i, j)] + m[(j, i)]);
                m[(i, j)] = v;
                m[(j, i)] = v;
            }
        }
        let eig = SymmetricEigen::try_new(m, f64::EPSILON, 0).ok_or_else(|| {
            Error::Diverged("cma_es: covariance eigendecomposition did not converge".into())
        })?;
        for i in 0..n {
            for j in 0..n {
                self.b[i * n + j] = eig.eigenvectors[(i, j)];
            }
        }
        // Eigenvalues can round slightly negative; floor them so D stays invertible.
        self.d = eig
            .eigenvalues
            .iter()
            .map(|&l| l.max(1e-300).sqrt())
            .collect();
        self.eigen_generation = self.generation;
        Ok(())
    }

    fn update(&mut self, pop: &Population, fitness: &[f32]) -> Result<()> {
        let n = self.n();
        let order = argsort(fitness);
        let ys: Vec<Vec<f64>> = order
            .iter()
            .take(self.weights.len())
            .map(|&i| {
                pop.row(i)
                    .iter()
                    .zip(&self.mean)
                    .map(|(&x, &m)| (f64::from(x) - m) / self.sigma)
                    .collect()
            })
            .collect();
        let mut y_w = vec![0.0; n];
        for (w, y) in self.weights.iter().zip(&ys) {
            for j in 0..n {
                y_w[j] += w * y[j];
            }
        }
        let mean: Vec<f64> = (0..n).map(|j| self.mean[j] + self.sigma * y_w[j]).collect();
        let whitened = self.inv_sqrt_c_times(&y_w);
        let ps_coef = (self.c_sigma * (2.0 - self.c_sigma) * self.mu_eff).sqrt();
        let p_sigma: Vec<f64> = (0..n)
            .map(|j| (1.0 - self.c_sigma) * self.p_sigma[j] + ps_coef * whitened[j])
            .collect();
        let norm_ps = p_sigma.iter().map(|v| v * v).sum::<f64>().sqrt();
        let gens = (self.generation + 1) as f64;
        let h_sigma = norm_ps / (1.0 - (1.0 - self.c_sigma).powf(2.0 * gens)).sqrt()
            < (1.4 + 2.0 / (n as f64 + 1.0)) * self.chi_n;
        let h = if h_sigma { 1.0 } else { 0.0 };
        let pc_coef = h * (self.c_c * (2.0 - self.c_c) * self.mu_eff).sqrt();
        let p_c: Vec<f64> = (0..n)
            .map(|j| (1.0 - self.c_c) * self.p_c[j] + pc_coef * y_w[j])
            .collect();
        let delta_h = (1.0 - h) * self.c_c * (2.0 - self.c_c);
        let decay = 1.0 - self.c_1 - self.c_mu + self.c_1 * delta_h;
        let mut c = self.c.clone();
        for i in 0..n {
            for j in 0..n {
                let rank_mu: f64 = self
                    .weights
                    .iter()
                    .zip(&ys)
                    .map(|(w, y)| w * y[i] * y[j])
                    .sum();
                c[i * n + j] =
                    decay * c[i * n + j] + self.c_1 * p_c[i] * p_c[j] + self.c_mu * rank_mu;
            }
        }
        let sigma =
            self.sigma * ((self.c_sigma / self.d_sigma) * (norm_ps / self.chi_n - 1.0)).exp();
        let finite = sigma.is_finite()
            && sigma > 0.0
            && mean.iter().chain(&c).chain(&p_sigma).all(|v| v.is_finite());
        if !finite {
            return Err(Error::Diverged(format!(
                "cma_es state became non-finite at generation {} (sigma {sigma})",
                self.generation
            )));
        }
        update_best(&mut self.best, pop, fitness, self.generation);
        self.mean = mean;
        self.p_sigma = p_sigma;
        self.p_c = p_c;
        self.c = c;
        self.sigma = sigma;
        self.generation += 1;
        let lazy_gap = self.lambda as f64 / (self.c_1 + self.c_mu) / n as f64 / 10.0;
        if (self.generation - self.eigen_generation) as f64 > lazy_gap {
            self.refresh_eigen()?;
        }
        Ok(())
    }
}

impl Optimiser for CmaEs {
    fn dim(&self) -> usize {
        self.config.dim
    }

    fn popsize(&self) -> usize {
        self.lambda
    }

    fn ask(&mut self) -> Result<Population> {
        if let Some(p) = &self.pending {
            return Ok(p.clone());
        }
        let n = self.n();
        let b = DMatrix::from_row_slice(n, n, &self.b);
        let mut genomes = Vec::with_capacity(n * self.lambda);
        for _ in 0..self.lambda {
            let dz = DVector::from_iterator(n, self.d.iter().map(|&d| d * self.rng.normal()));
            let y = &b * dz;
            genomes.extend((0..n).map(|j| to_genome(self.mean[j] + self.sigma * y[j])));
        }
        let pop = Population::new(genomes, self.lambda, n)?;
        self.pending = Some(pop.clone());
        Ok(pop)
    }

    fn tell(&mut self, fitness: &[f32]) -> Result<()> {
        let pop = self.pending.take().ok_or(Error::NoPendingAsk)?;
        let result = check_fitness(fitness, pop.n).and_then(|()| self.update(&pop, fitness));
        if result.is_err() {
            self.pending = Some(pop);
        }
        result
    }

    fn best(&self) -> Option<&Best> {
        self.best.as_ref()
    }

    fn generation(&self) -> u64 {
        self.generation
    }

    fn sigma(&self) -> Option<f64> {
        Some(self.sigma)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;
    use crate::optim::sep_cma_es::{SepCmaEs, SepCmaEsConfig};
    use crate::optim::testfns::{ellipsoid, rosenbrock, run};

    fn cma(dim: usize, sigma: f64, seed: u64) -> CmaEs {
        CmaEs::new(
            CmaEsConfig {
                dim,
                sigma_init: sigma,
                mean_init: MeanInit::Given(vec![1.0; dim]),
                ..CmaEsConfig::default()
            },
            SearchRng::from_seed(seed),
        )
        .unwrap()
    }

    #[test]
    fn converges_on_ellipsoid_and_rosenbrock() {
        let mut es = cma(8, 0.5, 1);
        let c = run(&mut es, ellipsoid, 1000).unwrap();
        assert!(c[999] < 1e-10, "ellipsoid {:e}", c[999]);
        // Full covariance follows Rosenbrock's curved valley: reaching 1e-10 from the origin
        // in 5-D takes CMA-ES a few thousand evaluations (Hansen's tutorial figures).
        let mut es = CmaEs::new(
            CmaEsConfig {
                dim: 5,
                sigma_init: 0.5,
                ..CmaEsConfig::default()
            },
            SearchRng::from_seed(2),
        )
        .unwrap();
        let c = run(&mut es, rosenbrock, 1500).unwrap();
        assert!(c[1499] < 1e-10, "rosenbrock {:e}", c[1499]);
    }

    /// Ellipsoid in a rotated frame: x ↦ R x with R a fixed orthogonal matrix, so the
    /// ill-conditioned axes are not the coordinate axes.
    fn rotated_ellipsoid(dim: usize, seed: u64) -> impl Fn(&[f32]) -> f32 {
        let mut rng = SearchRng::from_seed(seed);
        let g = DMatrix::from_fn(dim, dim, |_, _| rng.normal());
        let q = g.qr().q();
        move |x: &[f32]| {
            let v = DVector::from_iterator(dim, x.iter().map(|&v| f64::from(v)));
            let r: Vec<f32> = (&q * v).iter().map(|&v| v as f32).collect();
            ellipsoid(&r)
        }
    }

    #[test]
    fn beats_separable_on_rotated_ellipsoid() {
        let dim = 10;
        let f = rotated_ellipsoid(dim, 7);
        let gens = 600;
        let mut full = cma(dim, 0.5, 3);
        let lambda = full.popsize();
        let full_best = run(&mut full, &f, gens).unwrap()[gens - 1];
        let mut sep = SepCmaEs::new(
            SepCmaEsConfig {
                dim,
                popsize: lambda,
                sigma_init: 0.5,
                mean_init: MeanInit::Given(vec![1.0; dim]),
                ..SepCmaEsConfig::default()
            },
            SearchRng::from_seed(3),
        )
        .unwrap();
        let sep_best = run(&mut sep, &f, gens).unwrap()[gens - 1];
        eprintln!("rotated ellipsoid after {gens} gens: full {full_best:e}, sep {sep_best:e}");
        // Same λ and evaluations; a diagonal model cannot represent the rotation, so it should
        // be orders of magnitude behind.
        assert!(full_best < 1e-6, "full {full_best:e}");
        assert!(
            full_best * 1e3 < sep_best,
            "full {full_best:e} sep {sep_best:e}"
        );
    }

    #[test]
    fn default_popsize_and_errors() {
        let es = CmaEs::new(
            CmaEsConfig {
                dim: 100,
                ..CmaEsConfig::default()
            },
            SearchRng::from_seed(0),
        )
        .unwrap();
        assert_eq!(es.popsize(), 4 + (3.0 * 100f64.ln()).floor() as usize);
        assert!(
            CmaEs::new(
                CmaEsConfig {
                    dim: 0,
                    ..CmaEsConfig::default()
                },
                SearchRng::from_seed(0)
            )
            .is_err()
        );
        let mut es = cma(3, 0.1, 0);
        assert!(matches!(es.tell(&[0.0; 7]), Err(Error::NoPendingAsk)));
    }
}
