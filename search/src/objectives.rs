//! Objectives: pure functions of unit embeddings, all **minimised** like the original.
//!
//! Embeddings arrive as row-major `f32` slices wrapped in [`Rows`] (rows × dim). Dot products are
//! accumulated in `f64`: open-endedness differences live in the third decimal (reference §4.2), so
//! summation error should stay well below that.
//!
//! Reference quirks are kept reachable but are not the defaults:
//! - prompts tiled over frames ([`PromptAssignment::Tiled`], the original's einops `(k T2)`);
//! - open-endedness counting frame 0 as 0 and clamping negative maxima to 0
//!   ([`OpenEndedness::Reference`], the original's `tril(..).max(-1).mean()`).
//!
//! The softmax target is computed with log-sum-exp. The original evaluated `-log(softmax(S))` in
//! float32 with |S| up to 1/temperature = 100, which returns +inf once a diagonal probability
//! underflows; the stable form returns the finite value instead.

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Temperature of the original's softmax target.
pub const SOFTMAX_TEMPERATURE: f64 = 0.01;

/// A borrowed row-major matrix of embeddings: `rows` unit vectors of length `dim`.
#[derive(Debug, Clone, Copy)]
pub struct Rows<'a> {
    data: &'a [f32],
    rows: usize,
    dim: usize,
}

impl<'a> Rows<'a> {
    /// Wrap `data` as `rows × dim`; errors if the length does not match or `dim` is 0.
    pub fn new(data: &'a [f32], rows: usize, dim: usize) -> Result<Self> {
        if dim == 0 {
            return Err(Error::Invalid("embedding dimension must be > 0".into()));
        }
        let expected = rows
            .checked_mul(dim)
            .ok_or_else(|| Error::Invalid("rows × dim overflows".into()))?;
        if data.len() != expected {
            return Err(Error::shape(
                format!("embeddings ({rows} × {dim})"),
                expected,
                data.len(),
            ));
        }
        Ok(Self { data, rows, dim })
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Length of each row.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Row `i`.
    pub fn row(&self, i: usize) -> &'a [f32] {
        &self.data[i * self.dim..(i + 1) * self.dim]
    }

    /// Dot product of row `i` of `self` with row `j` of `other`, accumulated in f64.
    fn dot_with(&self, i: usize, other: &Rows<'_>, j: usize) -> f64 {
        dot(self.row(i), other.row(j))
    }
}

/// f64-accumulated dot product.
pub fn dot(a: &[f32], b: &[f32]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(&x, &y)| f64::from(x) * f64::from(y))
        .sum()
}

/// How P prompts are spread over K frames.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PromptAssignment {
    /// Contiguous, near-equal blocks: frame t gets prompt ⌊t·P/K⌋ (p0 p0 p1 p1). The intent of
    /// the original ("even intervals for each prompt").
    #[default]
    Blocks,
    /// Frame t gets prompt t mod P (p0 p1 p0 p1): what the original's einops `(k T2)` computes.
    Tiled,
}

/// Prompt index for each of `k` frames, given `p` prompts.
pub fn assign_prompts(p: usize, k: usize, mode: PromptAssignment) -> Result<Vec<usize>> {
    if p == 0 {
        return Err(Error::Invalid("at least one prompt is needed".into()));
    }
    if k < p {
        // The original forces K = max(K, P); with fewer frames than prompts some prompt would
        // never be judged.
        return Err(Error::Invalid(format!(
            "{p} prompts need at least {p} frames, got {k}"
        )));
    }
    Ok((0..k)
        .map(|t| match mode {
            PromptAssignment::Blocks => t * p / k,
            PromptAssignment::Tiled => t % p,
        })
        .collect())
}

/// Supervised target: −(1/K) Σ_t ⟨z_t, y_{a(t)}⟩ with `assignment` a(t) from [`assign_prompts`].
pub fn supervised_target(frames: Rows<'_>, prompts: Rows<'_>, assignment: &[usize]) -> Result<f32> {
    check_assignment(frames, prompts, assignment)?;
    let k = frames.rows();
    let sum: f64 = (0..k)
        .map(|t| frames.dot_with(t, &prompts, assignment[t]))
        .sum();
    Ok((-sum / k as f64) as f32)
}

