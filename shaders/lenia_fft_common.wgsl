// Lenia FFT path: the radix-2 Stockham FFT shared by the row and column kernels.
//
// One workgroup transforms one line (a row or a column) of n = 2^p complex values held in
// workgroup memory. Stockham ping-pongs between two halves of `fft_buf` and ends in natural
// order, so no bit-reversal pass and no index arithmetic beyond shifts. The twiddles
// exp(-2πi k/n), k < n/2, come from the host (computed in f64, rounded once), so the transform's
// error is only the log2(n) butterfly roundings, not a GPU sin/cos approximation's.
//
// Every FFT kernel binds the twiddles at binding 7 and runs FFT_THREADS invocations.

@group(0) @binding(7) var<storage, read> twiddles: array<vec2<f32>>;

const FFT_THREADS: u32 = 64u;
// Longest line: two halves of 512 complex values are 8 KiB, leaving room for the growth sums.
// Keep in sync with `FFT_MAX_SIZE` in substrates/src/lenia.rs.
const FFT_MAX: u32 = 512u;
var<workgroup> fft_buf: array<vec2<f32>, 1024>;

fn cmul(a: vec2<f32>, b: vec2<f32>) -> vec2<f32> {
    return vec2<f32>(a.x * b.x - a.y * b.y, a.x * b.y + a.y * b.x);
}

// Transforms fft_buf[0..n] (forward: sum x_j exp(-2πi jk/n); inverse: the conjugate twiddles,
// unscaled) and returns where the result starts (0 or FFT_MAX). The caller must have issued a
// barrier after filling the buffer; the function ends with one, so the result can be read at once.
fn fft_line(n: u32, inverse: bool, lid: u32) -> u32 {
    var src = 0u;
    var dst = FFT_MAX;
    var log_s = 0u; // log2 of the stride s = n / (current length)
    var half = n / 2u; // m: half the current length
    while half >= 1u {
        let s = 1u << log_s;
        for (var t = lid; t < n / 2u; t += FFT_THREADS) {
            let p = t >> log_s;
            let q = t & (s - 1u);
            let a = fft_buf[src + q + s * p];
            let b = fft_buf[src + q + s * (p + half)];
            var w = twiddles[p * s];
            if inverse {
                w.y = -w.y;
            }
            fft_buf[dst + q + 2u * s * p] = a + b;
            fft_buf[dst + q + 2u * s * p + s] = cmul(a - b, w);
        }
        workgroupBarrier();
        let tmp = src;
        src = dst;
        dst = tmp;
        log_s += 1u;
        half /= 2u;
    }
    return src;
}
