// Particle Life, one step through the uniform grid with one invocation per grid cell: the cell's
// particles are taken PER at a time, and each neighbour entry loaded from the 3x3 cells around
// serves all PER of them. On CPU adapters that load (an address the compiler cannot fold) costs
// about as much as the pair's arithmetic (`asal bench` probes), so this cuts the step's loads by
// nearly PER. Every particle of a cell sees the same neighbour cells in the same order, and each
// particle's sum runs over them exactly as in `plife_step.wgsl` (the particle-per-invocation
// kernel, kept as the baseline), so both give the same bits.

@group(0) @binding(0) var<uniform> params: PlifeParams;
@group(0) @binding(1) var<storage, read> table: array<f32>;
@group(0) @binding(2) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> dst: array<vec4<f32>>;
@group(0) @binding(4) var<storage, read> colours: array<u32>;
@group(0) @binding(5) var<storage, read> counts: array<u32>;
@group(0) @binding(6) var<storage, read> starts: array<u32>;
@group(0) @binding(7) var<storage, read> entries: array<vec4<f32>>; // (x, y, index, colour)

// Particles per pass over the neighbourhood (the host dispatches cells, so only this file
// depends on it).
const PER: u32 = 8u;

// Up to this many colours, each pass copies its particles' alpha rows into registers and finds
// a neighbour's alpha by a select chain on its colour: ~7 selects per particle instead of a
// per-lane load (3-4 ns, the cost of ~60 FMAs, on CPU adapters). The selected value is the
// table's own float, so the sums keep their bits. More colours load from the table as before.
const ROW: u32 = 8u;
// 0: always load alpha from the table (the kernel before the select chain, kept as the baseline).
override ALPHA_ROWS: u32 = 1u;

fn alpha_of(rows: ptr<function, array<f32, 64>>, q: u32, cj: u32) -> f32 {
    var alpha = (*rows)[q * ROW];
    for (var c = 1u; c < ROW; c++) {
        alpha = select(alpha, (*rows)[q * ROW + c], cj == c);
    }
    return alpha;
}

@compute @workgroup_size(16)
fn step_cells(@builtin(global_invocation_id) gid: vec3<u32>) {
    let c = gid.x;
    let w = gid.z;
    let k = params.colours;
    let t = w * params.table_stride;
    let side = u32(table[t + 1u]);
    if c >= side * side {
        return;
    }
    let dt = table[t];
    let cx = i32(c % side);
    let cy = i32(c / side);
    let lo = select(-1, 0, side < 3u);
    let hi = select(1, 0, side == 1u);
    let n = i32(side);
    let held = ALPHA_ROWS != 0u && k <= ROW;
    let own = w * params.cell_stride + c;
    let first = starts[own];
    let end = first + counts[own];
    for (var base = first; base < end; base += PER) {
        // Past the cell's last particle, lanes repeat it and write nothing.
        var p: array<u32, PER>;
        var s: array<vec4<f32>, PER>;
        var beta: array<f32, PER>;
        var rmax: array<f32, PER>;
        var alpha_row: array<u32, PER>;
        var force: array<vec2<f32>, PER>;
        for (var q = 0u; q < PER; q++) {
            let own_entry = entries[min(base + q, end - 1u)];
            p[q] = w * params.particles + bitcast<u32>(own_entry.z);
            s[q] = src[p[q]];
            let ci = bitcast<u32>(own_entry.w);
            beta[q] = table[t + 4u + k * k + ci];
            rmax[q] = table[t + 4u + k * k + k + ci];
            alpha_row[q] = t + 4u + ci * k;
            force[q] = vec2<f32>(0.0, 0.0);
        }
        var rows: array<f32, 64>;
        if held {
            for (var q = 0u; q < PER; q++) {
                for (var cj = 0u; cj < ROW; cj++) {
                    rows[q * ROW + cj] = table[alpha_row[q] + min(cj, k - 1u)];
                }
            }
        }
        for (var oy = lo; oy <= hi; oy++) {
            let yy = u32((cy + oy + n) % n);
            for (var ox = lo; ox <= hi; ox++) {
                let xx = u32((cx + ox + n) % n);
                let cell = w * params.cell_stride + yy * side + xx;
                let start = starts[cell];
                let stop = start + counts[cell];
                if held {
                    for (var e = start; e < stop; e++) {
                        let src_entry = entries[e];
                        let cj = bitcast<u32>(src_entry.w);
                        for (var q = 0u; q < PER; q++) {
                            force[q] += plife_pair(
                                min_image(src_entry.xy - s[q].xy),
                                rmax[q],
                                beta[q],
                                alpha_of(&rows, q, cj),
                            );
                        }
                    }
                } else {
                    for (var e = start; e < stop; e++) {
                        let src_entry = entries[e];
                        let cj = bitcast<u32>(src_entry.w);
                        for (var q = 0u; q < PER; q++) {
                            let alpha = table[alpha_row[q] + cj];
                            force[q] += plife_pair(
                                min_image(src_entry.xy - s[q].xy),
                                rmax[q],
                                beta[q],
                                alpha,
                            );
                        }
                    }
                }
            }
        }
        for (var q = 0u; q < PER; q++) {
            if base + q < end {
                let ci = colours[p[q]];
                let mass = table[t + 4u + k * k + 2u * k + ci];
                let mu = table[t + 4u + k * k + 3u * k + ci];
                dst[p[q]] = plife_integrate(s[q], force[q], mass, mu, dt);
            }
        }
    }
}
