//! Lenia on the CPU: the same tap lists, summation order and camera as `shaders/lenia_step.wgsl`
//! and `lenia_camera.wgsl`, one cell at a time.

use crate::lenia::{Camera, Lenia, LeniaParams};

/// One kernel: taps `(dy, dx, weight)`, source and target channel, growth `[m, s, h, _]`.
type Kernel = (Vec<(i32, i32, f32)>, usize, usize, [f32; 4]);

/// A Lenia rule ready to step planar `[c][y][x]` worlds.
pub struct Sim {
    params: LeniaParams,
    kernels: Vec<Kernel>,
}

fn wrap(i: i64, n: i64) -> usize {
    i.rem_euclid(n) as usize
}

impl Sim {
    /// The rule of `lenia` with growth parameters `growth` (one `[m, s, h, _]` per kernel).
    #[must_use]
    pub fn new(lenia: &Lenia, growth: &[[f32; 4]]) -> Self {
        let kernels = lenia
            .kernels()
            .taps
            .iter()
            .zip(&lenia.config().pattern.kernels)
            .zip(growth)
            .map(|((taps, spec), g)| (taps.clone(), spec.c0, spec.c1, *g))
            .collect();
        Self {
            params: lenia.params(1),
            kernels,
        }
    }

    fn growth(&self, u: f32, m: f32, s: f32) -> f32 {
        if self.params.growth == 0 {
            let z = (u - m) / s;
            2.0 * (-z * z / 2.0).exp() - 1.0
        } else {
            let q = (1.0 - (u - m) * (u - m) / (9.0 * s * s)).max(0.0);
            2.0 * q * q * q * q - 1.0
        }
    }

    /// One step and camera update, in place.
    pub fn step(&self, world: &mut Vec<f32>, camera: &mut Camera) {
        let n = self.params.size as usize;
        let c = self.params.channels as usize;
        let plane = n * n;
        let shift = if self.params.recenter != 0 {
            camera.shift
        } else {
            [0, 0]
        };
        let mut next = vec![0f32; world.len()];
        for gy in 0..n {
            for gx in 0..n {
                let y = gy as i64 + i64::from(shift[0]);
                let x = gx as i64 + i64::from(shift[1]);
                let mut g = [0f32; 4];
                // Kernels grouped by source channel, in the order the GPU's tiled kernel visits them.
                let by_source =
                    (0..c).flat_map(|ch| self.kernels.iter().filter(move |k| k.1 == ch));
                for (taps, source, target, p) in by_source {
                    let base = source * plane;
                    let mut u = 0f32;
                    for &(dy, dx, w) in taps {
                        let sy = wrap(y - i64::from(dy), n as i64);
                        let sx = wrap(x - i64::from(dx), n as i64);
                        u += w * world[base + sy * n + sx];
                    }
                    g[*target] += p[2] * self.growth(u, p[0], p[1]);
                }
                let here = wrap(y, n as i64) * n + wrap(x, n as i64);
                for ch in 0..c {
                    let a = world[ch * plane + here];
                    next[ch * plane + gy * n + gx] = (a + self.params.dt * g[ch]).clamp(0.0, 1.0);
                }
            }
        }
        // Camera: numerator from the new world, denominator the mass before the step.
        let half = (n / 2) as f64;
        let (mut mass, mut my, mut mx) = (0f64, 0f64, 0f64);
        for cell in 0..plane {
            let before: f32 = (0..c).map(|ch| world[ch * plane + cell]).sum();
            let after: f32 = (0..c).map(|ch| next[ch * plane + cell]).sum();
            mass += f64::from(before);
            my += f64::from(after) * ((cell / n) as f64 - half);
            mx += f64::from(after) * ((cell % n) as f64 - half);
        }
        let r = f64::from(self.params.radius);
        let (mut center, mut new_shift) = ([0f32; 2], [0i32; 2]);
        if mass > 0.0 {
            center = [(my / r / mass) as f32, (mx / r / mass) as f32];
            if self.params.recenter != 0 {
                new_shift = [
                    (center[0] * self.params.radius) as i32,
                    (center[1] * self.params.radius) as i32,
                ];
            }
        }
        camera.center = center;
        camera.shift = new_shift;
        camera.total = [
            camera.total[0] + new_shift[0],
            camera.total[1] + new_shift[1],
        ];
        camera.mass = mass as f32;
        *world = next;
    }
}
