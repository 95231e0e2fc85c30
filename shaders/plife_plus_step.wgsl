// Particle Life++, one step for every particle of every world (worlds along z), neighbours from
// the uniform grid built this step. The interaction network o = MLP(c_i, c_j) (12 -> 8 -> 8 -> 8
// -> 7, tanh between layers) gives the pair's alpha = 1.5 tanh(o0) and colour drift
// dc = tanh(o1..6) * relu(1 - |r| / rmax). Sources at |r| >= rmax add exactly zero force and zero
// drift, so only pairs inside rmax evaluate the network; the particle itself (r = 0) is one of
// them, as in the original's all-pairs sum, and it contributes drift but no force.
// The network is staged in workgroup memory since every invocation of a workgroup shares its
// world. `plife_plus_step_in_range.wgsl` is the faster kernel; this one is its benchmark baseline.

var<workgroup> net: array<f32, NET_SIZE>;

fn colour_of(q: u32) -> array<f32, 6> {
    let a = src[3u * q + 1u];
    let b = src[3u * q + 2u];
    return array<f32, 6>(a.x, a.y, a.z, a.w, b.x, b.y);
}

@compute @workgroup_size(64)
fn step(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(local_invocation_index) lid: u32,
) {
    let w = gid.z;
    for (var k = lid; k < NET_SIZE; k += 64u) {
        net[k] = nets[w * NET_SIZE + k];
    }
    workgroupBarrier();
    let i = gid.x;
    if i >= params.particles {
        return;
    }
    let base = w * params.particles;
    let p = base + i;
    let s = src[3u * p];
    let ci = colour_of(p);
    // The receiving particle's half of the first layer, shared by all its pairs.
    var own: array<f32, 8>;
    for (var o = 0u; o < 8u; o++) {
        var acc = net[B0 + o];
        for (var k = 0u; k < 6u; k++) {
            acc += ci[k] * net[W0 + k * 8u + o];
        }
        own[o] = acc;
    }
    let side = params.side;
    let cx = i32(cell_coord(s.x, side));
    let cy = i32(cell_coord(s.y, side));
    let lo = select(-1, 0, side < 3u);
    let hi = select(1, 0, side == 1u);
    let n = i32(side);
    var force = vec2<f32>(0.0, 0.0);
    var drift = array<f32, 6>(0.0, 0.0, 0.0, 0.0, 0.0, 0.0);
    for (var oy = lo; oy <= hi; oy++) {
        let yy = u32((cy + oy + n) % n);
        for (var ox = lo; ox <= hi; ox++) {
            let xx = u32((cx + ox + n) % n);
            let cell = w * params.cell_stride + yy * side + xx;
            let start = starts[cell];
            let end = start + counts[cell];
            for (var e = start; e < end; e++) {
                let entry = entries[e];
                let r = min_image(entry.xy - s.xy);
                let dist = sqrt(dot(r, r));
                let q = dist / params.rmax;
                if q >= 1.0 {
                    continue;
                }
                let cj = colour_of(base + bitcast<u32>(entry.z));
                var h0: array<f32, 8>;
                for (var o = 0u; o < 8u; o++) {
                    var acc = own[o];
                    for (var k = 0u; k < 6u; k++) {
                        acc += cj[k] * net[W0 + (6u + k) * 8u + o];
                    }
                    h0[o] = tanh_c(acc);
                }
                var h1: array<f32, 8>;
                for (var o = 0u; o < 8u; o++) {
                    var acc = net[B1 + o];
                    for (var k = 0u; k < 8u; k++) {
                        acc += h0[k] * net[W1 + k * 8u + o];
                    }
                    h1[o] = tanh_c(acc);
                }
                var h2: array<f32, 8>;
                for (var o = 0u; o < 8u; o++) {
                    var acc = net[B2 + o];
                    for (var k = 0u; k < 8u; k++) {
                        acc += h1[k] * net[W2 + k * 8u + o];
                    }
                    h2[o] = tanh_c(acc);
                }
                var out: array<f32, 7>;
                for (var o = 0u; o < 7u; o++) {
                    var acc = net[B3 + o];
                    for (var k = 0u; k < 8u; k++) {
                        acc += h2[k] * net[W3 + k * 7u + o];
                    }
                    out[o] = acc;
                }
                let alpha = 1.5 * tanh_c(out[0]);
                force += plife_pair(r, params.rmax, params.beta, alpha);
                let reach = max(1.0 - q, 0.0);
                for (var k = 0u; k < 6u; k++) {
                    drift[k] += tanh_c(out[1u + k]) * reach;
                }
            }
        }
    }
    dst[3u * p] = plife_integrate(s, force, params.mass, params.mu, params.dt);
    var c = ci;
    if params.update_colours != 0u {
        var norm2 = 0.0;
        for (var k = 0u; k < 6u; k++) {
            c[k] = ci[k] + params.dt * drift[k];
            norm2 += c[k] * c[k];
        }
        let norm = sqrt(norm2);
        for (var k = 0u; k < 6u; k++) {
            c[k] = c[k] / norm;
        }
    }
    dst[3u * p + 1u] = vec4<f32>(c[0], c[1], c[2], c[3]);
    dst[3u * p + 2u] = vec4<f32>(c[4], c[5], 0.0, 0.0);
    attrs[p] = vec4<f32>((c[0] + 1.0) / 2.0, (c[1] + 1.0) / 2.0, (c[2] + 1.0) / 2.0, params.radius);
}
