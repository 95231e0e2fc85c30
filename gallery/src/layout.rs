//! Atlas layout: which members an atlas shows, their embeddings projected to 2-D with PCA, then
//! snapped to a grid of cells.

use nalgebra::{DMatrix, SymmetricEigen};

/// Projects `n` rows of `dim` values onto their first two principal components.
///
/// Returns `n` points (scores: the centred rows times the unit principal axes). Each axis's sign is
/// fixed so its largest-magnitude loading is positive, which makes the result deterministic.
/// Uses the `dim × dim` covariance when `dim ≤ n`, else the `n × n` Gram matrix (same projection,
/// cheaper for few high-dimensional rows).
#[must_use]
pub fn pca_2d(rows: &[f32], n: usize, dim: usize) -> Vec<[f64; 2]> {
    if n == 0 || dim == 0 || rows.len() != n * dim {
        return vec![[0.0; 2]; n];
    }
    let mut x = DMatrix::<f64>::from_fn(n, dim, |i, j| f64::from(rows[i * dim + j]));
    for j in 0..dim {
        let mean = x.column(j).mean();
        x.column_mut(j).add_scalar_mut(-mean);
    }
    let top2 = |m: DMatrix<f64>| -> Vec<(f64, nalgebra::DVector<f64>)> {
        let eig = SymmetricEigen::new(m);
        let mut pairs: Vec<(f64, nalgebra::DVector<f64>)> = eig
            .eigenvalues
            .iter()
            .zip(eig.eigenvectors.column_iter())
            .map(|(&l, v)| (l, v.into_owned()))
            .collect();
        pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
        pairs.truncate(2);
        pairs
    };
    let mut out = vec![[0.0; 2]; n];
    if dim <= n {
        let axes = top2(x.transpose() * &x);
        for (k, (_, axis)) in axes.iter().enumerate() {
            let axis = fix_sign(axis);
            let scores = &x * &axis;
            for (i, s) in scores.iter().enumerate() {
                out[i][k] = *s;
            }
        }
    } else {
        // X Xᵀ u = λ u  ⇒  the scores along the unit axis Xᵀu/√λ are √λ·u.
        let axes = top2(&x * x.transpose());
        for (k, (l, u)) in axes.iter().enumerate() {
            if *l <= 1e-12 {
                continue;
            }
            let axis = fix_sign(&(x.transpose() * u));
            let scores = &x * (axis / l.sqrt()).normalize();
            for (i, s) in scores.iter().enumerate() {
                out[i][k] = *s;
            }
        }
    }
    out
}

fn fix_sign(v: &nalgebra::DVector<f64>) -> nalgebra::DVector<f64> {
    let big = v
        .iter()
        .copied()
        .fold(0.0f64, |a, b| if b.abs() > a.abs() { b } else { a });
    if big < 0.0 { -v } else { v.clone() }
}

/// The members an atlas shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Selection {
    /// Indices of the members shown, ascending.
    pub shown: Vec<usize>,
    /// Members without an embedding (all zeros: every rollout was pre-filtered as dead or
    /// saturated, so the model never saw them).
    pub unembedded: usize,
    /// Embedded members left out to keep the atlas at most `max` thumbnails.
    pub left_out: usize,
}

/// Chooses the atlas members among `n` with `embeddings` (`n × emb_dim`): those with an
/// embedding, at most `max` of them: the best (lowest) `fitness` when given (ties by index), else
/// evenly spaced over the members.
#[must_use]
pub fn select_members(
    embeddings: &[f32],
    emb_dim: usize,
    fitness: &[f32],
    max: usize,
) -> Selection {
    let n = embeddings.len().checked_div(emb_dim).unwrap_or(0);
    let embedded: Vec<usize> = (0..n)
        .filter(|&i| {
            embeddings[i * emb_dim..(i + 1) * emb_dim]
                .iter()
                .any(|&v| v != 0.0 && v.is_finite())
        })
        .collect();
    let unembedded = n - embedded.len();
    let keep = max.min(embedded.len());
    let mut shown: Vec<usize> = if keep == embedded.len() {
        embedded.clone()
    } else if fitness.len() == n {
        let mut by_fitness = embedded.clone();
        by_fitness.sort_by(|&a, &b| {
            let key = |i: usize| {
                if fitness[i].is_nan() {
                    f32::INFINITY
                } else {
                    fitness[i]
                }
            };
            key(a).total_cmp(&key(b)).then(a.cmp(&b))
        });
        by_fitness.truncate(keep);
        by_fitness
    } else {
        (0..keep)
            .map(|j| embedded[j * embedded.len() / keep])
            .collect()
    };
    shown.sort_unstable();
    Selection {
        left_out: embedded.len() - shown.len(),
        shown,
        unembedded,
    }
}

