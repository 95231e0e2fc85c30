//! `asal bench`: simulation throughput per substrate on the adapter at hand, with the ratio to
//! the original's figures on the 2-core reference machine (reference/performance.md).

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context as _, Result};
use asal_substrates::Gpu;
use asal_substrates::bench::{Case, Measurement, measure};
use asal_substrates::creature::{self, Creature};
use asal_substrates::gol::Rule;

/// Arguments of `asal bench`.
#[derive(clap::Args, Debug)]
pub(crate) struct Args {
    /// Seconds of GPU time per case.
    #[arg(long, default_value_t = 3.0)]
    seconds: f64,
    /// Only cases whose name contains this text.
    #[arg(long)]
    only: Option<String>,
    /// Also write the measurements as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
}

/// The original's steps/s (batch 1, batch 16) on the 2-core machine, from performance.md.
const ORIGINAL_GOL: (f64, f64) = (39_400.0, 62_100.0);
const ORIGINAL_LENIA: (f64, f64) = (499.0, 285.0);

fn cases() -> Result<Vec<Case>> {
    let gol = |size: u32| creature::build("gol", &serde_json::json!({ "size": size }));
    let conway = Rule::CONWAY.code() as f32;
    let mut cases = Vec::new();
    for (worlds, original) in [
        (1, Some(ORIGINAL_GOL.0)),
        (16, Some(ORIGINAL_GOL.1)),
        (256, None),
    ] {
        cases.push(Case {
            name: format!("gol 64² × {worlds}"),
            substrate: gol(64)?,
            genomes: vec![conway; worlds],
            cells_per_world: 64 * 64,
            original_steps_per_s: original,
        });
    }
    cases.push(Case {
        name: "gol 8192² × 1".into(),
        substrate: gol(8192)?,
        genomes: vec![conway],
        cells_per_world: 8192 * 8192,
        original_steps_per_s: None,
    });
    for (worlds, original) in [(1, ORIGINAL_LENIA.0), (16, ORIGINAL_LENIA.1)] {
        let lenia = creature::build("lenia", &serde_json::Value::Null)?;
        let d = lenia.genome().dim();
        cases.push(Case {
            name: format!("lenia 5N7KKM 128²×3, 15 kernels × {worlds}"),
            substrate: lenia,
            genomes: vec![0.0; d * worlds],
            cells_per_world: 128 * 128,
            original_steps_per_s: Some(original),
        });
    }
    let orbium: Creature = serde_json::from_str(include_str!("../assets/creatures/orbium.json"))
        .context("parsing the bundled Orbium creature")?;
    let substrate = orbium.substrate()?;
    let genome = orbium.genome_for(substrate.as_ref())?;
    cases.push(Case {
        name: "lenia Orbium 128² × 1".into(),
        substrate,
        genomes: genome,
        cells_per_world: 128 * 128,
        original_steps_per_s: None,
    });
    Ok(cases)
}

fn fmt_rate(v: f64) -> String {
    if v >= 1e9 {
        format!("{:.2}e9", v / 1e9)
    } else if v >= 1e6 {
        format!("{:.2}e6", v / 1e6)
    } else if v >= 1e3 {
        format!("{:.1}k", v / 1e3)
    } else {
        format!("{v:.1}")
    }
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
        "{:<40} {:>12} {:>14} {:>12} {:>12}",
        "case", "steps/s", "cell-upd/s", "ms/step", "× original"
    );
    let mut results: Vec<Measurement> = Vec::new();
    for case in cases()? {
        if let Some(only) = &args.only
            && !case.name.contains(only.as_str())
        {
            continue;
        }
        let m = measure(&gpu, &case, Duration::from_secs_f64(args.seconds))
            .with_context(|| format!("benchmark {}", case.name))?;
        println!(
            "{:<40} {:>12} {:>14} {:>12.3} {:>12}",
            m.name,
            fmt_rate(m.steps_per_s),
            m.cell_updates_per_s.map_or("-".into(), fmt_rate),
            m.ms_per_batch_step,
            m.ratio_to_original
                .map_or("-".into(), |r| format!("{r:.2}")),
        );
        results.push(m);
    }
    if let Some(path) = &args.json {
        let doc = serde_json::json!({
            "asal": env!("CARGO_PKG_VERSION"),
            "adapter": gpu.info().name,
            "backend": format!("{:?}", gpu.info().backend),
            "driver": format!("{} {}", gpu.info().driver, gpu.info().driver_info),
            "results": results,
        });
        std::fs::write(path, serde_json::to_string_pretty(&doc)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}
