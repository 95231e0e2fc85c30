// Neural boids, one step, for n_nbrs ≤ 16 (the original's 16): as `boids_step.wgsl` (worlds
// along z, every boid reading the old state), but the nearest neighbours are kept in 17 fixed
// slots held in registers instead of a sorted private array, and each invocation moves two boids.
//
// Why: on CPU adapters (lavapipe) an array indexed by a loop variable lives on the stack and
// every access is a per-lane gather or scatter, so the sorted insert of `boids_step.wgsl` cost
// ~10 µs per boid-step. Here the 17 slots are five vec4s, and inserting a distance is the same
// branch-free compare-and-shift on every slot (constant indices, ~100 lane operations), done only
// for boids inside the visual range: the original masks every neighbour at distance ≥ the range
// out of the mean, and in-range boids are a prefix of the distance order, so keeping the 17
// smallest in-range (distance, index) pairs keeps exactly the argsort entries that count.
//
// Faithfulness: the slots stay sorted by (distance, index) with strict comparisons, so equal
// distances keep index order like the original's stable argsort; slot 0 is the entry the
// original drops (normally the boid itself), and the network sums slots 1… in that order with
// the same expressions as `boids_step.wgsl`, so both kernels give bit-identical states.

// Slots: the boid itself (normally) and 16 neighbours. Keep in sync with `boids::SLOT_NEIGHBOURS`.
const SLOTS: u32 = 17u;
// Above every distance on the unit square (≤ √2), so an empty slot sorts last.
const EMPTY: f32 = 4.0;

// Dense_0 (4 inputs) to outputs 4h … 4h + 3, summed in input order, then the bias; `h` is a
// literal at each call, so every weight is read at a constant index.
fn dense4(x: vec4<f32>, h: u32) -> vec4<f32> {
    let k = D0_K / 4u + h;
    return x.x * G[k] + x.y * G[k + 2u] + x.z * G[k + 4u] + x.w * G[k + 6u] + G[D0_B / 4u + h];
}

// One vec4 of sorted slots after inserting distance `d`, given the last slot of the vec4 before
// it (`prev`, −1 for the first): a slot whose distance exceeds d takes its predecessor when that
// one also exceeds d (the shift), else d itself; smaller or equal slots stay.
fn shift_d(a: vec4<f32>, prev: f32, d: f32) -> vec4<f32> {
    let later = vec4<f32>(d) < a;
    let shifted = vec4<bool>(d < prev, later.xyz);
    return select(a, select(vec4<f32>(d), vec4<f32>(prev, a.xyz), shifted), later);
}

// The same move for the slots' boid indices (`a`, `prev`: the distances before the insert).
fn shift_j(ja: vec4<u32>, prev_j: u32, a: vec4<f32>, prev: f32, d: f32, j: u32) -> vec4<u32> {
    let later = vec4<f32>(d) < a;
    let shifted = vec4<bool>(d < prev, later.xyz);
    return select(ja, select(vec4<u32>(j), vec4<u32>(prev_j, ja.xyz), shifted), later);
}

// Component r % 4 of the vec4 r / 4 of five, by selects (registers, no stack).
fn slot_j(j0: vec4<u32>, j1: vec4<u32>, j2: vec4<u32>, j3: vec4<u32>, j4: vec4<u32>, r: u32) -> u32 {
    var v = select(j0, j1, r >= 4u);
    v = select(v, j2, r >= 8u);
    v = select(v, j3, r >= 12u);
    v = select(v, j4, r >= 16u);
    let c = r % 4u;
    return select(select(v.x, v.y, c == 1u), select(v.z, v.w, c == 3u), c >= 2u);
}

// The nearest in-range neighbours of one boid so far: SLOTS (distance, index) slots sorted by
// distance then index, in five vec4s (slot 16 is d4.x), and how many are filled.
struct Near {
    d0: vec4<f32>,
    d1: vec4<f32>,
    d2: vec4<f32>,
    d3: vec4<f32>,
    d4: vec4<f32>,
    j0: vec4<u32>,
    j1: vec4<u32>,
    j2: vec4<u32>,
    j3: vec4<u32>,
    j4: vec4<u32>,
    filled: u32,
}

fn empty_near() -> Near {
    let e = vec4<f32>(EMPTY);
    let z = vec4<u32>(0u);
    return Near(e, e, e, e, e, z, z, z, z, z, 0u);
}

// Inserts (d, j) when it is in range and nearer than the last slot. Each vec4 reads its
// predecessor's old last slot, so the vec4s are updated from the last to the first.
fn insert(s: Near, d: f32, j: u32, range: f32) -> Near {
    if !(d < range && d < s.d4.x) {
        return s;
    }
    var t: Near;
    t.j4 = shift_j(s.j4, s.j3.w, s.d4, s.d3.w, d, j);
    t.d4 = shift_d(s.d4, s.d3.w, d);
    t.j3 = shift_j(s.j3, s.j2.w, s.d3, s.d2.w, d, j);
    t.d3 = shift_d(s.d3, s.d2.w, d);
    t.j2 = shift_j(s.j2, s.j1.w, s.d2, s.d1.w, d, j);
    t.d2 = shift_d(s.d2, s.d1.w, d);
    t.j1 = shift_j(s.j1, s.j0.w, s.d1, s.d0.w, d, j);
    t.d1 = shift_d(s.d1, s.d0.w, d);
    t.j0 = shift_j(s.j0, 0u, s.d0, -1.0, d, j);
    t.d0 = shift_d(s.d0, -1.0, d);
    t.filled = min(s.filled + 1u, SLOTS);
    return t;
}

// Neighbours that count: slot 0 is the argsort's first entry, which the original drops; slots
// 1 … n_nbrs count (all slots hold boids in range).
fn hits_of(s: Near) -> u32 {
    return max(min(s.filled, params.n_nbrs + 1u), 1u) - 1u;
}

