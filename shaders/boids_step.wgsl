// Neural boids, one step: one invocation per boid, worlds along z (the original's
// substrates/boids.py, `_step_state_network`). Every boid reads the old state and writes the new
// one, so all boids move "in parallel from the same old state" as the original's vmap.
//
// State layout: [world][boid] of vec4 (x, y, vx, vy). Genomes: [world][193] in the original's
// flat order (each Dense layer's bias before its kernel, kernel [in][out]).

// Keep in sync with `boids::MAX_NEIGHBOURS`; the sorted list also holds the boid itself.
const MAX_NBRS: u32 = 32u;

@compute @workgroup_size(64)
fn step(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    let n = params.n_boids;
    let i = gid.x;
    let world = gid.z;
    load_genome(world, local);
    if i >= n {
        return;
    }
    let base = world * n;
    let me = src[base + i];
    let xi = me.xy;
    let vi = me.zw;

    // The n_nbrs + 1 smallest (distance, index) pairs in order: the original's stable argsort,
    // whose first entry (normally the boid itself) is then dropped. Insertion keeps earlier
    // indices first among equal distances, as a stable sort does.
    let keep = params.n_nbrs + 1u;
    var near_d: array<f32, 33>;
    var near_j: array<u32, 33>;
    var count = 0u;
    for (var j = 0u; j < n; j++) {
        let d2 = delta(xi, src[base + j].xy);
        let d = sqrt(d2.x * d2.x + d2.y * d2.y);
        if count == keep && !(d < near_d[keep - 1u]) {
            continue;
        }
        var k = count;
        if count < keep {
            count += 1u;
        } else {
            k = keep - 1u;
        }
        while k > 0u && near_d[k - 1u] > d {
            near_d[k] = near_d[k - 1u];
            near_j[k] = near_j[k - 1u];
            k -= 1u;
        }
        near_d[k] = d;
        near_j[k] = j;
    }

    let u = vi.x;
    let w = vi.y;
    var pooled_lo = vec4<f32>(0.0);
    var pooled_hi = vec4<f32>(0.0);
    var hits = 0u;
    for (var r = 1u; r < count; r++) {
        if !(near_d[r] < params.visual_range) {
            continue;
        }
        let other = src[base + near_j[r]];
        var q = other.xy;
        if params.wrapped != 0u {
            q = xi + delta(xi, q);
        }
        // global2local = [[u, v, -u·x - v·y], [-v, u, v·x - u·y]], as the original writes it.
        let lx = u * q.x + w * q.y + (-u * xi.x - w * xi.y);
        let ly = -w * q.x + u * q.y + (w * xi.x - u * xi.y);
        let lvx = u * other.z + w * other.w;
        let lvy = -w * other.z + u * other.w;
        let input = vec4<f32>(50.0 * lx, 50.0 * ly, lvx, lvy);
        // Dense_0: 4 → 8, tanh; Dense_1: 8 → 8, tanh, pooled.
        var h1: array<vec4<f32>, 2>;
        for (var h = 0u; h < 2u; h++) {
            let k = D0_K / 4u + h;
            h1[h] = tanh4(
                input.x * G[k] + input.y * G[k + 2u] + input.z * G[k + 4u] + input.w * G[k + 6u]
                    + G[D0_B / 4u + h],
            );
        }
        pooled_lo += tanh4(dense8(h1[0], h1[1], D1_K, D1_B, 0u));
        pooled_hi += tanh4(dense8(h1[0], h1[1], D1_K, D1_B, 1u));
        hits += 1u;
    }

    // No neighbour in range: the original selects an output of 0.
    var turn = 0.0;
    if hits > 0u {
        let mean_lo = pooled_lo / f32(hits);
        let mean_hi = pooled_hi / f32(hits);
        let h3_lo = tanh4(dense8(mean_lo, mean_hi, D2_K, D2_B, 0u));
        let h3_hi = tanh4(dense8(mean_lo, mean_hi, D2_K, D2_B, 1u));
        var acc = 0.0;
        for (var k = 0u; k < 4u; k++) {
            acc += h3_lo[k] * gf(D3_K + k);
        }
        for (var k = 0u; k < 4u; k++) {
            acc += h3_hi[k] * gf(D3_K + 4u + k);
        }
        turn = 60.0 * tanh_f(acc + gf(D3_B));
    }

    // Lateral acceleration (0, turn) rotated to global; constant speed; position mod 1.
    let dv = vec2<f32>(-w * turn, u * turn);
    var v = vi + dv * params.dt;
    v = v / sqrt(v.x * v.x + v.y * v.y);
    var x = xi + params.speed * v * params.dt;
    x = x - floor(x);
    // A tiny negative coordinate can round up to exactly 1.0, the same torus point as 0.
    x = select(x, x - 1.0, x >= vec2<f32>(1.0));
    dst[base + i] = vec4<f32>(x, v);
}
