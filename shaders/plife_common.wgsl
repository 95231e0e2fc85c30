// Particle Life: declarations shared by the grid and all-pairs step kernels.
//
// Per-world physics lives in `table` (floats, `table_stride` per world):
//   [dt, grid side, 0, 0, alpha (K x K, row = receiving colour), beta (K), rmax (K), mass (K),
//    mu (K) = 0.5^(dt / half_life)]
// State: [world][particle] vec4 (x, y, vx, vy); colours: [world][particle] u32.

// Keep in sync with `PlifeParams` in substrates/src/plife.rs.
struct PlifeParams {
    particles: u32,    // particles per world
    colours: u32,      // K
    worlds: u32,       // worlds in the batch
    table_stride: u32, // floats per world in `table`
    cell_stride: u32,  // grid cells allocated per world
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

// The original's force profile f(q), q = |r| / rmax: linear repulsion below beta, a triangular
// bump of height alpha between beta and 1, nothing beyond (and nothing at q == beta exactly).
fn plife_profile(q: f32, beta: f32, alpha: f32) -> f32 {
    if q < beta {
        return q / beta - 1.0;
    }
    if beta < q && q < 1.0 {
        return alpha * (1.0 - abs(2.0 * q - 1.0 - beta) / (1.0 - beta));
    }
    return 0.0;
}

// Minimum-image separation on the unit torus, as the original: each component outside
// [-0.5, 0.5] is shifted by one.
fn min_image(r_in: vec2<f32>) -> vec2<f32> {
    var r = r_in;
    r = select(r, r - 1.0, r > vec2<f32>(0.5));
    r = select(r, r + 1.0, r < vec2<f32>(-0.5));
    return r;
}

// Force on a particle from a source at separation r: r / (|r| + 1e-8) * rmax * f(|r| / rmax).
fn plife_pair(r: vec2<f32>, rmax: f32, beta: f32, alpha: f32) -> vec2<f32> {
    let dist = sqrt(dot(r, r));
    let f = plife_profile(dist / rmax, beta, alpha);
    return r / (dist + 1e-8) * rmax * f;
}

// Semi-implicit Euler with exponential friction, positions wrapped into [0, 1). x - floor(x) can
// round up to exactly 1.0 for tiny negative x (the original's jnp.mod does the same); that point
// is 0 on the torus, and storing it as 0 keeps every position inside the domain.
fn plife_integrate(s: vec4<f32>, force: vec2<f32>, mass: f32, mu: f32, dt: f32) -> vec4<f32> {
    let a = force / mass;
    let v = mu * s.zw + a * dt;
    var x = s.xy + v * dt;
    x = x - floor(x);
    x = select(x, vec2<f32>(0.0), x >= vec2<f32>(1.0));
    return vec4<f32>(x, v);
}
