//! Batched substrates.
