// Particle Life, one step for every particle of every world (worlds along z), neighbours from the
// uniform grid built this step (`particle_*` kernels): cells are at least rmax wide, so every
// interacting source lies in the 3x3 cells around the particle (fewer distinct cells when the
// grid has fewer than 3 per side, so no pair is counted twice). The particle itself is visited
// too; its zero separation gives zero force, as in the original's all-pairs sum.

@group(0) @binding(0) var<uniform> params: PlifeParams;
@group(0) @binding(1) var<storage, read> table: array<f32>;
@group(0) @binding(2) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> dst: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> colours: array<u32>;
@group(0) @binding(5) var<storage, read> counts: array<u32>;
@group(0) @binding(6) var<storage, read> starts: array<u32>;
@group(0) @binding(7) var<storage, read> entries: array<vec4<f32>>; // (x, y, index, colour)

@compute @workgroup_size(64)
fn step(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = gid.x;
    let w = gid.z;
    if i >= params.particles {
        return;
    }
    let p = w * params.particles + i;
    let k = params.colours;
    let t = w * params.table_stride;
    let s = src[p];
    let ci = colours[p];
    let dt = table[t];
    let side = u32(table[t + 1u]);
    let beta = table[t + 4u + k * k + ci];
    let rmax = table[t + 4u + k * k + k + ci];
    let mass = table[t + 4u + k * k + 2u * k + ci];
    let mu = table[t + 4u + k * k + 3u * k + ci];
    let alpha_row = t + 4u + ci * k;
    let cx = i32(cell_coord(s.x, side));
    let cy = i32(cell_coord(s.y, side));
    let lo = select(-1, 0, side < 3u);
    let hi = select(1, 0, side == 1u);
    let n = i32(side);
    var force = vec2<f32>(0.0, 0.0);
    for (var oy = lo; oy <= hi; oy++) {
        let yy = u32((cy + oy + n) % n);
        for (var ox = lo; ox <= hi; ox++) {
            let xx = u32((cx + ox + n) % n);
            let cell = w * params.cell_stride + yy * side + xx;
            let start = starts[cell];
            let end = start + counts[cell];
            for (var e = start; e < end; e++) {
                let src_entry = entries[e];
                let alpha = table[alpha_row + bitcast<u32>(src_entry.w)];
                force += plife_pair(min_image(src_entry.xy - s.xy), rmax, beta, alpha);
            }
        }
    }
    dst[p] = plife_integrate(s, force, mass, mu, dt);
}
