//! Clip encoding lives in the gallery crate (deterministic PNG / GIF / WebP); `asal simulate` and
//! `asal replay` use the same encoder.

pub(crate) use asal_gallery::clip::Clip;
