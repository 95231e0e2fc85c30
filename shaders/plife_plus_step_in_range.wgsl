// Particle Life++, one step, organised for SIMD execution on CPU adapters (lavapipe), where each
// invocation is one lane of an 8-wide group, a branch runs for the whole group whenever any lane
// takes it, and a load whose address is not a compile-time constant is issued lane by lane (the
// `asal bench` probes: ~3.75 ns per lane, the cost of ~60 FMAs). `plife_plus_step.wgsl`, one
// particle per invocation in index order over 3x3 cells of >= rmax, is the benchmark baseline.
//
// - Only pairs inside rmax run the network (~31 of the ~90 candidates of 3x3 cells at the
//   original's density). The baseline runs the network inside an `if` per candidate, so a group
//   pays for it whenever any of its 8 lanes has that candidate in range: nearly always. Here each
//   lane first advances its own cursor to its next source inside rmax (a cheap loop: one entry
//   load and a distance), then the group runs the network once for 8 in-range pairs.
// - Invocations take particles in grid order (the sorted `entries`), not index order, so the 8
//   lanes of a group are neighbours in space with similar in-range counts and scan the same cells.
// - The grid has cells of >= rmax / 3 (params.cells_per_rmax): the 7x7 cells around a particle
//   hold ~5.4 rmax^2 of candidates instead of 9 rmax^2 (~54 instead of ~90 entry loads per
//   particle), and each row of 7 cells is one contiguous run of entries (two where it wraps).
//   The runs are all found before the scan (see below): 1.43× faster in the same run than
//   opening each run inside it.
// - The first layer is linear in concat(c_i, c_j): W0 [c_i; c_j] + b0 = (b0 + W0a c_i) + W0b c_j.
//   `source_halves` computes W0b c_j once per particle before the step, the step W0a c_i + b0 once
//   per receiving particle; a pair then adds two 8-vectors instead of 48 multiply-adds.
// - tanh as 1 - 2 / (exp(2x) + 1): one exponential and one division where the driver's tanh
//   takes more (5-15% of the step in same-run probes on lavapipe); see `tanh_fast`.
// - The network is staged in workgroup memory as vec4 rows, then copied into a private array per
//   invocation and read there at constant indices, every layer written out: no loop the driver
//   might leave rolled (which would make each weight a lane-by-lane load). The private copy made
//   the step 1.95× faster on lavapipe (same run). The only private arrays indexed at run time
//   are the 14 neighbour runs, read once per run.
//
// Faithfulness: the maths is the baseline's, but the sums run in a different order (sources in
// the finer grid's order, the first layer split in two) and tanh is rounded differently (absolute
// error ~1e-7 near 0, where 1 - 2/(e^2x + 1) cancels, against the ~6e-8 of a correctly rounded
// tanh; both are below the original's own float32-vs-float64 gap). Tests hold this kernel to the
// original's fixture trajectory and to the CPU twin (1e-5 after 3 steps from clustered states, as
// close as the baseline kernel comes), on grids from 29x29 down to the whole-grid case.

// Source halves of the first layer: [world][particle] 2 vec4 (W0b c_j, outputs 0..4 and 4..8).
@group(0) @binding(8) var<storage, read_write> halves: array<vec4<f32>>;

// The network as vec4 rows, each layer [bias lo, bias hi, then per input k: W[k][0..4],
// W[k][4..8]]; the last layer's 7 outputs padded with a zero.
const ROWS: u32 = 80u;
const L0: u32 = 0u;  // bias, then 12 input rows
const L1: u32 = 26u; // bias, then 8 input rows
const L2: u32 = 44u;
const L3: u32 = 62u;

var<workgroup> net4: array<vec4<f32>, ROWS>;

