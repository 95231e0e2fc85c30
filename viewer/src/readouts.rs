//! Model readouts (being written).
