//! Fuzzing entry point (placeholder, filled in below).
