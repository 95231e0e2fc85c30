//! `cargo bench -p asal-substrates`: steps/s of Life and Lenia at the original's sizes on the
//! default adapter (the same cases as `asal bench`, which also prints ratios to the original).

#![allow(clippy::unwrap_used, reason = "a benchmark fails loudly on any error")]

use std::time::Duration;

use asal_substrates::Gpu;
use asal_substrates::bench::{Case, measure};
use asal_substrates::creature;

fn main() {
    let gpu = Gpu::new(None).unwrap();
    println!("{}", gpu.describe());
    let budget = Duration::from_secs_f64(
        std::env::var("ASAL_BENCH_SECONDS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(2.0),
    );
    let gol = |size: u32| creature::build("gol", &serde_json::json!({ "size": size })).unwrap();
    let lenia = || creature::build("lenia", &serde_json::Value::Null).unwrap();
    let cases = [
        Case {
            name: "gol 64² × 1".into(),
            substrate: gol(64),
            genomes: vec![6152.0],
            cells_per_world: 4096,
            original_steps_per_s: Some(39_400.0),
        },
        Case {
            name: "gol 64² × 256".into(),
            substrate: gol(64),
            genomes: vec![6152.0; 256],
            cells_per_world: 4096,
            original_steps_per_s: None,
        },
        Case {
            name: "gol 8192² × 1".into(),
            substrate: gol(8192),
            genomes: vec![6152.0],
            cells_per_world: 8192 * 8192,
            original_steps_per_s: None,
        },
        Case {
            name: "lenia 5N7KKM × 1".into(),
            substrate: lenia(),
            genomes: vec![0.0; 3117],
            cells_per_world: 128 * 128,
            original_steps_per_s: Some(499.0),
        },
    ];
    for case in &cases {
        let m = measure(&gpu, case, budget).unwrap();
        println!(
            "{:<24} {:>14.1} steps/s {:>14.3e} cell-updates/s {:>10} × original",
            m.name,
            m.steps_per_s,
            m.cell_updates_per_s.unwrap_or(0.0),
            m.ratio_to_original
                .map_or("-".into(), |r| format!("{r:.2}"))
        );
    }
}
