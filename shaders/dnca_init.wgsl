// Discrete NCA, initial state: every cell ~ Categorical(softmax(init logits)) by inverse CDF on a
// hash uniform (step 0, counter = cell). The CDF is computed once per world on the CPU, so the
// GPU and `reference::nca::dnca_initial` draw identical grids.

@group(0) @binding(0) var<uniform> params: NcaParams;
@group(0) @binding(1) var<storage, read_write> dst: array<u32>;
// Per world, the cumulative probabilities of states 0..7 (two vec4s).
@group(0) @binding(2) var<storage, read> cdf: array<vec4<f32>>;

@compute @workgroup_size(8, 8)
fn init(@builtin(global_invocation_id) gid: vec3<u32>) {
    let n = params.size;
    if gid.x >= n || gid.y >= n {
        return;
    }
    let here = gid.y * n + gid.x;
    let u = unit_f32(hash4(params.seed, params.first_world + gid.z, 0u, here));
    var state = 0u;
    for (var k = 0u; k + 1u < params.channels; k++) {
        if u >= cdf[gid.z * 2u + k / 4u][k % 4u] {
            state = k + 1u;
        }
    }
    dst[gid.z * n * n + here] = state;
}
