//! Throughput of the particle substrates and the grid's pair savings (tier 4: `--ignored`).
//! `cargo test --release -p asal-substrates --test particle_bench -- --ignored --nocapture`

#![allow(clippy::unwrap_used, reason = "a benchmark fails loudly on any error")]

mod common;

use std::time::{Duration, Instant};

use asal_substrates::plenia::{Plenia, PleniaConfig};
use asal_substrates::plife::{Neighbours, Plife, PlifeConfig, pair_count_stats};
use asal_substrates::plife_plus::{PlifePlus, PlifePlusConfig};
use asal_substrates::substrate::{Init, Substrate};
use common::gpu;

/// Steps per second of `worlds` zero genomes, timed over at least 2 s after a warm-up step.
fn steps_per_s(substrate: &dyn Substrate, worlds: usize) -> f64 {
    let g = gpu();
    let genomes = vec![0.0; substrate.genome().dim() * worlds];
    let mut batch = substrate
        .create_batch(g, &genomes, &Init::Seed(0), 0)
        .unwrap();
    let mut encoder = g.device.create_command_encoder(&Default::default());
    batch.encode_step(&mut encoder);
    g.submit_and_wait(encoder).unwrap();
    let start = Instant::now();
    let mut steps = 0u32;
    let mut chunk = 1u32;
    while start.elapsed() < Duration::from_secs(2) || steps < 3 {
        let mut encoder = g.device.create_command_encoder(&Default::default());
        for _ in 0..chunk {
            batch.encode_step(&mut encoder);
        }
        g.submit_and_wait(encoder).unwrap();
        steps += chunk;
        chunk = (chunk * 2).min(64);
    }
    f64::from(steps) / start.elapsed().as_secs_f64()
}

fn plife(particles: u32, rmax: f32, neighbours: Neighbours) -> Plife {
    Plife::new(PlifeConfig {
        particles,
        rmax,
        neighbours,
        ..PlifeConfig::default()
    })
    .unwrap()
}

#[test]
#[ignore = "benchmark: run with --ignored --nocapture"]
fn particle_throughput() {
    eprintln!("adapter: {}", gpu().describe());
    let cases: Vec<(String, Box<dyn Substrate>, usize)> = vec![
        (
            "plife 5000 grid".into(),
            Box::new(plife(5000, 0.1, Neighbours::Grid)),
            1,
        ),
        (
            "plife 5000 grid".into(),
            Box::new(plife(5000, 0.1, Neighbours::Grid)),
            16,
        ),
        (
            "plife 5000 all-pairs".into(),
            Box::new(plife(5000, 0.1, Neighbours::AllPairs)),
            1,
        ),
        (
            "plife 50k grid".into(),
            Box::new(plife(50_000, 0.1, Neighbours::Grid)),
            1,
        ),
        (
            "plife 50k grid rmax 0.0316".into(),
            Box::new(plife(50_000, 0.0316, Neighbours::Grid)),
            1,
        ),
        (
            "plife 100k grid".into(),
            Box::new(plife(100_000, 0.1, Neighbours::Grid)),
            1,
        ),
        (
            "plife 100k grid rmax 0.0224".into(),
            Box::new(plife(100_000, 0.0224, Neighbours::Grid)),
            1,
        ),
        (
            "plife_plus 1000".into(),
            Box::new(PlifePlus::new(PlifePlusConfig::default()).unwrap()),
            1,
        ),
        (
            "plife_plus 1000".into(),
            Box::new(PlifePlus::new(PlifePlusConfig::default()).unwrap()),
            16,
        ),
        (
            "plenia 200".into(),
            Box::new(Plenia::new(PleniaConfig::default()).unwrap()),
            1,
        ),
        (
            "plenia 200".into(),
            Box::new(Plenia::new(PleniaConfig::default()).unwrap()),
            16,
        ),
    ];
    for (name, substrate, worlds) in &cases {
        let rate = steps_per_s(substrate.as_ref(), *worlds);
        eprintln!(
            "{name:<28} batch {worlds:>2}: {rate:>9.1} steps/s ({:.1} world-steps/s)",
            rate * *worlds as f64
        );
    }
}

#[test]
#[ignore = "benchmark: run with --ignored --nocapture"]
fn grid_pair_counts() {
    for (n, rmax) in [
        (5000usize, 0.1f32),
        (50_000, 0.1),
        (50_000, 0.0316),
        (100_000, 0.0224),
    ] {
        let x: Vec<[f32; 2]> = (0..n as u32)
            .map(|i| {
                let u =
                    |k| asal_substrates::hash::unit_f32(asal_substrates::hash::hash4(1, 0, k, i));
                [u(0), u(1)]
            })
            .collect();
        let s = pair_count_stats(&x, rmax);
        eprintln!(
            "N {n:>6} rmax {rmax}: grid {} ({}² cells) vs all pairs {} → {:.1}× fewer; interacting {}",
            s.grid,
            s.side,
            s.all_pairs,
            s.saving(),
            s.interacting
        );
    }
}
