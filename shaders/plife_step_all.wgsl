// Particle Life, one step by the original's dense all-pairs sum. Kept only as the baseline the
// grid kernel (`plife_step.wgsl`) is benchmarked against; searches never use it.

@group(0) @binding(0) var<uniform> params: PlifeParams;
@group(0) @binding(1) var<storage, read> table: array<f32>;
@group(0) @binding(2) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> dst: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> colours: array<u32>;

@compute @workgroup_size(64)
fn step_all(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    let w = gid.z;
    if i >= params.particles {
        return;
    }
    let base = w * params.particles;
    let p = base + i;
    let k = params.colours;
    let t = w * params.table_stride;
    let s = src[p];
    let ci = colours[p];
    let dt = table[t];
    let beta = table[t + 4u + k * k + ci];
    let rmax = table[t + 4u + k * k + k + ci];
    let mass = table[t + 4u + k * k + 2u * k + ci];
    let mu = table[t + 4u + k * k + 3u * k + ci];
    let alpha_row = t + 4u + ci * k;
    var force = vec2<f32>(0.0, 0.0);
    for (var j = 0u; j < params.particles; j++) {
        let alpha = table[alpha_row + colours[base + j]];
        force += plife_pair(min_image(src[base + j].xy - s.xy), rmax, beta, alpha);
    }
    dst[p] = plife_integrate(s, force, mass, mu, dt);
}
