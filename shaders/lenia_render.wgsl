// Lenia render: the centred crop (ASAL's 64x64 phenotype) or the whole world, nearest-neighbour
// resampled to the frame (source index floor((i + 0.5) * crop / S)). Channels 0, 1, 2 are shown
// directly as red, green, blue on black; a single channel is shown in grey.

@group(0) @binding(0) var<uniform> params: LeniaParams;
@group(0) @binding(1) var<uniform> frame: FrameParams;
@group(0) @binding(2) var<storage, read> world_cells: array<f32>;
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
    let n = params.size;
    var crop = n;
    if params.crop > 0u && params.crop < n {
        crop = params.crop;
    }
    let offset = (n - crop) / 2u;
    let row = offset + ((2u * gid.y + 1u) * crop) / (2u * s);
    let col = offset + ((2u * gid.x + 1u) * crop) / (2u * s);
    let plane = n * n;
    let base = gid.z * params.channels * plane + row * n + col;
    var rgb = vec3<f32>(0.0, 0.0, 0.0);
    if params.channels == 1u {
        rgb = vec3<f32>(world_cells[base]);
    } else {
        for (var c = 0u; c < min(params.channels, 3u); c++) {
            rgb[c] = world_cells[base + c * plane];
        }
    }
    let rgba = to_byte(rgb.x) | (to_byte(rgb.y) << 8u) | (to_byte(rgb.z) << 16u) | 0xff000000u;
    frames[((gid.z * frame.slots + frame.slot) * s + gid.y) * s + gid.x] = rgba;
}
