// Particle Lenia render arranged for CPU adapters: the same field picture, extrema and
// normalisation as plenia_field.wgsl and plenia_render.wgsl (see there for the colour map), with
// - the view's extent (1.2 max|x|) computed once per world by `extent` instead of by every pixel
//   (200 per-lane loads per pixel, the bulk of that kernel's time on lavapipe);
// - each lane owning a 4×4 block of pixels, so one load of two particles serves 32 kernel
//   evaluations, and a column's x distance and a row's y distance are computed once for the
//   block's four rows and columns;
// - exp(−z²) as exp2(−z'²), z' = z·sqrt(log2 e), with the scale folded into the hoisted 1/σ_k
//   (the driver computes exp(x) as exp2(x·log2 e) anyway): a few ulps per term, invisible
//   after the 8-bit quantisation (tested against the CPU twin and the original's frames).
// Per evaluation there remain an add, a min, a max, a sqrt, a multiply-add, a square, an exp2
// and an add. Where a 224² frame's time goes on lavapipe (process CPU time, 16 worlds, the
// kernel stripped step by step): 7.0 CPU-ms in all; the exp2s 3.3, the sqrts 0.6, the rest of
// the evaluation 1.35, the point loads and loop 0.7, everything outside the loop (extent,
// colours, stores, normalisation) 0.9. So the 200 × 224² evaluations are the floor: the exp2s
// alone take longer than 0.85 ms of two cores. An own exp2 polynomial with a single clamp was
// tried and measured slower (10 vs 7 CPU-ms per frame).

@group(0) @binding(0) var<uniform> params: PleniaParams;
@group(0) @binding(1) var<uniform> frame: FrameParams;
@group(0) @binding(2) var<storage, read> rules: array<vec4<f32>>;
// Two points per element: a world starts at an even index (`stride` is even).
@group(0) @binding(3) var<storage, read> points: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read_write> field: array<vec4<f32>>;   // [world][row][col] rgb
@group(0) @binding(5) var<storage, read_write> extrema: array<atomic<u32>>; // [world] (max bits, !min bits)
@group(0) @binding(6) var<storage, read_write> extents: array<f32>;       // [world] half-width of the view
@group(0) @binding(7) var<storage, read_write> frames: array<u32>;        // RGBA8 [world][slot][row][col]

const LOG2_E: f32 = 1.4426950408889634;

// One world per invocation: extent = 1.2 max_j max(|x_j|, |y_j|), as plenia_field.wgsl.
@compute @workgroup_size(8)
fn extent(@builtin(global_invocation_id) gid: vec3<u32>) {
    let w = gid.x;
    if w >= params.worlds {
        return;
    }
    let n = params.particles;
    let base2 = w * params.stride / 2u;
    var reach = 0.0;
    for (var j = 0u; j < n / 2u; j++) {
        let v = abs(points[base2 + j]);
        reach = max(reach, max(max(v.x, v.y), max(v.z, v.w)));
    }
    if (n & 1u) == 1u {
        let v = abs(points[base2 + n / 2u].xy);
        reach = max(reach, max(v.x, v.y));
    }
    extents[w] = 1.2 * reach;
}

// Four pixels of one row of a block: Σ_j exp2(−z'²) and the nearest squared distance.
struct Row {
    u: vec4<f32>,
    nearest: vec4<f32>,
}

fn add_row(row: ptr<function, Row>, dx2: vec4<f32>, dy: f32, zs: f32, zb: f32) {
    let d2 = dx2 + vec4<f32>(dy * dy);
    (*row).nearest = min((*row).nearest, d2);
    // r = sqrt(max(|d|², 1e-10)) as plenia_r; z' = (r − μ_k)/σ_k·sqrt(log2 e).
    let z = sqrt(max(d2, vec4<f32>(1e-10))) * zs - zb;
    (*row).u += exp2(-(z * z));
}

fn add_point(
    r0: ptr<function, Row>, r1: ptr<function, Row>, r2: ptr<function, Row>,
    r3: ptr<function, Row>, xj: vec2<f32>, px: vec4<f32>, py: vec4<f32>, zs: f32, zb: f32,
) {
    let dx = px - xj.x;
    let dx2 = dx * dx;
    let dy = py - xj.y;
    add_row(r0, dx2, dy.x, zs, zb);
    add_row(r1, dx2, dy.y, zs, zb);
    add_row(r2, dx2, dy.z, zs, zb);
    add_row(r3, dx2, dy.w, zs, zb);
}

// A lane's running maximum and complemented minimum of its inside pixels' channels.
struct Extrema {
    hi: u32,
    lo_complement: u32,
}

