// Soft-disc splatting for Particle Life and Particle Life++, one invocation per ROWS x TILE block
// of pixels inside one render-grid cell (worlds along z). Same compositing as
// `particle_splat.wgsl` (one invocation per pixel, kept as the baseline), same bits:
//   coverage = 1 - sigmoid(k (d - r)),  img = coverage * colour + (1 - coverage) * img
// in the original's draw order over black, skipping particles whose coverage is exactly 0.
//
// Why tiles: on CPU adapters every load whose address the compiler cannot fold runs lane by lane
// (3-4 ns, the cost of ~60 FMAs; `asal bench` probes). The per-pixel kernel pays ~40 of them per
// pixel (9 cell counts and starts, then three per candidate). Here every pixel of the tile lies
// in the same cell, so they share one 3x3 neighbourhood: one 9-way merge in draw order per tile,
// each candidate loaded once and composited into all the tile's pixels, held in registers at
// constant indices (the loops over TILE are unrolled once the override is set).
//
// Pixels of a cell: pixel i belongs to cell cell_coord(i * scale) along each axis, the mapping
// the per-pixel kernel uses, so each pixel sees exactly its own 3x3 cells. A cell spans
// ceil((S - 1) / side) pixels per axis, occasionally one more where rounding moves a boundary
// pixel; the host dispatches `subs` tiles per cell and axis (see `tiles_per_cell`), and the last
// tile of a cell takes any leftover pixels in a second strip.

@group(0) @binding(0) var<uniform> splat: SplatParams;
@group(0) @binding(1) var<uniform> frame: FrameParams;
@group(0) @binding(2) var<storage, read> sides: array<u32>;         // render grid side per world
// [world][cell] (start, end, first draw key, 0), zero for empty cells (`particle_sort`): one
// load per list instead of a count, a start and the head entry's key.
@group(0) @binding(3) var<storage, read> ranges: array<vec4<u32>>;
// (x, y, index, draw key of the cell's next entry or NONE) when LINKED (the render grid sorted
// with `use_tags == 2u`), so advancing a list needs no second load; (x, y, index, own draw key)
// otherwise (`use_tags == 1u`, the benchmark baseline).
@group(0) @binding(5) var<storage, read> entries: array<vec4<f32>>;
@group(0) @binding(6) var<storage, read> attrs: array<vec4<f32>>;   // [world][particle] (r, g, b, radius)
@group(0) @binding(7) var<storage, read_write> frames: array<u32>;

// Pixels per tile side (3 or 4; the host picks the one that wastes fewest lanes for the cell
// width in pixels).
override TILE: u32 = 4u;
// Whether grid entries carry their cell's next draw key (see `entries`).
override LINKED: bool = true;
// Rows per tile: TILE, or a multiple of it where the cell is that tall, so that one walk of the
// 3x3 candidates serves more pixels (the walk's loads and merge, not the blending, are what
// cost; the host picks, see `splat_rows` in substrates/src/particle_grid.rs).
override ROWS: u32 = 4u;
const MAX_PIXELS: u32 = 32u;
// Key of an exhausted list (draw keys are below particles x colours < 2^32 - 1).
const NONE: u32 = 0xffffffffu;

fn to_byte(v: f32) -> u32 {
    return u32(round(clamp(v, 0.0, 1.0) * 255.0));
}

// Tiles per cell and axis for a world whose render grid has `side` cells across `s` pixels.
// Keep in sync with `tiles_per_cell` in substrates/src/particle_grid.rs.
fn tiles_per_cell(s: u32, side: u32, tile: u32) -> u32 {
    let widest = (max(s, 2u) - 1u + side - 1u) / side;
    return max((widest + tile - 1u) / tile, 1u);
}

// First pixel (along one axis) whose cell is at least `c`; `s` for c == side. Starts from the
// exact-arithmetic estimate and walks over the pixels float rounding moved.
fn first_pixel(c: u32, s: u32, side: u32, scale: f32) -> u32 {
    if c >= side {
        return s;
    }
    var e = min(u32(f32(c) * f32(max(s, 2u) - 1u) / f32(side)), s);
    while e > 0u && cell_coord(f32(e - 1u) * scale, side) >= c {
        e -= 1u;
    }
    while e < s && cell_coord(f32(e) * scale, side) < c {
        e += 1u;
    }
    return e;
}

// One disc composited over one pixel at world point p (the per-pixel kernel's arithmetic).
fn blend(rgb: vec3<f32>, p: vec2<f32>, e: vec4<f32>, a: vec4<f32>) -> vec3<f32> {
    let d = p - e.xy;
    let z = splat.sharpness * (sqrt(dot(d, d)) - a.w);
    if z < splat.cutoff {
        let coverage = 1.0 - 1.0 / (1.0 + exp(-z));
        return coverage * a.rgb + (1.0 - coverage) * rgb;
    }
    return rgb;
}

