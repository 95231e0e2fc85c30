// Neural boids, render (the original's `render_state`): white background; every boid a soft
// triangle, mask = σ(k·a)·σ(k·b)·σ(k·c) on its barycentric coordinates, composited in index
// order in black, then boid 0 again in red. Row i of the frame is world x = i/(S−1), column j is
// world y = j/(S−1) (the original's meshgrid with indexing='ij'); triangles do not wrap.
//
// One invocation per pixel, 8×8 pixels per workgroup, worlds along z. The boids are processed in
// chunks of 64: each invocation prepares one boid's triangle and pixel box in workgroup memory,
// one invocation lists, in index order, the chunk's boids whose box overlaps the tile, and every
// pixel composites the listed boids in order, evaluating only those whose box contains it
// (outside the box the mask is below 2e-9, under float32 resolution).

@group(0) @binding(0) var<uniform> params: BoidsParams;
@group(0) @binding(1) var<uniform> frame: FrameParams;
@group(0) @binding(2) var<storage, read> boids: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> frames: array<u32>;

const CHUNK: u32 = 64u;
var<workgroup> chunk_tri: array<Triangle, 64>;
// 1 where the chunk's boid k can touch this tile.
var<workgroup> chunk_hit: array<u32, 64>;
// The chunk's boids that can touch this tile, in index order, and how many there are.
var<workgroup> tile_list: array<u32, 64>;
var<workgroup> tile_len: u32;

// The twin's triangle and square box (`reference::boids::triangle`, keep in sync): below
// barycentric −20/k every mask factor is under σ(−20), so the triangle scaled by 1 + 60/k about
// its centroid bounds all visible coverage.
fn twin_triangle(b: vec4<f32>) -> Triangle {
    let v = corners(b);
    var t = triangle_of(v);
    let m = 20.0 / params.sharpness;
    let c = (v.t0 + v.t1 + v.t2) / 3.0;
    let r0 = abs(v.t0 - c);
    let r1 = abs(v.t1 - c);
    let r2 = abs(v.t2 - c);
    let reach = max(max(max(r0.x, r0.y), max(r1.x, r1.y)), max(r2.x, r2.y)) * (1.0 + 3.0 * m);
    let scale = f32(frame.size - 1u);
    let last = i32(frame.size) - 1;
    t.bbox = vec4<i32>(
        max(i32(floor((c.x - reach) * scale)) - 1, 0),
        min(i32(ceil((c.x + reach) * scale)) + 1, last),
        max(i32(floor((c.y - reach) * scale)) - 1, 0),
        min(i32(ceil((c.y + reach) * scale)) + 1, last),
    );
    return t;
}

fn sigmoid(z: f32) -> f32 {
    return 1.0 / (1.0 + exp(-z));
}

// Keep in sync with `reference::boids::coverage`.
fn coverage(t: Triangle, q: vec2<f32>) -> f32 {
    let e = q - t.t0;
    let d20 = e.x * t.e02.x + e.y * t.e02.y;
    let d21 = e.x * t.e01.x + e.y * t.e01.y;
    let b = (t.gram.z * d20 - t.gram.y * d21) / t.gram.w;
    let c = (t.gram.x * d21 - t.gram.y * d20) / t.gram.w;
    let a = 1.0 - b - c;
    let k = params.sharpness;
    return sigmoid(k * a) * sigmoid(k * b) * sigmoid(k * c);
}

fn in_box(t: Triangle, row: i32, col: i32) -> bool {
    return row >= t.bbox.x && row <= t.bbox.y && col >= t.bbox.z && col <= t.bbox.w;
}

@compute @workgroup_size(8, 8)
fn render(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
    @builtin(workgroup_id) wid: vec3<u32>,
) {
    let s = frame.size;
    let n = params.n_boids;
    let base = gid.z * n;
    let row = i32(gid.y);
    let col = i32(gid.x);
    let q = vec2<f32>(pixel_coord(gid.y), pixel_coord(gid.x));
    var rgb = vec3<f32>(1.0, 1.0, 1.0);
    // Every invocation takes part in the loads and barriers, also those outside the frame.
    for (var first = 0u; first < n; first += CHUNK) {
        let count = min(CHUNK, n - first);
        chunk_hit[lid] = 0u;
        if lid < count {
            let t = twin_triangle(boids[base + first + lid]);
            chunk_tri[lid] = t;
            // Tile rows wid.y·8 .. +7, columns wid.x·8 .. +7.
            let r0 = i32(wid.y * 8u);
            let c0 = i32(wid.x * 8u);
            if t.bbox.x <= r0 + 7 && t.bbox.y >= r0 && t.bbox.z <= c0 + 7 && t.bbox.w >= c0 {
                chunk_hit[lid] = 1u;
            }
        }
        workgroupBarrier();
        if lid == 0u {
            var len = 0u;
            for (var k = 0u; k < count; k++) {
                if chunk_hit[k] != 0u {
                    tile_list[len] = k;
                    len += 1u;
                }
            }
            tile_len = len;
        }
        workgroupBarrier();
        let listed = tile_len;
        for (var i = 0u; i < listed; i++) {
            let t = chunk_tri[tile_list[i]];
            if in_box(t, row, col) {
                let m = coverage(t, q);
                rgb = m * vec3<f32>(0.0) + (1.0 - m) * rgb;
            }
        }
        workgroupBarrier();
    }
    if params.red_boid != 0u {
        let t = twin_triangle(boids[base]);
        if in_box(t, row, col) {
            let m = coverage(t, q);
            rgb = m * vec3<f32>(1.0, 0.0, 0.0) + (1.0 - m) * rgb;
        }
    }
    if gid.x >= s || gid.y >= s {
        return;
    }
    let rgba = to_byte(rgb.x) | (to_byte(rgb.y) << 8u) | (to_byte(rgb.z) << 16u) | 0xff000000u;
    frames[((gid.z * frame.slots + frame.slot) * s + gid.y) * s + gid.x] = rgba;
}

fn to_byte(v: f32) -> u32 {
    return u32(round(clamp(v, 0.0, 1.0) * 255.0));
}
