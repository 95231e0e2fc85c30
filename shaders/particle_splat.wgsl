// Soft-disc splatting for Particle Life and Particle Life++, one thread per pixel (worlds along z).
//
// The original draws every particle over the whole image, one at a time:
//   coverage = 1 - sigmoid(k (d - r)),  img = coverage * colour + (1 - coverage) * img
// on a black background. Coverage is exactly 0 in float32 once k (d - r) exceeds ~16.6, so each
// pixel only needs the particles within r + 16.6 / k: those sit in the 3x3 cells around it of a
// render grid whose cells are at least that wide. Each cell lists its particles in draw order
// (`particle_sort` with draw keys), and a 9-way merge visits them in the global draw order, so
// the compositing order is the original's. Pixel (row i, column j) is the world point
// (i, j) / (S - 1): the first image axis is x, and the image is not wrapped at the torus seam.

@group(0) @binding(0) var<uniform> splat: SplatParams;
@group(0) @binding(1) var<uniform> frame: FrameParams;
@group(0) @binding(2) var<storage, read> sides: array<u32>;         // render grid side per world
@group(0) @binding(3) var<storage, read> counts: array<u32>;
@group(0) @binding(4) var<storage, read> starts: array<u32>;
@group(0) @binding(5) var<storage, read> entries: array<vec4<f32>>; // (x, y, index, draw key)
@group(0) @binding(6) var<storage, read> attrs: array<vec4<f32>>;   // [world][particle] (r, g, b, radius)
@group(0) @binding(7) var<storage, read_write> frames: array<u32>;

fn to_byte(v: f32) -> u32 {
    return u32(round(clamp(v, 0.0, 1.0) * 255.0));
}

@compute @workgroup_size(8, 8)
fn splat_discs(@builtin(global_invocation_id) gid: vec3<u32>) {
    let s = frame.size;
    if gid.x >= s || gid.y >= s {
        return;
    }
    let w = gid.z;
    let scale = 1.0 / f32(max(s, 2u) - 1u);
    let p = vec2<f32>(f32(gid.y) * scale, f32(gid.x) * scale);
    let side = sides[w];
    let cx = i32(cell_coord(p.x, side));
    let cy = i32(cell_coord(p.y, side));
    var heads: array<u32, 9>;
    var ends: array<u32, 9>;
    var keys: array<u32, 9>;
    var n = 0u;
    for (var oy = -1; oy <= 1; oy++) {
        for (var ox = -1; ox <= 1; ox++) {
            let xx = cx + ox;
            let yy = cy + oy;
            if xx < 0 || yy < 0 || xx >= i32(side) || yy >= i32(side) {
                continue;
            }
            let cell = w * splat.cell_stride + u32(yy) * side + u32(xx);
            let count = counts[cell];
            if count == 0u {
                continue;
            }
            heads[n] = starts[cell];
            ends[n] = heads[n] + count;
            keys[n] = bitcast<u32>(entries[heads[n]].w);
            n += 1u;
        }
    }
    var rgb = vec3<f32>(0.0, 0.0, 0.0);
    loop {
        var best = 9u;
        var best_key = 0xffffffffu;
        for (var k = 0u; k < n; k++) {
            if heads[k] < ends[k] && keys[k] <= best_key {
                best_key = keys[k];
                best = k;
            }
        }
        if best == 9u {
            break;
        }
        let e = entries[heads[best]];
        heads[best] += 1u;
        if heads[best] < ends[best] {
            keys[best] = bitcast<u32>(entries[heads[best]].w);
        }
        let a = attrs[w * splat.particles + bitcast<u32>(e.z)];
        let d = p - e.xy;
        let z = splat.sharpness * (sqrt(dot(d, d)) - a.w);
        if z < splat.cutoff {
            let coverage = 1.0 - 1.0 / (1.0 + exp(-z));
            rgb = coverage * a.rgb + (1.0 - coverage) * rgb;
        }
    }
    let rgba = to_byte(rgb.x) | (to_byte(rgb.y) << 8u) | (to_byte(rgb.z) << 16u) | 0xff000000u;
    frames[((w * frame.slots + frame.slot) * s + gid.y) * s + gid.x] = rgba;
}
