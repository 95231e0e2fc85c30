// Life-like CA, render: alive white, dead black, nearest-neighbour resampling to the frame size
// (source index floor((i + 0.5) * n / S), the original's jax.image.resize 'nearest').

@group(0) @binding(0) var<uniform> params: GolParams;
@group(0) @binding(1) var<uniform> frame: FrameParams;
@group(0) @binding(2) var<storage, read> cells: array<u32>;
@group(0) @binding(3) var<storage, read_write> frames: array<u32>;

@compute @workgroup_size(8, 8)
fn render(@builtin(global_invocation_id) gid: vec3<u32>) {
    let s = frame.size;
    if gid.x >= s || gid.y >= s {
        return;
    }
    let n = params.size;
    // Integer form of floor((i + 0.5) * n / s): exact, no float rounding at cell edges.
    let row = ((2u * gid.y + 1u) * n) / (2u * s);
    let col = ((2u * gid.x + 1u) * n) / (2u * s);
    let word = cells[gid.z * n * params.words_per_row + row * params.words_per_row + col / 32u];
    let alive = (word >> (col % 32u)) & 1u;
    let rgba = select(0xff000000u, 0xffffffffu, alive != 0u);
    frames[((gid.z * frame.slots + frame.slot) * s + gid.y) * s + gid.x] = rgba;
}
