// Discrete NCA (`dnca`), one step, the same update as dnca_step.wgsl (keep the two in step)
// arranged as nca_tile.wgsl is: each workgroup holds its world's network in workgroup memory and
// reads it at constant indices, each invocation updates a quad of four x-adjacent cells down a
// strip of STRIP rows, loading one vec4<u32> row window at a time.
//
// Conv_0 on the one-hot input only adds, per tap, the kernel rows of the padded channels that
// show the neighbour's state: a table T[tap][state] of 9·8 vec4s. The workgroup folds taps in
// pairs, PAIRS[p][a·8 + b] = T[2p][a] + T[2p + 1][b] (4 pairs, and tap 8 alone with Conv_0's
// bias), so a cell's Conv_0 is 5 lookups instead of 9 — the lookups are the loads whose address
// differs per lane, the expensive kind on CPU adapters. Needs size % 4 == 0; other sizes use
// dnca_step.wgsl. Grid layout: [world][y][x] u32, read here as vec4<u32>s.
//
// With NET_PRIVATE (the default), Conv_1, Conv_2 and the single-tap table T are instead copied
// into private arrays per invocation, for the reason given in nca_tile.wgsl: on lavapipe every
// workgroup load, even at a constant index, is a loop over the 8 lanes of a SIMD group (Conv_1
// and Conv_2 read 54 vec4s per cell), and a lookup at a per-lane index is such a loop with a
// serial chain of masked loads (~3 ns per lane); a private array read at a constant index is one
// vector load. Conv_0 then picks T[tap][state] by a chain of 7 selects over the tap's 8 private
// vec4s (vectorised across the lanes) instead of the 5 pair lookups, summed in the pair tables'
// order: (T0 + T1) + (T2 + T3) + (T4 + T5) + (T6 + T7) + (bias + T8), so the results are the
// same bit for bit. Private network 2×, selects another 1.15× on lavapipe (same runs);
// NET_PRIVATE = false (`Nca::with_private_network(false)`) is the previous kernel, the bench
// baseline, and may suit GPUs, where workgroup lookups are cheap and private arrays cost
// registers.
//
// Gumbel sampling is a pipeline constant (GUMBEL) rather than the uniform `params.gumbel`: lavapipe
// runs both sides of a branch on a uniform value (masked), so the argmax kernel paid for the 8
// hashes and 16 logarithms per cell that only Gumbel sampling needs, half of its time.

const STATES: u32 = 8u;
// Read Conv_1 and Conv_2 from a private copy (true) or from workgroup memory (false).
override NET_PRIVATE: bool = true;
// Sample with Gumbel noise (true) or take the argmax (false); `params.gumbel` of the same batch.
override GUMBEL: bool = false;
// Rows per invocation: 16 rather than 8 amortises the private copy of the network over twice the
// cells (×1.1–1.3 on lavapipe, same run). Keep in sync with TILE_STRIP in substrates/src/nca.rs.
const STRIP: u32 = 16u;
// vec4s of the network (580 floats after the 8 initial logits).
const NET_VEC4S: u32 = 145u;
// Vec4 indices in the network: Conv_0.kernel [9][10][4], Conv_1.bias, Conv_1.kernel [4][16],
// Conv_2.bias [8], Conv_2.kernel [16][8].
const C0K: u32 = 1u;
const C1B: u32 = 91u;
const C1K: u32 = 95u;
const C2B: u32 = 111u;
const C2K: u32 = 113u;
// Pair table entries: 4 pairs of 64 and the last tap's 8.
const PAIR_ENTRIES: u32 = 264u;
// Single-tap table entries T[tap][state].
const TAP_ENTRIES: u32 = 72u;

@group(0) @binding(0) var<uniform> params: NcaParams;
@group(0) @binding(1) var<storage, read> src: array<vec4<u32>>;
@group(0) @binding(2) var<storage, read_write> dst: array<vec4<u32>>;
@group(0) @binding(3) var<storage, read> genomes: array<f32>;
@group(0) @binding(4) var<storage, read> steps_in: array<u32>;
@group(0) @binding(5) var<storage, read_write> steps_out: array<u32>;

