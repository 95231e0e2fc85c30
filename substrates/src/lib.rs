//! Batched GPU simulation of artificial-life substrates, with CPU reference twins.
//!
//! The engine under every ASAL search: a [`Substrate`] decodes n flat genomes ([`GenomeSpec`]),
//! creates n worlds on the GPU ([`Gpu`]) and advances or renders all of them with one dispatch
//! per kernel. [`rollout`] records many steps per command buffer and reads back only the frames
//! sampled at K chosen steps ([`FrameSchedule`]) and, when asked, full states in the original's
//! fixture names ([`tensors`]). Substrates:
//!
//! - [`gol`]: Life-like cellular automata, bit-packed (32 cells per u32);
//! - [`lenia`]: the original's multi-channel Lenia (pattern 5N7KKM) and Chan's classic Lenia.
//!
//! Each WGSL kernel in `shaders/` has a CPU twin in [`reference`], and tests compare the two and
//! both against the golden fixtures of the original implementation.

pub mod bench;
pub mod boids;
pub mod creature;
pub mod error;
pub mod genome;
pub mod gol;
pub mod gpu;
pub mod hash;
mod lane_fft;
pub mod lenia;
pub mod nca;
pub mod particle_grid;
pub mod plenia;
pub mod plife;
pub mod plife_plus;
pub mod reference;
pub mod shaders;
pub mod substrate;
pub mod tensors;

pub use error::{Error, Result};
pub use genome::{Decode, Decoded, GenomeBlock, GenomeSpec};
pub use gpu::Gpu;
pub use substrate::{
    FrameSchedule, FrameTarget, FrameTimes, Init, RolloutOutput, RolloutSpec, Substrate,
    WorldBatch, rollout,
};

/// Canonical substrate names this build can simulate.
pub const SUBSTRATES: &[&str] = &[
    "gol",
    "lenia",
    "boids",
    "dnca",
    "nca_d1",
    "nca_d3",
    "plife",
    "plife_plus",
    "plenia",
];

/// The canonical name for a user-given substrate name (the original's names and aliases).
pub fn canonical_name(name: &str) -> Result<&'static str> {
    match name.trim().to_ascii_lowercase().as_str() {
        "gol" | "life" | "life-like" | "lifelike" => Ok("gol"),
        "lenia" => Ok("lenia"),
        "boids" => Ok("boids"),
        "dnca" => Ok("dnca"),
        "nca_d1" | "nca-d1" => Ok("nca_d1"),
        "nca_d3" | "nca-d3" => Ok("nca_d3"),
        "plife" | "particle_life" | "particle-life" => Ok("plife"),
        "plife_plus" | "plife-plus" | "particle_life_plus" => Ok("plife_plus"),
        "plenia" | "particle_lenia" | "particle-lenia" => Ok("plenia"),
        other => Err(Error::UnknownSubstrate {
            name: other.to_owned(),
            valid:
                "gol (alias life), lenia, boids, dnca, nca_d1, nca_d3, plife, plife_plus, plenia"
                    .into(),
        }),
    }
}
