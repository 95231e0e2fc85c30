// Particle Lenia, one step for every particle of every world: the same energy gradient as
// plenia_step.wgsl (all pairs, the analytic gradient, the particle itself at the clamped
// r = 1e-5 with zero gradient), arranged for CPU adapters, where a pair costs tens of lane
// operations and a load whose address is not a compile-time constant costs a loop over the
// lanes (`asal bench` probes, docs/PERFORMANCE.md):
// - one workgroup is one 8-lane SIMD group and each lane owns a block of BLOCK particles, so the
//   default 200 particles fill 208 lane slots (the 16-invocation × 8 kernel fills 256);
// - each load brings two neighbours (a vec4 of the padded point buffer) and serves BLOCK
//   particles, so loads cost ~0.15 ns per pair instead of ~0.25;
// - the pair needs no division: 1/σ_k is hoisted, dr/dp = d/r is d times one reciprocal, and
//   max(1 − r, 0)/r = max(1/r − 1, 0) for r > 0, so a pair is one sqrt and one reciprocal (the
//   old pair had a sqrt and four divisions, which share one slow divider unit);
// - exp(−z²) is exp2(−z'²) with z' = z·sqrt(log2 e) folded into the hoisted scale (the driver
//   computes exp(x) as exp2(x·log2 e) anyway), and the pair's −2/σ_k factor is applied once per
//   particle after the sum.
// The sums are the same terms in the same order; only the roundings of the reordered products
// differ (a few ulps per term, ~1e-7 relative), far inside the fixtures' 1e-5 (tested).
// Measured on lavapipe (process CPU time per world-step of 200 points, the kernel stripped step
// by step): 45 µs in all; the exp2s 11, the sqrts 7, the reciprocals ~0 (hidden behind the
// other work), the remaining ~20 operations per pair and the spills of 13 particles' sums 27.
// Tried and not kept: inverseSqrt for 1/r with r = m·(1/sqrt m) (49–54 vs 43–46 µs: the
// driver's rsqrt is an estimate, a Newton step and special-case selects, more work than the
// divider it frees), and an own exp2 polynomial (slower, see plenia_field_blocks.wgsl).

@group(0) @binding(0) var<uniform> params: PleniaParams;
@group(0) @binding(1) var<storage, read> rules: array<vec4<f32>>;
// Two points per element: a world starts at an even index (`stride` is even).
@group(0) @binding(2) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> dst: array<vec2<f32>>;

// Particles per lane. Keep in sync with `BLOCK_PARTICLES` in substrates/src/plenia.rs. The calls
// of `add_neighbour` in `step_blocks` are written out once per particle (x0 … x12): a loop over
// private arrays is not reliably unrolled by the driver, and a dynamically indexed private array
// becomes gathers and scatters on the stack.
const BLOCK: u32 = 13u;
const LOG2_E: f32 = 1.4426950408889634;

// One particle's running sums: U/w_k, Σ z'·k·d/r (the kernel gradient before its −2/σ_k
// factor) and Σ max(1/r − 1, 0)·d (minus the repulsion gradient before c_rep).
struct Sums {
    x: vec2<f32>,
    u: f32,
    grad_k: vec2<f32>,
    push: vec2<f32>,
}

fn sums_at(x: vec2<f32>) -> Sums {
    return Sums(x, 0.0, vec2<f32>(0.0), vec2<f32>(0.0));
}

// zs = sqrt(log2 e)/σ_k, zb = μ_k·zs: z' = r·zs − zb = (r − μ_k)/σ_k·sqrt(log2 e).
fn add_neighbour(s: ptr<function, Sums>, xj: vec2<f32>, zs: f32, zb: f32) {
    let d = (*s).x - xj;
    let d2 = dot(d, d);
    let r = plenia_r(d2);
    // 1/r where dr/dp = d/r exists; zero where the 1e-10 clamp holds (the particle itself).
    let inv_r = select(0.0, 1.0 / r, d2 > 1e-10);
    let z = r * zs - zb;
    let k = exp2(-(z * z));
    (*s).u += k;
    (*s).grad_k += (z * k * inv_r) * d;
    (*s).push += max(inv_r - 1.0, 0.0) * d;
}

