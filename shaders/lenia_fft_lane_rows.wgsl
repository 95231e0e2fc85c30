// Lenia FFT path (lane kernels), pass 1: forward FFT of every row of every source channel of
// every world, one row per invocation. As lenia_fft_rows.wgsl: the camera's roll is applied while
// loading; output: complex spectra [world][channel][y][kx].
// Invocation (row, 1, world * channels + channel).

@group(0) @binding(0) var<uniform> params: LeniaParams;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> spectrum: array<vec2<f32>>;
@group(0) @binding(6) var<storage, read> camera: array<Camera>;

var<private> in_row: u32;   // first cell of the (rolled) source row
var<private> in_shift: u32; // the roll along x
var<private> out_row: u32;  // first value of the output row

fn lane_input(x: u32) -> vec2<f32> {
    // LINE is a power of two, so the wrap of x + shift is a mask.
    return vec2<f32>(src[in_row + ((x + in_shift) & (LINE - 1u))], 0.0);
}

fn lane_output(x: u32, v: vec2<f32>) {
    spectrum[out_row + x] = v;
}

@compute @workgroup_size(64)
fn lane_rows(@builtin(global_invocation_id) gid: vec3<u32>) {
    let y = gid.x;
    if y >= params.size {
        return;
    }
    let plane_index = gid.z;
    let world = plane_index / params.channels;
    var shift = vec2<i32>(0, 0);
    if params.recenter != 0u {
        shift = camera[world].shift;
    }
    let ni = i32(LINE);
    in_row = plane_index * LINE * LINE + wrap(i32(y) + shift.x, ni) * LINE;
    in_shift = wrap(shift.y, ni);
    out_row = plane_index * LINE * LINE + y * LINE;
    fft_lane(false);
}
