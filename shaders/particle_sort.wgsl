// Counting sort, pass 4 of 4: orders each cell deterministically (by particle index for the
// simulation, by draw order for rendering) and writes the packed entries the consumers scan:
// (x, y, particle index, tag). With `use_tags == 2u` (the tiled splat's render grid) the fourth
// field is instead the tag of the NEXT entry of the cell (0xffffffff after the last): the splat
// knows an entry's own tag already (from the cell's range or the previous entry), so each
// candidate it walks costs one lane-by-lane load fewer. Each particle's rank is the number of cell members that sort before
// it, so the work is the sum of squared cell occupancies: about 1/9 of the force pass, which scans
// nine cells. Without this pass the atomic slots would make the force summation order, and so the
// trajectory, vary from run to run.

@group(0) @binding(0) var<uniform> grid: GridParams;
@group(0) @binding(1) var<storage, read> state: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> tags: array<u32>;    // [world][particle] colour or draw key
@group(0) @binding(3) var<storage, read> counts: array<u32>;
@group(0) @binding(4) var<storage, read> starts: array<u32>;
@group(0) @binding(5) var<storage, read> cell_of: array<u32>;
@group(0) @binding(6) var<storage, read> members: array<u32>;
@group(0) @binding(7) var<storage, read_write> entries: array<vec4<f32>>;
// [world][cell] (start, end, first tag, 0) of each non-empty cell, render grid only (the host
// clears it first, so empty cells read start == end): the tiled splat reads a cell's list with
// one load instead of three.
@group(0) @binding(8) var<storage, read_write> ranges: array<vec4<u32>>;

fn order_key(world_base: u32, i: u32) -> u32 {
    if grid.use_tags != 0u {
        return tags[world_base + i];
    }
    return i;
}

@compute @workgroup_size(64)
fn sort(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    let w = gid.z;
    if i >= grid.particles {
        return;
    }
    let world_base = w * grid.particles;
    let p = world_base + i;
    let cell = cell_of[p];
    let start = starts[cell];
    let count = counts[cell];
    let key = order_key(world_base, i);
    var rank = 0u;
    // Smallest tag above this one: the next entry's (tags are distinct, or ranks would collide).
    var next = 0xffffffffu;
    for (var k = 0u; k < count; k++) {
        let other = order_key(world_base, members[start + k]);
        if other < key {
            rank += 1u;
        }
        if other > key && other < next {
            next = other;
        }
    }
    let x = state[p * grid.state_stride].xy;
    let fourth = select(tags[p], next, grid.use_tags == 2u);
    entries[start + rank] = vec4<f32>(x, bitcast<f32>(i), bitcast<f32>(fourth));
    if grid.use_tags != 0u && rank == 0u {
        ranges[cell] = vec4<u32>(start, start + count, tags[p], 0u);
    }
}
