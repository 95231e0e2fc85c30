// Lenia camera: after a step, the mass-weighted centre of the new world and the shift the next
// step rolls by. As the original, the numerator uses the new world but the denominator the mass
// before the step: center = sum(A'[y,x] * X[y,x]) / sum(A), X = (index - size/2) / R,
// shift = trunc(center * R). One workgroup per world (along x).

@group(0) @binding(0) var<uniform> params: LeniaParams;
@group(0) @binding(1) var<storage, read> before: array<f32>;
@group(0) @binding(2) var<storage, read> after: array<f32>;
@group(0) @binding(3) var<storage, read_write> cameras: array<Camera>;

const THREADS: u32 = 256u;
var<workgroup> partial: array<vec3<f32>, THREADS>;

@compute @workgroup_size(256)
fn camera(@builtin(workgroup_id) wid: vec3<u32>, @builtin(local_invocation_index) lid: u32) {
    let world = wid.x;
    let n = params.size;
    let plane = n * n;
    let base = world * params.channels * plane;
    let half = f32(n / 2u);
    // Per-thread sums over a strided subset of cells: (mass before, y moment after, x moment after).
    var acc = vec3<f32>(0.0, 0.0, 0.0);
    for (var i = lid; i < plane; i += THREADS) {
        var m_before = 0.0;
        var m_after = 0.0;
        for (var c = 0u; c < params.channels; c++) {
            m_before += before[base + c * plane + i];
            m_after += after[base + c * plane + i];
        }
        let y = f32(i / n) - half;
        let x = f32(i % n) - half;
        acc += vec3<f32>(m_before, m_after * y, m_after * x);
    }
    partial[lid] = acc;
    workgroupBarrier();
    for (var stride = THREADS / 2u; stride > 0u; stride /= 2u) {
        if lid < stride {
            partial[lid] += partial[lid + stride];
        }
        workgroupBarrier();
    }
    if lid == 0u {
        let sums = partial[0];
        var cam = cameras[world];
        var center = vec2<f32>(0.0, 0.0);
        var shift = vec2<i32>(0, 0);
        // A dead world has no centre; keep the camera still rather than divide by zero.
        if sums.x > 0.0 {
            center = vec2<f32>(sums.y, sums.z) / params.radius / sums.x;
            if params.recenter != 0u {
                shift = vec2<i32>(center * params.radius);
            }
        }
        cam.center = center;
        cam.shift = shift;
        cam.total += shift;
        cam.mass = sums.x;
        cameras[world] = cam;
    }
}