// Composites the candidates of the 3x3 cells around cell (cx, cy) of world `w` into the tile of
// pixels rows [r, r + ROWS) x columns [col, col + TILE), writing the pixels inside
// rows [r, r_end) x columns [col, col_end).
fn splat_tile(w: u32, side: u32, cx: i32, cy: i32, r: u32, r_end: u32, col: u32, col_end: u32,
              scale: f32) {
    var heads: array<u32, 9>;
    var ends: array<u32, 9>;
    var keys: array<u32, 9>;
    for (var k = 0u; k < 9u; k++) {
        let xx = cx + i32(k % 3u) - 1;
        let yy = cy + i32(k / 3u) - 1;
        heads[k] = 0u;
        ends[k] = 0u;
        keys[k] = NONE;
        if xx >= 0 && yy >= 0 && xx < i32(side) && yy < i32(side) {
            let range = ranges[w * splat.cell_stride + u32(yy) * side + u32(xx)];
            heads[k] = range.x;
            ends[k] = range.y;
            keys[k] = select(NONE, range.z, range.x < range.y);
        }
    }
    var rgb: array<vec3<f32>, MAX_PIXELS>;
    // World coordinates of the tile's rows and columns (the written-out slots below index rows
    // up to 31 / 3 and columns up to 3, and must stay in bounds for every TILE even where they
    // fold away).
    var xs: array<f32, 11>;
    var ys: array<f32, 4>;
    for (var i = 0u; i < 11u; i++) {
        xs[i] = f32(r + i) * scale;
    }
    for (var i = 0u; i < 4u; i++) {
        ys[i] = f32(col + i) * scale;
    }
    for (var q = 0u; q < MAX_PIXELS; q++) {
        rgb[q] = vec3<f32>(0.0, 0.0, 0.0);
    }
    loop {
        // Smallest key among the list heads, by a select chain (no dynamic indexing: the lists
        // stay in registers).
        var best = 0u;
        var best_key = keys[0];
        for (var k = 1u; k < 9u; k++) {
            let better = keys[k] < best_key;
            best = select(best, k, better);
            best_key = select(best_key, keys[k], better);
        }
        if best_key == NONE {
            break;
        }
        var head = heads[0];
        var end = ends[0];
        for (var k = 1u; k < 9u; k++) {
            head = select(head, heads[k], best == k);
            end = select(end, ends[k], best == k);
        }
        let e = entries[head];
        let next = head + 1u;
        // LINKED: two lane-by-lane loads per candidate (the entry, which carries the list's
        // next key, and the disc's attributes) instead of three; `ends` then folds away.
        var next_key = bitcast<u32>(e.w);
        if !LINKED {
            next_key = NONE;
            if next < end {
                next_key = bitcast<u32>(entries[next].w);
            }
        }
        for (var k = 0u; k < 9u; k++) {
            heads[k] = select(heads[k], next, best == k);
            keys[k] = select(keys[k], next_key, best == k);
        }
        let a = attrs[w * splat.particles + bitcast<u32>(e.z)];
        // Written out rather than looped: a 16-trip loop of this body is past the size up to
        // which the driver unrolls, and a rolled loop indexes `rgb` dynamically (a stack
        // gather per lane and pixel). Slots past ROWS x TILE fold away once the overrides are set.
        if 0u < ROWS * TILE { rgb[0] = blend(rgb[0], vec2<f32>(xs[0u / TILE], ys[0u % TILE]), e, a); }
        if 1u < ROWS * TILE { rgb[1] = blend(rgb[1], vec2<f32>(xs[1u / TILE], ys[1u % TILE]), e, a); }
        if 2u < ROWS * TILE { rgb[2] = blend(rgb[2], vec2<f32>(xs[2u / TILE], ys[2u % TILE]), e, a); }
        if 3u < ROWS * TILE { rgb[3] = blend(rgb[3], vec2<f32>(xs[3u / TILE], ys[3u % TILE]), e, a); }
        if 4u < ROWS * TILE { rgb[4] = blend(rgb[4], vec2<f32>(xs[4u / TILE], ys[4u % TILE]), e, a); }
        if 5u < ROWS * TILE { rgb[5] = blend(rgb[5], vec2<f32>(xs[5u / TILE], ys[5u % TILE]), e, a); }
        if 6u < ROWS * TILE { rgb[6] = blend(rgb[6], vec2<f32>(xs[6u / TILE], ys[6u % TILE]), e, a); }
        if 7u < ROWS * TILE { rgb[7] = blend(rgb[7], vec2<f32>(xs[7u / TILE], ys[7u % TILE]), e, a); }
        if 8u < ROWS * TILE { rgb[8] = blend(rgb[8], vec2<f32>(xs[8u / TILE], ys[8u % TILE]), e, a); }
        if 9u < ROWS * TILE { rgb[9] = blend(rgb[9], vec2<f32>(xs[9u / TILE], ys[9u % TILE]), e, a); }
        if 10u < ROWS * TILE { rgb[10] = blend(rgb[10], vec2<f32>(xs[10u / TILE], ys[10u % TILE]), e, a); }
        if 11u < ROWS * TILE { rgb[11] = blend(rgb[11], vec2<f32>(xs[11u / TILE], ys[11u % TILE]), e, a); }
        if 12u < ROWS * TILE { rgb[12] = blend(rgb[12], vec2<f32>(xs[12u / TILE], ys[12u % TILE]), e, a); }
        if 13u < ROWS * TILE { rgb[13] = blend(rgb[13], vec2<f32>(xs[13u / TILE], ys[13u % TILE]), e, a); }
        if 14u < ROWS * TILE { rgb[14] = blend(rgb[14], vec2<f32>(xs[14u / TILE], ys[14u % TILE]), e, a); }
        if 15u < ROWS * TILE { rgb[15] = blend(rgb[15], vec2<f32>(xs[15u / TILE], ys[15u % TILE]), e, a); }
        if 16u < ROWS * TILE { rgb[16] = blend(rgb[16], vec2<f32>(xs[16u / TILE], ys[16u % TILE]), e, a); }
        if 17u < ROWS * TILE { rgb[17] = blend(rgb[17], vec2<f32>(xs[17u / TILE], ys[17u % TILE]), e, a); }
        if 18u < ROWS * TILE { rgb[18] = blend(rgb[18], vec2<f32>(xs[18u / TILE], ys[18u % TILE]), e, a); }
        if 19u < ROWS * TILE { rgb[19] = blend(rgb[19], vec2<f32>(xs[19u / TILE], ys[19u % TILE]), e, a); }
        if 20u < ROWS * TILE { rgb[20] = blend(rgb[20], vec2<f32>(xs[20u / TILE], ys[20u % TILE]), e, a); }
        if 21u < ROWS * TILE { rgb[21] = blend(rgb[21], vec2<f32>(xs[21u / TILE], ys[21u % TILE]), e, a); }
        if 22u < ROWS * TILE { rgb[22] = blend(rgb[22], vec2<f32>(xs[22u / TILE], ys[22u % TILE]), e, a); }
        if 23u < ROWS * TILE { rgb[23] = blend(rgb[23], vec2<f32>(xs[23u / TILE], ys[23u % TILE]), e, a); }
        if 24u < ROWS * TILE { rgb[24] = blend(rgb[24], vec2<f32>(xs[24u / TILE], ys[24u % TILE]), e, a); }
        if 25u < ROWS * TILE { rgb[25] = blend(rgb[25], vec2<f32>(xs[25u / TILE], ys[25u % TILE]), e, a); }
        if 26u < ROWS * TILE { rgb[26] = blend(rgb[26], vec2<f32>(xs[26u / TILE], ys[26u % TILE]), e, a); }
        if 27u < ROWS * TILE { rgb[27] = blend(rgb[27], vec2<f32>(xs[27u / TILE], ys[27u % TILE]), e, a); }
        if 28u < ROWS * TILE { rgb[28] = blend(rgb[28], vec2<f32>(xs[28u / TILE], ys[28u % TILE]), e, a); }
        if 29u < ROWS * TILE { rgb[29] = blend(rgb[29], vec2<f32>(xs[29u / TILE], ys[29u % TILE]), e, a); }
        if 30u < ROWS * TILE { rgb[30] = blend(rgb[30], vec2<f32>(xs[30u / TILE], ys[30u % TILE]), e, a); }
        if 31u < ROWS * TILE { rgb[31] = blend(rgb[31], vec2<f32>(xs[31u / TILE], ys[31u % TILE]), e, a); }
    }
    let base = (w * frame.slots + frame.slot) * frame.size;
    if 0u < ROWS * TILE { store(base, 0u, r, r_end, col, col_end, rgb[0]); }
    if 1u < ROWS * TILE { store(base, 1u, r, r_end, col, col_end, rgb[1]); }
    if 2u < ROWS * TILE { store(base, 2u, r, r_end, col, col_end, rgb[2]); }
    if 3u < ROWS * TILE { store(base, 3u, r, r_end, col, col_end, rgb[3]); }
    if 4u < ROWS * TILE { store(base, 4u, r, r_end, col, col_end, rgb[4]); }
    if 5u < ROWS * TILE { store(base, 5u, r, r_end, col, col_end, rgb[5]); }
    if 6u < ROWS * TILE { store(base, 6u, r, r_end, col, col_end, rgb[6]); }
    if 7u < ROWS * TILE { store(base, 7u, r, r_end, col, col_end, rgb[7]); }
    if 8u < ROWS * TILE { store(base, 8u, r, r_end, col, col_end, rgb[8]); }
    if 9u < ROWS * TILE { store(base, 9u, r, r_end, col, col_end, rgb[9]); }
    if 10u < ROWS * TILE { store(base, 10u, r, r_end, col, col_end, rgb[10]); }
    if 11u < ROWS * TILE { store(base, 11u, r, r_end, col, col_end, rgb[11]); }
    if 12u < ROWS * TILE { store(base, 12u, r, r_end, col, col_end, rgb[12]); }
    if 13u < ROWS * TILE { store(base, 13u, r, r_end, col, col_end, rgb[13]); }
    if 14u < ROWS * TILE { store(base, 14u, r, r_end, col, col_end, rgb[14]); }
    if 15u < ROWS * TILE { store(base, 15u, r, r_end, col, col_end, rgb[15]); }
    if 16u < ROWS * TILE { store(base, 16u, r, r_end, col, col_end, rgb[16]); }
    if 17u < ROWS * TILE { store(base, 17u, r, r_end, col, col_end, rgb[17]); }
    if 18u < ROWS * TILE { store(base, 18u, r, r_end, col, col_end, rgb[18]); }
    if 19u < ROWS * TILE { store(base, 19u, r, r_end, col, col_end, rgb[19]); }
    if 20u < ROWS * TILE { store(base, 20u, r, r_end, col, col_end, rgb[20]); }
    if 21u < ROWS * TILE { store(base, 21u, r, r_end, col, col_end, rgb[21]); }
    if 22u < ROWS * TILE { store(base, 22u, r, r_end, col, col_end, rgb[22]); }
    if 23u < ROWS * TILE { store(base, 23u, r, r_end, col, col_end, rgb[23]); }
    if 24u < ROWS * TILE { store(base, 24u, r, r_end, col, col_end, rgb[24]); }
    if 25u < ROWS * TILE { store(base, 25u, r, r_end, col, col_end, rgb[25]); }
    if 26u < ROWS * TILE { store(base, 26u, r, r_end, col, col_end, rgb[26]); }
    if 27u < ROWS * TILE { store(base, 27u, r, r_end, col, col_end, rgb[27]); }
    if 28u < ROWS * TILE { store(base, 28u, r, r_end, col, col_end, rgb[28]); }
    if 29u < ROWS * TILE { store(base, 29u, r, r_end, col, col_end, rgb[29]); }
    if 30u < ROWS * TILE { store(base, 30u, r, r_end, col, col_end, rgb[30]); }
    if 31u < ROWS * TILE { store(base, 31u, r, r_end, col, col_end, rgb[31]); }
}

