// Lenia FFT path, pass 2: forward FFT of every column of the row spectra, in place, completing
// the 2-D spectrum of each source channel. Workgroup (column, 1, world * channels + channel).

@group(0) @binding(0) var<uniform> params: LeniaParams;
@group(0) @binding(2) var<storage, read_write> spectrum: array<vec2<f32>>;

@compute @workgroup_size(64)
fn fft_cols(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let n = params.size;
    let column = wid.z * n * n + wid.x;
    for (var y = lid; y < n; y += FFT_THREADS) {
        fft_buf[y] = spectrum[column + y * n];
    }
    workgroupBarrier();
    let base = fft_line(n, false, lid);
    for (var y = lid; y < n; y += FFT_THREADS) {
        spectrum[column + y * n] = fft_buf[base + y];
    }
}