/// Symmetric InfoNCE target at `temperature` (the original uses [`SOFTMAX_TEMPERATURE`]).
///
/// With S_ij = ⟨y_{a(i)}, z_j⟩ / temperature (K × K), the loss is
/// ½[mean_t (lse_j S_tj − S_tt) + mean_t (lse_i S_it − S_tt)], i.e. −log of the row and column
/// softmax diagonals, computed stably.
pub fn supervised_target_softmax(
    frames: Rows<'_>,
    prompts: Rows<'_>,
    assignment: &[usize],
    temperature: f64,
) -> Result<f32> {
    check_assignment(frames, prompts, assignment)?;
    if temperature.is_nan() || temperature <= 0.0 {
        return Err(Error::Invalid(format!(
            "softmax temperature must be > 0, got {temperature}"
        )));
    }
    let k = frames.rows();
    let mut s = vec![0.0f64; k * k];
    for i in 0..k {
        for j in 0..k {
            s[i * k + j] = prompts.dot_with(assignment[i], &frames, j) / temperature;
        }
    }
    let mut row_term = 0.0;
    let mut col_term = 0.0;
    for t in 0..k {
        let row_lse = log_sum_exp((0..k).map(|j| s[t * k + j]));
        let col_lse = log_sum_exp((0..k).map(|i| s[i * k + t]));
        row_term += row_lse - s[t * k + t];
        col_term += col_lse - s[t * k + t];
    }
    Ok((0.5 * (row_term + col_term) / k as f64) as f32)
}

fn log_sum_exp(values: impl Iterator<Item = f64> + Clone) -> f64 {
    let max = values.clone().fold(f64::NEG_INFINITY, f64::max);
    if !max.is_finite() {
        return max;
    }
    max + values.map(|v| (v - max).exp()).sum::<f64>().ln()
}

fn check_assignment(frames: Rows<'_>, prompts: Rows<'_>, assignment: &[usize]) -> Result<()> {
    if frames.dim() != prompts.dim() {
        return Err(Error::Invalid(format!(
            "frame embeddings have dim {} but prompt embeddings {}",
            frames.dim(),
            prompts.dim()
        )));
    }
    if frames.rows() == 0 {
        return Err(Error::Invalid("no frames to score".into()));
    }
    if assignment.len() != frames.rows() {
        return Err(Error::shape(
            "prompt assignment",
            frames.rows(),
            assignment.len(),
        ));
    }
    if let Some(&bad) = assignment.iter().find(|&&a| a >= prompts.rows()) {
        return Err(Error::Invalid(format!(
            "prompt index {bad} out of range for {} prompts",
            prompts.rows()
        )));
    }
    Ok(())
}

/// Which open-endedness formula to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OpenEndedness {
    /// Mean over frames t = 1..K−1 of max_{t'<t} ⟨z_t, z_t'⟩ (the research code's `[1:]`).
    #[default]
    DropFirst,
    /// The released code: `tril(z zᵀ, −1).max(−1).mean()` — frame 0 counts as 0 and every row
    /// maximum is clamped at 0 from below, averaged over all K frames.
    Reference,
}

/// Open-endedness (historical novelty) score, lower = more novel: the mean of
/// [`open_endedness_per_frame`].
pub fn open_endedness(frames: Rows<'_>, variant: OpenEndedness) -> Result<f32> {
    let values = open_endedness_per_frame(frames, variant)?;
    Ok((values.iter().sum::<f64>() / values.len() as f64) as f32)
}

