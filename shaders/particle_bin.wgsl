// Counting sort, pass 1 of 4: each particle finds its cell and takes a slot in it (atomic count).
// The slot order is arbitrary; `particle_sort` restores a deterministic order afterwards.

@group(0) @binding(0) var<uniform> grid: GridParams;
@group(0) @binding(1) var<storage, read> sides: array<u32>;          // [world] cells per side
@group(0) @binding(2) var<storage, read> state: array<vec4<f32>>;   // position in .xy
@group(0) @binding(3) var<storage, read_write> counts: array<atomic<u32>>; // [world][cell], zeroed
@group(0) @binding(4) var<storage, read_write> cell_of: array<u32>;  // [world][particle] global cell
@group(0) @binding(5) var<storage, read_write> slot_of: array<u32>;  // [world][particle] slot

@compute @workgroup_size(64)
fn bin(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    let w = gid.z;
    if i >= grid.particles {
        return;
    }
    let p = w * grid.particles + i;
    let side = sides[w];
    let x = state[p * grid.state_stride].xy;
    let cell = w * grid.cell_stride + cell_coord(x.y, side) * side + cell_coord(x.x, side);
    cell_of[p] = cell;
    slot_of[p] = atomicAdd(&counts[cell], 1u);
}
