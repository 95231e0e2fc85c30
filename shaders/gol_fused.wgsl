// Life-like CA, many generations in one dispatch for grids that fit in workgroup memory.
//
// One workgroup per world loads its bit-packed grid (at most 256², 2048 words) into workgroup
// memory, steps it `fuse.steps` times between two halves of one array with a barrier after each
// generation, and writes only the last generation back: no global traffic and no dispatch per
// step. Results are bit-identical to the per-step kernel (same `next_word`).

// Keep in sync with `FuseParams` in substrates/src/gol.rs.
struct FuseParams {
    steps: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

@group(0) @binding(0) var<uniform> params: GolParams;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<u32>;
@group(0) @binding(3) var<storage, read> rules: array<u32>;
@group(0) @binding(4) var<uniform> fuse: FuseParams;

const THREADS: u32 = 64u;
const MAX_WORDS: u32 = 2048u; // keep in sync with `FUSED_MAX_WORDS` in substrates/src/gol.rs
var<workgroup> grid: array<u32, 4096>; // two generations of MAX_WORDS words

// Each invocation owns one word column and `rows` consecutive rows of it, and slides a 3-row
// window down them (3 loads per word, no division in the loop). The host only fuses grids whose
// words_per_row divides THREADS (sides 32, 64, 128, 256), so the split is exact.
@compute @workgroup_size(64)
fn fused(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) li: u32) {
    let world = wid.x;
    let wpr = params.words_per_row;
    let n = params.size;
    let words = n * wpr;
    let base = world * words;
    let rule = rules[world];
    for (var i = li; i < words; i += THREADS) {
        grid[i] = src[base + i];
    }
    workgroupBarrier();
    let used = min(THREADS, words);
    let rows = words / used;
    let owns_rows = li < used;
    let col = li % wpr;
    let row0 = (li / wpr) * rows;
    let l = select(col - 1u, wpr - 1u, col == 0u);
    let r = select(col + 1u, 0u, col + 1u == wpr);
    var cur = 0u;
    for (var s = 0u; s < fuse.steps; s++) {
        let next = MAX_WORDS - cur;
        if owns_rows {
            let top = select(row0 - 1u, n - 1u, row0 == 0u) * wpr;
            var up_l = grid[cur + top + l];
            var up = grid[cur + top + col];
            var up_r = grid[cur + top + r];
            var mid_l = grid[cur + row0 * wpr + l];
            var mid = grid[cur + row0 * wpr + col];
            var mid_r = grid[cur + row0 * wpr + r];
            for (var k = 0u; k < rows; k++) {
                let row = row0 + k;
                let below = select(row + 1u, 0u, row + 1u == n) * wpr;
                let down_l = grid[cur + below + l];
                let down = grid[cur + below + col];
                let down_r = grid[cur + below + r];
                grid[next + row * wpr + col] =
                    next_word(up_l, up, up_r, mid_l, mid, mid_r, down_l, down, down_r, rule);
                up_l = mid_l;
                up = mid;
                up_r = mid_r;
                mid_l = down_l;
                mid = down;
                mid_r = down_r;
            }
        }
        workgroupBarrier();
        cur = next;
    }
    for (var i = li; i < words; i += THREADS) {
        dst[base + i] = grid[cur + i];
    }
}
