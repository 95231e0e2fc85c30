// Lenia FFT path (lane kernels), pass 3: multiply by the kernels' spectra (two kernels packed in
// one complex line, as lenia_fft_inverse_cols.wgsl explains), then inverse FFT of every column,
// one column per invocation. Invocation (column, 1, world * pairs + pair); output
// [world][pair][y][kx].

@group(0) @binding(0) var<uniform> params: LeniaParams;
@group(0) @binding(2) var<storage, read> spectrum: array<vec2<f32>>;
@group(0) @binding(3) var<storage, read> kernel_spectra: array<f32>; // [kernel][ky][kx], real
@group(0) @binding(4) var<storage, read> kernel_info: array<KernelInfo>;
@group(0) @binding(5) var<storage, read_write> potentials: array<vec2<f32>>;

var<private> src_a: u32;   // column of kernel a's source spectrum
var<private> src_b: u32;   // column of kernel b's source spectrum
var<private> spec_a: u32;  // column of kernel a's spectrum
var<private> spec_b: u32;  // column of kernel b's spectrum
var<private> has_b: bool;  // whether the pair has a second kernel
var<private> out_col: u32; // first value of the output column

fn lane_input(ky: u32) -> vec2<f32> {
    var z = spectrum[src_a + ky * LINE] * kernel_spectra[spec_a + ky * LINE];
    if has_b {
        let zb = spectrum[src_b + ky * LINE] * kernel_spectra[spec_b + ky * LINE];
        z += vec2<f32>(-zb.y, zb.x);
    }
    return z;
}

fn lane_output(y: u32, v: vec2<f32>) {
    potentials[out_col + y * LINE] = v;
}

@compute @workgroup_size(64)
fn lane_inverse_cols(@builtin(global_invocation_id) gid: vec3<u32>) {
    let kx = gid.x;
    if kx >= params.size {
        return;
    }
    let plane = LINE * LINE;
    let pairs = (params.kernels + 1u) / 2u;
    let world = gid.z / pairs;
    let pair = gid.z % pairs;
    let ka = 2u * pair;
    let kb = ka + 1u;
    has_b = kb < params.kernels;
    src_a = (world * params.channels + kernel_info[ka].source) * plane + kx;
    spec_a = ka * plane + kx;
    if has_b {
        src_b = (world * params.channels + kernel_info[kb].source) * plane + kx;
        spec_b = kb * plane + kx;
    }
    out_col = gid.z * plane + kx;
    fft_lane(true);
}
