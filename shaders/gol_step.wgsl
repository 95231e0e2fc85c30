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

// Reads word (row, col) of the current world with toroidal wrap.
fn word_at(base: u32, row: u32, col: u32) -> u32 {
    return src[base + row * params.words_per_row + col];
}

@compute @workgroup_size(64)
fn step(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) nwg: vec3<u32>) {
    let wpr = params.words_per_row;
    let words_per_world = params.size * wpr;
    let word = gid.x + gid.y * nwg.x * 64u;
    if word >= words_per_world {
        return;
    }
    let base = gid.z * words_per_world;
    let row = word / wpr;
    let col = word % wpr;
    let up = (row + params.size - 1u) % params.size;
    let down = (row + 1u) % params.size;
    let left = (col + wpr - 1u) % wpr;
    let right = (col + 1u) % wpr;

    // For each of the three rows: the word itself and its west/east-shifted versions. Bit i's
    // west neighbour is bit i-1 (bit 31 of the word to the left for i = 0).
    var nw: u32; var n: u32; var ne: u32;
    {
        let c = word_at(base, up, col);
        nw = (c << 1u) | (word_at(base, up, left) >> 31u);
        ne = (c >> 1u) | (word_at(base, up, right) << 31u);
        n = c;
    }
    let alive = word_at(base, row, col);
    let w = (alive << 1u) | (word_at(base, row, left) >> 31u);
    let e = (alive >> 1u) | (word_at(base, row, right) << 31u);
    var sw: u32; var s: u32; var se: u32;
    {
        let c = word_at(base, down, col);
        sw = (c << 1u) | (word_at(base, down, left) >> 31u);
        se = (c >> 1u) | (word_at(base, down, right) << 31u);
        s = c;
    }

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

    let rule = rules[gid.z];
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
    dst[base + word] = (~alive & born) | (alive & survive);
}
