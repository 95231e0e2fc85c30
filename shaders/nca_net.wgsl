// Neural CA: the network's genome layout and its per-cell tail, shared by the NCA and DNCA
// step kernels (which declare `params` and `genomes`).

// Offsets of the network's leaves in one genome.
struct NetLayout {
    c0b: u32,
    c0k: u32,
    cin: u32,
    c1b: u32,
    c1k: u32,
    c2b: u32,
    c2k: u32,
}

fn net_layout() -> NetLayout {
    var l: NetLayout;
    let d = params.channels;
    l.cin = d + 2u;
    l.c0b = params.net_offset;
    l.c0k = l.c0b + 4u;
    l.c1b = l.c0k + 9u * l.cin * 4u;
    l.c1k = l.c1b + 16u;
    l.c2b = l.c1k + 64u;
    l.c2k = l.c2b + d;
    return l;
}

// Conv_1, ReLU and Conv_2 on Conv_0's output h0 (bias included): the d network outputs.
fn network_tail(g: u32, l: NetLayout, h0: array<f32, 4>) -> array<f32, 8> {
    var h1: array<f32, 16>;
    for (var o = 0u; o < 16u; o++) {
        var acc = 0.0;
        for (var i = 0u; i < 4u; i++) {
            acc += h0[i] * genomes[g + l.c1k + i * 16u + o];
        }
        h1[o] = max(acc + genomes[g + l.c1b + o], 0.0);
    }
    var out: array<f32, 8>;
    let d = params.channels;
    for (var o = 0u; o < d; o++) {
        var acc = 0.0;
        for (var i = 0u; i < 16u; i++) {
            acc += h1[i] * genomes[g + l.c2k + i * d + o];
        }
        out[o] = acc + genomes[g + l.c2b + o];
    }
    return out;
}