var<workgroup> w: array<vec4<f32>, NET_VEC4S>;
var<workgroup> pairs: array<vec4<f32>, PAIR_ENTRIES>;
var<workgroup> taps: array<vec4<f32>, TAP_ENTRIES>;
// Network vec4s C1B … NET_VEC4S − 1 (Conv_1, Conv_2), T and Conv_0's bias, per invocation.
var<private> private_net: array<vec4<f32>, 54>;
var<private> private_taps: array<vec4<f32>, TAP_ENTRIES>;
var<private> conv0_bias: vec4<f32>;

// Network vec4 i ≥ C1B; always called with a constant i, so the choice and the index fold away.
fn net(i: u32) -> vec4<f32> {
    if NET_PRIVATE {
        return private_net[i - C1B];
    }
    return w[i];
}

// Copies network vec4s C1B + i … C1B + i + 5 to the private array; called with constant i, so
// each workgroup read is at a constant index (a loop over i would make them per-lane loads).
fn copy_net6(i: u32) {
    private_net[i] = w[C1B + i];
    private_net[i + 1u] = w[C1B + i + 1u];
    private_net[i + 2u] = w[C1B + i + 2u];
    private_net[i + 3u] = w[C1B + i + 3u];
    private_net[i + 4u] = w[C1B + i + 4u];
    private_net[i + 5u] = w[C1B + i + 5u];
}

// Copies T[i … i + 7] to the private array (constant i, as above).
fn copy_taps8(i: u32) {
    private_taps[i] = taps[i];
    private_taps[i + 1u] = taps[i + 1u];
    private_taps[i + 2u] = taps[i + 2u];
    private_taps[i + 3u] = taps[i + 3u];
    private_taps[i + 4u] = taps[i + 4u];
    private_taps[i + 5u] = taps[i + 5u];
    private_taps[i + 6u] = taps[i + 6u];
    private_taps[i + 7u] = taps[i + 7u];
}

// T[tap][state] from the private copy (constant tap, per-lane state): every read is at a
// constant index, the choice a select per state.
fn tap_value(tap: u32, state: u32) -> vec4<f32> {
    let k = tap * STATES;
    var v = private_taps[k];
    v = select(v, private_taps[k + 1u], state == 1u);
    v = select(v, private_taps[k + 2u], state == 2u);
    v = select(v, private_taps[k + 3u], state == 3u);
    v = select(v, private_taps[k + 4u], state == 4u);
    v = select(v, private_taps[k + 5u], state == 5u);
    v = select(v, private_taps[k + 6u], state == 6u);
    v = select(v, private_taps[k + 7u], state == 7u);
    return v;
}

// T[tap][state]: Conv_0's kernel rows of the padded input channels showing `state` at `tap`
// (channel s + 1 always; channel 0 shows state 7 and channel 9 shows state 0: the wrap padding).
fn tap_table(tap: u32, state: u32) -> vec4<f32> {
    let k = C0K + tap * (STATES + 2u);
    var v = w[k + state + 1u];
    if state == STATES - 1u {
        v += w[k];
    }
    if state == 0u {
        v += w[k + STATES + 1u];
    }
    return v;
}

// A quad's row window: cells x0 − 1 … x0 + 4 of row y (wrapped).
struct Window {
    left: u32,
    centre: vec4<u32>,
    right: u32,
}

fn load_row(grid4: u32, y: u32, x0: u32) -> Window {
    let n = params.size;
    let row = grid4 + y * n / 4u;
    var v: Window;
    v.left = src[row + select(x0, n, x0 == 0u) / 4u - 1u].w & 7u;
    v.centre = src[row + x0 / 4u] & vec4<u32>(7u);
    v.right = src[row + select(x0 + 4u, 0u, x0 + 4u == n) / 4u].x & 7u;
    return v;
}

