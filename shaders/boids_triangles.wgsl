// Neural boids, tile render, pass 1 of 3: one invocation per boid builds its triangle once per
// frame (the block kernel rebuilt all of them in every 32×32 tile) and writes its record (layout
// in `boids_raster.wgsl`): what the render pass needs per pixel block is then a few products and
// three exponentials, and the box feeds the mask pass.

@group(0) @binding(0) var<uniform> params: BoidsParams;
@group(0) @binding(1) var<uniform> frame: FrameParams;
@group(0) @binding(2) var<storage, read> boids: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read_write> records: array<vec4<f32>>;

@compute @workgroup_size(64)
fn triangles(@builtin(global_invocation_id) gid: vec3<u32>) {
    let n = params.n_boids;
    let i = gid.x;
    let world = gid.z;
    if i >= n {
        return;
    }
    let t = triangle(boids[world * n + i]);
    // b = ∇b·(q − t0) with ∇b = (d11·e02 − d01·e01)/det (the twin's Gram solve, rearranged),
    // c likewise; a = 1 − b − c.
    let inv = 1.0 / t.gram.w;
    let grad_b = (t.gram.z * t.e02 - t.gram.y * t.e01) * inv;
    let grad_c = (t.gram.x * t.e01 - t.gram.y * t.e02) * inv;
    let k = params.sharpness;
    let xb = -k * grad_b;
    let xc = -k * grad_c;
    let xa = -xb - xc;
    let step = pixel_coord(1u);
    let down = exp(step * vec3<f32>(xa.x, xb.x, xc.x));
    let along = exp(step * vec3<f32>(xa.y, xb.y, xc.y));
    let r = world * record_stride() + RECORD * i;
    records[r] = vec4<f32>(t.t0, xb);
    records[r + 1u] = vec4<f32>(xc, down.xy);
    records[r + 2u] = vec4<f32>(down.z, along);
    records[r + 3u] = bitcast<vec4<f32>>(t.bbox);
}