/// The per-frame terms that [`open_endedness`] averages: for each frame t ≥ 1 its similarity to
/// its most similar earlier frame, max_{t'<t} ⟨z_t, z_t'⟩ (lower = more novel).
///
/// [`OpenEndedness::DropFirst`] returns K − 1 values, for frames 1..K−1. [`OpenEndedness::Reference`]
/// returns K values: 0 for frame 0 and every maximum clamped at 0 from below, as the original's
/// masked `tril(..).max(-1)`. Either way the score is the plain mean of the returned values.
pub fn open_endedness_per_frame(frames: Rows<'_>, variant: OpenEndedness) -> Result<Vec<f64>> {
    let k = frames.rows();
    let min_frames = match variant {
        OpenEndedness::DropFirst => 2,
        OpenEndedness::Reference => 1,
    };
    if k < min_frames {
        return Err(Error::Invalid(format!(
            "open-endedness needs at least {min_frames} frames, got {k}"
        )));
    }
    let mut values = Vec::with_capacity(k);
    if variant == OpenEndedness::Reference {
        values.push(0.0);
    }
    for t in 1..k {
        let best = (0..t)
            .map(|j| frames.dot_with(t, &frames, j))
            .fold(f64::NEG_INFINITY, f64::max);
        values.push(match variant {
            OpenEndedness::DropFirst => best,
            // The strictly-lower-triangular mask leaves zeros in every row, so max ≥ 0.
            OpenEndedness::Reference => best.max(0.0),
        });
    }
    Ok(values)
}

/// Illumination score of a population: mean over members of the highest similarity to another
/// member (lower = more diverse).
pub fn illumination(members: Rows<'_>) -> Result<f32> {
    let n = members.rows();
    if n < 2 {
        return Err(Error::Invalid(format!(
            "illumination needs at least 2 members, got {n}"
        )));
    }
    let sum: f64 = (0..n)
        .map(|i| {
            (0..n)
                .filter(|&j| j != i)
                .map(|j| members.dot_with(i, &members, j))
                .fold(f64::NEG_INFINITY, f64::max)
        })
        .sum();
    Ok((sum / n as f64) as f32)
}

/// A weighted sum of the per-candidate objectives, as the original's `coef_*` flags.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WeightedObjective {
    /// Weight of [`supervised_target`] (the original's `coef_prompt`).
    pub coef_prompt: f64,
    /// Weight of [`supervised_target_softmax`] (`coef_softmax`).
    pub coef_softmax: f64,
    /// Weight of [`open_endedness`] (`coef_oe`).
    pub coef_oe: f64,
    /// How prompts map to frames.
    pub prompt_assignment: PromptAssignment,
    /// Which open-endedness formula.
    pub open_endedness: OpenEndedness,
    /// Softmax temperature.
    pub temperature: f64,
}

impl Default for WeightedObjective {
    fn default() -> Self {
        Self {
            coef_prompt: 1.0,
            coef_softmax: 0.0,
            coef_oe: 0.0,
            prompt_assignment: PromptAssignment::Blocks,
            open_endedness: OpenEndedness::DropFirst,
            temperature: SOFTMAX_TEMPERATURE,
        }
    }
}

/// The terms of one candidate's score.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct ScoreTerms {
    /// Weighted total (what the optimiser minimises).
    pub total: f32,
    /// Supervised target term (unweighted), if its coefficient is non-zero.
    pub prompt: Option<f32>,
    /// Softmax term (unweighted), if its coefficient is non-zero.
    pub softmax: Option<f32>,
    /// Open-endedness term (unweighted), if its coefficient is non-zero.
    pub open_endedness: Option<f32>,
}

impl WeightedObjective {
    /// Whether any term needs prompt embeddings (so an image-only model cannot serve it).
    pub fn needs_prompts(&self) -> bool {
        self.coef_prompt != 0.0 || self.coef_softmax != 0.0
    }