// Window cell i (0 … 5); called with constant i.
fn at(v: Window, i: u32) -> u32 {
    if i == 0u {
        return v.left;
    }
    if i == 5u {
        return v.right;
    }
    return v.centre[i - 1u];
}

// Hidden units 4j … 4j + 3 (Conv_1 and ReLU) from Conv_0's output.
fn hidden(h0: vec4<f32>, j: u32) -> vec4<f32> {
    return max(
        net(C1B + j) + h0.x * net(C1K + j) + h0.y * net(C1K + 4u + j) + h0.z * net(C1K + 8u + j)
            + h0.w * net(C1K + 12u + j),
        vec4<f32>(0.0),
    );
}

// Conv_2's contribution of hidden units 4j … 4j + 3 to logits 4·half … 4·half + 3 (each unit's
// 8 weights are two vec4s).
fn logits_part(h1: vec4<f32>, j: u32, half: u32) -> vec4<f32> {
    let m = C2K + 8u * j + half;
    return h1.x * net(m) + h1.y * net(m + 2u) + h1.z * net(m + 4u) + h1.w * net(m + 6u);
}

// Gumbel(0, 1) noise of state k: uniform in the open interval (0, 1) from hash4, then the
// quantile.
fn gumbel(key: u32, cell: u32, k: u32) -> f32 {
    let u = (f32(hash_u32(key ^ (cell * 8u + k)) >> 8u) + 0.5) * (1.0 / 16777216.0);
    return -log(-log(u));
}

// The next state of cell q of the quad (constant q), hash key = hash4's first three rounds.
// Written without loops over arrays so that every weight index stays a constant.
fn next_state(a: Window, h: Window, b: Window, q: u32, key: u32, cell: u32) -> u32 {
    // Taps in row-major order (dy·3 + dx), paired as the table is.
    var h0: vec4<f32>;
    if NET_PRIVATE {
        h0 = (tap_value(0u, at(a, q)) + tap_value(1u, at(a, q + 1u)))
            + (tap_value(2u, at(a, q + 2u)) + tap_value(3u, at(h, q)))
            + (tap_value(4u, at(h, q + 1u)) + tap_value(5u, at(h, q + 2u)))
            + (tap_value(6u, at(b, q)) + tap_value(7u, at(b, q + 1u)))
            + (conv0_bias + tap_value(8u, at(b, q + 2u)));
    } else {
        h0 = pairs[at(a, q) * 8u + at(a, q + 1u)]
            + pairs[64u + at(a, q + 2u) * 8u + at(h, q)]
            + pairs[128u + at(h, q + 1u) * 8u + at(h, q + 2u)]
            + pairs[192u + at(b, q) * 8u + at(b, q + 1u)]
            + pairs[256u + at(b, q + 2u)];
    }
    let h1a = hidden(h0, 0u);
    let h1b = hidden(h0, 1u);
    let h1c = hidden(h0, 2u);
    let h1d = hidden(h0, 3u);
    let lo = net(C2B) + logits_part(h1a, 0u, 0u) + logits_part(h1b, 1u, 0u)
        + logits_part(h1c, 2u, 0u) + logits_part(h1d, 3u, 0u);
    let hi = net(C2B + 1u) + logits_part(h1a, 0u, 1u) + logits_part(h1b, 1u, 1u)
        + logits_part(h1c, 2u, 1u) + logits_part(h1d, 3u, 1u);
    let current = vec4<u32>(at(h, q + 1u));
    let bias = vec4<f32>(params.identity_bias);
    var zlo = (lo + select(vec4<f32>(0.0), bias, current == vec4<u32>(0u, 1u, 2u, 3u)))
        / params.temperature;
    var zhi = (hi + select(vec4<f32>(0.0), bias, current == vec4<u32>(4u, 5u, 6u, 7u)))
        / params.temperature;
    if GUMBEL {
        zlo += vec4<f32>(gumbel(key, cell, 0u), gumbel(key, cell, 1u), gumbel(key, cell, 2u),
            gumbel(key, cell, 3u));
        zhi += vec4<f32>(gumbel(key, cell, 4u), gumbel(key, cell, 5u), gumbel(key, cell, 6u),
            gumbel(key, cell, 7u));
    }
    // Strictly greater: the first maximum wins, as argmax does.
    var best = 0u;
    var best_z = zlo.x;
    if zlo.y > best_z { best = 1u; best_z = zlo.y; }
    if zlo.z > best_z { best = 2u; best_z = zlo.z; }
    if zlo.w > best_z { best = 3u; best_z = zlo.w; }
    if zhi.x > best_z { best = 4u; best_z = zhi.x; }
    if zhi.y > best_z { best = 5u; best_z = zhi.y; }
    if zhi.z > best_z { best = 6u; best_z = zhi.z; }
    if zhi.w > best_z { best = 7u; }
    return best;
}

