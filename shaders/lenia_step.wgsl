// Lenia, one step for every cell of every world (worlds along z).
//
// U_k = K_k * A[c0_k] (toroidal direct convolution over the kernel's non-zero taps),
// G_c = sum over kernels k with c1_k = c of h_k * growth(U_k; m_k, s_k),
// A' = clip(A + dt * G, 0, 1). With the camera on, A is first rolled by the last shift
// (roll(A, -shift)[y] = A[y + shift]), as the original re-centres its creature.

@group(0) @binding(0) var<uniform> params: LeniaParams;
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
@group(0) @binding(3) var<storage, read> taps: array<vec4<f32>>;        // (dy, dx, weight, 0)
@group(0) @binding(4) var<storage, read> kernel_info: array<KernelInfo>;
@group(0) @binding(5) var<storage, read> growth: array<vec4<f32>>;      // [world][kernel] (m, s, h, 0)
@group(0) @binding(6) var<storage, read> camera: array<Camera>;

fn growth_of(u: f32, m: f32, s: f32) -> f32 {
    if params.growth == 0u {
        let z = (u - m) / s;
        return 2.0 * exp(-z * z / 2.0) - 1.0;
    }
    let q = max(0.0, 1.0 - (u - m) * (u - m) / (9.0 * s * s));
    return 2.0 * q * q * q * q - 1.0;
}

@compute @workgroup_size(8, 8)
fn step(@builtin(global_invocation_id) gid: vec3<u32>) {
    let n = params.size;
    if gid.x >= n || gid.y >= n {
        return;
    }
    let world = gid.z;
    let ni = i32(n);
    var shift = vec2<i32>(0, 0);
    if params.recenter != 0u {
        shift = camera[world].shift;
    }
    // Position of this cell in the un-rolled source world.
    let y = i32(gid.y) + shift.x;
    let x = i32(gid.x) + shift.y;
    let plane = n * n;
    let world_base = world * params.channels * plane;

    var g = array<f32, 4>(0.0, 0.0, 0.0, 0.0);
    for (var k = 0u; k < params.kernels; k++) {
        let info = kernel_info[k];
        let channel_base = world_base + info.source * plane;
        var u = 0.0;
        for (var t = info.tap_start; t < info.tap_end; t++) {
            let tap = taps[t];
            // Convolution: U[y, x] = sum K[dy, dx] A[y - dy, x - dx].
            let sy = wrap(y - i32(tap.x), ni);
            let sx = wrap(x - i32(tap.y), ni);
            u += tap.z * src[channel_base + sy * n + sx];
        }
        let p = growth[world * params.kernels + k];
        g[info.dest] += p.z * growth_of(u, p.x, p.y);
    }
    let here = wrap(y, ni) * n + wrap(x, ni);
    let out = gid.y * n + gid.x;
    for (var c = 0u; c < params.channels; c++) {
        let a = src[world_base + c * plane + here];
        dst[world_base + c * plane + out] = clamp(a + params.dt * g[c], 0.0, 1.0);
    }
}
