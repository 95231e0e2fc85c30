// Lenia FFT path, lane kernels: the passes of lenia_fft_{rows,cols,inverse_cols,growth}.wgsl, but
// one invocation transforms one whole line (a row or a column) in registers.
//
// Why: lavapipe runs each invocation as one lane of an 8-wide SIMD group, and a load from
// workgroup or storage memory at an address it cannot fold is executed lane by lane (~3 ns a
// lane, docs/PERFORMANCE.md). The workgroup-cooperative kernels pay that for both inputs and both
// outputs of every butterfly, plus a barrier per stage. Here eight lanes transform eight lines in
// lock step; only the line's load and store touch memory.
//
// The transform itself, `fft_lane(inverse)`, is generated straight-line for each line length by
// substrates/src/lane_fft.rs and appended to this source (a private array indexed in a loop
// would live in stack memory, accessed lane by lane too). It calls the kernel's
// `lane_input(i) -> vec2<f32>` for every i < LINE first, then `lane_output(i, X_i)`, each with a
// constant i. It is a radix-4 FFT: the spectra equal the workgroup kernels' radix-2 ones up to
// float32 rounding (tests/lenia_fft.rs compares them).
//
// LINE, the line length, is a compile-time constant: the host compiles one variant per world
// side by replacing this declaration. Keep its text in sync with `LANE_LINE_DECL` in
// substrates/src/shaders.rs.
const LINE: u32 = 128u;

fn cmul(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
    return vec2<f32>(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x);
}
