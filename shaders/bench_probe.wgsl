// Microbenchmarks of the adapter itself (`asal bench` probes): the fixed cost of a dispatch, the
// memory bandwidth and FMA rate it reaches, and what one load costs by where it reads from. They
// bound what any kernel can reach on that adapter, so a substrate that misses its target can be
// told apart from a kernel that is merely slow.

// Keep in sync with `ProbeParams` in substrates/src/bench.rs.
struct ProbeParams {
    mask: u32,       // per-lane loads read src[(i + 64·k) & mask]
    iterations: u32, // FMA probe: loop trips
    pad0: u32,
    pad1: u32,
}

const LOADS: u32 = 64u;

@group(0) @binding(0) var<uniform> params: ProbeParams;
@group(0) @binding(1) var<storage, read> src: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read_write> dst: array<vec4<f32>>;
@group(0) @binding(3) var<uniform> table: array<vec4<f32>, LOADS>;

var<workgroup> shared_table: array<vec4<f32>, LOADS>;

// Nothing: what a dispatch costs by itself.
@compute @workgroup_size(64)
fn empty() {}

fn index(gid: vec3<u32>) -> u32 {
    return gid.x + gid.y * 65535u * 64u;
}

// Streams src to dst: bandwidth (bytes read + written).
@compute @workgroup_size(64)
fn copy(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = index(gid);
    if i < arrayLength(&dst) && i < arrayLength(&src) {
        dst[i] = src[i];
    }
}

// LOADS vec4 loads per invocation, a different address in every lane (a grid's neighbours).
@compute @workgroup_size(64)
fn loads_storage_lane(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = index(gid);
    var acc = vec4<f32>(0.0);
    for (var k = 0u; k < LOADS; k++) {
        acc += src[(i + 64u * k) & params.mask];
    }
    dst[i & params.mask] = acc;
}

// LOADS vec4 loads per invocation, the same address in every lane (a world's weights).
@compute @workgroup_size(64)
fn loads_storage_same(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = index(gid);
    var acc = vec4<f32>(0.0);
    for (var k = 0u; k < LOADS; k++) {
        acc += src[k];
    }
    dst[i & params.mask] = acc;
}

// The same weights from a uniform buffer.
@compute @workgroup_size(64)
fn loads_uniform_same(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = index(gid);
    var acc = vec4<f32>(0.0);
    for (var k = 0u; k < LOADS; k++) {
        acc += table[k];
    }
    dst[i & params.mask] = acc;
}

// The same weights from workgroup memory, filled once per workgroup.
@compute @workgroup_size(64)
fn loads_shared_same(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    shared_table[local] = table[local];
    workgroupBarrier();
    let i = index(gid);
    var acc = vec4<f32>(0.0);
    for (var k = 0u; k < LOADS; k++) {
        acc += shared_table[k];
    }
    dst[i & params.mask] = acc;
}

// 8 independent vec4 FMA chains per invocation: the arithmetic rate (2 FLOP per lane and FMA).
@compute @workgroup_size(64)
fn fma_rate(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = index(gid);
    let x = vec4<f32>(f32(i & 7u) * 1e-3);
    var a0 = x;
    var a1 = x + 1.0;
    var a2 = x + 2.0;
    var a3 = x + 3.0;
    var a4 = x + 4.0;
    var a5 = x + 5.0;
    var a6 = x + 6.0;
    var a7 = x + 7.0;
    let m = vec4<f32>(0.999);
    let c = vec4<f32>(1e-3);
    for (var k = 0u; k < params.iterations; k++) {
        a0 = fma(a0, m, c);
        a1 = fma(a1, m, c);
        a2 = fma(a2, m, c);
        a3 = fma(a3, m, c);
        a4 = fma(a4, m, c);
        a5 = fma(a5, m, c);
        a6 = fma(a6, m, c);
        a7 = fma(a7, m, c);
    }
    dst[i & params.mask] = a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7;
}

