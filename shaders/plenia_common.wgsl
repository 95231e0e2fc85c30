// Particle Lenia: declarations shared by the step, field and render kernels.
// State: [world][particle] vec2 positions on the unbounded plane, `stride` (even) per world, so
// a world's points can be read two at a time as vec4s.
// Rule: [world] 2 vec4s: (mu_k, sigma_k, w_k, mu_g), (sigma_g, c_rep, 0, 0).

// Keep in sync with `PleniaParams` in substrates/src/plenia.rs.
struct PleniaParams {
    particles: u32, // particles per world
    worlds: u32,    // worlds in the batch
    dt: f32,        // Euler step on the energy gradient
    stride: u32,    // points per world in the point buffers: `particles` rounded up to even
}

// r = sqrt(max(|d|^2, 1e-10)), as the original, so a particle sees itself at r = 1e-5.
fn plenia_r(d2: f32) -> f32 {
    return sqrt(max(d2, 1e-10));
}
