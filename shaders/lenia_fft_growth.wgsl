// Lenia FFT path, pass 4: inverse FFT of every row of every kernel pair's potentials, then the
// growth and update of lenia_step.wgsl: G_c = Σ_{k: c1_k = c} h_k·growth(U_k), A' = clip(A +
// dt·G, 0, 1), A the rolled world. Workgroup (row, 1, world): it loops over the pairs, adding
// each kernel's growth into per-cell sums in workgroup memory, then writes the row of A'.

@group(0) @binding(0) var<uniform> params: LeniaParams;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
@group(0) @binding(4) var<storage, read> kernel_info: array<KernelInfo>;
@group(0) @binding(5) var<storage, read> potentials: array<vec2<f32>>;
@group(0) @binding(6) var<storage, read> camera: array<Camera>;
@group(0) @binding(8) var<storage, read> growth: array<vec4<f32>>; // [world][kernel] (m, s, h, 0)

// Growth sums [channel][x] of this row: 3 × 512 floats (6 KiB).
var<workgroup> gsum: array<f32, 1536>;

@compute @workgroup_size(64)
fn growth_rows(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let n = params.size;
    let ni = i32(n);
    let plane = n * n;
    let y = wid.x;
    let world = wid.z;
    let pairs = (params.kernels + 1u) / 2u;
    for (var i = lid; i < params.channels * n; i += FFT_THREADS) {
        gsum[i] = 0.0;
    }
    for (var pair = 0u; pair < pairs; pair++) {
        workgroupBarrier(); // everyone is done reading the previous pair's result
        let row = (world * pairs + pair) * plane + y * n;
        for (var x = lid; x < n; x += FFT_THREADS) {
            fft_buf[x] = potentials[row + x];
        }
        workgroupBarrier();
        let base = fft_line(n, true, lid);
        let ka = 2u * pair;
        let kb = ka + 1u;
        let pa = growth[world * params.kernels + ka];
        let da = kernel_info[ka].dest * n;
        // Each invocation owns the same cells x in every pair, so the sums need no barrier.
        for (var x = lid; x < n; x += FFT_THREADS) {
            let u = fft_buf[base + x];
            gsum[da + x] += pa.z * growth_of(params.growth, u.x, pa.x, pa.y);
        }
        if kb < params.kernels {
            let pb = growth[world * params.kernels + kb];
            let db = kernel_info[kb].dest * n;
            for (var x = lid; x < n; x += FFT_THREADS) {
                let u = fft_buf[base + x];
                gsum[db + x] += pb.z * growth_of(params.growth, u.y, pb.x, pb.y);
            }
        }
    }
    var shift = vec2<i32>(0, 0);
    if params.recenter != 0u {
        shift = camera[world].shift;
    }
    let sy = wrap(i32(y) + shift.x, ni);
    for (var c = 0u; c < params.channels; c++) {
        let base = (world * params.channels + c) * plane;
        for (var x = lid; x < n; x += FFT_THREADS) {
            let a = src[base + sy * n + wrap(i32(x) + shift.y, ni)];
            dst[base + y * n + x] = clamp(a + params.dt * gsum[c * n + x], 0.0, 1.0);
        }
    }
}
