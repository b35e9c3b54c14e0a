//! Fuzzing entry points (not public API).
