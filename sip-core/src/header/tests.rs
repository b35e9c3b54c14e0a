//! Cross-header tests.
