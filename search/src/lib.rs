//! Search: objectives and optimisers for ASAL.
