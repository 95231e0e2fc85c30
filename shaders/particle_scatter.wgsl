// Counting sort, pass 3 of 4: each particle writes its index into its cell's range of the member
// list, at the slot the bin pass gave it.

@group(0) @binding(0) var<uniform> grid: GridParams;
@group(0) @binding(1) var<storage, read> starts: array<u32>;
@group(0) @binding(2) var<storage, read> cell_of: array<u32>;
@group(0) @binding(3) var<storage, read> slot_of: array<u32>;
@group(0) @binding(4) var<storage, read_write> members: array<u32>; // [world][particle] indices

@compute @workgroup_size(64)
fn scatter(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    let w = gid.z;
    if i >= grid.particles {
        return;
    }
    let p = w * grid.particles + i;
    members[starts[cell_of[p]] + slot_of[p]] = i;
}