fn add_pair(
    s0: ptr<function, Sums>, s1: ptr<function, Sums>, s2: ptr<function, Sums>,
    s3: ptr<function, Sums>, s4: ptr<function, Sums>, s5: ptr<function, Sums>,
    s6: ptr<function, Sums>, s7: ptr<function, Sums>, s8: ptr<function, Sums>,
    s9: ptr<function, Sums>, s10: ptr<function, Sums>, s11: ptr<function, Sums>,
    s12: ptr<function, Sums>, xj: vec2<f32>, zs: f32, zb: f32,
) {
    add_neighbour(s0, xj, zs, zb);
    add_neighbour(s1, xj, zs, zb);
    add_neighbour(s2, xj, zs, zb);
    add_neighbour(s3, xj, zs, zb);
    add_neighbour(s4, xj, zs, zb);
    add_neighbour(s5, xj, zs, zb);
    add_neighbour(s6, xj, zs, zb);
    add_neighbour(s7, xj, zs, zb);
    add_neighbour(s8, xj, zs, zb);
    add_neighbour(s9, xj, zs, zb);
    add_neighbour(s10, xj, zs, zb);
    add_neighbour(s11, xj, zs, zb);
    add_neighbour(s12, xj, zs, zb);
}

fn point(base: u32, i: u32) -> vec2<f32> {
    let v = src[(base + i) / 2u];
    return select(v.xy, v.zw, (i & 1u) == 1u);
}

// Moves particle `i` (skipped past the last one) by the gradient of its sums.
fn finish(s: Sums, i: u32, base: u32, a: vec4<f32>, b: vec4<f32>, zs: f32) {
    if i >= params.particles {
        return;
    }
    let w_k = a.z;
    let mu_g = a.w;
    let sigma_g = b.x;
    let c_rep = b.y;
    let u = s.u * w_k;
    let zg = (u - mu_g) / sigma_g;
    let g = exp(-zg * zg);
    let dg_du = -2.0 * zg / sigma_g * g;
    // d/dr exp(−z²) = −2z/σ_k·k and z = z'/sqrt(log2 e), so the kernel gradient is
    // Σ z'·k·d/r times −2·zs/log2 e.
    let grad_u = s.grad_k * (-2.0 * zs / LOG2_E);
    let grad_e = -c_rep * s.push - dg_du * (grad_u * w_k);
    dst[base + i] = s.x - params.dt * grad_e;
}

@compute @workgroup_size(8)
fn step_blocks(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(local_invocation_index) lane: u32,
) {
    let n = params.particles;
    let w = wid.z;
    let first = (wid.x * 8u + lane) * BLOCK;
    let a = rules[2u * w];
    let b = rules[2u * w + 1u];
    let zs = sqrt(LOG2_E) / a.y;
    let zb = a.x * zs;
    let base = w * params.stride;
    // Lanes past the last particle repeat it and write nothing.
    let last = n - 1u;
    var s0 = sums_at(point(base, min(first, last)));
    var s1 = sums_at(point(base, min(first + 1u, last)));
    var s2 = sums_at(point(base, min(first + 2u, last)));
    var s3 = sums_at(point(base, min(first + 3u, last)));
    var s4 = sums_at(point(base, min(first + 4u, last)));
    var s5 = sums_at(point(base, min(first + 5u, last)));
    var s6 = sums_at(point(base, min(first + 6u, last)));
    var s7 = sums_at(point(base, min(first + 7u, last)));
    var s8 = sums_at(point(base, min(first + 8u, last)));
    var s9 = sums_at(point(base, min(first + 9u, last)));
    var s10 = sums_at(point(base, min(first + 10u, last)));
    var s11 = sums_at(point(base, min(first + 11u, last)));
    var s12 = sums_at(point(base, min(first + 12u, last)));
    let base2 = base / 2u;
    let pairs = n / 2u;
    for (var j = 0u; j < pairs; j++) {
        let v = src[base2 + j];
        add_pair(&s0, &s1, &s2, &s3, &s4, &s5, &s6, &s7, &s8, &s9, &s10, &s11, &s12, v.xy, zs, zb);
        add_pair(&s0, &s1, &s2, &s3, &s4, &s5, &s6, &s7, &s8, &s9, &s10, &s11, &s12, v.zw, zs, zb);
    }
    if (n & 1u) == 1u {
        let v = src[base2 + pairs].xy;
        add_pair(&s0, &s1, &s2, &s3, &s4, &s5, &s6, &s7, &s8, &s9, &s10, &s11, &s12, v, zs, zb);
    }
    finish(s0, first, base, a, b, zs);
    finish(s1, first + 1u, base, a, b, zs);
    finish(s2, first + 2u, base, a, b, zs);
    finish(s3, first + 3u, base, a, b, zs);
    finish(s4, first + 4u, base, a, b, zs);
    finish(s5, first + 5u, base, a, b, zs);
    finish(s6, first + 6u, base, a, b, zs);
    finish(s7, first + 7u, base, a, b, zs);
    finish(s8, first + 8u, base, a, b, zs);
    finish(s9, first + 9u, base, a, b, zs);
    finish(s10, first + 10u, base, a, b, zs);
    finish(s11, first + 11u, base, a, b, zs);
    finish(s12, first + 12u, base, a, b, zs);
}
