// Continuous NCA (`nca_d1`, `nca_d3`), one step: one invocation per cell, worlds along z.
// s ← clip(s + dt·net(s)·mask, 0, 1), mask = 1 with probability p_keep, drawn per cell from the
// counter hash keyed by (seed, world, step, cell); step t (1-based) is counted per world in the
// ping-ponged `steps` buffers. Grid layout: [world][y][x][channel] f32.

@group(0) @binding(0) var<uniform> params: NcaParams;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
@group(0) @binding(3) var<storage, read> genomes: array<f32>;
@group(0) @binding(4) var<storage, read> steps_in: array<u32>;
@group(0) @binding(5) var<storage, read_write> steps_out: array<u32>;

@compute @workgroup_size(8, 8)
fn step(@builtin(global_invocation_id) gid: vec3<u32>) {
    let n = params.size;
    if gid.x >= n || gid.y >= n {
        return;
    }
    let world = gid.z;
    let t = steps_in[world] + 1u;
    if gid.x == 0u && gid.y == 0u {
        steps_out[world] = t;
    }
    let d = params.channels;
    let grid = world * n * n * d;
    let g = world * params.genome_len;
    let l = net_layout();

    // Conv_0: cross-correlation over the 3×3 wrap-padded neighbourhood and d + 2 channels.
    var acc = array<f32, 4>(0.0, 0.0, 0.0, 0.0);
    for (var dy = 0u; dy < 3u; dy++) {
        for (var dx = 0u; dx < 3u; dx++) {
            let cell = grid + neighbour(gid.y, gid.x, dy, dx) * d;
            for (var i = 0u; i < l.cin; i++) {
                let value = src[cell + padded_channel(i)];
                let k = g + l.c0k + ((dy * 3u + dx) * l.cin + i) * 4u;
                for (var o = 0u; o < 4u; o++) {
                    acc[o] += value * genomes[k + o];
                }
            }
        }
    }
    var h0: array<f32, 4>;
    for (var o = 0u; o < 4u; o++) {
        h0[o] = acc[o] + genomes[g + l.c0b + o];
    }
    var out = network_tail(g, l, h0);

    let here = gid.y * n + gid.x;
    let keep = unit_f32(hash4(params.seed, params.first_world + world, t, here)) < params.p_keep;
    let mask = select(0.0, 1.0, keep);
    for (var c = 0u; c < d; c++) {
        let s = src[grid + here * d + c];
        dst[grid + here * d + c] = clamp(s + params.dt * out[c] * mask, 0.0, 1.0);
    }
}
