// Lenia FFT path, pass 3: multiply by the kernels' spectra, then inverse FFT of every column.
//
// Kernels go in pairs (2p, 2p + 1). Each kernel is point-symmetric (its weight depends only on
// the distance), so its spectrum K̂ is real and even, and IFFT(Â·K̂) is real for a real world.
// Packing the second kernel in the imaginary part, IFFT(Â_a·K̂_a + i·Â_b·K̂_b) = U_a + i·U_b
// yields both potentials from one inverse transform: ⌈K/2⌉ inverse FFTs instead of K.
// The spectra carry the inverse's 1/n² scale (folded in on the host).
// Workgroup (column, 1, world * pairs + pair); output: [world][pair][y][kx].

@group(0) @binding(0) var<uniform> params: LeniaParams;
@group(0) @binding(2) var<storage, read> spectrum: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read> kernel_spectra: array<f32>; // [kernel][ky][kx], real
@group(0) @binding(4) var<storage, read> kernel_info: array<KernelInfo>;
@group(0) @binding(5) var<storage, read_write> potentials: array<vec2<f32>>;

@compute @workgroup_size(64)
fn inverse_cols(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let n = params.size;
    let plane = n * n;
    let pairs = (params.kernels + 1u) / 2u;
    let world = wid.z / pairs;
    let pair = wid.z % pairs;
    let ka = 2u * pair;
    let kb = ka + 1u;
    let has_b = kb < params.kernels;
    let kx = wid.x;
    let src_a = (world * params.channels + kernel_info[ka].source) * plane + kx;
    var src_b = 0u;
    if has_b {
        src_b = (world * params.channels + kernel_info[kb].source) * plane + kx;
    }
    for (var ky = lid; ky < n; ky += FFT_THREADS) {
        var z = spectrum[src_a + ky * n] * kernel_spectra[ka * plane + ky * n + kx];
        if has_b {
            let zb = spectrum[src_b + ky * n] * kernel_spectra[kb * plane + ky * n + kx];
            z += vec2<f32>(-zb.y, zb.x);
        }
        fft_buf[ky] = z;
    }
    workgroupBarrier();
    let base = fft_line(n, true, lid);
    let out = wid.z * plane + kx;
    for (var y = lid; y < n; y += FFT_THREADS) {
        potentials[out + y * n] = fft_buf[base + y];
    }
}
