// Particle grids: declarations shared by the counting-sort kernels (bin, scan, scatter, sort) and
// the splat renderer. A grid covers the unit square with side x side cells (side varies per world);
// cell index = cy * side + cx, where cx comes from the first coordinate.

// Keep in sync with `GridParams` in substrates/src/particle_grid.rs.
struct GridParams {
    particles: u32,   // particles per world
    worlds: u32,      // worlds in the batch
    cell_stride: u32, // cells allocated per world (>= side^2 of every world)
    use_tags: u32,    // 0: order each cell by particle index; 1: by `tags` (draw order); 2: by
                      // `tags`, each entry holding the next entry's tag (`particle_sort`)
    state_stride: u32, // vec4s per particle in the state buffer; the position is .xy of the first
    _pad0: u32,
    _pad1: u32,
    _pad2: u32,
}

// The splat kernels' parameters (`particle_splat.wgsl`, `particle_splat_tiles.wgsl`).
// Keep in sync with `SplatParams` in substrates/src/particle_grid.rs.
struct SplatParams {
    particles: u32,   // particles per world
    worlds: u32,      // worlds in the batch
    cell_stride: u32, // cells allocated per world
    _pad0: u32,
    sharpness: f32,   // k
    cutoff: f32,      // k (d - r) beyond which a particle is skipped
    _pad1: f32,
    _pad2: f32,
}

// Cell coordinate of a position in [0, 1]: clamped so 1.0 (which float rounding can produce)
// lands in the last cell.
fn cell_coord(p: f32, side: u32) -> u32 {
    return min(u32(max(p, 0.0) * f32(side)), side - 1u);
}
