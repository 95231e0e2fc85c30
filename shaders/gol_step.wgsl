// Life-like CA, one generation on a bit-packed toroidal grid (32 cells per u32).
//
// The 8 neighbours of all 32 cells of a word are summed at once with a bit-sliced adder tree
// (each u32 is 32 one-bit lanes), giving the count as 4 bit-planes; the rule is then a minterm
// test per count value. Rules are per world, so a sweep over 2^18 rules is one dispatch.
// Rule layout as the original: next = bit[9 * alive + n], bits 0-8 birth, 9-17 survival.

// Keep in sync with `GolParams` in substrates/src/gol.rs.
struct GolParams {
    size: u32,
    words_per_row: u32,
    worlds: u32,
    seed: u32,
    first_world: u32,
    p0_fixed: f32,
    _pad0: u32,
    _pad1: u32,
}

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

// The next generation of 32 cells from their row `alive`, the rows above (`up_*`) and below
// (`down_*`); `_l`/`_r` are the words to the left and right.
fn next_word(
    up_l: u32, up: u32, up_r: u32,
    left: u32, alive: u32, right: u32,
    down_l: u32, down: u32, down_r: u32,
    rule: u32,
) -> u32 {
    // Bit i's west neighbour is bit i-1 (bit 31 of the word to the left for i = 0).
    let nw = (up << 1u) | (up_l >> 31u);
    let ne = (up >> 1u) | (up_r << 31u);
    let n = up;
    let w = (alive << 1u) | (left >> 31u);
    let e = (alive >> 1u) | (right << 31u);
    let sw = (down << 1u) | (down_l >> 31u);
    let se = (down >> 1u) | (down_r << 31u);
    let s = down;

    // Bit-sliced sum of 8 one-bit lanes into (eights, fours, twos, ones).
    // Row above: full adder -> value su + 2 cu.
    let su = nw ^ n ^ ne;
    let cu = (nw & n) | (ne & (nw ^ n));
    // Row below: full adder.
    let sd = sw ^ s ^ se;
    let cd = (sw & s) | (se & (sw ^ s));
    // Middle row: half adder.
    let sm = w ^ e;
    let cm = w & e;
    // Ones: full adder of the three partial sums.
    let ones = su ^ sd ^ sm;
    let c1 = (su & sd) | (sm & (su ^ sd));
    // Twos: four carries of weight 2 -> full adder then half adder.
    let t = cu ^ cd ^ cm;
    let c2 = (cu & cd) | (cm & (cu ^ cd));
    let twos = t ^ c1;
    let c3 = t & c1;
    // Fours and eights from the two weight-4 carries (the count is at most 8).
    let fours = c2 ^ c3;
    let eights = c2 & c3;

    var born = 0u;
    var survive = 0u;
    for (var k = 0u; k < 9u; k++) {
        let birth_bit = (rule >> k) & 1u;
        let survive_bit = (rule >> (9u + k)) & 1u;
        if (birth_bit | survive_bit) == 0u {
            continue;
        }
        // Lanes whose count equals k: AND of each plane or its complement.
        var eq = select(~ones, ones, (k & 1u) != 0u);
        eq &= select(~twos, twos, (k & 2u) != 0u);
        eq &= select(~fours, fours, (k & 4u) != 0u);
        eq &= select(~eights, eights, (k & 8u) != 0u);
        if birth_bit != 0u {
            born |= eq;
        }
        if survive_bit != 0u {
            survive |= eq;
        }
    }
    return (~alive & born) | (alive & survive);
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