    /// Score one candidate's K frame embeddings. `prompts` is required iff [`Self::needs_prompts`].
    pub fn score(&self, frames: Rows<'_>, prompts: Option<Rows<'_>>) -> Result<ScoreTerms> {
        let mut terms = ScoreTerms::default();
        let mut total = 0.0f64;
        if self.needs_prompts() {
            let prompts = prompts.ok_or_else(|| {
                Error::Invalid("this objective needs prompt (text) embeddings".into())
            })?;
            let assignment = assign_prompts(prompts.rows(), frames.rows(), self.prompt_assignment)?;
            if self.coef_prompt != 0.0 {
                let v = supervised_target(frames, prompts, &assignment)?;
                terms.prompt = Some(v);
                total += self.coef_prompt * f64::from(v);
            }
            if self.coef_softmax != 0.0 {
                let v = supervised_target_softmax(frames, prompts, &assignment, self.temperature)?;
                terms.softmax = Some(v);
                total += self.coef_softmax * f64::from(v);
            }
        }
        if self.coef_oe != 0.0 {
            let v = open_endedness(frames, self.open_endedness)?;
            terms.open_endedness = Some(v);
            total += self.coef_oe * f64::from(v);
        }
        terms.total = total as f32;
        Ok(terms)
    }

    /// Score a batch: `embeddings` is `[n × k × dim]` row-major (candidate, frame, component).
    /// Returns the weighted totals, one per candidate, ready for `Optimiser::tell`.
    pub fn score_batch(
        &self,
        embeddings: &[f32],
        n: usize,
        k: usize,
        dim: usize,
        prompts: Option<Rows<'_>>,
    ) -> Result<Vec<f32>> {
        let all = Rows::new(embeddings, n * k, dim)?;
        (0..n)
            .map(|i| {
                let frames = Rows::new(&all.data[i * k * dim..(i + 1) * k * dim], k, dim)?;
                Ok(self.score(frames, prompts)?.total)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "tests")]
    use super::*;
    use crate::test_util::{load_fixture, tensor};

    /// The fixture's tolerance: float32 dot products of 16-D unit vectors agree with float64 to
    /// ~1e-7, so 1e-5 leaves room without hiding a wrong formula (the variants differ by > 0.03).
    const TOL: f32 = 1e-5;
    /// Softmax scores are ~23 with logits up to 100; the fixture allows 1e-4 for them.
    const TOL_SOFTMAX: f32 = 1e-4;

    struct Fx {
        t: std::collections::HashMap<String, Vec<f32>>,
    }

    impl Fx {
        fn new() -> Self {
            Self {
                t: load_fixture("metrics"),
            }
        }
        fn rows(&self, name: &str, rows: usize) -> Rows<'_> {
            Rows::new(tensor(&self.t, name), rows, 16).unwrap()
        }
        fn value(&self, name: &str) -> f32 {
            tensor(&self.t, name)[0]
        }
    }

    fn close(got: f32, want: f32, tol: f32, what: &str) {
        assert!(
            (got - want).abs() <= tol,
            "{what}: got {got}, want {want} (tol {tol})"
        );
    }

    #[test]
    fn supervised_targets_match_reference() {
        let fx = Fx::new();
        let z = fx.rows("z", 8);
        let p1 = fx.rows("z_txt1", 1);
        let p2 = fx.rows("z_txt2", 2);
        let a1 = assign_prompts(1, 8, PromptAssignment::Blocks).unwrap();
        close(
            supervised_target(z, p1, &a1).unwrap(),
            fx.value("supervised_target_p1"),
            TOL,
            "p1",
        );
        let tiled = assign_prompts(2, 8, PromptAssignment::Tiled).unwrap();
        close(
            supervised_target(z, p2, &tiled).unwrap(),
            fx.value("supervised_target_p2"),
            TOL,
            "p2 tiled",
        );
        let blocks = assign_prompts(2, 8, PromptAssignment::Blocks).unwrap();
        close(
            supervised_target(z, p2, &blocks).unwrap(),
            fx.value("alt_supervised_target_p2_blocks"),
            TOL,
            "p2 blocks",
        );
    }