// The uniform-buffer weights at constant indices (unrolled by hand): the cheapest path there is.
@compute @workgroup_size(64)
fn loads_uniform_const(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = index(gid);
    var acc = vec4<f32>(0.0);
    acc += table[0] + table[1] + table[2] + table[3] + table[4] + table[5] + table[6] + table[7];
    acc += table[8] + table[9] + table[10] + table[11] + table[12] + table[13] + table[14] + table[15];
    acc += table[16] + table[17] + table[18] + table[19] + table[20] + table[21] + table[22] + table[23];
    acc += table[24] + table[25] + table[26] + table[27] + table[28] + table[29] + table[30] + table[31];
    acc += table[32] + table[33] + table[34] + table[35] + table[36] + table[37] + table[38] + table[39];
    acc += table[40] + table[41] + table[42] + table[43] + table[44] + table[45] + table[46] + table[47];
    acc += table[48] + table[49] + table[50] + table[51] + table[52] + table[53] + table[54] + table[55];
    acc += table[56] + table[57] + table[58] + table[59] + table[60] + table[61] + table[62] + table[63];
    dst[i & params.mask] = acc;
}

// The workgroup-memory weights at constant indices.
@compute @workgroup_size(64)
fn loads_shared_const(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(local_invocation_index) local: u32,
) {
    shared_table[local] = table[local];
    workgroupBarrier();
    let i = index(gid);
    var acc = vec4<f32>(0.0);
    acc += shared_table[0] + shared_table[1] + shared_table[2] + shared_table[3] + shared_table[4] + shared_table[5] + shared_table[6] + shared_table[7];
    acc += shared_table[8] + shared_table[9] + shared_table[10] + shared_table[11] + shared_table[12] + shared_table[13] + shared_table[14] + shared_table[15];
    acc += shared_table[16] + shared_table[17] + shared_table[18] + shared_table[19] + shared_table[20] + shared_table[21] + shared_table[22] + shared_table[23];
    acc += shared_table[24] + shared_table[25] + shared_table[26] + shared_table[27] + shared_table[28] + shared_table[29] + shared_table[30] + shared_table[31];
    acc += shared_table[32] + shared_table[33] + shared_table[34] + shared_table[35] + shared_table[36] + shared_table[37] + shared_table[38] + shared_table[39];
    acc += shared_table[40] + shared_table[41] + shared_table[42] + shared_table[43] + shared_table[44] + shared_table[45] + shared_table[46] + shared_table[47];
    acc += shared_table[48] + shared_table[49] + shared_table[50] + shared_table[51] + shared_table[52] + shared_table[53] + shared_table[54] + shared_table[55];
    acc += shared_table[56] + shared_table[57] + shared_table[58] + shared_table[59] + shared_table[60] + shared_table[61] + shared_table[62] + shared_table[63];
    dst[i & params.mask] = acc;
}

// Storage-buffer weights at constant indices.
@compute @workgroup_size(64)
fn loads_storage_const(@builtin(global_invocation_id) gid: vec3<u32>) {
    let i = index(gid);
    var acc = vec4<f32>(0.0);
    acc += src[0] + src[1] + src[2] + src[3] + src[4] + src[5] + src[6] + src[7];
    acc += src[8] + src[9] + src[10] + src[11] + src[12] + src[13] + src[14] + src[15];
    acc += src[16] + src[17] + src[18] + src[19] + src[20] + src[21] + src[22] + src[23];
    acc += src[24] + src[25] + src[26] + src[27] + src[28] + src[29] + src[30] + src[31];
    acc += src[32] + src[33] + src[34] + src[35] + src[36] + src[37] + src[38] + src[39];
    acc += src[40] + src[41] + src[42] + src[43] + src[44] + src[45] + src[46] + src[47];
    acc += src[48] + src[49] + src[50] + src[51] + src[52] + src[53] + src[54] + src[55];
    acc += src[56] + src[57] + src[58] + src[59] + src[60] + src[61] + src[62] + src[63];
    dst[i & params.mask] = acc;
}
