// Neural boids, render: each boid's triangle with its tight pixel box, shared by the render
// kernels (`boids_render.wgsl`, `boids_render_blocks.wgsl` and the triangle pass of the tile
// kernel, `boids_triangles.wgsl`). Expects `params: BoidsParams` and `frame: FrameParams`
// (common/frame.wgsl).

// Keep in sync with `reference::boids::Triangle`.
struct Triangle {
    t0: vec2<f32>,    // vertex 0 (local (0, 1)·size)
    e02: vec2<f32>,   // edge 0 → 2
    e01: vec2<f32>,   // edge 0 → 1
    gram: vec4<f32>,  // e02·e02, e02·e01, e01·e01, determinant
    bbox: vec4<i32>,  // first row, last row, first column, last column (inclusive)
}

// World coordinate of pixel index i: linspace(0, 1, S)[i], which the original's XLA evaluates as
// i · (1 / (S − 1)); keep in sync with `reference::boids::pixel_coord` (one ulp of position moves
// a soft edge pixel by ~2e-5).
fn pixel_coord(i: u32) -> f32 {
    if frame.size <= 1u {
        return 0.0;
    }
    return f32(i) * (1.0 / f32(frame.size - 1u));
}

// A boid's triangle without its box: vertices, edges and Gram matrix as
// `reference::boids::triangle` (keep in sync).
struct Corners {
    t0: vec2<f32>,
    t1: vec2<f32>,
    t2: vec2<f32>,
}

fn corners(b: vec4<f32>) -> Corners {
    let norm = sqrt(b.z * b.z + b.w * b.w);
    let u = b.z / norm;
    let w = b.w / norm;
    let s = params.render_size;
    // local2global = [[u, -v, x], [v, u, y]] on the local vertices (0, 1), (0, -1), (3, 0).
    return Corners(
        vec2<f32>(u * 0.0 + -w * s + b.x, w * 0.0 + u * s + b.y),
        vec2<f32>(u * 0.0 + -w * -s + b.x, w * 0.0 + u * -s + b.y),
        vec2<f32>(u * (3.0 * s) + -w * 0.0 + b.x, w * (3.0 * s) + u * 0.0 + b.y),
    );
}

// Edges from vertex 0 and their Gram matrix (the box left for the caller).
fn triangle_of(c: Corners) -> Triangle {
    var t: Triangle;
    t.t0 = c.t0;
    t.e02 = c.t2 - c.t0;
    t.e01 = c.t1 - c.t0;
    let d00 = t.e02.x * t.e02.x + t.e02.y * t.e02.y;
    let d01 = t.e02.x * t.e01.x + t.e02.y * t.e01.y;
    let d11 = t.e01.x * t.e01.x + t.e01.y * t.e01.y;
    t.gram = vec4<f32>(d00, d01, d11, d00 * d11 - d01 * d01);
    return t;
}

// The triangle with a box tighter than the twin's: where every barycentric coordinate is
// ≥ −m = −20/k is the triangle scaled by 1 + 3m about its centroid; outside it the mask is below
// σ(−20) and 1 − m rounds to 1. The box is that scaled triangle's own bounding box plus a pixel of
// margin: inside the twin's square box (`reference::boids::triangle`, the same centroid and
// scale, its largest reach on both axes), ~2× smaller on average; between the two, a black
// triangle leaves a pixel unchanged and the red one adds under 2e-9.
fn triangle(b: vec4<f32>) -> Triangle {
    let v = corners(b);
    var t = triangle_of(v);
    let m = 20.0 / params.sharpness;
    let c = (v.t0 + v.t1 + v.t2) / 3.0;
    let grow = 1.0 + 3.0 * m;
    let p0 = c + (v.t0 - c) * grow;
    let p1 = c + (v.t1 - c) * grow;
    let p2 = c + (v.t2 - c) * grow;
    let lo = min(p0, min(p1, p2));
    let hi = max(p0, max(p1, p2));
    let scale = f32(frame.size - 1u);
    let last = i32(frame.size) - 1;
    t.bbox = vec4<i32>(
        max(i32(floor(lo.x * scale)) - 1, 0),
        min(i32(ceil(hi.x * scale)) + 1, last),
        max(i32(floor(lo.y * scale)) - 1, 0),
        min(i32(ceil(hi.y * scale)) + 1, last),
    );
    return t;
}
