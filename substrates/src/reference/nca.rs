//! Neural CA on the CPU, written as the original's flax network reads: wrap-pad the input by one
//! on every axis (the channel axis too), a 3×3 "VALID" cross-correlation, two 1×1 layers with a
//! ReLU between. Mirrors `shaders/nca_step.wgsl`, `dnca_step.wgsl`, `nca_init.wgsl` and
//! `dnca_init.wgsl`. Grids are row-major: `[y][x][channel]` floats (NCA) or `[y][x]` states (DNCA).

use crate::hash::{hash4, unit_f32};
use crate::nca::NetLayout;

/// The network on a `n × n × d` grid (`[y][x][c]`), returning `d` outputs per cell: the NCA's
/// update direction or the DNCA's logits (input one-hot).
#[must_use]
pub fn network(genome: &[f32], net: &NetLayout, n: usize, input: &[f32]) -> Vec<f32> {
    let d = net.channels;
    let cin = d + 2;
    // jnp.pad(x, 1, mode='wrap') on (y, x, channel): padded[y][x][i] = x[y−1][x−1][i−1], wrapped.
    let padded = |y: usize, x: usize, i: usize| -> f32 {
        let (sy, sx, c) = ((y + n - 1) % n, (x + n - 1) % n, (i + d - 1) % d);
        input[(sy * n + sx) * d + c]
    };
    let mut out = vec![0f32; n * n * d];
    for y in 0..n {
        for x in 0..n {
            let mut h0 = [0f32; 4];
            for dy in 0..3 {
                for dx in 0..3 {
                    for i in 0..cin {
                        let value = padded(y + dy, x + dx, i);
                        for (o, h) in h0.iter_mut().enumerate() {
                            *h += value
                                * genome[net.conv0_kernel + ((dy * 3 + dx) * cin + i) * 4 + o];
                        }
                    }
                }
            }
            for (o, h) in h0.iter_mut().enumerate() {
                *h += genome[net.conv0_bias + o];
            }
            let mut h1 = [0f32; 16];
            for (o, h) in h1.iter_mut().enumerate() {
                let mut acc = 0f32;
                for (i, v) in h0.iter().enumerate() {
                    acc += v * genome[net.conv1_kernel + i * 16 + o];
                }
                *h = (acc + genome[net.conv1_bias + o]).max(0.0);
            }
            for o in 0..d {
                let mut acc = 0f32;
                for (i, v) in h1.iter().enumerate() {
                    acc += v * genome[net.conv2_kernel + i * d + o];
                }
                out[(y * n + x) * d + o] = acc + genome[net.conv2_bias + o];
            }
        }
    }
    out
}

/// One NCA step with explicit update masks (`mask[y·n + x]` = 1 where the cell updates):
/// s ← clip(s + dt·net(s)·mask, 0, 1). Tests replay the original's masks through this.
#[must_use]
pub fn nca_step(
    genome: &[f32],
    net: &NetLayout,
    n: usize,
    grid: &[f32],
    mask: &[u8],
    dt: f32,
) -> Vec<f32> {
    let d = net.channels;
    let delta = network(genome, net, n, grid);
    grid.iter()
        .zip(&delta)
        .enumerate()
        .map(|(i, (&s, &ds))| (s + dt * ds * f32::from(mask[i / d])).clamp(0.0, 1.0))
        .collect()
}

/// The update mask the GPU draws for step `t` (1-based) of `world`: cell updates when its hash
/// uniform is below `p_keep`.
#[must_use]
pub fn nca_mask(seed: u32, world: u32, t: u32, n: usize, p_keep: f32) -> Vec<u8> {
    (0..n * n)
        .map(|cell| u8::from(unit_f32(hash4(seed, world, t, cell as u32)) < p_keep))
        .collect()
}

/// The NCA's initial grid: U(0, 1) per cell and channel (step 0, counter cell·d + channel).
#[must_use]
pub fn nca_initial(seed: u32, world: u32, n: usize, d: usize) -> Vec<f32> {
    (0..n * n * d)
        .map(|i| unit_f32(hash4(seed, world, 0, i as u32)))
        .collect()
}

/// The DNCA's logits on `one_hot(grid)`.
#[must_use]
pub fn dnca_logits(genome: &[f32], net: &NetLayout, n: usize, grid: &[u32]) -> Vec<f32> {
    let d = net.channels;
    let mut one_hot = vec![0f32; n * n * d];
    for (cell, &s) in grid.iter().enumerate() {
        one_hot[cell * d + s as usize] = 1.0;
    }
    network(genome, net, n, &one_hot)
}

