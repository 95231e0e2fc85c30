// Continuous NCA (`nca_d1`, `nca_d3`), one step, the same update as nca_step.wgsl (keep the two
// in step) arranged for adapters where a load whose address differs per lane is expensive. On
// lavapipe such a load costs ~3 ns per lane and one at an index the compiler knows ~0.3 ns
// (`asal bench` probes), and the per-cell kernel spends nearly all its time in the former: ~230
// of them per cell. Here each workgroup copies its world's network into workgroup memory once and
// then reads it at constant indices (D is a pipeline constant, so every loop unrolls), and each
// invocation updates a quad of four x-adjacent cells down a strip of STRIP rows, sliding a 3-row
// window and loading each new row as D + 2 vec4s: about D / 2 per-lane loads per cell.
//
// The network is then copied once more, into a private array per invocation (NET_PRIVATE, the
// default): on lavapipe a workgroup load is a loop over the SIMD group's 8 lanes testing each
// lane's execution mask, even at a constant index (the ~0.2 ns per lane of the probes: about 70
// instructions per vec4, for ~110 vec4 weight reads per cell at d = 3), while a private array
// read at a constant index is one plain vector load of the stack (or a register). The copy is
// 80 such workgroup loads per invocation, i.e. per 32 cells; it made the step 3.6× (d = 3) to
// 4× (d = 1) faster on lavapipe, same results bit for bit. NET_PRIVATE = false reads workgroup
// memory as before (`Nca::with_private_network(false)`, the bench baseline); on a GPU, where
// workgroup memory is fast and private arrays cost registers, that may be the better choice.
// Needs size % 4 == 0 (so a quad's channels are whole, aligned vec4s); other sizes use
// nca_step.wgsl. Grid layout: [world][y][x][channel] f32, read here as vec4s.

override D: u32 = 1u;
// Read the network from a private copy (true) or from workgroup memory (false).
override NET_PRIVATE: bool = true;

// Rows per invocation: enough to amortise the window's two extra rows and the private copy of
// the network (keep in sync with TILE_STRIP in substrates/src/nca.rs).
const STRIP: u32 = 16u;
// vec4s of the largest network (nca_d3: 315 floats).
const NET_VEC4S: u32 = 80u;
// A quad's row window: cells x0 − 1 … x0 + 4, channel-minor (6·D ≤ 18 values).
const ROW: u32 = 18u;

@group(0) @binding(0) var<uniform> params: NcaParams;
@group(0) @binding(1) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> dst: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> genomes: array<f32>;
@group(0) @binding(4) var<storage, read> steps_in: array<u32>;
@group(0) @binding(5) var<storage, read_write> steps_out: array<u32>;

var<workgroup> shared_net: array<vec4<f32>, NET_VEC4S>;
var<private> private_net: array<vec4<f32>, NET_VEC4S>;

// Network vec4 i; always called with a constant i, so the choice and the index fold away.
fn w(i: u32) -> vec4<f32> {
    if NET_PRIVATE {
        return private_net[i];
    }
    return shared_net[i];
}

// Network float i (the genome's order, Conv_0.bias at 0).
fn wf(i: u32) -> f32 {
    return w(i / 4u)[i % 4u];
}

// Copies network vec4s i … i + 7 to the private array; called with constant i, so each read of
// workgroup memory is at a constant index (a loop over i would make them per-lane loads).
fn copy_net8(i: u32) {
    private_net[i] = shared_net[i];
    private_net[i + 1u] = shared_net[i + 1u];
    private_net[i + 2u] = shared_net[i + 2u];
    private_net[i + 3u] = shared_net[i + 3u];
    private_net[i + 4u] = shared_net[i + 4u];
    private_net[i + 5u] = shared_net[i + 5u];
    private_net[i + 6u] = shared_net[i + 6u];
    private_net[i + 7u] = shared_net[i + 7u];
}

// The window row of quad x0 in row y, starting at vec4 `grid4` of the world.
fn load_row(grid4: u32, y: u32, x0: u32) -> array<f32, ROW> {
    let n = params.size;
    let row = grid4 + y * n * D / 4u;
    // x0 − 1 wraps to n − 1: its channels end the vec4 before x0's (or before n's).
    let left_end = select(x0, n, x0 == 0u) * D / 4u;
    let right = select(x0 + 4u, 0u, x0 + 4u == n) * D / 4u;
    var v: array<f32, ROW>;
    let l = src[row + left_end - 1u];
    for (var c = 0u; c < D; c++) {
        v[c] = l[4u - D + c];
    }
    for (var j = 0u; j < D; j++) {
        let q = src[row + x0 * D / 4u + j];
        for (var k = 0u; k < 4u; k++) {
            v[D + 4u * j + k] = q[k];
        }
    }
    let r = src[row + right];
    for (var c = 0u; c < D; c++) {
        v[5u * D + c] = r[c];
    }
    return v;
}

