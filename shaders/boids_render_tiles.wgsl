// Neural boids, tile render, pass 3 of 3: the original's `render_state` (white background, soft
// black triangles composited in index order, then boid 0 again in red; row i is world
// x = i/(S−1), column j world y = j/(S−1); triangles do not wrap). Each invocation holds a 4×4
// block of pixels in registers, each workgroup a 32×32 tile, and walks the tile's mask (pass 2)
// reading each listed boid's record (pass 1) through the uniform window.
//
// The mask of a pixel is σ(k·a)·σ(k·b)·σ(k·c) = 1 / ((1 + e_a)(1 + e_b)(1 + e_c)) with
// e = exp(x), x = −k·(barycentric coordinate), affine in the pixel position. With STEPPED the
// block evaluates the three exponentials once, at its first pixel, and reaches the others by the
// per-pixel factors of the record (e·ρ^i·γ^j): 3 exponentials per triangle and block instead of
// 48, which is what made the block kernel's arithmetic the larger part of its time. Exact in
// real arithmetic; in float32 each e carries a few ulp more (factors and products), i.e.
// ~1e-6 relative, ~3e-7 on the mask, below the 1e-5 the fixtures allow. Range: the host
// enables STEPPED only when the exponent spread over a block, 3·k·Δ·(|∂x/∂qx| + |∂x/∂qy|) ≤ 64
// (`boids::stepped_render_in_range`), so wherever a pixel of the block can be seen (every x < 20)
// the values stay below e^84, finite in float32; blocks nothing covers may overflow to +inf,
// which gives mask 0, as the twin's. Without STEPPED every pixel evaluates its own exponentials.
//
// No box test per pixel: where some x ≥ 20 the mask is below 1/e^20 < 2^-25, 1 − m rounds to 1
// and the pixel keeps its value bit for bit, as in the twin (which skips it or multiplies by 1).

@group(0) @binding(0) var<uniform> params: BoidsParams;
@group(0) @binding(1) var<uniform> frame: FrameParams;
@group(0) @binding(2) var<uniform> chunk: ChunkParams;
@group(0) @binding(3) var<uniform> window: array<vec4<f32>, WINDOW>;
@group(0) @binding(4) var<storage, read> masks: array<u32>;
@group(0) @binding(5) var<storage, read_write> frames: array<u32>;

override STEPPED: bool = true;

// (1 + e_a)(1 + e_b)(1 + e_c) for the four rows of a block: the reciprocal of each pixel's mask.
struct Block {
    r0: vec4<f32>,
    r1: vec4<f32>,
    r2: vec4<f32>,
    r3: vec4<f32>,
}

fn product(e: vec3<f32>, ca: vec4<f32>, cb: vec4<f32>, cc: vec4<f32>) -> vec4<f32> {
    return (1.0 + e.x * ca) * (1.0 + e.y * cb) * (1.0 + e.z * cc);
}

fn powers(g: f32) -> vec4<f32> {
    let g2 = g * g;
    return vec4<f32>(1.0, g, g2, g2 * g);
}

// The block at pixel (row0, col0) (world point q0; `qy`: its four columns' world y, `qx`: its
// four rows' world x) under the triangle of the record at window index r.
fn block(r: u32, q0: vec2<f32>, qx: vec4<f32>, qy: vec4<f32>) -> Block {
    let v0 = window[min(r, WINDOW - 1u)];
    let v1 = window[min(r + 1u, WINDOW - 1u)];
    let k = params.sharpness;
    var o: Block;
    if STEPPED {
        let v2 = window[min(r + 2u, WINDOW - 1u)];
        let d = q0 - v0.xy;
        let xb = d.x * v0.z + d.y * v0.w;
        let xc = d.x * v1.x + d.y * v1.y;
        var e = exp(vec3<f32>(-k - xb - xc, xb, xc));
        let down = vec3<f32>(v1.zw, v2.x);
        let ca = powers(v2.y);
        let cb = powers(v2.z);
        let cc = powers(v2.w);
        o.r0 = product(e, ca, cb, cc);
        e *= down;
        o.r1 = product(e, ca, cb, cc);
        e *= down;
        o.r2 = product(e, ca, cb, cc);
        e *= down;
        o.r3 = product(e, ca, cb, cc);
    } else {
        let dx = qx - v0.x;
        let dy = qy - v0.y;
        let xb_row = dy * v0.w;
        let xc_row = dy * v1.y;
        o.r0 = row_product(dx.x * v0.z + xb_row, dx.x * v1.x + xc_row, k);
        o.r1 = row_product(dx.y * v0.z + xb_row, dx.y * v1.x + xc_row, k);
        o.r2 = row_product(dx.z * v0.z + xb_row, dx.z * v1.x + xc_row, k);
        o.r3 = row_product(dx.w * v0.z + xb_row, dx.w * v1.x + xc_row, k);
    }
    return o;
}

