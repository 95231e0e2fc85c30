// Lenia, one step for every cell of every world (worlds along z).
//
// U_k = K_k * A[c0_k] (toroidal direct convolution over the kernel's non-zero taps),
// G_c = sum over kernels k with c1_k = c of h_k * growth(U_k; m_k, s_k),
// A' = clip(A + dt * G, 0, 1). With the camera on, A is first rolled by the last shift
// (roll(A, -shift)[y] = A[y + shift]), as the original re-centres its creature.
//
// Each 16x16 workgroup stages one source channel at a time, with a halo of `reach` cells, in
// workgroup memory; a tap is then a single precomputed offset into that tile, with no wrapping
// or index arithmetic per tap. The tile is at most 64x64 floats (16 KiB, WebGPU's default
// workgroup storage), which bounds the kernel reach at 24 cells.

@group(0) @binding(0) var<uniform> params: LeniaParams;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
@group(0) @binding(3) var<storage, read> taps: array<Tap>;
@group(0) @binding(4) var<storage, read> kernel_info: array<KernelInfo>;
@group(0) @binding(5) var<storage, read> growth: array<vec4<f32>>;      // [world][kernel] (m, s, h, 0)
@group(0) @binding(6) var<storage, read> camera: array<Camera>;

const TILE: u32 = 16u;
const MAX_TILE_CELLS: u32 = 4096u; // (TILE + 2 * 24)^2
var<workgroup> tile: array<f32, MAX_TILE_CELLS>;

@compute @workgroup_size(16, 16)
fn step(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(local_invocation_id) lid: vec3<u32>,
    @builtin(local_invocation_index) li: u32,
) {
    let n = params.size;
    let ni = i32(n);
    let world = wid.z;
    let reach = i32(params.reach);
    let side = TILE + 2u * params.reach;
    let plane = n * n;
    let world_base = world * params.channels * plane;
    var shift = vec2<i32>(0, 0);
    if params.recenter != 0u {
        shift = camera[world].shift;
    }
    // Output cell, and the tile's origin in the un-rolled source world.
    let gy = wid.y * TILE + lid.y;
    let gx = wid.x * TILE + lid.x;
    let inside = gy < n && gx < n;
    let origin_y = i32(wid.y * TILE) - reach + shift.x;
    let origin_x = i32(wid.x * TILE) - reach + shift.y;
    let center = (lid.y + params.reach) * side + lid.x + params.reach;

    var g = array<f32, 4>(0.0, 0.0, 0.0, 0.0);
    for (var c = 0u; c < params.channels; c++) {
        workgroupBarrier(); // everyone is done reading the previous channel
        let channel_base = world_base + c * plane;
        for (var i = li; i < side * side; i += TILE * TILE) {
            let sy = wrap(origin_y + i32(i / side), ni);
            let sx = wrap(origin_x + i32(i % side), ni);
            tile[i] = src[channel_base + sy * n + sx];
        }
        workgroupBarrier();
        if inside {
            for (var k = 0u; k < params.kernels; k++) {
                let info = kernel_info[k];
                if info.source != c {
                    continue;
                }
                var u = 0.0;
                for (var t = info.tap_start; t < info.tap_end; t++) {
                    let tap = taps[t];
                    u += tap.weight * tile[u32(i32(center) + tap.offset)];
                }
                let p = growth[world * params.kernels + k];
                g[info.dest] += p.z * growth_of(params.growth, u, p.x, p.y);
            }
        }
    }
    if inside {
        let here = wrap(i32(gy) + shift.x, ni) * n + wrap(i32(gx) + shift.y, ni);
        let out = gy * n + gx;
        for (var c = 0u; c < params.channels; c++) {
            let a = src[world_base + c * plane + here];
            dst[world_base + c * plane + out] = clamp(a + params.dt * g[c], 0.0, 1.0);
        }
    }
}
