//! Foundation models: image and text embeddings for ASAL objectives.
