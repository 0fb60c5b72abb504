//! Hostile tests: config.
