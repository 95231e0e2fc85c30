//! Boids on the CPU, written as the original's `substrates/boids.py` reads: per boid an argsort
//! of all distances, the local frame through the same homogeneous-matrix formulas, the network
//! one layer at a time, and a renderer that composites soft triangles in order. Mirrors
//! `shaders/boids_step.wgsl` and `shaders/boids_render.wgsl`.

use crate::boids::{BoidsParams, layout};
use crate::hash::{hash4, unit_f32};

/// A 2-D vector.
pub type V2 = [f32; 2];

/// The initial positions and headings of one world, drawn from the counter hash: positions
/// uniform on the unit torus (cells 2i, 2i+1 of step 0), headings at angle 2π·U (cell 2N + i).
/// The GPU batch uploads exactly these, so both sides start bit for bit from the same state.
#[must_use]
pub fn initial(seed: u32, world: u32, n: usize) -> (Vec<V2>, Vec<V2>) {
    let u = |cell: usize| unit_f32(hash4(seed, world, 0, cell as u32));
    let x = (0..n).map(|i| [u(2 * i), u(2 * i + 1)]).collect();
    let v = (0..n)
        .map(|i| {
            let angle = std::f32::consts::TAU * u(2 * n + i);
            [angle.cos(), angle.sin()]
        })
        .collect();
    (x, v)
}

/// `y = x @ kernel + bias` with `kernel` stored `[in][out]` at `k` and `bias` at `b` in the
/// genome, then tanh.
fn dense_tanh(genome: &[f32], b: usize, k: usize, x: &[f32], outputs: usize) -> Vec<f32> {
    (0..outputs)
        .map(|o| {
            let mut acc = 0f32;
            for (i, xi) in x.iter().enumerate() {
                acc += xi * genome[k + i * outputs + o];
            }
            (acc + genome[b + o]).tanh()
        })
        .collect()
}

/// The displacement from `from` to `to`, through the torus when `wrapped`.
fn delta(from: V2, to: V2, wrapped: bool) -> V2 {
    let mut d = [to[0] - from[0], to[1] - from[1]];
    if wrapped {
        // Minimum image on the unit torus; WGSL's round() also rounds half to even.
        d = [d[0] - d[0].round_ties_even(), d[1] - d[1].round_ties_even()];
    }
    d
}

/// One step of every boid of one world, from the same old state.
#[must_use]
pub fn step(p: &BoidsParams, genome: &[f32], x: &[V2], v: &[V2]) -> (Vec<V2>, Vec<V2>) {
    let n = x.len();
    let wrapped = p.wrapped != 0;
    let mut next_x = Vec::with_capacity(n);
    let mut next_v = Vec::with_capacity(n);
    for i in 0..n {
        let (xi, vi) = (x[i], v[i]);
        // argsort of the distances (a stable sort, as jnp.argsort), skipping the first entry,
        // normally the boid itself.
        let dist: Vec<f32> = x
            .iter()
            .map(|&xj| {
                let d = delta(xi, xj, wrapped);
                (d[0] * d[0] + d[1] * d[1]).sqrt()
            })
            .collect();
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&a, &b| dist[a].total_cmp(&dist[b]));
        let neighbours = &order[1..=(p.n_nbrs as usize).min(n - 1)];

        let [u, w] = vi;
        let mut pooled = [0f32; 8];
        let mut hits = 0u32;
        for &j in neighbours {
            // The original's mask `distance < visual_range`.
            let in_range = dist[j] < p.visual_range;
            if !in_range {
                continue;
            }
            // The original maps a neighbour through global2local = [[u, v, -u·x - v·y],
            // [-v, u, v·x - u·y]]; the wrapped option uses the neighbour's nearest image.
            let q = if wrapped {
                let d = delta(xi, x[j], true);
                [xi[0] + d[0], xi[1] + d[1]]
            } else {
                x[j]
            };
            let local_x = u * q[0] + w * q[1] + (-u * xi[0] - w * xi[1]);
            let local_y = -w * q[0] + u * q[1] + (w * xi[0] - u * xi[1]);
            let local_vx = u * v[j][0] + w * v[j][1];
            let local_vy = -w * v[j][0] + u * v[j][1];
            let input = [50.0 * local_x, 50.0 * local_y, local_vx, local_vy];
            let h1 = dense_tanh(genome, layout::D0_B, layout::D0_K, &input, 8);
            let h2 = dense_tanh(genome, layout::D1_B, layout::D1_K, &h1, 8);
            for (acc, h) in pooled.iter_mut().zip(&h2) {
                *acc += h;
            }
            hits += 1;
        }
        // No neighbour within range: the original selects an output of 0.
        let mut turn = 0f32;
        if hits > 0 {
            let mean: Vec<f32> = pooled.iter().map(|s| s / hits as f32).collect();
            let h3 = dense_tanh(genome, layout::D2_B, layout::D2_K, &mean, 8);
            turn = 60.0 * dense_tanh(genome, layout::D3_B, layout::D3_K, &h3, 1)[0];
        }
        // Lateral acceleration (0, turn) in the local frame, rotated back to global.
        let dv = [-w * turn, u * turn];
        let mut nv = [u + dv[0] * p.dt, w + dv[1] * p.dt];
        let norm = (nv[0] * nv[0] + nv[1] * nv[1]).sqrt();
        nv = [nv[0] / norm, nv[1] / norm];
        let nx = [
            wrap_unit(xi[0] + p.speed * nv[0] * p.dt),
            wrap_unit(xi[1] + p.speed * nv[1] * p.dt),
        ];
        next_x.push(nx);
        next_v.push(nv);
    }
    (next_x, next_v)
}

