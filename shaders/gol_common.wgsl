// Life-like CA: declarations shared by the step kernels (per-step and fused).
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

    // Branch-free over the rule (worlds side by side in SIMD lanes may have different rules):
    // lanes whose count equals k, AND of each plane or its complement, masked by the rule bit.
    var born = 0u;
    var survive = 0u;
    for (var k = 0u; k < 9u; k++) {
        var eq = select(~ones, ones, (k & 1u) != 0u);
        eq &= select(~twos, twos, (k & 2u) != 0u);
        eq &= select(~fours, fours, (k & 4u) != 0u);
        eq &= select(~eights, eights, (k & 8u) != 0u);
        born |= eq & (0u - ((rule >> k) & 1u));
        survive |= eq & (0u - ((rule >> (9u + k)) & 1u));
    }
    return (~alive & born) | (alive & survive);
}

