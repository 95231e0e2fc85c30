// Discrete NCA, render as the original: the fixed 8-colour palette
// (ff0000 00ff00 0000ff ffff00 ff00ff 00ffff ffffff 8f5d00), nearest-neighbour resampling of the
// grid to the frame; image rows are grid rows.

@group(0) @binding(0) var<uniform> params: NcaParams;
@group(0) @binding(1) var<uniform> frame: FrameParams;
@group(0) @binding(2) var<storage, read> cells: array<u32>;
@group(0) @binding(3) var<storage, read_write> frames: array<u32>;

// RGBA8 with R in the low byte; keep in sync with `nca::DNCA_PALETTE`.
var<private> palette: array<u32, 8> = array<u32, 8>(
    0xff0000ffu, 0xff00ff00u, 0xffff0000u, 0xff00ffffu,
    0xffff00ffu, 0xffffff00u, 0xffffffffu, 0xff005d8fu,
);

@compute @workgroup_size(8, 8)
fn render(@builtin(global_invocation_id) gid: vec3<u32>) {
    let s = frame.size;
    if gid.x >= s || gid.y >= s {
        return;
    }
    let n = params.size;
    let state = cells[gid.z * n * n + nearest(gid.y, s) * n + nearest(gid.x, s)];
    frames[((gid.z * frame.slots + frame.slot) * s + gid.y) * s + gid.x] = palette[min(state, 7u)];
}
