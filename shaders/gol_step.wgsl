// Life-like CA, one generation on a bit-packed toroidal grid (32 cells per u32).
//
// The 8 neighbours of all 32 cells of a word are summed at once with a bit-sliced adder tree
// (each u32 is 32 one-bit lanes), giving the count as 4 bit-planes; the rule is then a minterm
// test per count value. Rules are per world, so a sweep over 2^18 rules is one dispatch.
// Rule layout as the original: next = bit[9 * alive + n], bits 0-8 birth, 9-17 survival.

@group(0) @binding(0) var<uniform> params: GolParams;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<u32>;
@group(0) @binding(3) var<storage, read> rules: array<u32>;

// Rows each invocation computes: it slides a 3-row window down one word column, so each output
// word costs 3 loads instead of 9. Grid sides are multiples of 32, hence of ROWS.
const ROWS: u32 = 8u;

// The word at (row, col) of world `base`, rows wrapping around the torus.
fn word_at(base: u32, row: u32, col: u32) -> u32 {
    return src[base + (row % params.size) * params.words_per_row + col];
}

// One invocation per ROWS consecutive words of a column; worlds flattened into the index so
// many small worlds fill whole workgroups.
@compute @workgroup_size(64)
fn step(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let wpr = params.words_per_row;
    let per_world = wpr * (params.size / ROWS);
    let index = gid.x + gid.y * nwg.x * 64u;
    let world = index / per_world;
    if world >= params.worlds {
        return;
    }
    let local = index % per_world;
    let col = local % wpr;
    let row0 = (local / wpr) * ROWS;
    let base = world * params.size * wpr;
    let left = (col + wpr - 1u) % wpr;
    let right = (col + 1u) % wpr;
    let rule = rules[world];

    // The window: rows above and at the current row, loaded once and slid down.
    let top = row0 + params.size - 1u;
    var up_l = word_at(base, top, left);
    var up = word_at(base, top, col);
    var up_r = word_at(base, top, right);
    var mid_l = word_at(base, row0, left);
    var mid = word_at(base, row0, col);
    var mid_r = word_at(base, row0, right);
    for (var r = 0u; r < ROWS; r++) {
        let row = row0 + r;
        let down_l = word_at(base, row + 1u, left);
        let down = word_at(base, row + 1u, col);
        let down_r = word_at(base, row + 1u, right);
        dst[base + row * wpr + col] = next_word(up_l, up, up_r, mid_l, mid, mid_r, down_l, down, down_r, rule);
        up_l = mid_l;
        up = mid;
        up_r = mid_r;
        mid_l = down_l;
        mid = down;
        mid_r = down_r;
    }
}