// Writes pixel slot q of the tile at (r, col) if it lies inside rows [r, r_end) and columns
// [col, col_end).
fn store(base: u32, q: u32, r: u32, r_end: u32, col: u32, col_end: u32, c: vec3<f32>) {
    let row = r + q / TILE;
    let column = col + q % TILE;
    if row < r_end && column < col_end {
        frames[(base + row) * frame.size + column] =
            to_byte(c.x) | (to_byte(c.y) << 8u) | (to_byte(c.z) << 16u) | 0xff000000u;
    }
}

@compute @workgroup_size(8, 8)
fn splat_tiles(@builtin(global_invocation_id) gid: vec3<u32>) {
    let w = gid.z;
    let s = frame.size;
    let side = sides[w];
    let subs = tiles_per_cell(s, side, TILE);
    let row_subs = tiles_per_cell(s, side, ROWS);
    // x: columns (the world's second axis), y: rows (its first axis), as the per-pixel kernel.
    if gid.x >= side * subs || gid.y >= side * row_subs {
        return;
    }
    let scale = 1.0 / f32(max(s, 2u) - 1u);
    let cy = gid.x / subs;
    let cx = gid.y / row_subs;
    let col_first = first_pixel(cy, s, side, scale);
    let col_last = first_pixel(cy + 1u, s, side, scale);
    let row_first = first_pixel(cx, s, side, scale);
    let row_last = first_pixel(cx + 1u, s, side, scale);
    // This tile's share of the cell; the cell's last tile also takes any leftover strip.
    let col_start = col_first + (gid.x % subs) * TILE;
    let row_start = row_first + (gid.y % row_subs) * ROWS;
    let col_stop = select(min(col_start + TILE, col_last), col_last, gid.x % subs == subs - 1u);
    let row_stop =
        select(min(row_start + ROWS, row_last), row_last, gid.y % row_subs == row_subs - 1u);
    for (var r = row_start; r < row_stop; r += ROWS) {
        for (var c = col_start; c < col_stop; c += TILE) {
            splat_tile(w, side, i32(cx), i32(cy), r, min(r + ROWS, row_stop), c,
                       min(c + TILE, col_stop), scale);
        }
    }
}
