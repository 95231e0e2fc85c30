// Lenia FFT path, pass 1: forward FFT of every row of every source channel of every world.
//
// The camera's roll is applied while loading (row y of the rolled world is row y + shift.y of
// the stored one, as in lenia_step.wgsl), so the spectrum is that of the world the step sees.
// Workgroup (row, 1, world * channels + channel); output: complex spectra [world][channel][y][kx].

@group(0) @binding(0) var<uniform> params: LeniaParams;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> spectrum: array<vec2<f32>>;
@group(0) @binding(6) var<storage, read> camera: array<Camera>;

@compute @workgroup_size(64)
fn fft_rows(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let n = params.size;
    let ni = i32(n);
    let y = wid.x;
    let plane_index = wid.z;
    let world = plane_index / params.channels;
    var shift = vec2<i32>(0, 0);
    if params.recenter != 0u {
        shift = camera[world].shift;
    }
    let row = plane_index * n * n + wrap(i32(y) + shift.x, ni) * n;
    for (var x = lid; x < n; x += FFT_THREADS) {
        fft_buf[x] = vec2<f32>(src[row + wrap(i32(x) + shift.y, ni)], 0.0);
    }
    workgroupBarrier();
    let base = fft_line(n, false, lid);
    let out = plane_index * n * n + y * n;
    for (var x = lid; x < n; x += FFT_THREADS) {
        spectrum[out + x] = fft_buf[base + x];
    }
}
