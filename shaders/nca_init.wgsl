// Continuous NCA, initial state: every cell and channel U(0, 1) from the counter hash
// (step 0, counter cell·d + channel), bit for bit what `reference::nca::nca_initial` draws.

@group(0) @binding(0) var<uniform> params: NcaParams;
@group(0) @binding(1) var<storage, read_write> dst: array<f32>;

@compute @workgroup_size(8, 8)
fn init(@builtin(global_invocation_id) gid: vec3<u32>) {
    let n = params.size;
    if gid.x >= n || gid.y >= n {
        return;
    }
    let d = params.channels;
    let world = params.first_world + gid.z;
    let here = gid.y * n + gid.x;
    for (var c = 0u; c < d; c++) {
        let i = here * d + c;
        dst[gid.z * n * n * d + i] = unit_f32(hash4(params.seed, world, 0u, i));
    }
}