/// `a mod 1` in [0, 1). The original's `x % 1` can round a tiny negative position up to exactly
/// 1.0; that point is 0.0 on the torus, and keeping positions strictly below 1 keeps every
/// consumer's indexing safe.
#[must_use]
pub fn wrap_unit(a: f32) -> f32 {
    let r = a - a.floor();
    if r >= 1.0 { r - 1.0 } else { r }
}

/// One boid's triangle and the quantities every pixel's barycentric coordinates need.
#[derive(Clone, Copy, Debug)]
pub struct Triangle {
    /// Vertex 0, local (0, 1)·size.
    pub t0: V2,
    /// Edge 0→2.
    pub e02: V2,
    /// Edge 0→1.
    pub e01: V2,
    /// e02·e02, e02·e01, e01·e01 and the Gram determinant.
    pub gram: [f32; 4],
    /// Pixel box (first row, last row, first column, last column), inclusive; empty when first > last.
    pub bbox: [i32; 4],
}

/// The triangle of a boid at `x` heading `v`, and the pixels of a `size²` frame it can visibly
/// touch. Keep in sync with `triangle` in `shaders/boids_render.wgsl`.
#[must_use]
pub fn triangle(p: &BoidsParams, x: V2, v: V2, size: u32) -> Triangle {
    let norm = (v[0] * v[0] + v[1] * v[1]).sqrt();
    let (u, w) = (v[0] / norm, v[1] / norm);
    // local2global = [[u, -v, x], [v, u, y]] applied to the local vertices (0,1), (0,-1), (3,0).
    let s = p.render_size;
    let to_global = |a: f32, b: f32| [u * a + -w * b + x[0], w * a + u * b + x[1]];
    let t0 = to_global(0.0, s);
    let t1 = to_global(0.0, -s);
    let t2 = to_global(3.0 * s, 0.0);
    let e02 = [t2[0] - t0[0], t2[1] - t0[1]];
    let e01 = [t1[0] - t0[0], t1[1] - t0[1]];
    let d00 = e02[0] * e02[0] + e02[1] * e02[1];
    let d01 = e02[0] * e01[0] + e02[1] * e01[1];
    let d11 = e01[0] * e01[0] + e01[1] * e01[1];
    let denom = d00 * d11 - d01 * d01;
    // Where any barycentric coordinate is below −m = −20/sharpness, the mask is below
    // σ(−20) ≈ 2e-9: those pixels change by less than float32 resolution, so they are skipped.
    // That region is the triangle scaled by 1 + 3m about its centroid.
    let m = 20.0 / p.sharpness;
    let c = [(t0[0] + t1[0] + t2[0]) / 3.0, (t0[1] + t1[1] + t2[1]) / 3.0];
    let reach = [t0, t1, t2]
        .iter()
        .map(|t| (t[0] - c[0]).abs().max((t[1] - c[1]).abs()))
        .fold(0f32, f32::max)
        * (1.0 + 3.0 * m);
    // Pixel i sits at world i/(size−1); one extra pixel of margin covers rounding.
    let scale = (size - 1) as f32;
    let lo = |a: f32| ((a - reach) * scale).floor() as i32 - 1;
    let hi = |a: f32| ((a + reach) * scale).ceil() as i32 + 1;
    let last = size as i32 - 1;
    Triangle {
        t0,
        e02,
        e01,
        gram: [d00, d01, d11, denom],
        bbox: [
            lo(c[0]).max(0),
            hi(c[0]).min(last),
            lo(c[1]).max(0),
            hi(c[1]).min(last),
        ],
    }
}