@compute @workgroup_size(8, 8)
fn step_tile(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(local_invocation_id) lid: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let world = wg.z;
    let g = world * params.genome_len + params.net_offset;
    for (var i = local; i < NET_VEC4S; i += 64u) {
        w[i] = vec4<f32>(genomes[g + 4u * i], genomes[g + 4u * i + 1u], genomes[g + 4u * i + 2u],
            genomes[g + 4u * i + 3u]);
    }
    workgroupBarrier();
    if NET_PRIVATE {
        for (var e = local; e < TAP_ENTRIES; e += 64u) {
            taps[e] = tap_table(e / STATES, e % STATES);
        }
    } else {
        for (var e = local; e < PAIR_ENTRIES; e += 64u) {
            if e < 256u {
                let p = e / 64u;
                pairs[e] = tap_table(2u * p, (e / 8u) % 8u) + tap_table(2u * p + 1u, e % 8u);
            } else {
                pairs[e] = w[0] + tap_table(8u, e - 256u);
            }
        }
    }
    workgroupBarrier();
    if NET_PRIVATE {
        // 72 = 9 × 8 and 54 = 9 × 6 vec4s.
        copy_taps8(0u);
        copy_taps8(8u);
        copy_taps8(16u);
        copy_taps8(24u);
        copy_taps8(32u);
        copy_taps8(40u);
        copy_taps8(48u);
        copy_taps8(56u);
        copy_taps8(64u);
        conv0_bias = w[0];
        copy_net6(0u);
        copy_net6(6u);
        copy_net6(12u);
        copy_net6(18u);
        copy_net6(24u);
        copy_net6(30u);
        copy_net6(36u);
        copy_net6(42u);
        copy_net6(48u);
    }

    let n = params.size;
    let x0 = 4u * (wg.x * 8u + lid.x);
    let y0 = STRIP * (wg.y * 8u + lid.y);
    if x0 >= n || y0 >= n {
        return;
    }
    let t = steps_in[world] + 1u;
    if x0 == 0u && y0 == 0u {
        steps_out[world] = t;
    }
    let grid4 = world * n * n / 4u;
    let key = hash_u32(hash_u32(hash_u32(params.seed) ^ (params.first_world + world)) ^ t);
    var above = load_row(grid4, select(y0 - 1u, n - 1u, y0 == 0u), x0);
    var here = load_row(grid4, y0, x0);
    for (var r = 0u; r < STRIP; r++) {
        let y = y0 + r;
        if y >= n {
            break;
        }
        let below = load_row(grid4, select(y + 1u, 0u, y + 1u == n), x0);
        let cell = y * n + x0;
        dst[grid4 + cell / 4u] = vec4<u32>(
            next_state(above, here, below, 0u, key, cell),
            next_state(above, here, below, 1u, key, cell + 1u),
            next_state(above, here, below, 2u, key, cell + 2u),
            next_state(above, here, below, 3u, key, cell + 3u),
        );
        above = here;
        here = below;
    }
}