// Conv_0's contribution of tap (dy, dx) to cell q of the quad. Called with constant arguments,
// so once inlined every index below is a constant (and the loop of at most 5 trips unrolls).
fn conv_tap(v: array<f32, ROW>, dy: u32, dx: u32, q: u32) -> vec4<f32> {
    var acc = vec4<f32>(0.0);
    for (var i = 0u; i < D + 2u; i++) {
        // Padded input channel i shows state channel (i − 1) mod D (nca_common.wgsl).
        acc += v[(q + dx) * D + (i + D - 1u) % D] * w(1u + (dy * 3u + dx) * (D + 2u) + i);
    }
    return acc;
}

// Conv_0's contribution of one window row (kernel row dy) to cell q of the quad.
fn conv_row(v: array<f32, ROW>, dy: u32, q: u32) -> vec4<f32> {
    return conv_tap(v, dy, 0u, q) + conv_tap(v, dy, 1u, q) + conv_tap(v, dy, 2u, q);
}

// Conv_2 output channel c from the hidden layer (Conv_2.bias at float f2, its kernel after).
fn output_channel(h1: array<vec4<f32>, 4>, f2: u32, c: u32) -> f32 {
    var o = wf(f2 + c);
    for (var m = 0u; m < 16u; m++) {
        o += h1[m / 4u][m % 4u] * wf(f2 + D + m * D + c);
    }
    return o;
}

// The network's output (channels in .x, .y, .z) for cell q of the quad, from the window.
fn network(above: array<f32, ROW>, here: array<f32, ROW>, below: array<f32, ROW>, q: u32) -> vec4<f32> {
    let a = w(0u) + conv_row(above, 0u, q) + conv_row(here, 1u, q) + conv_row(below, 2u, q);
    // Conv_1 (vec4 index c1 = bias, then the [4][16] kernel), ReLU, Conv_2 (float index f2).
    let c1 = 1u + 9u * (D + 2u);
    let f2 = 4u * (c1 + 20u);
    var h1: array<vec4<f32>, 4>;
    for (var j = 0u; j < 4u; j++) {
        h1[j] = max(
            w(c1 + j) + a.x * w(c1 + 4u + j) + a.y * w(c1 + 8u + j) + a.z * w(c1 + 12u + j)
                + a.w * w(c1 + 16u + j),
            vec4<f32>(0.0),
        );
    }
    // Channels by hand rather than a loop over D: the compiler might not unroll that loop, and
    // its indices must stay constants.
    var out = vec4<f32>(output_channel(h1, f2, 0u), 0.0, 0.0, 0.0);
    if D == 3u {
        out.y = output_channel(h1, f2, 1u);
        out.z = output_channel(h1, f2, 2u);
    }
    return out;
}

// The updated state of cell q: s + dt·out·mask, clipped; `key` is hash4's first three rounds.
fn update(here: array<f32, ROW>, out: vec4<f32>, q: u32, key: u32, cell: u32) -> vec4<f32> {
    let keep = unit_f32(hash_u32(key ^ cell)) < params.p_keep;
    let scale = select(0.0, params.dt, keep);
    var s = vec4<f32>(0.0);
    for (var c = 0u; c < D; c++) {
        s[c] = clamp(here[(q + 1u) * D + c] + scale * out[c], 0.0, 1.0);
    }
    return s;
}

@compute @workgroup_size(8, 8)
fn step_tile(
    @builtin(workgroup_id) wg: vec3<u32>,
    @builtin(local_invocation_id) lid: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let world = wg.z;
    let g = world * params.genome_len;
    for (var i = local; i < NET_VEC4S; i += 64u) {
        var q = vec4<f32>(0.0);
        for (var k = 0u; k < 4u; k++) {
            if 4u * i + k < params.genome_len {
                q[k] = genomes[g + 4u * i + k];
            }
        }
        shared_net[i] = q;
    }
    workgroupBarrier();
    if NET_PRIVATE {
        // NET_VEC4S = 80 = 10 × 8.
        copy_net8(0u);
        copy_net8(8u);
        copy_net8(16u);
        copy_net8(24u);
        copy_net8(32u);
        copy_net8(40u);
        copy_net8(48u);
        copy_net8(56u);
        copy_net8(64u);
        copy_net8(72u);
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
    let grid4 = world * n * n * D / 4u;
    // hash4(seed, world, t, cell) with its first three rounds shared by the quad's cells.
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
        let s0 = update(here, network(above, here, below, 0u), 0u, key, cell);
        let s1 = update(here, network(above, here, below, 1u), 1u, key, cell + 1u);
        let s2 = update(here, network(above, here, below, 2u), 2u, key, cell + 2u);
        let s3 = update(here, network(above, here, below, 3u), 3u, key, cell + 3u);
        // The quad's 4·D floats, channel-minor, as D vec4s.
        let base = grid4 + (y * n + x0) * D / 4u;
        // D is 1 or 3 (Nca::continuous refuses other counts).
        if D == 1u {
            dst[base] = vec4<f32>(s0.x, s1.x, s2.x, s3.x);
        } else {
            dst[base] = vec4<f32>(s0.x, s0.y, s0.z, s1.x);
            dst[base + 1u] = vec4<f32>(s1.y, s1.z, s2.x, s2.y);
            dst[base + 2u] = vec4<f32>(s2.z, s3.x, s3.y, s3.z);
        }
        above = here;
        here = below;
    }
}
