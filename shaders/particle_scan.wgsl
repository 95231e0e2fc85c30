// Counting sort, pass 2 of 4: exclusive prefix sum of the cell counts, one workgroup per world
// (worlds along z). Each of the 256 threads sums a contiguous chunk of cells, the chunk totals are
// scanned in shared memory (Hillis-Steele), then each thread writes its chunk's starts. Starts are
// global indices into the per-batch member list ([world][particle]).

@group(0) @binding(0) var<uniform> grid: GridParams;
@group(0) @binding(1) var<storage, read> sides: array<u32>;
@group(0) @binding(2) var<storage, read> counts: array<u32>;
@group(0) @binding(3) var<storage, read_write> starts: array<u32>;

var<workgroup> partial: array<u32, 256>;

@compute @workgroup_size(256)
fn scan(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wg: vec3<u32>) {
    let w = wg.z;
    let side = sides[w];
    let cells = side * side;
    let chunk = (cells + 255u) / 256u;
    let first = min(lid * chunk, cells);
    let last = min(first + chunk, cells);
    let base = w * grid.cell_stride;
    var sum = 0u;
    for (var c = first; c < last; c++) {
        sum += counts[base + c];
    }
    partial[lid] = sum;
    workgroupBarrier();
    for (var offset = 1u; offset < 256u; offset <<= 1u) {
        var add = 0u;
        if lid >= offset {
            add = partial[lid - offset];
        }
        workgroupBarrier();
        partial[lid] += add;
        workgroupBarrier();
    }
    var run = w * grid.particles + partial[lid] - sum;
    for (var c = first; c < last; c++) {
        starts[base + c] = run;
        run += counts[base + c];
    }
}
