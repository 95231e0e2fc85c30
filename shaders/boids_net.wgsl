// Neural boids: the genome layout, the step kernels' bindings and the network's building
// blocks, shared by boids_step.wgsl and boids_step_slots.wgsl.

// Genome offsets; keep in sync with `boids::layout` in substrates/src/boids.rs.
const GENOME_LEN: u32 = 193u;
const D0_B: u32 = 0u;
const D0_K: u32 = 8u;
const D1_B: u32 = 40u;
const D1_K: u32 = 48u;
const D2_B: u32 = 112u;
const D2_K: u32 = 120u;
const D3_B: u32 = 184u;
const D3_K: u32 = 185u;

@group(0) @binding(0) var<uniform> params: BoidsParams;
@group(0) @binding(1) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> dst: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> genomes: array<f32>;

// The world's genome, copied once per workgroup (all of whose boids share the world) and then
// read at constant indices: on CPU adapters a load whose address differs per lane costs ~10× a
// constant-index one (`asal bench` probes), and the neighbour network reads ~100 weights per
// neighbour. Offsets D*_B and D*_K above are multiples of 4 except D3_K, so layers read vec4s:
// G[D0_K / 4 + 2k + h] holds Dense_0.kernel[k][4h … 4h + 3].
const GENOME_VEC4S: u32 = 49u;
var<workgroup> G: array<vec4<f32>, GENOME_VEC4S>;

// Copies world `world`'s genome into G (invocation `local` of the workgroup takes one vec4).
// Call from uniform control flow: it ends with the workgroup barrier after which G is read.
fn load_genome(world: u32, local: u32) {
    let g = world * GENOME_LEN;
    if local < GENOME_VEC4S {
        var q = vec4<f32>(0.0);
        for (var k = 0u; k < 4u; k++) {
            if 4u * local + k < GENOME_LEN {
                q[k] = genomes[g + 4u * local + k];
            }
        }
        G[local] = q;
    }
    workgroupBarrier();
}

fn gf(i: u32) -> f32 {
    return G[i / 4u][i % 4u];
}

fn tanh4(x: vec4<f32>) -> vec4<f32> {
    return tanh(clamp(x, vec4<f32>(-15.0), vec4<f32>(15.0)));
}

// Dense layer of 8 inputs (a = 0…3, b = 4…7) to 8 outputs (half h: 4h … 4h + 3), kernel at
// float k0, bias at float b0; summed in input order, then the bias, as the per-weight loop did.
fn dense8(a: vec4<f32>, b: vec4<f32>, k0: u32, b0: u32, h: u32) -> vec4<f32> {
    let k = k0 / 4u + h;
    return a.x * G[k] + a.y * G[k + 2u] + a.z * G[k + 4u] + a.w * G[k + 6u] + b.x * G[k + 8u]
        + b.y * G[k + 10u] + b.z * G[k + 12u] + b.w * G[k + 14u] + G[b0 / 4u + h];
}

// Some drivers evaluate tanh as a ratio of exponentials that overflows to NaN for large |x|;
// tanh(±15) is already ±1 in float32, so clamping changes no result.
fn tanh_f(x: f32) -> f32 {
    return tanh(clamp(x, -15.0, 15.0));
}

fn delta(from_p: vec2<f32>, to_p: vec2<f32>) -> vec2<f32> {
    var d = to_p - from_p;
    if params.wrapped != 0u {
        d = d - round(d);
    }
    return d;
}
