//! Search monitor (being written).
