// Neural CA (`dnca`, `nca_d1`, `nca_d3`): declarations shared by the init, step and render
// kernels. The network is the original's: Conv_0 3×3 on the input wrap-padded by one on every
// axis, the channel axis included (so it sees d + 2 channels: [c_{d−1}, c_0 … c_{d−1}, c_0]),
// → 4; Conv_1 1×1 → 16; ReLU; Conv_2 1×1 → d. Genome per world: [prefix][Conv_0.bias (4),
// Conv_0.kernel (3,3,d+2,4) HWIO, Conv_1.bias (16), Conv_1.kernel (4,16), Conv_2.bias (d),
// Conv_2.kernel (16,d)], biases before kernels as the original's flat order; the prefix is the
// DNCA's initial-state logits (8) and empty for the NCA.

// Keep in sync with `NcaParams` in substrates/src/nca.rs.
struct NcaParams {
    size: u32,           // grid side
    channels: u32,       // d: state channels (NCA 1 or 3) or states (DNCA 8)
    worlds: u32,         // worlds in the batch
    seed: u32,           // folded seed of the counter hash
    first_world: u32,    // global index of world 0 of this batch
    genome_len: u32,     // floats per genome
    net_offset: u32,     // where Conv_0.bias starts in a genome
    gumbel: u32,         // DNCA: 1 samples with Gumbel noise, 0 takes the argmax
    p_keep: f32,         // NCA: probability that a cell is updated (1 − p_drop)
    dt: f32,             // NCA: update scale (the original hard-codes 0.01)
    identity_bias: f32,  // DNCA: added to the current state's logit
    temperature: f32,    // DNCA: logits are divided by it
}

const MAX_CHANNELS: u32 = 8u;

// State channel seen by padded input channel i: the wrap padding of the channel axis.
fn padded_channel(i: u32) -> u32 {
    return (i + params.channels - 1u) % params.channels;
}

// Toroidal neighbour index: cell (y + dy − 1, x + dx − 1) for dy, dx in 0..3.
fn neighbour(y: u32, x: u32, dy: u32, dx: u32) -> u32 {
    let n = params.size;
    return ((y + dy + n - 1u) % n) * n + (x + dx + n - 1u) % n;
}

fn to_byte(v: f32) -> u32 {
    return u32(round(clamp(v, 0.0, 1.0) * 255.0));
}

// Nearest-neighbour source index of output pixel i: floor((i + 0.5)·n/S), in integers so cell
// edges are exact (the original's jax.image.resize 'nearest').
fn nearest(i: u32, s: u32) -> u32 {
    return ((2u * i + 1u) * params.size) / (2u * s);
}
