// Neural boids, render: the frame parameters and each boid's triangle with its tight pixel box,
// shared by the block kernel (`boids_render_blocks.wgsl`) and the triangle pass of the tile
// kernels (`boids_triangles.wgsl`). Expects `params: BoidsParams` and `frame: FrameParams`.

// Keep in sync with `FrameParams` in substrates/src/substrate.rs.
struct FrameParams {
    slot: u32,
    size: u32,
    slots: u32,
    worlds: u32,
}

// Keep in sync with `reference::boids::Triangle`.
struct Triangle {
    t0: vec2<f32>,
    e02: vec2<f32>,
    e01: vec2<f32>,
    gram: vec4<f32>,
    bbox: vec4<i32>,
}

// Keep in sync with `boids_render.wgsl` and `reference::boids::pixel_coord`.
fn pixel_coord(i: u32) -> f32 {
    if frame.size <= 1u {
        return 0.0;
    }
    return f32(i) * (1.0 / f32(frame.size - 1u));
}

// The triangle as `reference::boids::triangle` (keep in sync), with a tighter box.
fn triangle(b: vec4<f32>) -> Triangle {
    let norm = sqrt(b.z * b.z + b.w * b.w);
    let u = b.z / norm;
    let w = b.w / norm;
    let s = params.render_size;
    let t0 = vec2<f32>(u * 0.0 + -w * s + b.x, w * 0.0 + u * s + b.y);
    let t1 = vec2<f32>(u * 0.0 + -w * -s + b.x, w * 0.0 + u * -s + b.y);
    let t2 = vec2<f32>(u * (3.0 * s) + -w * 0.0 + b.x, w * (3.0 * s) + u * 0.0 + b.y);
    var t: Triangle;
    t.t0 = t0;
    t.e02 = t2 - t0;
    t.e01 = t1 - t0;
    let d00 = t.e02.x * t.e02.x + t.e02.y * t.e02.y;
    let d01 = t.e02.x * t.e01.x + t.e02.y * t.e01.y;
    let d11 = t.e01.x * t.e01.x + t.e01.y * t.e01.y;
    t.gram = vec4<f32>(d00, d01, d11, d00 * d11 - d01 * d01);
    // Where every barycentric coordinate is ≥ −m = −20/k is the triangle scaled by 1 + 3m about
    // its centroid; outside it the mask is below σ(−20) and 1 − m rounds to 1. The box is that
    // scaled triangle's own bounding box plus a pixel of margin: inside the twin's square box
    // (`reference::boids::triangle`, the same centroid and scale, its largest reach on both
    // axes), ~2× smaller on average; between the two, a black triangle leaves a pixel unchanged
    // and the red one adds under 2e-9.
    let m = 20.0 / params.sharpness;
    let c = (t0 + t1 + t2) / 3.0;
    let grow = 1.0 + 3.0 * m;
    let p0 = c + (t0 - c) * grow;
    let p1 = c + (t1 - c) * grow;
    let p2 = c + (t2 - c) * grow;
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