    #[test]
    fn softmax_targets_match_reference() {
        let fx = Fx::new();
        let z = fx.rows("z", 8);
        let p1 = fx.rows("z_txt1", 1);
        let p2 = fx.rows("z_txt2", 2);
        let a1 = assign_prompts(1, 8, PromptAssignment::Tiled).unwrap();
        let tiled = assign_prompts(2, 8, PromptAssignment::Tiled).unwrap();
        let s1 = supervised_target_softmax(z, p1, &a1, SOFTMAX_TEMPERATURE).unwrap();
        close(
            s1,
            fx.value("supervised_target_softmax_p1"),
            TOL_SOFTMAX,
            "softmax p1",
        );
        let s2 = supervised_target_softmax(z, p2, &tiled, SOFTMAX_TEMPERATURE).unwrap();
        close(
            s2,
            fx.value("supervised_target_softmax_p2"),
            TOL_SOFTMAX,
            "softmax p2",
        );
        close(
            s2,
            fx.value("alt_supervised_target_softmax_p2_logsoftmax"),
            TOL_SOFTMAX,
            "softmax p2 log-softmax",
        );
    }

    #[test]
    fn open_endedness_and_illumination_match_reference() {
        let fx = Fx::new();
        let z = fx.rows("z", 8);
        close(
            open_endedness(z, OpenEndedness::Reference).unwrap(),
            fx.value("open_endedness"),
            TOL,
            "oe reference",
        );
        close(
            open_endedness(z, OpenEndedness::DropFirst).unwrap(),
            fx.value("alt_open_endedness_drop_row0"),
            TOL,
            "oe drop row 0",
        );
        close(
            illumination(fx.rows("zs", 10)).unwrap(),
            fx.value("illumination"),
            TOL,
            "illumination",
        );
    }

    #[test]
    fn softmax_stays_finite_where_float32_softmax_overflows() {
        // Frame 1 is far closer to prompt 0 than frame 0 is: at temperature 0.01 the diagonal
        // probability of row 0 is e^-150, which is 0 in float32 (the original returned +inf).
        let d = 4;
        let frames = [1.0, 0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0];
        let c = 0.5f32.sqrt();
        let prompts = [-0.5, 0.0, 0.0, 0.75f32.sqrt(), c, c, 0.0, 0.0];
        let f = Rows::new(&frames, 2, d).unwrap();
        let p = Rows::new(&prompts, 2, d).unwrap();
        let v = supervised_target_softmax(f, p, &[0, 1], SOFTMAX_TEMPERATURE).unwrap();
        assert!(v.is_finite() && v > 10.0, "{v}");
    }

    #[test]
    fn identical_frames_have_open_endedness_one() {
        let row = [0.6f32, 0.8, 0.0];
        let frames: Vec<f32> = row.iter().copied().cycle().take(3 * 5).collect();
        let f = Rows::new(&frames, 5, 3).unwrap();
        close(
            open_endedness(f, OpenEndedness::DropFirst).unwrap(),
            1.0,
            1e-6,
            "drop",
        );
        // The reference formula divides 4 ones by 5 frames.
        close(
            open_endedness(f, OpenEndedness::Reference).unwrap(),
            0.8,
            1e-6,
            "ref",
        );
    }

    #[test]
    fn orthogonal_frames_are_maximally_novel_and_reference_clamps_negatives() {
        let mut frames = vec![0.0f32; 4 * 4];
        for i in 0..4 {
            frames[i * 4 + i] = 1.0;
        }
        let f = Rows::new(&frames, 4, 4).unwrap();
        close(
            open_endedness(f, OpenEndedness::DropFirst).unwrap(),
            0.0,
            1e-7,
            "ortho",
        );
        let anti = [1.0f32, 0.0, -1.0, 0.0];
        let f = Rows::new(&anti, 2, 2).unwrap();
        close(
            open_endedness(f, OpenEndedness::DropFirst).unwrap(),
            -1.0,
            1e-7,
            "anti drop",
        );
        close(
            open_endedness(f, OpenEndedness::Reference).unwrap(),
            0.0,
            1e-7,
            "anti ref",
        );
    }

