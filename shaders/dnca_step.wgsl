// Discrete NCA (`dnca`), one step: one invocation per cell, worlds along z. The network sees
// one_hot(state) (8 channels, wrap-padded to 10), and the next state is
// argmax((logits + identity_bias·one_hot) / temperature [+ Gumbel noise]). The original samples
// with Gumbel noise at temperature 1e-3, which changes the argmax only at near-ties (about 0.5%
// of cells per step for its fixture); `gumbel` = 0 takes the argmax. Noise is drawn from the
// counter hash keyed by (seed, world, step, 8·cell + state). Grid layout: [world][y][x] u32.

@group(0) @binding(0) var<uniform> params: NcaParams;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<u32>;
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
    let grid = world * n * n;
    let g = world * params.genome_len;
    let l = net_layout();

    // Conv_0 on the one-hot input: only padded channels showing the neighbour's state add.
    var acc = array<f32, 4>(0.0, 0.0, 0.0, 0.0);
    for (var dy = 0u; dy < 3u; dy++) {
        for (var dx = 0u; dx < 3u; dx++) {
            let state = src[grid + neighbour(gid.y, gid.x, dy, dx)];
            for (var i = 0u; i < l.cin; i++) {
                if padded_channel(i) != state {
                    continue;
                }
                let k = g + l.c0k + ((dy * 3u + dx) * l.cin + i) * 4u;
                for (var o = 0u; o < 4u; o++) {
                    acc[o] += genomes[k + o];
                }
            }
        }
    }
    var h0: array<f32, 4>;
    for (var o = 0u; o < 4u; o++) {
        h0[o] = acc[o] + genomes[g + l.c0b + o];
    }
    var logits = network_tail(g, l, h0);

    let here = gid.y * n + gid.x;
    let current = src[grid + here];
    var best = 0u;
    var best_z = 0.0;
    for (var k = 0u; k < d; k++) {
        var z = (logits[k] + select(0.0, params.identity_bias, k == current)) / params.temperature;
        if params.gumbel != 0u {
            // Uniform in the open interval (0, 1), then the Gumbel(0, 1) quantile.
            let h = hash4(params.seed, params.first_world + world, t, here * 8u + k);
            let u = (f32(h >> 8u) + 0.5) * (1.0 / 16777216.0);
            z += -log(-log(u));
        }
        // Strictly greater: the first maximum wins, as argmax does.
        if k == 0u || z > best_z {
            best = k;
            best_z = z;
        }
    }
    dst[grid + here] = best;
}
