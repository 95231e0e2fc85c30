// Lenia FFT path (lane kernels), pass 4: inverse FFT of every row of every kernel pair's
// potentials, then growth and update as lenia_fft_growth.wgsl, one row per invocation. The row's
// growth sums stay in registers: one vec4 per cell, a component per channel, each kernel's
// growth added through a 0/1 mask of its destination channel (so every index is constant and
// the sums are the same as adding into the channel alone). Invocation (row, 1, world).

@group(0) @binding(0) var<uniform> params: LeniaParams;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
@group(0) @binding(4) var<storage, read> kernel_info: array<KernelInfo>;
@group(0) @binding(5) var<storage, read> potentials: array<vec2<f32>>;
@group(0) @binding(6) var<storage, read> camera: array<Camera>;
@group(0) @binding(8) var<storage, read> growth: array<vec4<f32>>; // [world][kernel] (m, s, h, 0)

var<private> gsum: array<vec4<f32>, LINE>; // growth sums [x][channel]
var<private> in_row: u32;                   // first value of the pair's potential row
var<private> pa: vec4<f32>;                 // kernel a's (m, s, h, 0)
var<private> pb: vec4<f32>;                 // kernel b's
var<private> mask_a: vec4<f32>;             // 1 at kernel a's destination channel
var<private> mask_b: vec4<f32>;
var<private> has_b: bool;
var<private> src_row: u32;   // first cell of the rolled source row, channel 0
var<private> src_shift: u32; // the roll along x
var<private> dst_row: u32;   // first cell of the output row, channel 0

fn lane_input(x: u32) -> vec2<f32> {
    return potentials[in_row + x];
}

fn lane_output(x: u32, u: vec2<f32>) {
    gsum[x] += mask_a * (pa.z * growth_of(params.growth, u.x, pa.x, pa.y));
    if has_b {
        gsum[x] += mask_b * (pb.z * growth_of(params.growth, u.y, pb.x, pb.y));
    }
}

fn lane_finish(x: u32) {
    let plane = LINE * LINE;
    let sx = (x + src_shift) & (LINE - 1u);
    for (var c = 0u; c < params.channels; c++) {
        let a = src[src_row + c * plane + sx];
        dst[dst_row + c * plane + x] = clamp(a + params.dt * gsum[x][c], 0.0, 1.0);
    }
}

fn channel_mask(c: u32) -> vec4<f32> {
    return select(vec4<f32>(0.0), vec4<f32>(1.0), vec4<u32>(0u, 1u, 2u, 3u) == vec4<u32>(c));
}

@compute @workgroup_size(64)
fn lane_growth_rows(@builtin(global_invocation_id) gid: vec3<u32>) {
    let y = gid.x;
    if y >= params.size {
        return;
    }
    let plane = LINE * LINE;
    let world = gid.z;
    let pairs = (params.kernels + 1u) / 2u;
    for (var pair = 0u; pair < pairs; pair++) {
        in_row = (world * pairs + pair) * plane + y * LINE;
        let ka = 2u * pair;
        let kb = ka + 1u;
        pa = growth[world * params.kernels + ka];
        mask_a = channel_mask(kernel_info[ka].dest);
        has_b = kb < params.kernels;
        if has_b {
            pb = growth[world * params.kernels + kb];
            mask_b = channel_mask(kernel_info[kb].dest);
        }
        fft_lane(true);
    }
    var shift = vec2<i32>(0, 0);
    if params.recenter != 0u {
        shift = camera[world].shift;
    }
    let ni = i32(LINE);
    src_row = world * params.channels * plane + wrap(i32(y) + shift.x, ni) * LINE;
    src_shift = wrap(shift.y, ni);
    dst_row = world * params.channels * plane + y * LINE;
    lane_finish_all();
}
