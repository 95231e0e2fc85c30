// Particle Lenia, one step for every particle of every world (worlds along z), all pairs (the
// kernel field has unbounded support, and the original has only 200 particles).
//
// At p = x_i, with the other particles fixed and r_j = sqrt(max(|p - x_j|^2, 1e-10)):
//   U = w_k sum_j exp(-((r_j - mu_k) / sigma_k)^2),  G = exp(-((U - mu_g) / sigma_g)^2),
//   R = c_rep / 2 sum_j max(1 - r_j, 0)^2,           E = R - G,
// and x_i <- x_i - dt grad E, with the analytic gradient (dr_j/dp = (p - x_j) / r_j, zero where
// the 1e-10 clamp is active, i.e. for the particle itself, as autodiff through max gives).

@group(0) @binding(0) var<uniform> params: PleniaParams;
@group(0) @binding(1) var<storage, read> rules: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> src: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read_write> dst: array<vec2<f32>>;

// Particles per invocation: each loaded neighbour position serves PER particles. On CPU adapters
// the load (the same address in every lane, but not a constant) costs about as much as the
// pair's arithmetic (`asal bench` probes). Keep in sync with `STEP_PER` in
// substrates/src/plenia.rs.
const PER: u32 = 8u;

@compute @workgroup_size(16)
fn step(@builtin(global_invocation_id) gid: vec3<u32>) {
    let first = gid.x * PER;
    let w = gid.z;
    let n = params.particles;
    if first >= n {
        return;
    }
    let a = rules[2u * w];
    let b = rules[2u * w + 1u];
    let mu_k = a.x;
    let sigma_k = a.y;
    let w_k = a.z;
    let mu_g = a.w;
    let sigma_g = b.x;
    let c_rep = b.y;
    let base = w * params.stride;
    // Past the last particle, lanes repeat it and write nothing.
    var x: array<vec2<f32>, PER>;
    var u: array<f32, PER>;
    var grad_u: array<vec2<f32>, PER>;
    var grad_r: array<vec2<f32>, PER>;
    for (var q = 0u; q < PER; q++) {
        x[q] = src[base + min(first + q, n - 1u)];
        u[q] = 0.0;
        grad_u[q] = vec2<f32>(0.0);
        grad_r[q] = vec2<f32>(0.0);
    }
    for (var j = 0u; j < n; j++) {
        let xj = src[base + j];
        for (var q = 0u; q < PER; q++) {
            let d = x[q] - xj;
            let d2 = dot(d, d);
            let r = plenia_r(d2);
            var dr = vec2<f32>(0.0, 0.0);
            if d2 > 1e-10 {
                dr = d / r;
            }
            let z = (r - mu_k) / sigma_k;
            let k = exp(-z * z);
            u[q] += k;
            grad_u[q] += (-2.0 * z / sigma_k * k) * dr;
            grad_r[q] -= max(1.0 - r, 0.0) * dr;
        }
    }
    for (var q = 0u; q < PER; q++) {
        if first + q < n {
            let uq = u[q] * w_k;
            let zg = (uq - mu_g) / sigma_g;
            let g = exp(-zg * zg);
            let dg_du = -2.0 * zg / sigma_g * g;
            let grad_e = grad_r[q] * c_rep - dg_du * (grad_u[q] * w_k);
            dst[base + first + q] = x[q] - params.dt * grad_e;
        }
    }
}