    #[test]
    fn per_frame_terms_average_to_the_score() {
        let fx = Fx::new();
        let z = fx.rows("z", 8);
        let drop = open_endedness_per_frame(z, OpenEndedness::DropFirst).unwrap();
        assert_eq!(drop.len(), 7, "frames 1..K-1");
        let mean = drop.iter().sum::<f64>() / 7.0;
        close(
            mean as f32,
            fx.value("alt_open_endedness_drop_row0"),
            TOL,
            "mean of terms",
        );
        let reference = open_endedness_per_frame(z, OpenEndedness::Reference).unwrap();
        assert_eq!(reference.len(), 8);
        assert_eq!(reference[0], 0.0);
        for (r, d) in reference[1..].iter().zip(&drop) {
            assert_eq!(*r, d.max(0.0));
        }
        // Frame 2 repeats frame 0 exactly: its term is 1 (nothing new).
        let f = [1.0f32, 0.0, 0.0, 1.0, 1.0, 0.0];
        let v = open_endedness_per_frame(Rows::new(&f, 3, 2).unwrap(), OpenEndedness::DropFirst);
        assert_eq!(v.unwrap(), vec![0.0, 1.0]);
    }

    #[test]
    fn illumination_of_duplicates_is_one() {
        let frames = [1.0f32, 0.0, 1.0, 0.0, 0.0, 1.0, 0.0, 1.0];
        let f = Rows::new(&frames, 4, 2).unwrap();
        close(illumination(f).unwrap(), 1.0, 1e-7, "dups");
    }

    #[test]
    fn assignments() {
        assert_eq!(
            assign_prompts(2, 8, PromptAssignment::Blocks).unwrap(),
            [0, 0, 0, 0, 1, 1, 1, 1]
        );
        assert_eq!(
            assign_prompts(3, 7, PromptAssignment::Blocks).unwrap(),
            [0, 0, 0, 1, 1, 2, 2]
        );
        assert_eq!(
            assign_prompts(2, 5, PromptAssignment::Tiled).unwrap(),
            [0, 1, 0, 1, 0]
        );
        assert!(assign_prompts(3, 2, PromptAssignment::Blocks).is_err());
        assert!(assign_prompts(0, 2, PromptAssignment::Blocks).is_err());
    }

    #[test]
    fn shape_errors_are_reported() {
        assert!(Rows::new(&[0.0; 5], 2, 3).is_err());
        let z = [1.0f32, 0.0];
        let f = Rows::new(&z, 1, 2).unwrap();
        assert!(open_endedness(f, OpenEndedness::DropFirst).is_err());
        assert!(illumination(f).is_err());
        let p = Rows::new(&[1.0f32, 0.0, 0.0], 1, 3).unwrap();
        assert!(supervised_target(f, p, &[0]).is_err());
    }

    #[test]
    fn weighted_sum_combines_terms() {
        let fx = Fx::new();
        let z = fx.rows("z", 8);
        let p2 = fx.rows("z_txt2", 2);
        let obj = WeightedObjective {
            coef_prompt: 1.0,
            coef_softmax: 0.5,
            coef_oe: 0.3,
            prompt_assignment: PromptAssignment::Tiled,
            open_endedness: OpenEndedness::Reference,
            temperature: SOFTMAX_TEMPERATURE,
        };
        let terms = obj.score(z, Some(p2)).unwrap();
        let want = fx.value("supervised_target_p2")
            + 0.5 * fx.value("supervised_target_softmax_p2")
            + 0.3 * fx.value("open_endedness");
        close(terms.total, want, 1e-4, "weighted");
        assert!(obj.score(z, None).is_err(), "prompts are required");
        // Batch of two identical candidates gives two identical totals.
        let both: Vec<f32> = tensor(&fx.t, "z")
            .iter()
            .chain(tensor(&fx.t, "z"))
            .copied()
            .collect();
        let batch = obj.score_batch(&both, 2, 8, 16, Some(p2)).unwrap();
        assert_eq!(batch, vec![terms.total; 2]);
        let oe_only = WeightedObjective {
            coef_prompt: 0.0,
            coef_oe: 1.0,
            ..WeightedObjective::default()
        };
        assert!(!oe_only.needs_prompts());
        close(
            oe_only.score(z, None).unwrap().total,
            fx.value("alt_open_endedness_drop_row0"),
            TOL,
            "oe only",
        );
    }
}
