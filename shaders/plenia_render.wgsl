// Particle Lenia render, pass 2 of 2: min-max normalises each world's field picture (all pixels
// and channels together, as the original) and writes RGBA8. A constant picture (max == min)
// becomes black instead of the original's NaN.

@group(0) @binding(0) var<uniform> frame: FrameParams;
@group(0) @binding(1) var<storage, read> field: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> extrema: array<u32>;
@group(0) @binding(3) var<storage, read_write> frames: array<u32>;

fn to_byte(v: f32) -> u32 {
    return u32(round(clamp(v, 0.0, 1.0) * 255.0));
}

@compute @workgroup_size(8, 8)
fn render(@builtin(global_invocation_id) gid: vec3<u32>) {
    let s = frame.size;
    if gid.x >= s || gid.y >= s {
        return;
    }
    let w = gid.z;
    let hi = bitcast<f32>(extrema[2u * w]);
    let lo = bitcast<f32>(~extrema[2u * w + 1u]);
    var rgb = vec3<f32>(0.0, 0.0, 0.0);
    if hi > lo {
        rgb = (field[(w * s + gid.y) * s + gid.x].xyz - lo) / (hi - lo);
    }
    let rgba = to_byte(rgb.x) | (to_byte(rgb.y) << 8u) | (to_byte(rgb.z) << 16u) | 0xff000000u;
    frames[((w * frame.slots + frame.slot) * s + gid.y) * s + gid.x] = rgba;
}
