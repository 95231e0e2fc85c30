// Life-like CA, many generations in one dispatch with one world per invocation, for small grids
// (32², 64², 128²) on CPU adapters.
//
// On lavapipe an invocation is one SIMD lane and a load whose address differs per lane costs
// ~3 ns (`asal bench` probes), so gol_fused.wgsl, whose words live in workgroup memory, pays
// that for every word of every generation, plus a barrier per generation. Here each invocation
// keeps its whole world in a private array (which the compiler holds in lane-interleaved stack
// memory, read with vector gathers) and updates it in place, row by row with a sliding window
// (the old rows above and here kept in registers, the old first row saved for the last), so a
// generation needs no barrier and no global memory. Eight worlds run side by side in one SIMD
// group. Bit-identical to the per-step kernel (same `next_word`).

@group(0) @binding(0) var<uniform> params: GolParams;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<u32>;
@group(0) @binding(3) var<storage, read> rules: array<u32>;
@group(0) @binding(4) var<uniform> fuse: FuseParams;

// Words per row: 1, 2 or 4 (sides 32, 64, 128); a pipeline constant so the loops over a row's
// words unroll.
override WPR: u32 = 2u;
// Largest world: 128² cells. Keep in sync with `LANES_MAX_WORDS` in substrates/src/gol.rs.
const MAX_WORDS: u32 = 512u;
const MAX_WPR: u32 = 4u;

// Keep in sync with `FuseParams` in substrates/src/gol.rs.
struct FuseParams {
    steps: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

// The next generation of word c of a row from the old rows above, here and below.
fn row_word(
    up: array<u32, MAX_WPR>, mid: array<u32, MAX_WPR>, down: array<u32, MAX_WPR>, c: u32,
    rule: u32,
) -> u32 {
    let l = (c + WPR - 1u) % WPR;
    let r = (c + 1u) % WPR;
    return next_word(up[l], up[c], up[r], mid[l], mid[c], mid[r], down[l], down[c], down[r], rule);
}

@compute @workgroup_size(8)
fn lanes(@builtin(global_invocation_id) gid: vec3<u32>) {
    let world = gid.x;
    if world >= params.worlds {
        return;
    }
    let n = params.size;
    let words = n * WPR;
    let base = world * words;
    let rule = rules[world];
    var g: array<u32, MAX_WORDS>;
    for (var i = 0u; i < words; i++) {
        g[i] = src[base + i];
    }
    for (var s = 0u; s < fuse.steps; s++) {
        var first: array<u32, MAX_WPR>;
        var up: array<u32, MAX_WPR>;
        var mid: array<u32, MAX_WPR>;
        for (var c = 0u; c < WPR; c++) {
            first[c] = g[c];
            up[c] = g[(n - 1u) * WPR + c];
            mid[c] = g[c];
        }
        for (var row = 0u; row < n; row++) {
            // Old row + 1: still in the array (rows are overwritten after they are read), but
            // the old first row for the last one.
            var down: array<u32, MAX_WPR>;
            for (var c = 0u; c < WPR; c++) {
                down[c] = select(g[min(row + 1u, n - 1u) * WPR + c], first[c], row + 1u == n);
            }
            for (var c = 0u; c < WPR; c++) {
                g[row * WPR + c] = row_word(up, mid, down, c, rule);
            }
            up = mid;
            mid = down;
        }
    }
    for (var i = 0u; i < words; i++) {
        dst[base + i] = g[i];
    }
}
