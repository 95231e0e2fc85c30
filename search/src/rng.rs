//! The named, portable random number generator every optimiser owns.
//!
//! Streams are defined by this file alone: xoshiro256++ (seeded through SplitMix64) for bits, our
//! own conversions to uniforms and normals. Depending on `rand_distr`'s samplers would tie published
//! seeds to that crate's version, since it may change how it turns bits into normals.

use rand_xoshiro::Xoshiro256PlusPlus;
use rand_xoshiro::rand_core::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// Name recorded in creature files and checkpoints so a seed names one stream.
pub const RNG_NAME: &str = "xoshiro256++/splitmix64-seed/polar-normal";

/// Seedable, serialisable generator: serialising and restoring it continues the exact stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SearchRng {
    inner: Xoshiro256PlusPlus,
    /// The polar method yields normals in pairs; the second waits here (and in checkpoints).
    spare_normal: Option<f64>,
}

impl SearchRng {
    /// Generator for `seed` (SplitMix64 expands it into the 256-bit state).
    pub fn from_seed(seed: u64) -> Self {
        Self {
            inner: Xoshiro256PlusPlus::seed_from_u64(seed),
            spare_normal: None,
        }
    }

    /// An independent generator for a sub-task, derived deterministically from this one.
    pub fn fork(&mut self) -> Self {
        Self::from_seed(self.next_u64())
    }

    /// 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.inner.next_u64()
    }

    /// Uniform in [0, 1) with 53 random bits.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in [lo, hi).
    pub fn uniform_range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.uniform()
    }

    /// Uniform integer in [0, n) without modulo bias (rejection on the top of the range).
    /// Returns 0 for `n == 0`.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            return 0;
        }
        let zone = u64::MAX - (u64::MAX % n);
        loop {
            let v = self.next_u64();
            if v < zone {
                return v % n;
            }
        }
    }

    /// Standard normal by Marsaglia's polar method (only `sqrt` and `ln`, no trigonometry).
    pub fn normal(&mut self) -> f64 {
        if let Some(z) = self.spare_normal.take() {
            return z;
        }
        loop {
            let u = 2.0 * self.uniform() - 1.0;
            let v = 2.0 * self.uniform() - 1.0;
            let s = u * u + v * v;
            if s > 0.0 && s < 1.0 {
                let f = (-2.0 * s.ln() / s).sqrt();
                self.spare_normal = Some(v * f);
                return u * f;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normal_moments_are_standard() {
        let mut rng = SearchRng::from_seed(1);
        let n = 200_000;
        let xs: Vec<f64> = (0..n).map(|_| rng.normal()).collect();
        let mean = xs.iter().sum::<f64>() / n as f64;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        // Standard errors: 1/sqrt(n) = 0.0022 for the mean, sqrt(2/n) = 0.0032 for the variance;
        // 5 standard errors keeps this test deterministic-seed safe yet able to catch a wrong scale.
        assert!(mean.abs() < 0.011, "mean {mean}");
        assert!((var - 1.0).abs() < 0.016, "var {var}");
    }

    #[test]
    fn below_is_in_range_and_covers() {
        let mut rng = SearchRng::from_seed(2);
        let mut seen = [false; 7];
        for _ in 0..1000 {
            let v = rng.below(7);
            assert!(v < 7);
            seen[v as usize] = true;
        }
        assert!(seen.iter().all(|&s| s));
    }

    #[test]
    fn serde_round_trip_continues_stream() -> Result<(), serde_json::Error> {
        let mut a = SearchRng::from_seed(3);
        a.normal(); // leaves a spare normal pending
        let json = serde_json::to_string(&a)?;
        let mut b: SearchRng = serde_json::from_str(&json)?;
        for _ in 0..10 {
            assert_eq!(a.normal().to_bits(), b.normal().to_bits());
        }
        Ok(())
    }
}
