//! Share what a search found: deterministic clips, an embedding atlas and a static HTML gallery.
//!
//! - [`clip`]: frames → animated WebP (lossy, fixed quality) / GIF / PNG, same bytes every time;
//! - [`site::export`]: run directories → a folder with `index.html`, `style.css`, `app.js`,
//!   `media/` (clips, atlas thumbnails) and `creatures/` (replayable creature files), written to a
//!   temporary folder and renamed into place;
//! - [`layout`]: which members an atlas shows (a sweep's best embedded rules, an illumination
//!   population), PCA to 2-D and assignment of points to free grid cells;
//! - [`plot`]: inline SVG line plots (fitness per generation; per-frame novelty of
//!   open-endedness creatures, from the creature file's `novelty` curve);
//! - [`text`]: HTML escaping and file names derived from user text.

pub mod clip;
pub mod error;
pub mod layout;
pub mod plot;
pub mod run;
pub mod site;
pub mod text;

pub use error::{Error, Result};
pub use site::{Options, Summary, export};
