// Lenia FFT path (lane kernels), pass 2: forward FFT of every column of the row spectra, in
// place (the generated transform reads the whole column before writing), one column per
// invocation. Invocation (column, 1, world * channels + channel).

@group(0) @binding(0) var<uniform> params: LeniaParams;
@group(0) @binding(2) var<storage, read_write> spectrum: array<vec2<f32>>;

var<private> column: u32; // first value of the column

fn lane_input(y: u32) -> vec2<f32> {
    return spectrum[column + y * LINE];
}

fn lane_output(y: u32, v: vec2<f32>) {
    spectrum[column + y * LINE] = v;
}

@compute @workgroup_size(64)
fn lane_cols(@builtin(global_invocation_id) gid: vec3<u32>) {
    if gid.x >= params.size {
        return;
    }
    column = gid.z * LINE * LINE + gid.x;
    fft_lane(false);
}
