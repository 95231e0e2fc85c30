// The `pixels` model on the GPU (asal.md §3.3): frames already resized to 224 (NCHW f32 in [0, 1],
// written by fm_preprocess.wgsl with mean 0 and std 1) -> 8×8 average pooling -> ImageNet
// normalisation -> flatten channel-major (c·784 + i·28 + j) -> L2 normalisation.
//
// One workgroup per image, so the L2 norm is a workgroup reduction and the whole model is one
// dispatch. Pooling comes before normalisation: both are linear, and this is the CPU's order.

// Keep in sync with `PixelParams` in fm/src/gpu.rs.
struct PixelParams {
    // Images in this dispatch.
    images: u32,
    // Input side (224).
    size: u32,
    // Pooled grid side (28).
    grid: u32,
    // Pooling cell side (8).
    cell: u32,
    // ImageNet mean and standard deviation (RGB, w unused).
    mean: vec4<f32>,
    std_dev: vec4<f32>,
}

@group(0) @binding(0) var<uniform> params: PixelParams;
@group(0) @binding(1) var<storage, read> rgb: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

const WORKGROUP: u32 = 256u;
var<workgroup> partial: array<f32, 256>;

// The pooled, normalised feature f of `image`.
fn feature(image: u32, f: u32) -> f32 {
    let cells = params.grid * params.grid;
    let c = f / cells;
    let i = (f % cells) / params.grid;
    let j = f % params.grid;
    let plane = (image * 3u + c) * params.size * params.size;
    var sum = 0.0;
    for (var y = 0u; y < params.cell; y++) {
        let row = plane + (i * params.cell + y) * params.size + j * params.cell;
        for (var x = 0u; x < params.cell; x++) {
            sum += rgb[row + x];
        }
    }
    let mean = sum / f32(params.cell * params.cell);
    return (mean - params.mean[c]) / params.std_dev[c];
}

@compute @workgroup_size(256)
fn pixels(
    @builtin(local_invocation_index) lid: u32,
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(num_workgroups) groups: vec3<u32>,
) {
    // Rows of workgroups along y when the batch exceeds one dispatch dimension.
    let image = wid.y * groups.x + wid.x;
    // No early return: every invocation must reach the barriers below.
    let in_batch = image < params.images;
    let dim = 3u * params.grid * params.grid;
    var squares = 0.0;
    if in_batch {
        for (var f = lid; f < dim; f += WORKGROUP) {
            let v = feature(image, f);
            out[image * dim + f] = v;
            squares += v * v;
        }
    }
    partial[lid] = squares;
    workgroupBarrier();
    for (var stride = WORKGROUP / 2u; stride > 0u; stride /= 2u) {
        if lid < stride {
            partial[lid] += partial[lid + stride];
        }
        workgroupBarrier();
    }
    let norm = sqrt(partial[0]);
    // A zero row stays zero rather than becoming NaN, as on the CPU.
    if in_batch && norm > 0.0 {
        for (var f = lid; f < dim; f += WORKGROUP) {
            out[image * dim + f] = out[image * dim + f] / norm;
        }
    }
}
