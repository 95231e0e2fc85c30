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

@compute @workgroup_size(64)
fn step(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    let w = gid.z;
    if i >= params.particles {
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
    let base = w * params.particles;
    let x = src[base + i];
    var u = 0.0;
    var grad_u = vec2<f32>(0.0, 0.0);
    var grad_r = vec2<f32>(0.0, 0.0);
    for (var j = 0u; j < params.particles; j++) {
        let d = x - src[base + j];
        let d2 = dot(d, d);
        let r = plenia_r(d2);
        var dr = vec2<f32>(0.0, 0.0);
        if d2 > 1e-10 {
            dr = d / r;
        }
        let z = (r - mu_k) / sigma_k;
        let k = exp(-z * z);
        u += k;
        grad_u += (-2.0 * z / sigma_k * k) * dr;
        grad_r -= max(1.0 - r, 0.0) * dr;
    }
    u *= w_k;
    grad_u *= w_k;
    grad_r *= c_rep;
    let zg = (u - mu_g) / sigma_g;
    let g = exp(-zg * zg);
    let dg_du = -2.0 * zg / sigma_g * g;
    let grad_e = grad_r - dg_du * grad_u;
    dst[base + i] = x - params.dt * grad_e;
}
