//! The ASAL desktop explorer: an eframe app on eframe's own wgpu device, so compute passes of the
//! substrates write straight into textures that egui shows (no CPU round trip).
//!
//! - [`monitor`]: follow a run directory's `log.jsonl` (tolerating a partial last line), plot its
//!   fitness curves, start a search from a config in the background.
//! - [`readouts`]: model readouts of the running creature: similarity to a typed prompt and the
//!   open-endedness (novelty) score along the run so far.

pub mod monitor;
pub mod readouts;