/// The soft coverage of pixel point `q` by a triangle: σ(k·a)·σ(k·b)·σ(k·c) on its
/// barycentric coordinates. Keep in sync with `coverage` in `shaders/boids_render.wgsl`.
#[must_use]
pub fn coverage(t: &Triangle, q: V2, sharpness: f32) -> f32 {
    let e = [q[0] - t.t0[0], q[1] - t.t0[1]];
    let d20 = e[0] * t.e02[0] + e[1] * t.e02[1];
    let d21 = e[0] * t.e01[0] + e[1] * t.e01[1];
    let [d00, d01, d11, denom] = t.gram;
    let b = (d11 * d20 - d01 * d21) / denom;
    let c = (d00 * d21 - d01 * d20) / denom;
    let a = 1.0 - b - c;
    let sigmoid = |z: f32| 1.0 / (1.0 + (-z).exp());
    sigmoid(sharpness * a) * sigmoid(sharpness * b) * sigmoid(sharpness * c)
}

/// Renders one world as the original: white background, every boid a soft black triangle
/// composited in index order, then boid 0 again in red. Returns `[row][col][rgb]` floats,
/// row i being world x = i/(size−1) and column j world y = j/(size−1) (the original's
/// `meshgrid(..., indexing='ij')`). Each triangle touches only the pixels of its box.
#[must_use]
pub fn render(p: &BoidsParams, x: &[V2], v: &[V2], size: u32) -> Vec<f32> {
    let s = size as usize;
    let mut img = vec![1f32; s * s * 3];
    let mut draw = |t: &Triangle, colour: [f32; 3]| {
        for i in t.bbox[0]..=t.bbox[1] {
            for j in t.bbox[2]..=t.bbox[3] {
                let q = [pixel_coord(i as u32, size), pixel_coord(j as u32, size)];
                let m = coverage(t, q, p.sharpness);
                let px = &mut img[(i as usize * s + j as usize) * 3..][..3];
                for (c, col) in px.iter_mut().zip(colour) {
                    *c = m * col + (1.0 - m) * *c;
                }
            }
        }
    };
    for (&xb, &vb) in x.iter().zip(v) {
        draw(&triangle(p, xb, vb, size), [0.0; 3]);
    }
    if p.red_boid != 0 && !x.is_empty() {
        draw(&triangle(p, x[0], v[0], size), [1.0, 0.0, 0.0]);
    }
    img
}

/// World coordinate of pixel index `i`: `linspace(0, 1, size)[i]`, which XLA evaluates as
/// i·(1/(size−1)) (it turns the division by a constant into a product). Matching that rounding
/// matters: one ulp of position moves a soft edge pixel by ~2e-5, twice the frame tolerance.
#[must_use]
pub fn pixel_coord(i: u32, size: u32) -> f32 {
    if size <= 1 {
        0.0
    } else {
        i as f32 * (1.0 / (size - 1) as f32)
    }
}
