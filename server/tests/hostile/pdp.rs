//! Hostile tests: pdp.
