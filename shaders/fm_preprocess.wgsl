// Foundation-model preprocessing on the GPU: RGBA8 frames -> bilinear resize to the model size
// (antialiased when downsampling) -> (x - mean) / std per channel -> NCHW, f32 or f16.
//
// The resize weights come from the host (`fm/src/preprocess.rs`, the CPU reference), so both paths
// use the very same f32 weights; this kernel only applies them in the CPU's order (the height
// taps first, then the width taps), which keeps the two within float rounding of each other.
//
// One invocation writes one u32 of the output: one f32 value, or two f16 values packed low-first
// (the memory order of an f16 array), so no shader-f16 device feature is needed.

// Keep in sync with `PreprocessParams` in fm/src/gpu.rs.
struct PreprocessParams {
    // Images in this dispatch.
    images: u32,
    // Source frame width and height in pixels.
    src_width: u32,
    src_height: u32,
    // Output side (the model's input size).
    size: u32,
    // Index (in pixels, relative to the bound range) of the first image's first pixel.
    first_pixel: u32,
    // Pixels from the start of one image to the start of the next.
    image_stride: u32,
    // Output u32 words to write.
    out_words: u32,
    // 1: pack pairs of f16 values; 0: f32.
    half: u32,
    // Per-channel mean and standard deviation (RGB, w unused).
    mean: vec4<f32>,
    std_dev: vec4<f32>,
}

// Keep in sync with `TapRange` in fm/src/gpu.rs.
struct TapRange {
    // First source pixel along the axis.
    start: u32,
    // Number of taps.
    count: u32,
    // Index of the first weight in `weights`.
    weights: u32,
}

@group(0) @binding(0) var<uniform> params: PreprocessParams;
// RGBA8 packed in u32, R in the low byte.
@group(0) @binding(1) var<storage, read> frames: array<u32>;
// `size` height taps (output rows), then `size` width taps (output columns).
@group(0) @binding(2) var<storage, read> taps: array<TapRange>;
@group(0) @binding(3) var<storage, read> weights: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<u32>;

const WORKGROUP: u32 = 64u;

// Channel c of a packed pixel in [0, 1], computed as the CPU does (v / 255).
fn channel(word: u32, c: u32) -> f32 {
    return f32((word >> (8u * c)) & 0xffu) / 255.0;
}

// The normalised value at flat NCHW index e.
fn value(e: u32) -> f32 {
    let plane = params.size * params.size;
    let image = e / (3u * plane);
    let rest = e % (3u * plane);
    let c = rest / plane;
    let p = rest % plane;
    let oy = p / params.size;
    let ox = p % params.size;
    let base = params.first_pixel + image * params.image_stride;
    let ty = taps[oy];
    let tx = taps[params.size + ox];
    var acc = 0.0;
    for (var k = 0u; k < tx.count; k++) {
        let x = tx.start + k;
        var column = 0.0;
        for (var j = 0u; j < ty.count; j++) {
            let y = ty.start + j;
            column += weights[ty.weights + j] * channel(frames[base + y * params.src_width + x], c);
        }
        acc += weights[tx.weights + k] * column;
    }
    return (acc - params.mean[c]) / params.std_dev[c];
}

@compute @workgroup_size(64)
fn preprocess(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
) {
    // Large batches need more workgroups than one dimension allows: rows of workgroups along y.
    let word = gid.y * groups.x * WORKGROUP + gid.x;
    if word >= params.out_words {
        return;
    }
    if params.half == 0u {
        out[word] = bitcast<u32>(value(word));
    } else {
        let total = params.images * 3u * params.size * params.size;
        let e = 2u * word;
        var pair = vec2<f32>(value(e), 0.0);
        // An odd total leaves the last word half empty (zero).
        if e + 1u < total {
            pair.y = value(e + 1u);
        }
        out[word] = pack2x16float(pair);
    }
}
