// Particle Life++: declarations shared by the step kernels (`plife_plus_step.wgsl`, one
// particle per invocation in index order, and `plife_plus_step_in_range.wgsl`).
//
// State: [world][particle] 3 vec4s: (x, y, vx, vy), (c0, c1, c2, c3), (c4, c5, 0, 0).
// Network: [world] 311 floats, the original's flat order (each layer's bias, then its kernel
// [in][out]).

// Keep in sync with `PlifePlusParams` in substrates/src/plife_plus.rs.
struct PlifePlusParams {
    particles: u32,      // particles per world
    worlds: u32,         // worlds in the batch
    cell_stride: u32,    // grid cells allocated per world
    side: u32,           // grid cells per side (cells >= rmax)
    dt: f32,
    beta: f32,
    rmax: f32,
    mass: f32,
    mu: f32,             // 0.5^(dt / half_life)
    radius: f32,         // rendered disc radius, written to `attrs`
    update_colours: u32, // 0 freezes the colour vectors
    cells_per_rmax: u32, // grid cells are >= rmax / cells_per_rmax wide
}

const NET_SIZE: u32 = 311u;
const B0: u32 = 0u;
const W0: u32 = 8u;
const B1: u32 = 104u;
const W1: u32 = 112u;
const B2: u32 = 176u;
const W2: u32 = 184u;
const B3: u32 = 248u;
const W3: u32 = 255u;

@group(0) @binding(0) var<uniform> params: PlifePlusParams;
@group(0) @binding(1) var<storage, read> nets: array<f32>;
@group(0) @binding(2) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> dst: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> counts: array<u32>;
@group(0) @binding(5) var<storage, read> starts: array<u32>;
@group(0) @binding(6) var<storage, read> entries: array<vec4<f32>>; // (x, y, index, tag)
@group(0) @binding(7) var<storage, read_write> attrs: array<vec4<f32>>; // (r, g, b, radius)

// tanh, clamped first: some drivers evaluate it as sinh / cosh, which overflows to NaN past ~88.
// tanh(15) is 1 to float32 precision.
fn tanh_c(x: f32) -> f32 {
    return tanh(clamp(x, -15.0, 15.0));
}