fn row_product(xb: vec4<f32>, xc: vec4<f32>, k: f32) -> vec4<f32> {
    let xa = -k - xb - xc;
    return (1.0 + exp(xa)) * (1.0 + exp(xb)) * (1.0 + exp(xc));
}

// m·0 + (1 − m)·T with m = 1/p, the twin's compositing of a black triangle.
fn black(t: vec4<f32>, p: vec4<f32>) -> vec4<f32> {
    return (1.0 - 1.0 / p) * t;
}

// Writes one row of four pixels: grey transmittance `t`, boid 0 in red on top when drawn
// (m·(1, 0, 0) + (1 − m)·rgb, `p` its reciprocal mask).
fn write_row(t: vec4<f32>, p: vec4<f32>, row: u32, cols: vec4<u32>, world: u32) {
    let s = frame.size;
    if row >= s {
        return;
    }
    var r = t;
    var g = t;
    if params.red_boid != 0u {
        let m = 1.0 / p;
        r = m * 1.0 + (1.0 - m) * t;
        g = m * 0.0 + (1.0 - m) * t;
    }
    let first = ((world * frame.slots + frame.slot) * s + row) * s;
    let cr = vec4<u32>(round(clamp(r, vec4<f32>(0.0), vec4<f32>(1.0)) * 255.0));
    let cg = vec4<u32>(round(clamp(g, vec4<f32>(0.0), vec4<f32>(1.0)) * 255.0));
    let rgba = cr | (cg << vec4<u32>(8u)) | (cg << vec4<u32>(16u)) | vec4<u32>(0xff000000u);
    let inside = cols < vec4<u32>(s);
    if inside.x {
        frames[first + cols.x] = rgba.x;
    }
    if inside.y {
        frames[first + cols.y] = rgba.y;
    }
    if inside.z {
        frames[first + cols.z] = rgba.z;
    }
    if inside.w {
        frames[first + cols.w] = rgba.w;
    }
}

@compute @workgroup_size(64)
fn render(
    @builtin(local_invocation_index) lid: u32,
    @builtin(workgroup_id) wid: vec3<u32>,
) {
    let side = tiles_per_side();
    let tile = wid.y * side + wid.x;
    let world = chunk.first_world + wid.z;
    let base = wid.z * record_stride();
    // This invocation's block: rows row0 … +3, columns col0 … +3 (a SIMD group of 8
    // invocations covers a 4 × 32 strip of the tile).
    let row0 = wid.y * TILE + 4u * (lid / 8u);
    let col0 = wid.x * TILE + 4u * (lid % 8u);
    let rows = vec4<u32>(row0, row0 + 1u, row0 + 2u, row0 + 3u);
    let cols = vec4<u32>(col0, col0 + 1u, col0 + 2u, col0 + 3u);
    let step = pixel_coord(1u);
    let qx = vec4<f32>(rows) * step;
    let qy = vec4<f32>(cols) * step;
    let q0 = vec2<f32>(qx.x, qy.x);
    var t = Block(vec4<f32>(1.0), vec4<f32>(1.0), vec4<f32>(1.0), vec4<f32>(1.0));
    let words = mask_words();
    let listed = (world * side * side + tile) * words;
    for (var w = 0u; w < words; w++) {
        var bits = masks[listed + w];
        while bits != 0u {
            let i = 32u * w + firstTrailingBit(bits);
            bits &= bits - 1u;
            let p = block(base + RECORD * i, q0, qx, qy);
            t.r0 = black(t.r0, p.r0);
            t.r1 = black(t.r1, p.r1);
            t.r2 = black(t.r2, p.r2);
            t.r3 = black(t.r3, p.r3);
        }
    }
    let red = block(base, q0, qx, qy);
    write_row(t.r0, red.r0, rows.x, cols, world);
    write_row(t.r1, red.r1, rows.y, cols, world);
    write_row(t.r2, red.r2, rows.z, cols, world);
    write_row(t.r3, red.r3, rows.w, cols, world);
}
