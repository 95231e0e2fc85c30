//! CPU reference twins of the GPU kernels, written for clarity rather than speed.
//!
//! Each function mirrors one shader; tests compare the two on small worlds, and both against the
//! original's golden fixtures.

pub mod boids;
pub mod gol;
pub mod lenia;
pub mod nca;
pub mod plenia;
pub mod plife;
pub mod plife_plus;
