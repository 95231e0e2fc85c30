// Continuous NCA, render as the original: d = 1 in the red channel, d = 3 as RGB (d = 2: red and
// green), nearest-neighbour resampling of the grid to the frame; image rows are grid rows.

@group(0) @binding(0) var<uniform> params: NcaParams;
@group(0) @binding(1) var<uniform> frame: FrameParams;
@group(0) @binding(2) var<storage, read> cells: array<f32>;
@group(0) @binding(3) var<storage, read_write> frames: array<u32>;

@compute @workgroup_size(8, 8)
fn render(@builtin(global_invocation_id) gid: vec3<u32>) {
    let s = frame.size;
    if gid.x >= s || gid.y >= s {
        return;
    }
    let n = params.size;
    let d = params.channels;
    let cell = (gid.z * n * n + nearest(gid.y, s) * n + nearest(gid.x, s)) * d;
    var rgb = vec3<f32>(0.0, 0.0, 0.0);
    for (var c = 0u; c < min(d, 3u); c++) {
        rgb[c] = cells[cell + c];
    }
    let rgba = to_byte(rgb.x) | (to_byte(rgb.y) << 8u) | (to_byte(rgb.z) << 16u) | 0xff000000u;
    frames[((gid.z * frame.slots + frame.slot) * s + gid.y) * s + gid.x] = rgba;
}
