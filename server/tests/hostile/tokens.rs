//! Hostile tests: tokens.
