//! CPU twin of Particle Lenia (`shaders/plenia_*.wgsl`): the analytic energy gradient and the
//! original's field picture, written for clarity.

/// Decoded Particle Lenia rule.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rule {
    /// Kernel peak distance.
    pub mu_k: f32,
    /// Kernel width.
    pub sigma_k: f32,
    /// Kernel weight.
    pub w_k: f32,
    /// Growth peak.
    pub mu_g: f32,
    /// Growth width.
    pub sigma_g: f32,
    /// Repulsion strength.
    pub c_rep: f32,
}

/// r = sqrt(max(|d|², 1e-10)), as the original (a particle sees itself at r = 1e-5).
#[must_use]
pub fn clamped_r(d2: f32) -> f32 {
    d2.max(1e-10).sqrt()
}

/// One Euler step x ← x − dt·∇E(x_i) for every particle, the others held fixed.
pub fn step(x: &mut [[f32; 2]], rule: &Rule, dt: f32) {
    let old = x.to_vec();
    for (i, xi) in x.iter_mut().enumerate() {
        let p = old[i];
        let (mut u, mut grad_u, mut grad_r) = (0f32, [0f32; 2], [0f32; 2]);
        for xj in &old {
            let d = [p[0] - xj[0], p[1] - xj[1]];
            let d2 = d[0] * d[0] + d[1] * d[1];
            let r = clamped_r(d2);
            // d r / d p; zero where the clamp holds (autodiff through max gives the same).
            let dr = if d2 > 1e-10 {
                [d[0] / r, d[1] / r]
            } else {
                [0.0; 2]
            };
            let z = (r - rule.mu_k) / rule.sigma_k;
            let k = (-z * z).exp();
            u += k;
            for a in 0..2 {
                grad_u[a] += (-2.0 * z / rule.sigma_k * k) * dr[a];
                grad_r[a] -= (1.0 - r).max(0.0) * dr[a];
            }
        }
        u *= rule.w_k;
        let zg = (u - rule.mu_g) / rule.sigma_g;
        let g = (-zg * zg).exp();
        let dg_du = -2.0 * zg / rule.sigma_g * g;
        for a in 0..2 {
            let grad_e = rule.c_rep * grad_r[a] - dg_du * rule.w_k * grad_u[a];
            xi[a] = p[a] - dt * grad_e;
        }
    }
}

fn lerp(t: f32, a: [f32; 3], b: [f32; 3]) -> [f32; 3] {
    [0, 1, 2].map(|c| a[c] * (1.0 - t) + b[c] * t)
}

/// The original's picture: U/G colour map over [−extent, extent]² with extent = 1.2·max|x|
/// (rows are y), particles darkened within r² < 0.02, min–max normalised. RGB `[row][col][3]`.
#[must_use]
pub fn render(x: &[[f32; 2]], rule: &Rule, size: usize) -> Vec<f32> {
    let reach = x
        .iter()
        .flat_map(|p| [p[0].abs(), p[1].abs()])
        .fold(0f32, f32::max);
    let extent = 1.2 * reach;
    let spacing = 2.0 / (size.max(2) - 1) as f32;
    let mut img = Vec::with_capacity(size * size * 3);
    for row in 0..size {
        for col in 0..size {
            let p = [
                (-1.0 + col as f32 * spacing) * extent,
                (-1.0 + row as f32 * spacing) * extent,
            ];
            let (mut u, mut nearest) = (0f32, f32::MAX);
            for xj in x {
                let d2 = (p[0] - xj[0]).powi(2) + (p[1] - xj[1]).powi(2);
                nearest = nearest.min(d2);
                let z = (clamped_r(d2) - rule.mu_k) / rule.sigma_k;
                u += (-z * z).exp();
            }
            u *= rule.w_k;
            let zg = (u - rule.mu_g) / rule.sigma_g;
            let g = (-zg * zg).exp();
            let vis = lerp(
                g,
                lerp(u, [0.1, 0.1, 0.3], [0.2, 0.7, 1.0]),
                [1.17, 0.91, 0.13],
            );
            let mask = (nearest / 0.02).clamp(0.0, 1.0);
            img.extend(vis.map(|v| v * mask));
        }
    }
    let lo = img.iter().copied().fold(f32::MAX, f32::min);
    let hi = img.iter().copied().fold(f32::MIN, f32::max);
    if hi > lo {
        for v in &mut img {
            *v = (*v - lo) / (hi - lo);
        }
    } else {
        img.fill(0.0);
    }
    img
}
