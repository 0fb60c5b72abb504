//! Spend limits, circuit breakers and breaker alerts.
pub mod api;
/// Money lives in the model (one definition for the UI, the server and the sandbox).
pub use charter_model::money;
pub mod pages;
pub mod webhook;