// Dense_0 and Dense_1 (tanh each) on one neighbour (position q, heading h) of a boid at xi
// heading vi: the 8 values the original pools, as (outputs 0–3, outputs 4–7).
fn neighbour_features(xi: vec2<f32>, vi: vec2<f32>, q_in: vec2<f32>, h: vec2<f32>) -> array<vec4<f32>, 2> {
    let u = vi.x;
    let w = vi.y;
    var q = q_in;
    if params.wrapped != 0u {
        q = xi + delta(xi, q);
    }
    // global2local = [[u, v, -u·x - v·y], [-v, u, v·x - u·y]], as the original writes it.
    let lx = u * q.x + w * q.y + (-u * xi.x - w * xi.y);
    let ly = -w * q.x + u * q.y + (w * xi.x - u * xi.y);
    let lvx = u * h.x + w * h.y;
    let lvy = -w * h.x + u * h.y;
    let input = vec4<f32>(50.0 * lx, 50.0 * ly, lvx, lvy);
    let h1_lo = tanh4(dense4(input, 0u));
    let h1_hi = tanh4(dense4(input, 1u));
    return array<vec4<f32>, 2>(
        tanh4(dense8(h1_lo, h1_hi, D1_K, D1_B, 0u)),
        tanh4(dense8(h1_lo, h1_hi, D1_K, D1_B, 1u)),
    );
}

// The turn from the pooled features of `hits` neighbours: their mean, Dense_2, Dense_3, ×60;
// 0 with no neighbour in range, as the original selects.
fn turn_of(pooled_lo: vec4<f32>, pooled_hi: vec4<f32>, hits: u32) -> f32 {
    if hits == 0u {
        return 0.0;
    }
    let mean_lo = pooled_lo / f32(hits);
    let mean_hi = pooled_hi / f32(hits);
    let h3_lo = tanh4(dense8(mean_lo, mean_hi, D2_K, D2_B, 0u));
    let h3_hi = tanh4(dense8(mean_lo, mean_hi, D2_K, D2_B, 1u));
    var acc = 0.0;
    for (var k = 0u; k < 4u; k++) {
        acc += h3_lo[k] * gf(D3_K + k);
    }
    for (var k = 0u; k < 4u; k++) {
        acc += h3_hi[k] * gf(D3_K + 4u + k);
    }
    return 60.0 * tanh_f(acc + gf(D3_B));
}

// Lateral acceleration (0, turn) rotated to global; constant speed; position mod 1.
fn moved(xi: vec2<f32>, vi: vec2<f32>, turn: f32) -> vec4<f32> {
    let dv = vec2<f32>(-vi.y * turn, vi.x * turn);
    var v = vi + dv * params.dt;
    v = v / sqrt(v.x * v.x + v.y * v.y);
    var x = xi + params.speed * v * params.dt;
    x = x - floor(x);
    // A tiny negative coordinate can round up to exactly 1.0, the same torus point as 0.
    x = select(x, x - 1.0, x >= vec2<f32>(1.0));
    return vec4<f32>(x, v);
}

// Two boids per invocation, i and i + ⌈n/2⌉ (the second absent when n is odd and i is last), so
// each per-lane load of a neighbour serves both.
@compute @workgroup_size(64)
fn step(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let n = params.n_boids;
    let half = (n + 1u) / 2u;
    let i = gid.x;
    let world = gid.z;
    load_genome(world, local);
    if i >= half {
        return;
    }
    let base = world * n;
    let second = i + half < n;
    let ib = select(i, i + half, second);
    let ma = src[base + i];
    let mb = src[base + ib];
    let range = params.visual_range;
    var na = empty_near();
    var nb = empty_near();
    for (var j = 0u; j < n; j++) {
        let p = src[base + j].xy;
        let da = delta(ma.xy, p);
        let db = delta(mb.xy, p);
        na = insert(na, sqrt(da.x * da.x + da.y * da.y), j, range);
        nb = insert(nb, sqrt(db.x * db.x + db.y * db.y), j, range);
    }
    // Both boids' neighbours in one loop, first a's then b's, each boid's in slot order: the
    // lanes of a SIMD group run as many trips as the most of any lane's two boids together,
    // rather than the most of the first boids plus the most of the second.
    let hits_a = hits_of(na);
    let hits_b = select(0u, hits_of(nb), second);
    var pa_lo = vec4<f32>(0.0);
    var pa_hi = vec4<f32>(0.0);
    var pb_lo = vec4<f32>(0.0);
    var pb_hi = vec4<f32>(0.0);
    for (var r = 0u; r < hits_a + hits_b; r++) {
        let is_a = r < hits_a;
        let slot = select(r - hits_a + 1u, r + 1u, is_a);
        let j = select(
            slot_j(nb.j0, nb.j1, nb.j2, nb.j3, nb.j4, slot),
            slot_j(na.j0, na.j1, na.j2, na.j3, na.j4, slot),
            is_a,
        );
        let me = select(mb, ma, is_a);
        let other = src[base + j];
        let f = neighbour_features(me.xy, me.zw, other.xy, other.zw);
        pa_lo = select(pa_lo, pa_lo + f[0], is_a);
        pa_hi = select(pa_hi, pa_hi + f[1], is_a);
        pb_lo = select(pb_lo + f[0], pb_lo, is_a);
        pb_hi = select(pb_hi + f[1], pb_hi, is_a);
    }
    dst[base + i] = moved(ma.xy, ma.zw, turn_of(pa_lo, pa_hi, hits_a));
    if second {
        dst[base + ib] = moved(mb.xy, mb.zw, turn_of(pb_lo, pb_hi, hits_b));
    }
}