// Grid cells are >= rmax / params.cells_per_rmax wide, so the cells within that many of a
// particle's along each axis cover rmax. The host keeps cells_per_rmax <= MAX_REACH, so the
// 2 cells_per_rmax + 1 rows of them, each at most two runs of entries, fit in RUNS.
const MAX_REACH: i32 = 3;
const RUNS: u32 = 14u;
// The network again, private to each invocation: on lavapipe a workgroup load is a loop over the
// SIMD group's 8 lanes testing each lane's execution mask, even at a constant index (~70
// instructions per vec4, ~50 vec4 weights per pair), while a private read at a constant index is
// one vector load from the stack or a register. The copy costs 80 workgroup loads per particle.
var<private> pnet: array<vec4<f32>, ROWS>;

// Copies rows i … i + 7 of the network to the private array; always called with a constant i,
// so every index folds (a loop would make each read a lane-by-lane load).
fn copy_rows8(i: u32) {
    pnet[i] = net4[i];
    pnet[i + 1u] = net4[i + 1u];
    pnet[i + 2u] = net4[i + 2u];
    pnet[i + 3u] = net4[i + 3u];
    pnet[i + 4u] = net4[i + 4u];
    pnet[i + 5u] = net4[i + 5u];
    pnet[i + 6u] = net4[i + 6u];
    pnet[i + 7u] = net4[i + 7u];
}

// Row `v` of `net4` from the flat genome at `at` (the original's order).
fn net_row(at: u32, v: u32) -> vec4<f32> {
    var layer_row = v;
    var bias = B0;
    var kernel = W0;
    var width = 8u;
    if v >= L3 {
        layer_row = v - L3;
        bias = B3;
        kernel = W3;
        width = 7u;
    } else if v >= L2 {
        layer_row = v - L2;
        bias = B2;
        kernel = W2;
    } else if v >= L1 {
        layer_row = v - L1;
        bias = B1;
        kernel = W1;
    }
    let row = layer_row / 2u;
    let first = 4u * (layer_row % 2u);
    var first_float = bias + first;
    if row > 0u {
        first_float = kernel + (row - 1u) * width + first;
    }
    var out = vec4<f32>(0.0);
    for (var k = 0u; k < 4u; k++) {
        if first + k < width {
            out[k] = nets[at + first_float + k];
        }
    }
    return out;
}

struct Hidden {
    lo: vec4<f32>,
    hi: vec4<f32>,
}

// One 8-input layer before its activation: bias + sum over k of x[k] * W[k], k ascending (the
// baseline's order). `at` is a constant after inlining, so every row index folds.
fn dense(x: Hidden, at: u32) -> Hidden {
    var lo = pnet[at];
    var hi = pnet[at + 1u];
    lo += x.lo.x * pnet[at + 2u];
    hi += x.lo.x * pnet[at + 3u];
    lo += x.lo.y * pnet[at + 4u];
    hi += x.lo.y * pnet[at + 5u];
    lo += x.lo.z * pnet[at + 6u];
    hi += x.lo.z * pnet[at + 7u];
    lo += x.lo.w * pnet[at + 8u];
    hi += x.lo.w * pnet[at + 9u];
    lo += x.hi.x * pnet[at + 10u];
    hi += x.hi.x * pnet[at + 11u];
    lo += x.hi.y * pnet[at + 12u];
    hi += x.hi.y * pnet[at + 13u];
    lo += x.hi.z * pnet[at + 14u];
    hi += x.hi.z * pnet[at + 15u];
    lo += x.hi.w * pnet[at + 16u];
    hi += x.hi.w * pnet[at + 17u];
    return Hidden(lo, hi);
}

// Six colour inputs starting at input row `first` of the first layer (0: the receiving
// particle's, 6: the source's), added to `acc`.
fn dense_colour(acc: Hidden, c_lo: vec4<f32>, c_hi: vec4<f32>, first: u32) -> Hidden {
    let at = L0 + 2u + 2u * first;
    var lo = acc.lo;
    var hi = acc.hi;
    lo += c_lo.x * pnet[at];
    hi += c_lo.x * pnet[at + 1u];
    lo += c_lo.y * pnet[at + 2u];
    hi += c_lo.y * pnet[at + 3u];
    lo += c_lo.z * pnet[at + 4u];
    hi += c_lo.z * pnet[at + 5u];
    lo += c_lo.w * pnet[at + 6u];
    hi += c_lo.w * pnet[at + 7u];
    lo += c_hi.x * pnet[at + 8u];
    hi += c_hi.x * pnet[at + 9u];
    lo += c_hi.y * pnet[at + 10u];
    hi += c_hi.y * pnet[at + 11u];
    return Hidden(lo, hi);
}

