//! `cargo bench -p asal-substrates`: the suite of `asal bench` (every substrate at the
//! original's sizes) on the default adapter. `ASAL_BENCH_SECONDS` sets the time per case,
//! `ASAL_BENCH_ONLY` filters cases by name. `cargo bench -p asal-substrates --profile dev`
//! reuses the test build (dependencies at opt-level 2; lavapipe's JIT-compiled kernels dominate,
//! so it measures the same as a release build within noise).

#![allow(clippy::unwrap_used, reason = "a benchmark fails loudly on any error")]

use std::time::Duration;

use asal_substrates::Gpu;
use asal_substrates::bench::measure;

fn main() {
    let gpu = Gpu::new(None).unwrap();
    println!("{}", gpu.describe());
    let budget = Duration::from_secs_f64(
        std::env::var("ASAL_BENCH_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(2.0),
    );
    let cases = asal_substrates::bench::suite().unwrap();
    let only = std::env::var("ASAL_BENCH_ONLY").unwrap_or_default();
    for case in cases.iter().filter(|c| c.name.contains(only.as_str())) {
        let m = measure(&gpu, case, budget).unwrap();
        let ratio = |r: Option<f64>| r.map_or("-".into(), |r| format!("{r:.2}"));
        println!(
            "{:<32} {:>12.1} steps/s {:>11.3e} cell-updates/s {:>7} × original   render {:>8.3} ms {:>7} × original",
            m.name,
            m.steps_per_s,
            m.cell_updates_per_s.unwrap_or(0.0),
            ratio(m.ratio_to_original),
            m.render_ms,
            ratio(m.render_ratio_to_original),
        );
    }
}