/// The grid of the `shown` rows of `embeddings` (`emb_dim` values each): PCA to 2-D, snapped.
/// `cells[j]` is the cell of `shown[j]`.
#[must_use]
pub fn atlas_grid(embeddings: &[f32], emb_dim: usize, shown: &[usize]) -> Grid {
    let rows: Vec<f32> = shown
        .iter()
        .flat_map(|&i| embeddings[i * emb_dim..(i + 1) * emb_dim].iter().copied())
        .collect();
    snap_to_grid(&pca_2d(&rows, shown.len(), emb_dim))
}

/// Grid placement of an atlas: `cells[i]` is point i's (column, row).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Grid {
    /// Columns.
    pub cols: usize,
    /// Rows.
    pub rows: usize,
    /// Each point's cell.
    pub cells: Vec<(usize, usize)>,
}

/// Snaps points to a `cols × rows` grid (the smallest near-square one with a cell for every
/// point): points are scaled to the grid's extent, then every (point, cell) pair is taken in order
/// of distance and a point goes to the nearest cell still free. Ties break by index, so the layout
/// is deterministic.
#[must_use]
pub fn snap_to_grid(points: &[[f64; 2]]) -> Grid {
    let n = points.len();
    let cols = (n as f64).sqrt().ceil().max(1.0) as usize;
    let rows = n.div_ceil(cols).max(1);
    let (mut lo, mut hi) = ([f64::INFINITY; 2], [f64::NEG_INFINITY; 2]);
    for p in points {
        for k in 0..2 {
            lo[k] = lo[k].min(p[k]);
            hi[k] = hi[k].max(p[k]);
        }
    }
    let extent = [cols, rows];
    let scaled: Vec<[f64; 2]> = points
        .iter()
        .map(|p| {
            let mut q = [0.0; 2];
            for k in 0..2 {
                let span = hi[k] - lo[k];
                let t = if span > 0.0 {
                    (p[k] - lo[k]) / span
                } else {
                    0.5
                };
                q[k] = t * (extent[k] as f64 - 1.0);
            }
            q
        })
        .collect();
    let mut pairs: Vec<(f64, usize, usize)> = Vec::with_capacity(n * cols * rows);
    for (i, q) in scaled.iter().enumerate() {
        for c in 0..cols * rows {
            let (cx, cy) = ((c % cols) as f64, (c / cols) as f64);
            pairs.push(((q[0] - cx).powi(2) + (q[1] - cy).powi(2), i, c));
        }
    }
    pairs.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut cell_of = vec![usize::MAX; n];
    let mut used = vec![false; cols * rows];
    for (_, i, c) in pairs {
        if cell_of[i] == usize::MAX && !used[c] {
            cell_of[i] = c;
            used[c] = true;
        }
    }
    Grid {
        cols,
        rows,
        cells: cell_of.iter().map(|&c| (c % cols, c / cols)).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pca_finds_the_dominant_direction() {
        // Points spread along (1, 1, 0) with a little spread along (0, 0, 1).
        let mut rows = Vec::new();
        for i in 0..20 {
            let t = i as f32 - 9.5;
            rows.extend([t, t, 0.1 * (i % 3) as f32]);
        }
        let p = pca_2d(&rows, 20, 3);
        // The first coordinate is t·√2 up to sign (fixed: the largest loading is positive).
        for (i, q) in p.iter().enumerate() {
            let t = f64::from(i as f32 - 9.5);
            assert!((q[0] - t * 2f64.sqrt()).abs() < 1e-3, "{i}: {q:?}");
        }
        let var = |k: usize| p.iter().map(|q| q[k] * q[k]).sum::<f64>();
        assert!(var(0) > 100.0 * var(1));
    }

    #[test]
    fn covariance_and_gram_paths_agree() {
        // 5 rows in 8 dims (Gram path) vs the same rows padded to 8 rows of zeros-free data.
        let rows: Vec<f32> = (0..40).map(|i| ((i * 37 % 11) as f32).sin()).collect();
        let gram = pca_2d(&rows, 5, 8);
        // Same data transposed into the covariance path: use dim 8 ≤ n by repeating the rows
        // (duplicates scale the covariance, not its axes).
        let twice: Vec<f32> = rows.iter().chain(&rows).copied().collect();
        let cov = pca_2d(&twice, 10, 8);
        for i in 0..5 {
            for k in 0..2 {
                assert!(
                    (gram[i][k] - cov[i][k]).abs() < 1e-6,
                    "{i} {k}: {gram:?} {cov:?}"
                );
            }
        }
    }

    #[test]
    fn degenerate_inputs_do_not_panic() {
        assert_eq!(pca_2d(&[], 0, 4).len(), 0);
        assert_eq!(pca_2d(&[1.0; 8], 2, 4), vec![[0.0; 2]; 2]);
        let g = snap_to_grid(&[[0.0, 0.0]]);
        assert_eq!((g.cols, g.rows, g.cells.clone()), (1, 1, vec![(0, 0)]));
        let same = snap_to_grid(&[[1.0, 1.0]; 5]);
        assert_eq!(same.cells.len(), 5);
    }

    /// A sweep's members: unit embeddings in two tight clusters, two members pre-filtered (zero
    /// embeddings), fitness increasing with the index.
    fn sweep_members() -> (Vec<f32>, Vec<f32>) {
        let mut emb = Vec::new();
        for i in 0..12usize {
            let v: [f32; 3] = match i {
                3 | 8 => [0.0; 3],
                _ if i % 2 == 0 => [1.0, 0.02 * i as f32, 0.0],
                _ => [0.0, 0.02 * i as f32, 1.0],
            };
            let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-9);
            emb.extend(v.iter().map(|x| if norm > 1e-6 { x / norm } else { 0.0 }));
        }
        let fitness = (0..12).map(|i| i as f32 * 0.1 - 1.0).collect();
        (emb, fitness)
    }

    #[test]
    fn sweep_atlas_leaves_out_unembedded_members_and_keeps_the_best() {
        let (emb, fitness) = sweep_members();
        let all = select_members(&emb, 3, &fitness, 100);
        assert_eq!(all.unembedded, 2);
        assert_eq!(all.left_out, 0);
        assert_eq!(all.shown, vec![0, 1, 2, 4, 5, 6, 7, 9, 10, 11]);
        // Capped at 4: the four lowest fitness values among the embedded members.
        let best = select_members(&emb, 3, &fitness, 4);
        assert_eq!(best.shown, vec![0, 1, 2, 4]);
        assert_eq!((best.unembedded, best.left_out), (2, 6));
        // A NaN fitness ranks last, not first.
        let mut nan = fitness.clone();
        nan[0] = f32::NAN;
        assert_eq!(select_members(&emb, 3, &nan, 4).shown, vec![1, 2, 4, 5]);
        // Without fitness (an illumination population): evenly spaced, deterministic.
        let spread = select_members(&emb, 3, &[], 5);
        assert_eq!(spread.shown, vec![0, 2, 5, 7, 10]);
    }

    #[test]
    fn sweep_atlas_grid_separates_clusters() {
        let (emb, fitness) = sweep_members();
        let sel = select_members(&emb, 3, &fitness, 100);
        let g = atlas_grid(&emb, 3, &sel.shown);
        assert_eq!((g.cols, g.rows), (4, 3));
        assert_eq!(g.cells.len(), sel.shown.len());
        let distinct: std::collections::BTreeSet<_> = g.cells.iter().collect();
        assert_eq!(distinct.len(), g.cells.len(), "one member per cell");
        // The first principal axis splits even members from odd ones: every even member lies on
        // one side of every odd member along the columns.
        let cols = |parity: usize| -> Vec<usize> {
            sel.shown
                .iter()
                .zip(&g.cells)
                .filter(|(i, _)| *i % 2 == parity)
                .map(|(_, c)| c.0)
                .collect()
        };
        let (even, odd) = (cols(0), cols(1));
        let (emax, emin) = (even.iter().max(), even.iter().min());
        let (omax, omin) = (odd.iter().max(), odd.iter().min());
        assert!(emax < omin || omax < emin, "even {even:?} odd {odd:?}");
        // Same input, same layout.
        assert_eq!(atlas_grid(&emb, 3, &sel.shown), g);
    }

    #[test]
    fn grid_cells_are_distinct_and_keep_neighbourhoods() {
        // A 4×4 lattice, shuffled, comes back as itself.
        let mut pts = Vec::new();
        for i in 0..16usize {
            let j = (i * 7) % 16;
            pts.push([(j % 4) as f64 * 3.0, (j / 4) as f64 * 3.0]);
        }
        let g = snap_to_grid(&pts);
        assert_eq!((g.cols, g.rows), (4, 4));
        for (i, &(c, r)) in g.cells.iter().enumerate() {
            let j = (i * 7) % 16;
            assert_eq!((c, r), (j % 4, j / 4));
        }
        // Many points in one corner still get distinct cells.
        let crowd: Vec<[f64; 2]> = (0..10)
            .map(|i| [i as f64 * 1e-3, 0.0])
            .chain([[1.0, 1.0]])
            .collect();
        let g = snap_to_grid(&crowd);
        let set: std::collections::BTreeSet<_> = g.cells.iter().collect();
        assert_eq!(set.len(), crowd.len());
        assert!(g.cells.iter().all(|&(c, r)| c < g.cols && r < g.rows));
    }
}