// tanh(x) = 1 - 2 / (exp(2x) + 1), x clamped to [-15, 15] first (tanh(15) is 1 in float32, and
// exp(30) stays finite on every driver).
fn tanh_fast(x: vec4<f32>) -> vec4<f32> {
    return 1.0 - 2.0 / (exp(2.0 * clamp(x, vec4<f32>(-15.0), vec4<f32>(15.0))) + 1.0);
}

fn activate(x: Hidden) -> Hidden {
    return Hidden(tanh_fast(x.lo), tanh_fast(x.hi));
}

fn stage_network(w: u32, lid: u32) {
    for (var v = lid; v < ROWS; v += 64u) {
        net4[v] = net_row(w * NET_SIZE, v);
    }
    workgroupBarrier();
    copy_rows8(0u);
    copy_rows8(8u);
    copy_rows8(16u);
    copy_rows8(24u);
    copy_rows8(32u);
    copy_rows8(40u);
    copy_rows8(48u);
    copy_rows8(56u);
    copy_rows8(64u);
    copy_rows8(72u);
}

// W0b c_j of every particle, before the step reads them.
@compute @workgroup_size(64)
fn source_halves(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
) {
    let w = gid.z;
    stage_network(w, lid);
    if gid.x >= params.particles {
        return;
    }
    let p = w * params.particles + gid.x;
    let zero = Hidden(vec4<f32>(0.0), vec4<f32>(0.0));
    let half = dense_colour(zero, src[3u * p + 1u], src[3u * p + 2u], 6u);
    halves[2u * p] = half.lo;
    halves[2u * p + 1u] = half.hi;
}

