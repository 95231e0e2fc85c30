//! Life-like CA on the CPU: one byte per cell, neighbours counted one by one.

use crate::gol::Rule;
use crate::hash::{hash4, unit_f32};

/// Per-world alive probability. Keep in sync with `world_p0` in `shaders/gol_init.wgsl`.
#[must_use]
pub fn world_p0(seed: u32, world: u32, p0_fixed: f32) -> f32 {
    if p0_fixed >= 0.0 {
        p0_fixed
    } else {
        0.05 + 0.35 * unit_f32(hash4(seed, world, 0xffff_ffff, 0))
    }
}

/// The Bernoulli soup the GPU draws for `world` (row-major 0/1).
#[must_use]
pub fn soup(seed: u32, world: u32, size: usize, p0_fixed: f32) -> Vec<u8> {
    let p0 = world_p0(seed, world, p0_fixed);
    (0..size * size)
        .map(|cell| u8::from(unit_f32(hash4(seed, world, 0, cell as u32)) < p0))
        .collect()
}

/// One generation on a toroidal `size × size` grid.
#[must_use]
pub fn step(grid: &[u8], size: usize, rule: Rule) -> Vec<u8> {
    let mut next = vec![0u8; grid.len()];
    for y in 0..size {
        for x in 0..size {
            let mut n = 0u32;
            for dy in [size - 1, 0, 1] {
                for dx in [size - 1, 0, 1] {
                    if dy == 0 && dx == 0 {
                        continue;
                    }
                    n += u32::from(grid[((y + dy) % size) * size + (x + dx) % size]);
                }
            }
            let alive = grid[y * size + x] == 1;
            next[y * size + x] = u8::from(if alive {
                rule.survives(n)
            } else {
                rule.births(n)
            });
        }
    }
    next
}