// Colours one row of four pixels, stores those inside the frame, and folds them into `ext`.
fn colour_row(row: Row, y: u32, col0: u32, w: u32, a: vec4<f32>, b: vec4<f32>, ext: ptr<function, Extrema>) {
    let s = frame.size;
    let u = row.u * a.z;
    let zg = (u - a.w) / b.x;
    let g = exp(-zg * zg);
    // lerp(t, lo, hi) = lo (1 − t) + hi t per channel, as plenia_field.wgsl's lerp3.
    let inner_r = 0.1 * (1.0 - u) + 0.2 * u;
    let inner_g = 0.1 * (1.0 - u) + 0.7 * u;
    let inner_b = 0.3 * (1.0 - u) + 1.0 * u;
    let mask = clamp(row.nearest / 0.02, vec4<f32>(0.0), vec4<f32>(1.0));
    let red = (inner_r * (1.0 - g) + 1.17 * g) * mask;
    let green = (inner_g * (1.0 - g) + 0.91 * g) * mask;
    let blue = (inner_b * (1.0 - g) + 0.13 * g) * mask;
    let hi = max(red, max(green, blue));
    let lo = min(red, min(green, blue));
    let at = (w * s + y) * s + col0;
    for (var i = 0u; i < 4u; i++) {
        if y < s && col0 + i < s {
            field[at + i] = vec4<f32>(red[i], green[i], blue[i], 0.0);
            (*ext).hi = max((*ext).hi, bitcast<u32>(hi[i]));
            (*ext).lo_complement = max((*ext).lo_complement, ~bitcast<u32>(lo[i]));
        }
    }
}

@compute @workgroup_size(8)
fn field_blocks(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(local_invocation_index) lane: u32,
) {
    let s = frame.size;
    let w = wid.z;
    let col0 = (wid.x * 8u + lane) * 4u;
    let row0 = wid.y * 4u;
    let a = rules[2u * w];
    let b = rules[2u * w + 1u];
    let zs = sqrt(LOG2_E) / a.y;
    let zb = a.x * zs;
    let extent = extents[w];
    let spacing = 2.0 / f32(max(s, 2u) - 1u);
    // The coordinates of plenia_field.wgsl: (−1 + index · spacing) · extent.
    let px = (-1.0 + vec4<f32>(f32(col0), f32(col0 + 1u), f32(col0 + 2u), f32(col0 + 3u)) * spacing) * extent;
    let py = (-1.0 + vec4<f32>(f32(row0), f32(row0 + 1u), f32(row0 + 2u), f32(row0 + 3u)) * spacing) * extent;
    var r0 = Row(vec4<f32>(0.0), vec4<f32>(3.4e38));
    var r1 = r0;
    var r2 = r0;
    var r3 = r0;
    let n = params.particles;
    let base2 = w * params.stride / 2u;
    for (var j = 0u; j < n / 2u; j++) {
        let v = points[base2 + j];
        add_point(&r0, &r1, &r2, &r3, v.xy, px, py, zs, zb);
        add_point(&r0, &r1, &r2, &r3, v.zw, px, py, zs, zb);
    }
    if (n & 1u) == 1u {
        add_point(&r0, &r1, &r2, &r3, points[base2 + n / 2u].xy, px, py, zs, zb);
    }
    // Every value is >= 0, so the float bits order like the floats; 0 is neutral for both.
    var ext = Extrema(0u, 0u);
    colour_row(r0, row0, col0, w, a, b, &ext);
    colour_row(r1, row0 + 1u, col0, w, a, b, &ext);
    colour_row(r2, row0 + 2u, col0, w, a, b, &ext);
    colour_row(r3, row0 + 3u, col0, w, a, b, &ext);
    atomicMax(&extrema[2u * w], ext.hi);
    atomicMax(&extrema[2u * w + 1u], ext.lo_complement);
}

fn to_byte(v: f32) -> u32 {
    return u32(round(clamp(v, 0.0, 1.0) * 255.0));
}

// Pass 2: min-max normalisation to RGBA8 as plenia_render.wgsl, over the same 4×4 blocks, so a
// lane reads its world's extrema once for 16 pixels instead of once per pixel.
@compute @workgroup_size(8)
fn normalise_blocks(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(local_invocation_index) lane: u32,
) {
    let s = frame.size;
    let w = wid.z;
    let col0 = (wid.x * 8u + lane) * 4u;
    let row0 = wid.y * 4u;
    let hi = bitcast<f32>(atomicLoad(&extrema[2u * w]));
    let lo = bitcast<f32>(~atomicLoad(&extrema[2u * w + 1u]));
    for (var dy = 0u; dy < 4u; dy++) {
        let y = row0 + dy;
        for (var dx = 0u; dx < 4u; dx++) {
            let x = col0 + dx;
            if y < s && x < s {
                var rgb = vec3<f32>(0.0, 0.0, 0.0);
                if hi > lo {
                    rgb = (field[(w * s + y) * s + x].xyz - lo) / (hi - lo);
                }
                let rgba = to_byte(rgb.x) | (to_byte(rgb.y) << 8u) | (to_byte(rgb.z) << 16u) | 0xff000000u;
                frames[((w * frame.slots + frame.slot) * s + y) * s + x] = rgba;
            }
        }
    }
}
