//! CPU twin of Particle Life++ (`shaders/plife_plus_step.wgsl`): all pairs, the interaction
//! network evaluated as the original's flax `Dense` stack (x @ kernel + bias).

use crate::reference::plife::{integrate, min_image, pair_force};

/// Flat network size: 12→8→8→8→7 with biases.
pub const NET_SIZE: usize = 311;

/// Fixed physics of Particle Life++.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Physics {
    /// Time step.
    pub dt: f32,
    /// Repulsion range (fraction of rmax).
    pub beta: f32,
    /// Interaction range.
    pub rmax: f32,
    /// Mass.
    pub mass: f32,
    /// Friction factor per step 0.5^(dt/half_life).
    pub mu: f32,
    /// Whether colours drift.
    pub update_colours: bool,
}

fn dense(net: &[f32], bias: usize, kernel: usize, input: &[f32], out: usize) -> Vec<f32> {
    (0..out)
        .map(|o| {
            let dot: f32 = input
                .iter()
                .enumerate()
                .map(|(k, x)| x * net[kernel + k * out + o])
                .sum();
            dot + net[bias + o]
        })
        .collect()
}

/// The network on concat(c_i, c_j): (α, dc direction) before the distance factor.
#[must_use]
pub fn interact(net: &[f32], ci: &[f32; 6], cj: &[f32; 6]) -> (f32, [f32; 6]) {
    let input: Vec<f32> = ci.iter().chain(cj).copied().collect();
    let h: Vec<f32> = dense(net, 0, 8, &input, 8)
        .into_iter()
        .map(f32::tanh)
        .collect();
    let h: Vec<f32> = dense(net, 104, 112, &h, 8)
        .into_iter()
        .map(f32::tanh)
        .collect();
    let h: Vec<f32> = dense(net, 176, 184, &h, 8)
        .into_iter()
        .map(f32::tanh)
        .collect();
    let o = dense(net, 248, 255, &h, 7);
    let mut dc = [0f32; 6];
    for (d, v) in dc.iter_mut().zip(&o[1..]) {
        *d = v.tanh();
    }
    (1.5 * o[0].tanh(), dc)
}

/// One step of every particle over all pairs (the particle itself included: no force, some
/// drift).
pub fn step(
    x: &mut [[f32; 2]],
    v: &mut [[f32; 2]],
    c: &mut [[f32; 6]],
    net: &[f32],
    physics: &Physics,
) {
    let old_x = x.to_vec();
    let old_c = c.to_vec();
    for i in 0..old_x.len() {
        let mut force = [0f32; 2];
        let mut drift = [0f32; 6];
        for j in 0..old_x.len() {
            let r = [
                min_image(old_x[j][0] - old_x[i][0]),
                min_image(old_x[j][1] - old_x[i][1]),
            ];
            let dist = (r[0] * r[0] + r[1] * r[1]).sqrt();
            // Beyond rmax both the force profile and relu(1 − |r|/rmax) are exactly zero, so
            // the pair adds nothing; skipping the network there keeps the twin fast.
            if dist / physics.rmax >= 1.0 {
                continue;
            }
            let (alpha, dc) = interact(net, &old_c[i], &old_c[j]);
            let f = pair_force(r, physics.rmax, physics.beta, alpha);
            force[0] += f[0];
            force[1] += f[1];
            let reach = (1.0 - dist / physics.rmax).max(0.0);
            for (d, dc) in drift.iter_mut().zip(dc) {
                *d += dc * reach;
            }
        }
        integrate(
            &mut x[i],
            &mut v[i],
            force,
            physics.mass,
            physics.mu,
            physics.dt,
        );
        if physics.update_colours {
            let mut next = old_c[i];
            for (n, d) in next.iter_mut().zip(drift) {
                *n += physics.dt * d;
            }
            let norm = next.iter().map(|v| v * v).sum::<f32>().sqrt();
            for n in &mut next {
                *n /= norm;
            }
            c[i] = next;
        }
    }
}
