//! Spend limits, circuit breakers and breaker alerts.
pub mod api;
pub mod money;
pub mod pages;
pub mod webhook;