@compute @workgroup_size(64)
fn step_in_range(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
) {
    let w = gid.z;
    stage_network(w, lid);
    let t = gid.x;
    if t >= params.particles {
        return;
    }
    let base = w * params.particles;
    // The t-th particle of this world in grid order.
    let p = base + bitcast<u32>(entries[base + t].z);
    let s = src[3u * p];
    let ci_lo = src[3u * p + 1u];
    let ci_hi = src[3u * p + 2u];
    // The receiving particle's half of the first layer, shared by all its pairs.
    let own = dense_colour(Hidden(pnet[L0], pnet[L0 + 1u]), ci_lo, ci_hi, 0u);
    let side = params.side;
    let cx = i32(cell_coord(s.x, side));
    let cy = i32(cell_coord(s.y, side));
    // The neighbour cells as runs of entries, found before the scan: each row of cells within
    // `reach` of the particle's (all rows and cells of a grid too small for that) is one run, or two
    // where it wraps along x, in the baseline's cell order. Opening a run inside the scan would
    // cost the whole SIMD group its three lane-by-lane loads whenever any lane opens one (lanes
    // reach the ends of their runs at different times); here every lane loads them together.
    let n = i32(side);
    let reach = i32(params.cells_per_rmax);
    let whole = n < 2 * reach + 1;
    let rows = select(2 * reach + 1, n, whole);
    var run_start: array<u32, RUNS>;
    var run_stop: array<u32, RUNS>;
    for (var row_i = 0; row_i < 2 * MAX_REACH + 1; row_i++) {
        var a = vec2<u32>(0u);
        var b = vec2<u32>(0u);
        if row_i < rows {
            var y = cy + select(row_i - reach, row_i, whole);
            y = select(select(y, y - n, y >= n), y + n, y < 0);
            let row = w * params.cell_stride + u32(y) * side;
            let first = select(cx - reach, 0, whole);
            let last = select(cx + reach, n - 1, whole);
            // Run a up to the wrap, run b after it (empty without wrap).
            var a_first = first;
            var a_last = last;
            var b_last = -1;
            if first < 0 {
                a_first = first + n;
                a_last = n - 1;
                b_last = last;
            } else if last >= n {
                a_last = n - 1;
                b_last = last - n;
            }
            a = vec2<u32>(
                starts[row + u32(a_first)],
                starts[row + u32(a_last)] + counts[row + u32(a_last)],
            );
            if b_last >= 0 {
                b = vec2<u32>(starts[row], starts[row + u32(b_last)] + counts[row + u32(b_last)]);
            }
        }
        run_start[2 * row_i] = a.x;
        run_stop[2 * row_i] = a.y;
        run_start[2 * row_i + 1] = b.x;
        run_stop[2 * row_i + 1] = b.y;
    }
    var next_run = 0u;
    var e = 0u;
    var stop = 0u;
    var force = vec2<f32>(0.0, 0.0);
    var drift_lo = vec3<f32>(0.0);
    var drift_hi = vec3<f32>(0.0);
    loop {
        // Advance this lane to its next source inside rmax.
        var found = false;
        var r = vec2<f32>(0.0);
        var q = 0.0;
        var j = 0u;
        loop {
            if e < stop {
                let entry = entries[e];
                e += 1u;
                r = min_image(entry.xy - s.xy);
                q = sqrt(dot(r, r)) / params.rmax;
                if q < 1.0 {
                    j = base + bitcast<u32>(entry.z);
                    found = true;
                    break;
                }
            } else {
                if next_run >= RUNS {
                    break;
                }
                e = run_start[next_run];
                stop = run_stop[next_run];
                next_run += 1u;
            }
        }
        if !found {
            break;
        }
        let h0 = activate(Hidden(own.lo + halves[2u * j], own.hi + halves[2u * j + 1u]));
        let h1 = activate(dense(h0, L1));
        let h2 = activate(dense(h1, L2));
        // Output 0 gives alpha, 1..6 the drift (the padding output 7 is tanh(0) = 0, unused).
        let out = activate(dense(h2, L3));
        force += plife_pair(r, params.rmax, params.beta, 1.5 * out.lo.x);
        let weight = max(1.0 - q, 0.0);
        drift_lo += out.lo.yzw * weight;
        drift_hi += out.hi.xyz * weight;
    }
    dst[3u * p] = plife_integrate(s, force, params.mass, params.mu, params.dt);
    var c = array<f32, 6>(ci_lo.x, ci_lo.y, ci_lo.z, ci_lo.w, ci_hi.x, ci_hi.y);
    if params.update_colours != 0u {
        let drift = array<f32, 6>(drift_lo.x, drift_lo.y, drift_lo.z, drift_hi.x, drift_hi.y, drift_hi.z);
        var norm2 = 0.0;
        c[0] += params.dt * drift[0];
        norm2 += c[0] * c[0];
        c[1] += params.dt * drift[1];
        norm2 += c[1] * c[1];
        c[2] += params.dt * drift[2];
        norm2 += c[2] * c[2];
        c[3] += params.dt * drift[3];
        norm2 += c[3] * c[3];
        c[4] += params.dt * drift[4];
        norm2 += c[4] * c[4];
        c[5] += params.dt * drift[5];
        norm2 += c[5] * c[5];
        let norm = sqrt(norm2);
        c[0] /= norm;
        c[1] /= norm;
        c[2] /= norm;
        c[3] /= norm;
        c[4] /= norm;
        c[5] /= norm;
    }
    dst[3u * p + 1u] = vec4<f32>(c[0], c[1], c[2], c[3]);
    dst[3u * p + 2u] = vec4<f32>(c[4], c[5], 0.0, 0.0);
    attrs[p] = vec4<f32>((c[0] + 1.0) / 2.0, (c[1] + 1.0) / 2.0, (c[2] + 1.0) / 2.0, params.radius);
}
