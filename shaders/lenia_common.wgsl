// Lenia: declarations shared by the step, camera and render kernels.
// World layout: planar, [world][channel][y][x] f32 in [0, 1].

// Keep in sync with `LeniaParams` in substrates/src/lenia.rs.
struct LeniaParams {
    size: u32,      // world side in cells
    channels: u32,  // 1..=3
    kernels: u32,   // number of kernels
    worlds: u32,    // worlds in the batch
    dt: f32,        // 1 / T
    growth: u32,    // 0: Gaussian bump 2 exp(-((u-m)/s)^2 / 2) - 1 (ASAL); 1: polynomial 2 max(0, 1-(u-m)^2/(9 s^2))^4 - 1 (Chan)
    recenter: u32,  // 1: roll the world by the last centre-of-mass shift before each step (ASAL's camera)
    crop: u32,      // side of the centred crop that is rendered; the whole world when 0 or >= size
    radius: f32,    // R, the kernel radius in cells (the camera's unit)
    reach: u32,     // largest |dy| or |dx| of any tap: the halo of the step kernel's tile
    _pad1: u32,
    _pad2: u32,
}

// Keep in sync with `KernelInfo` in substrates/src/lenia.rs.
struct KernelInfo {
    tap_start: u32, // first tap of this kernel in `taps`
    tap_end: u32,   // one past its last tap
    source: u32,    // c0: channel convolved
    dest: u32,      // c1: channel the growth is added to
}

// One kernel tap: an offset into the step kernel's tile ((-dy) * side + (-dx)) and its weight.
// Keep in sync with `Tap` in substrates/src/lenia.rs.
struct Tap {
    offset: i32,
    weight: f32,
}

// Keep in sync with `Camera` in substrates/src/lenia.rs.
struct Camera {
    center: vec2<f32>, // last mass-weighted centre (y, x), in units of R
    shift: vec2<i32>,  // last shift (y, x) = trunc(center * R), applied as a roll before the next step
    total: vec2<i32>,  // running sum of shifts
    mass: f32,         // total mass before the last step
    _pad: f32,
}

// The growth of potential u for a kernel with (m, s), by `LeniaParams::growth` (`mode`), shared
// by the direct step and both FFT growth passes.
fn growth_of(mode: u32, u: f32, m: f32, s: f32) -> f32 {
    if mode == 0u {
        let z = (u - m) / s;
        return 2.0 * exp(-z * z / 2.0) - 1.0;
    }
    let q = max(0.0, 1.0 - (u - m) * (u - m) / (9.0 * s * s));
    return 2.0 * q * q * q * q - 1.0;
}

fn wrap(i: i32, n: i32) -> u32 {
    return u32(((i % n) + n) % n);
}
