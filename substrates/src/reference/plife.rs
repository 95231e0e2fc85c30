//! CPU twin of Particle Life (`shaders/plife_step*.wgsl`, `particle_splat.wgsl`): the original's
//! dense all-pairs force sum and full-order soft-disc compositing, written for clarity.

/// Decoded physics of one Particle Life world (per colour unless noted).
#[derive(Clone, Debug, PartialEq)]
pub struct Physics {
    /// Number of colours K.
    pub colours: usize,
    /// α[c_i][c_j], row-major K×K (row = receiving colour).
    pub alpha: Vec<f32>,
    /// β of the receiving colour.
    pub beta: Vec<f32>,
    /// Interaction range of the receiving colour.
    pub rmax: Vec<f32>,
    /// Mass of the receiving colour.
    pub mass: Vec<f32>,
    /// Friction factor per step 0.5^(dt/half_life) of the receiving colour.
    pub mu: Vec<f32>,
    /// Time step (all colours).
    pub dt: f32,
}

/// f(q): repulsion below β, triangular bump of height α between β and 1, zero elsewhere.
#[must_use]
pub fn profile(q: f32, beta: f32, alpha: f32) -> f32 {
    if q < beta {
        q / beta - 1.0
    } else if beta < q && q < 1.0 {
        alpha * (1.0 - (2.0 * q - 1.0 - beta).abs() / (1.0 - beta))
    } else {
        0.0
    }
}

/// Minimum-image component on the unit torus.
#[must_use]
pub fn min_image(r: f32) -> f32 {
    if r > 0.5 {
        r - 1.0
    } else if r < -0.5 {
        r + 1.0
    } else {
        r
    }
}

/// Force on a receiver from a source at separation `r`: r/(|r| + 1e-8)·rmax·f(|r|/rmax).
#[must_use]
pub fn pair_force(r: [f32; 2], rmax: f32, beta: f32, alpha: f32) -> [f32; 2] {
    let dist = (r[0] * r[0] + r[1] * r[1]).sqrt();
    let f = profile(dist / rmax, beta, alpha);
    [
        r[0] / (dist + 1e-8) * rmax * f,
        r[1] / (dist + 1e-8) * rmax * f,
    ]
}

/// Semi-implicit Euler with friction; positions wrapped into [0, 1) (a rounded-up 1.0 is 0).
pub fn integrate(x: &mut [f32; 2], v: &mut [f32; 2], force: [f32; 2], mass: f32, mu: f32, dt: f32) {
    for d in 0..2 {
        let a = force[d] / mass;
        v[d] = mu * v[d] + a * dt;
        let mut p = x[d] + v[d] * dt;
        p -= p.floor();
        if p >= 1.0 {
            p = 0.0;
        }
        x[d] = p;
    }
}

/// One step of every particle, all pairs (the particle itself included; it adds zero).
pub fn step(x: &mut [[f32; 2]], v: &mut [[f32; 2]], c: &[u32], physics: &Physics) {
    let k = physics.colours;
    let old = x.to_vec();
    for i in 0..old.len() {
        let ci = c[i] as usize;
        let mut force = [0f32; 2];
        for (j, xj) in old.iter().enumerate() {
            let r = [min_image(xj[0] - old[i][0]), min_image(xj[1] - old[i][1])];
            let alpha = physics.alpha[ci * k + c[j] as usize];
            let f = pair_force(r, physics.rmax[ci], physics.beta[ci], alpha);
            force[0] += f[0];
            force[1] += f[1];
        }
        integrate(
            &mut x[i],
            &mut v[i],
            force,
            physics.mass[ci],
            physics.mu[ci],
            physics.dt,
        );
    }
}

/// Composites soft discs over a black `size`² image, `order` giving the drawing order (last on
/// top). Pixel (row i, column j) is the world point (i, j)/(size − 1); `attrs` are (r, g, b,
/// radius) per particle and `sharpness` is k in coverage = 1 − σ(k(d − radius)). Each particle
/// is drawn over the pixels where its coverage is not exactly zero in float32. Returns RGB
/// floats, `[row][col][channel]`.
#[must_use]
pub fn render(
    x: &[[f32; 2]],
    attrs: &[[f32; 4]],
    order: &[usize],
    size: usize,
    sharpness: f32,
) -> Vec<f32> {
    let mut img = vec![0f32; size * size * 3];
    let scale = 1.0 / (size.max(2) - 1) as f32;
    for &i in order {
        let [r, g, b, radius] = attrs[i];
        let reach = radius + crate::particle_grid::SPLAT_CUTOFF / sharpness;
        let lo = |p: f32| (((p - reach) / scale).floor().max(0.0)) as usize;
        let hi = |p: f32| ((((p + reach) / scale).ceil()) as usize).min(size - 1);
        for row in lo(x[i][0])..=hi(x[i][0]) {
            for col in lo(x[i][1])..=hi(x[i][1]) {
                let p = [row as f32 * scale, col as f32 * scale];
                let d = ((p[0] - x[i][0]).powi(2) + (p[1] - x[i][1]).powi(2)).sqrt();
                let z = sharpness * (d - radius);
                let coverage = 1.0 - 1.0 / (1.0 + (-z).exp());
                let px = &mut img[(row * size + col) * 3..][..3];
                for (c, value) in px.iter_mut().zip([r, g, b]) {
                    *c = coverage * value + (1.0 - coverage) * *c;
                }
            }
        }
    }
    img
}
