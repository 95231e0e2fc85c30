// Neural boids, tile render: what the three passes (`boids_triangles.wgsl`, `boids_tile_masks.wgsl`,
// `boids_render_tiles.wgsl`) share.
//
// Each boid's triangle is one record of RECORD vec4s, written once per frame by the triangle pass
// and read by the other two through a uniform-buffer window of WINDOW vec4s (64 KiB, the
// portable limit of a uniform binding) that holds the records of a chunk of worlds. Why a
// uniform buffer: on CPU adapters (lavapipe) a storage or workgroup load runs lane by lane
// behind a branch per lane (~3–4 ns a lane), while a uniform load is a branch-free gather, and
// every pixel block of a tile reads the same record.
//
// Record of boid i (vec4 index world·stride + RECORD·i, stride = RECORD·n rounded up to 16 vec4s,
// i.e. 256 bytes, the binding-offset alignment):
//   0: t0 (vertex 0), ∇x_b        where x_b = −k·b, x_c = −k·c, x_a = −k·a = −k − x_b − x_c are
//   1: ∇x_c, ρ_a, ρ_b                the mask exponents (σ(k·b) = 1 / (1 + exp(x_b))) and
//   2: ρ_c, γ_a, γ_b, γ_c            ρ = exp(Δ·∂x/∂qx), γ = exp(Δ·∂x/∂qy) their factors per
//   3: the pixel box (as i32 bits)    pixel step Δ = 1/(S−1) down a column and along a row.

// Keep in sync with `boids::RECORD`.
const RECORD: u32 = 4u;
// Keep in sync with `boids::WINDOW`.
const WINDOW: u32 = 4096u;
// Tile side in pixels (8 × 8 blocks of 4 × 4); keep in sync with `boids::RENDER_TILE`.
const TILE: u32 = 32u;

// The worlds one dispatch of the mask and render passes covers. Keep in sync with
// `boids::ChunkParams`.
struct ChunkParams {
    first_world: u32,
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

// vec4s between two worlds' records; keep in sync with `boids::record_stride`.
fn record_stride() -> u32 {
    return (RECORD * params.n_boids + 15u) / 16u * 16u;
}

fn tiles_per_side() -> u32 {
    return (frame.size + TILE - 1u) / TILE;
}

// Words of one tile's mask: bit i % 32 of word i / 32 is set when boid i's box touches the tile.
fn mask_words() -> u32 {
    return (params.n_boids + 31u) / 32u;
}
