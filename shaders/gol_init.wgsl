// Life-like CA, initial state: Bernoulli(p0) soup drawn from the counter-based hash.
// One invocation per 32-cell word; worlds along z. Bit i of word k in a row is column 32k + i.

@group(0) @binding(0) var<uniform> params: GolParams;
@group(0) @binding(1) var<storage, read_write> cells: array<u32>;

// The per-world alive probability; keep in sync with `reference::gol::world_p0`.
fn world_p0(world: u32) -> f32 {
    if params.p0_fixed >= 0.0 {
        return params.p0_fixed;
    }
    return 0.05 + 0.35 * unit_f32(hash4(params.seed, world, 0xffffffffu, 0u));
}

@compute @workgroup_size(64)
fn init(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let words_per_world = params.size * params.words_per_row;
    let word = gid.x + gid.y * nwg.x * 64u;
    if word >= words_per_world {
        return;
    }
    let world = params.first_world + gid.z;
    let p0 = world_p0(world);
    let first_cell = word * 32u;
    var bits = 0u;
    for (var i = 0u; i < 32u; i++) {
        if unit_f32(hash4(params.seed, world, 0u, first_cell + i)) < p0 {
            bits |= 1u << i;
        }
    }
    cells[gid.z * words_per_world + word] = bits;
}
