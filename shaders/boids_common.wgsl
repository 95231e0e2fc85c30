// Neural boids: the uniform parameters shared by the step and render kernels.

// Keep in sync with `BoidsParams` in substrates/src/boids.rs.
struct BoidsParams {
    n_boids: u32,       // boids per world
    n_nbrs: u32,        // neighbours perceived (≤ MAX_NBRS)
    worlds: u32,        // worlds in the batch
    wrapped: u32,       // 1: distances and positions through the torus (nearest image); 0: the original
    visual_range: f32,  // neighbours at distance ≥ this are masked out of the mean
    speed: f32,
    dt: f32,
    render_size: f32,   // triangle half-width (render only)
    sharpness: f32,     // soft edge sharpness (render only)
    red_boid: u32,      // render only
    _pad0: u32,
    _pad1: u32,
}
