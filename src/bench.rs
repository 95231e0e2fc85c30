//! `asal bench`: simulation and render throughput of every substrate on the adapter at hand,
//! with ratios to the original's figures on the 2-core reference machine
//! (reference/performance.md), and the uniform grid's pair savings for Particle Life.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, Result};
use asal_substrates::Gpu;
use asal_substrates::bench::{Measurement, Probe, measure, probes, suite};
use asal_substrates::hash::{hash4, unit_f32};
use asal_substrates::plife::pair_count_stats;

/// Arguments of `asal bench`.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// Seconds of GPU time per case (slow cases still run one warm-up and one timed step).
    #[arg(long, default_value_t = 2.0)]
    seconds: f64,
    /// Only cases whose name contains this text.
    #[arg(long)]
    only: Option<String>,
    /// Also write the measurements as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
}

fn fmt_rate(v: f64) -> String {
    if v >= 1e9 {
        format!("{:.2}e9", v / 1e9)
    } else if v >= 1e6 {
        format!("{:.2}e6", v / 1e6)
    } else if v >= 1e4 {
        format!("{:.1}k", v / 1e3)
    } else {
        format!("{v:.1}")
    }
}

fn ratio(r: Option<f64>) -> String {
    r.map_or("-".into(), |r| format!("{r:.2}×"))
}

/// Pair evaluations per step, grid against all pairs, for uniformly placed particles.
fn pair_savings() -> Vec<serde_json::Value> {
    let mut rows = Vec::new();
    for (n, rmax) in [
        (5000u32, 0.1f32),
        (50_000, 0.1),
        (50_000, 0.031_62),
        (100_000, 0.022_36),
    ] {
        let x: Vec<[f32; 2]> = (0..n)
            .map(|i| {
                [
                    unit_f32(hash4(9, 0, 0, 2 * i)),
                    unit_f32(hash4(9, 0, 0, 2 * i + 1)),
                ]
            })
            .collect();
        let c = pair_count_stats(&x, rmax);
        println!(
            "plife pairs N={n:<6} rmax={rmax:<7} grid {:>13} all {:>15} interacting {:>12}  {:.1}× fewer",
            c.grid,
            c.all_pairs,
            c.interacting,
            c.saving()
        );
        rows.push(serde_json::json!({
            "particles": n, "rmax": rmax, "grid_pairs": c.grid, "all_pairs": c.all_pairs,
            "interacting_pairs": c.interacting, "saving": c.saving(),
        }));
    }
    rows
}

/// Runs `asal bench`.
pub(crate) fn run(adapter: Option<&str>, args: &Args) -> Result<()> {
    let gpu = Gpu::new(adapter)?;
    println!(
        "asal {} · wgpu 30 · {}",
        env!("CARGO_PKG_VERSION"),
        gpu.describe()
    );
    println!(
        "{:<30} {:>10} {:>11} {:>10} {:>11} {:>11} {:>11}",
        "case", "steps/s", "cell-upd/s", "ms/step", "vs orig.", "render ms", "vs orig."
    );
    let cases = suite()?;
    if let Some(only) = &args.only {
        let matches = cases.iter().any(|c| c.name.contains(only.as_str()))
            || "probe".contains(only.as_str())
            || "plife pairs".contains(only.as_str());
        if !matches {
            let names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
            anyhow::bail!(
                "--only {only:?} matches no case; valid: any part of {}, \"probe\" or \"plife pairs\"",
                names.join(", ")
            );
        }
    }
    let mut results: Vec<Measurement> = Vec::new();
    for case in cases {
        if let Some(only) = &args.only
            && !case.name.contains(only.as_str())
        {
            continue;
        }
        let m = measure(&gpu, &case, Duration::from_secs_f64(args.seconds))
            .with_context(|| format!("benchmark {}", case.name))?;
        println!(
            "{:<30} {:>10} {:>11} {:>10.3} {:>11} {:>11.3} {:>11}",
            m.name,
            fmt_rate(m.steps_per_s),
            m.cell_updates_per_s.map_or("-".into(), fmt_rate),
            m.ms_per_batch_step,
            ratio(m.ratio_to_original),
            m.render_ms,
            ratio(m.render_ratio_to_original),
        );
        results.push(m);
    }
    let probed: Vec<Probe> = if args.only.as_deref().is_none_or(|o| "probe".contains(o)) {
        let found = probes(&gpu, Duration::from_secs_f64(args.seconds))?;
        for p in &found {
            println!("probe {:<44} {:>12.3} {}", p.name, p.value, p.unit);
        }
        found
    } else {
        Vec::new()
    };
    let pairs = if args
        .only
        .as_deref()
        .is_none_or(|o| "plife pairs".contains(o))
    {
        pair_savings()
    } else {
        Vec::new()
    };
    if let Some(path) = &args.json {
        let doc = serde_json::json!({
            "asal": env!("CARGO_PKG_VERSION"),
            "adapter": gpu.info().name,
            "backend": format!("{:?}", gpu.info().backend),
            "driver": format!("{} {}", gpu.info().driver, gpu.info().driver_info),
            "results": results,
            "plife_pairs": pairs,
            "probes": probed,
        });
        std::fs::write(path, serde_json::to_string_pretty(&doc)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}
