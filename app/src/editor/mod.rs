//! The grant editor: a capability matrix (namespace × access level), data scope, time bounds and a
//! bid cap, previewed live against the current version (in the browser, with `authz` compiled to
//! wasm; on the server without JavaScript) and saved as the grant's next version.

// `#[server]` functions take one argument per form field; the hydrate build's client stubs do
// not carry a per-function `allow`.
#[allow(clippy::too_many_arguments)]
pub mod api;
pub mod draft;
pub mod pages;
