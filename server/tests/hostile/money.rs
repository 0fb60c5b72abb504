//! Hostile tests: money.
