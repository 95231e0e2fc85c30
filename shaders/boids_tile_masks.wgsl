// Neural boids, tile render, pass 2 of 3: one invocation per 32×32 tile lists, as a bit mask in
// index order, the boids whose box touches the tile. Computed once per tile here rather than in
// the render pass, where every SIMD group of the tile would repeat it or merge bits through
// workgroup atomics (~50 ns a lane on lavapipe).

@group(0) @binding(0) var<uniform> params: BoidsParams;
@group(0) @binding(1) var<uniform> frame: FrameParams;
@group(0) @binding(2) var<uniform> chunk: ChunkParams;
@group(0) @binding(3) var<uniform> window: array<vec4<f32>, WINDOW>;
@group(0) @binding(4) var<storage, read_write> masks: array<u32>;

@compute @workgroup_size(64)
fn tile_masks(@builtin(global_invocation_id) gid: vec3<u32>) {
    let side = tiles_per_side();
    let tiles = side * side;
    let tile = gid.x;
    if tile >= tiles {
        return;
    }
    let row0 = i32((tile / side) * TILE);
    let col0 = i32((tile % side) * TILE);
    let row1 = row0 + i32(TILE) - 1;
    let col1 = col0 + i32(TILE) - 1;
    let n = params.n_boids;
    let words = mask_words();
    let base = gid.z * record_stride();
    let out = ((chunk.first_world + gid.z) * tiles + tile) * words;
    for (var w = 0u; w < words; w++) {
        var bits = 0u;
        for (var j = 0u; j < 32u; j++) {
            let i = 32u * w + j;
            let b = bitcast<vec4<i32>>(window[min(base + RECORD * i + 3u, WINDOW - 1u)]);
            let touches = i < n && b.x <= row1 && b.y >= row0 && b.z <= col1 && b.w >= col0;
            bits |= select(0u, 1u << j, touches);
        }
        masks[out + w] = bits;
    }
}