/// How the DNCA picks the next state.
#[derive(Clone, Copy, Debug)]
pub struct DncaSampling {
    /// Added to the current state's logit.
    pub identity_bias: f32,
    /// Logits are divided by it.
    pub temperature: f32,
    /// Gumbel noise from the hash keyed by (seed, world, step, 8·cell + state), if any.
    pub gumbel: Option<(u32, u32, u32)>,
}

/// One DNCA step: argmax((logits + identity_bias·one_hot)/temperature [+ Gumbel]), the first
/// maximum winning ties as `argmax` does.
#[must_use]
pub fn dnca_step(
    genome: &[f32],
    net: &NetLayout,
    n: usize,
    grid: &[u32],
    sampling: &DncaSampling,
) -> Vec<u32> {
    let d = net.channels;
    let logits = dnca_logits(genome, net, n, grid);
    grid.iter()
        .enumerate()
        .map(|(cell, &current)| {
            let mut best = (0u32, f32::NEG_INFINITY);
            for k in 0..d {
                let bias = if k as u32 == current {
                    sampling.identity_bias
                } else {
                    0.0
                };
                let mut z = (logits[cell * d + k] + bias) / sampling.temperature;
                if let Some((seed, world, t)) = sampling.gumbel {
                    let h = hash4(seed, world, t, cell as u32 * 8 + k as u32);
                    let u = ((h >> 8) as f32 + 0.5) * (1.0 / 16_777_216.0);
                    z += -(-u.ln()).ln();
                }
                if k == 0 || z > best.1 {
                    best = (k as u32, z);
                }
            }
            best.0
        })
        .collect()
}

/// Cumulative probabilities of softmax(`init`), computed in f64 and rounded once; the last is 1.
#[must_use]
pub fn init_cdf(init: &[f32]) -> Vec<f32> {
    let max = init.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let weights: Vec<f64> = init.iter().map(|&l| f64::from(l - max).exp()).collect();
    let total: f64 = weights.iter().sum();
    let mut acc = 0f64;
    let mut cdf: Vec<f32> = weights
        .iter()
        .map(|w| {
            acc += w;
            (acc / total) as f32
        })
        .collect();
    if let Some(last) = cdf.last_mut() {
        *last = 1.0;
    }
    cdf
}

/// The DNCA's initial grid: each cell the first state whose cumulative probability exceeds a
/// hash uniform (step 0, counter = cell).
#[must_use]
pub fn dnca_initial(seed: u32, world: u32, n: usize, cdf: &[f32]) -> Vec<u32> {
    (0..n * n)
        .map(|cell| {
            let u = unit_f32(hash4(seed, world, 0, cell as u32));
            let mut state = 0u32;
            for (k, &c) in cdf.iter().enumerate().take(cdf.len().saturating_sub(1)) {
                if u >= c {
                    state = k as u32 + 1;
                }
            }
            state
        })
        .collect()
}

/// Nearest-neighbour source index of output pixel `i` of `s`: floor((i + 0.5)·n/s).
#[must_use]
pub fn nearest(i: usize, n: usize, s: usize) -> usize {
    ((2 * i + 1) * n) / (2 * s)
}

/// Renders an NCA grid as the original: d = 1 red, d = 3 RGB. Returns `[row][col][rgb]`.
#[must_use]
pub fn nca_render(grid: &[f32], n: usize, d: usize, size: usize) -> Vec<f32> {
    let mut img = vec![0f32; size * size * 3];
    for r in 0..size {
        for c in 0..size {
            let cell = nearest(r, n, size) * n + nearest(c, n, size);
            for ch in 0..d.min(3) {
                img[(r * size + c) * 3 + ch] = grid[cell * d + ch];
            }
        }
    }
    img
}

/// Renders a DNCA grid with the fixed palette. Returns `[row][col][rgb]`.
#[must_use]
pub fn dnca_render(grid: &[u32], n: usize, size: usize) -> Vec<f32> {
    let mut img = vec![0f32; size * size * 3];
    for r in 0..size {
        for c in 0..size {
            let state = grid[nearest(r, n, size) * n + nearest(c, n, size)].min(7) as usize;
            let rgb = crate::nca::DNCA_PALETTE[state];
            for ch in 0..3 {
                img[(r * size + c) * 3 + ch] = f32::from(rgb[ch]) / 255.0;
            }
        }
    }
    img
}
