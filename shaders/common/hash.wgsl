// Counter-based random numbers. Keep in sync with substrates/src/hash.rs: the CPU twins call the
// same functions, so initial states drawn on the GPU match the CPU bit for bit.

// Chris Wellons' lowbias32: a bijection on u32 with very low bias.
fn hash_u32(x_in: u32) -> u32 {
    var x = x_in;
    x ^= x >> 16u;
    x *= 0x7feb352du;
    x ^= x >> 15u;
    x *= 0x846ca68bu;
    x ^= x >> 16u;
    return x;
}

// Hash of a (seed, world, step, cell) counter.
fn hash4(seed: u32, world: u32, step: u32, cell: u32) -> u32 {
    return hash_u32(hash_u32(hash_u32(hash_u32(seed) ^ world) ^ step) ^ cell);
}

// Uniform float in [0, 1) from the top 24 bits (exact in f32).
fn unit_f32(h: u32) -> f32 {
    return f32(h >> 8u) * (1.0 / 16777216.0);
}
