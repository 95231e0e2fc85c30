// Particle Lenia render, pass 1 of 2: the original's field picture, unnormalised, one thread per
// pixel (worlds along z). The view is auto-zoomed to extent = 1.2 max|x| (largest coordinate
// magnitude); pixel (row i, column j) shows the point (lin[j], lin[i]) * extent with
// lin = linspace(-1, 1, S), so rows are y. Colour = lerp(G, lerp(U, (0.1, 0.1, 0.3),
// (0.2, 0.7, 1.0)), (1.17, 0.91, 0.13)) * clip(min_j |p - x_j|^2 / 0.02, 0, 1), lerp(t, a, b) =
// a (1 - t) + b t. Every value is >= 0, so each world's min and max are tracked with integer
// atomics on the float bits (max directly, min through the complemented bits, both starting at 0).

@group(0) @binding(0) var<uniform> params: PleniaParams;
@group(0) @binding(1) var<uniform> frame: FrameParams;
@group(0) @binding(2) var<storage, read> rules: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> points: array<vec2<f32>>;
@group(0) @binding(4) var<storage, read_write> field: array<vec4<f32>>;   // [world][row][col] rgb
@group(0) @binding(5) var<storage, read_write> extrema: array<atomic<u32>>; // [world] (max bits, !min bits)

var<workgroup> local_max: atomic<u32>;
var<workgroup> local_min: atomic<u32>;

fn lerp3(t: f32, a: vec3<f32>, b: vec3<f32>) -> vec3<f32> {
    return a * (1.0 - t) + b * t;
}

@compute @workgroup_size(8, 8)
fn field_colour(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
) {
    if lid == 0u {
        atomicStore(&local_max, 0u);
        atomicStore(&local_min, 0u);
    }
    workgroupBarrier();
    let s = frame.size;
    let w = gid.z;
    let inside = gid.x < s && gid.y < s;
    if inside {
        let a = rules[2u * w];
        let b = rules[2u * w + 1u];
        let base = w * params.stride;
        var reach = 0.0;
        for (var j = 0u; j < params.particles; j++) {
            let x = abs(points[base + j]);
            reach = max(reach, max(x.x, x.y));
        }
        let extent = 1.2 * reach;
        let spacing = 2.0 / f32(max(s, 2u) - 1u);
        let p = vec2<f32>(-1.0 + f32(gid.x) * spacing, -1.0 + f32(gid.y) * spacing) * extent;
        var u = 0.0;
        var nearest = 3.4e38;
        for (var j = 0u; j < params.particles; j++) {
            let d = p - points[base + j];
            let d2 = dot(d, d);
            nearest = min(nearest, d2);
            let z = (plenia_r(d2) - a.x) / a.y;
            u += exp(-z * z);
        }
        u *= a.z;
        let zg = (u - a.w) / b.x;
        let g = exp(-zg * zg);
        let vis = lerp3(g, lerp3(u, vec3<f32>(0.1, 0.1, 0.3), vec3<f32>(0.2, 0.7, 1.0)), vec3<f32>(1.17, 0.91, 0.13));
        let rgb = vis * clamp(nearest / 0.02, 0.0, 1.0);
        field[(w * s + gid.y) * s + gid.x] = vec4<f32>(rgb, 0.0);
        let hi = max(rgb.x, max(rgb.y, rgb.z));
        let lo = min(rgb.x, min(rgb.y, rgb.z));
        atomicMax(&local_max, bitcast<u32>(hi));
        atomicMax(&local_min, ~bitcast<u32>(lo));
    }
    workgroupBarrier();
    if lid == 0u {
        atomicMax(&extrema[2u * w], atomicLoad(&local_max));
        atomicMax(&extrema[2u * w + 1u], atomicLoad(&local_min));
    }
}
