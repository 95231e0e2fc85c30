//! Genome edits behind the parameter panel and the interpolation: slider ranges per block,
//! mutation with a step size σ, and the straight line between two genomes.

use asal_search::rng::SearchRng;
use asal_substrates::{Decode, GenomeBlock, GenomeSpec};

/// The range a raw genome value's slider spans: the decode's useful range, widened to hold the
/// current value so a slider never clamps what a search found.
#[must_use]
pub fn slider_range(block: &GenomeBlock, value: f32) -> std::ops::RangeInclusive<f32> {
    let (lo, hi) = match &block.decode {
        // Offsets in logit space: ±clip when clipped, else ±5 (σ(5) ≈ 0.993 already).
        Decode::LogitOffset { clip, .. } if clip.is_finite() => (-*clip, *clip),
        Decode::LogitOffset { .. } => (-5.0, 5.0),
        // σ(±6) is within 0.25 % of the ends of the decoded range.
        Decode::Sigmoid { .. } => (-6.0, 6.0),
        // exp(±3) spans a factor of 400 around the base.
        Decode::Exp { .. } => (-3.0, 3.0),
        Decode::Integer { max } => (0.0, (*max - 1) as f32),
        Decode::Identity => (-3.0, 3.0),
    };
    lo.min(value)..=hi.max(value)
}

/// Adds σ·N(0, 1) to every continuous value; an integer value (a Life-like rule) has each of
/// its bits flipped with probability min(σ, 1/2), so σ means "how far" in both cases.
#[must_use]
pub fn mutate(spec: &GenomeSpec, genome: &[f32], sigma: f32, rng: &mut SearchRng) -> Vec<f32> {
    let mut out = genome.to_vec();
    let mut offset = 0;
    for block in &spec.blocks {
        let values = &mut out[offset..offset + block.len()];
        offset += block.len();
        match block.decode {
            Decode::Integer { max } => {
                let bits = 32 - (max.max(1) - 1).leading_zeros();
                let p = f64::from(sigma).clamp(0.0, 0.5);
                for v in values.iter_mut() {
                    let mut x = *v as u32;
                    for bit in 0..bits {
                        if rng.uniform() < p {
                            x ^= 1 << bit;
                        }
                    }
                    *v = x.min(max - 1) as f32;
                }
            }
            _ => {
                for v in values.iter_mut() {
                    *v += sigma * rng.normal() as f32;
                }
            }
        }
    }
    out
}

/// The genome a fraction `t` of the way from `a` to `b`: exactly `a` at t = 0 and exactly `b` at
/// t = 1. Integer blocks (rules) cannot be blended, so they switch from a's to b's at t = 1/2.
#[must_use]
pub fn lerp(spec: &GenomeSpec, a: &[f32], b: &[f32], t: f32) -> Vec<f32> {
    if t <= 0.0 {
        return a.to_vec();
    }
    if t >= 1.0 {
        return b.to_vec();
    }
    let mut out = Vec::with_capacity(a.len());
    let mut offset = 0;
    for block in &spec.blocks {
        let range = offset..offset + block.len();
        offset += block.len();
        let (ra, rb) = (&a[range.clone()], &b[range]);
        if matches!(block.decode, Decode::Integer { .. }) {
            out.extend_from_slice(if t < 0.5 { ra } else { rb });
        } else {
            out.extend(ra.iter().zip(rb).map(|(&x, &y)| x + t * (y - x)));
        }
    }
    out
}

/// The flat index range of each block, in spec order.
#[must_use]
pub fn block_ranges(spec: &GenomeSpec) -> Vec<std::ops::Range<usize>> {
    let mut offset = 0;
    spec.blocks
        .iter()
        .map(|b| {
            let r = offset..offset + b.len();
            offset += b.len();
            r
        })
        .collect()
}

/// A short name for element `i` of a block of this shape: `m`, `m[3]`, `w[1,2]`.
#[must_use]
pub fn element_name(block: &GenomeBlock, i: usize) -> String {
    if block.len() == 1 {
        return block.name.clone();
    }
    let mut rest = i;
    let mut index = Vec::with_capacity(block.shape.len());
    for &dim in block.shape.iter().rev() {
        index.push(rest % dim.max(1));
        rest /= dim.max(1);
    }
    index.reverse();
    let parts: Vec<String> = index.iter().map(usize::to_string).collect();
    format!("{}[{}]", block.name, parts.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> GenomeSpec {
        GenomeSpec {
            substrate: "test".into(),
            blocks: vec![
                GenomeBlock {
                    name: "w".into(),
                    shape: vec![2, 2],
                    decode: Decode::Identity,
                    doc: String::new(),
                },
                GenomeBlock {
                    name: "rule".into(),
                    shape: vec![1],
                    decode: Decode::Integer { max: 1 << 18 },
                    doc: String::new(),
                },
            ],
        }
    }

    #[test]
    fn lerp_ends_are_exact_and_rules_switch_halfway() {
        let s = spec();
        let a = [0.1, -0.7, 1e-8, 3.3, 6152.0];
        let b = [0.3, 0.2, -2.0, 3.3, 224.0];
        assert_eq!(lerp(&s, &a, &b, 0.0), a);
        assert_eq!(lerp(&s, &a, &b, 1.0), b);
        let mid = lerp(&s, &a, &b, 0.5);
        assert!((mid[0] - 0.2).abs() < 1e-6);
        assert_eq!(mid[4], 224.0);
        assert_eq!(lerp(&s, &a, &b, 0.49)[4], 6152.0);
    }

    #[test]
    fn mutation_keeps_rules_valid_and_moves_by_sigma() {
        let s = spec();
        let g = [0.0, 0.0, 0.0, 0.0, 6152.0];
        let mut rng = SearchRng::from_seed(1);
        for _ in 0..50 {
            let m = mutate(&s, &g, 0.3, &mut rng);
            assert!(s.validate(&m).is_ok(), "{m:?}");
            assert!(m[..4].iter().all(|v| v.abs() < 0.3 * 6.0));
        }
        assert_eq!(mutate(&s, &g, 0.0, &mut rng), g);
    }

    #[test]
    fn element_names_follow_the_shape() {
        let s = spec();
        assert_eq!(element_name(&s.blocks[0], 3), "w[1,1]");
        assert_eq!(element_name(&s.blocks[0], 1), "w[0,1]");
        assert_eq!(element_name(&s.blocks[1], 0), "rule");
    }
}
