//! Counter-based random numbers shared bit for bit by the shaders and the CPU twins.
//!
//! Keep in sync with `shaders/common/hash.wgsl`. A counter-based hash (rather than a stateful
//! generator) lets every GPU invocation draw its own number from (seed, world, step, cell) with no
//! shared state, and lets the CPU twin reproduce any single draw.

/// Chris Wellons' `lowbias32` integer hash: a bijection on u32 with very low bias.
#[must_use]
pub fn hash_u32(mut x: u32) -> u32 {
    x ^= x >> 16;
    x = x.wrapping_mul(0x7feb_352d);
    x ^= x >> 15;
    x = x.wrapping_mul(0x846c_a68b);
    x ^= x >> 16;
    x
}

/// Hash of a (seed, world, step, cell) counter.
#[must_use]
pub fn hash4(seed: u32, world: u32, step: u32, cell: u32) -> u32 {
    hash_u32(hash_u32(hash_u32(hash_u32(seed) ^ world) ^ step) ^ cell)
}

/// Uniform float in [0, 1) from the top 24 bits of a hash (exact in f32).
#[must_use]
pub fn unit_f32(h: u32) -> f32 {
    (h >> 8) as f32 * (1.0 / 16_777_216.0)
}

/// Folds a 64-bit user seed into the 32-bit seed the kernels take.
#[must_use]
pub fn seed32(seed: u64) -> u32 {
    hash_u32(seed as u32) ^ hash_u32((seed >> 32) as u32 ^ 0x9e37_79b9)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_floats_are_uniform_enough() {
        // 1e5 draws: the mean of U(0,1) has standard error 0.0009, so 0.005 is a >5 sigma bound.
        let n = 100_000u32;
        let mean: f64 = (0..n)
            .map(|i| f64::from(unit_f32(hash4(7, 0, 0, i))))
            .sum::<f64>()
            / f64::from(n);
        assert!((mean - 0.5).abs() < 0.005, "mean {mean}");
        assert!((0..n).all(|i| unit_f32(hash4(1, 2, 3, i)) < 1.0));
    }

    #[test]
    fn counters_decorrelate() {
        // Neighbouring counters in any coordinate must give different draws.
        assert_ne!(hash4(1, 0, 0, 0), hash4(1, 1, 0, 0));
        assert_ne!(hash4(1, 0, 0, 0), hash4(1, 0, 1, 0));
        assert_ne!(hash4(1, 0, 0, 0), hash4(1, 0, 0, 1));
        assert_ne!(hash4(1, 0, 0, 0), hash4(2, 0, 0, 0));
    }
}
