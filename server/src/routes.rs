//! Every route the server mounts, as data. [`crate::router`] mounts from the same sources, and
//! the tenant-isolation matrix (`server/tests/isolation.rs`) is generated from
//! [`mounted_routes`]: a route added anywhere joins the matrix, and a route the matrix has no
//! expectation for fails it.

use http::Method;
use leptos_axum::{AxumRouteListing, generate_route_list};

/// The liveness probe: public, no tenant data.
pub const HEALTHZ: &str = "/healthz";
/// The activity export (CSV / JSON Lines) of one account, behind the session.
pub const ACTIVITY_EXPORT: &str = "/accounts/{adv}/activity/export";

/// Who may reach a route, as the server draws the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    /// A Leptos page (server-rendered, behind the session layer).
    Page,
    /// A Leptos server function under `/api/` (behind the session and CSRF layers).
    ServerFn,
    /// A plain axum handler behind the session layer (the activity export).
    SessionHandler,
    /// A machine endpoint: a bearer token or client credentials, never a cookie.
    Machine,
    /// Public and tenant-free (the probe, the key set, the OAuth metadata).
    Public,
}

/// One mounted route: its method, its axum path (`{param}` placeholders) and its surface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mounted {
    pub method: Method,
    pub path: String,
    pub surface: Surface,
}

/// The Leptos page routes, as [`crate::router`] mounts them.
///
/// Built once per process, before the first page can render: `generate_route_list` runs the
/// whole app under a process-global flag (leptos_server's `SuppressResourceLoad`), and a
/// resource whose future is first polled while the flag is set never resolves
/// (leptos-rs/leptos#4773, still so in leptos_server 0.8.8). Built again while another server
/// of the process renders (a second server, the isolation matrix's route table), it stalled that
/// page for good: `tests/stories.rs::pages_render_while_another_server_builds_its_routes`.
pub fn pages() -> Vec<AxumRouteListing> {
    static PAGES: std::sync::LazyLock<Vec<AxumRouteListing>> =
        std::sync::LazyLock::new(|| generate_route_list(app::App));
    PAGES.clone()
}

/// Every route of [`crate::router`], sorted by path then method.
pub fn mounted_routes() -> Vec<Mounted> {
    let mut all = Vec::new();
    let mut add = |method: Method, path: &str, surface| {
        all.push(Mounted {
            method,
            path: path.to_string(),
            surface,
        })
    };
    for page in pages() {
        for method in page.methods() {
            add(page_method(method), page.path(), Surface::Page);
        }
    }
    for (path, method) in leptos::server_fn::axum::server_fn_paths() {
        add(method, path, Surface::ServerFn);
    }
    add(Method::GET, ACTIVITY_EXPORT, Surface::SessionHandler);
    add(Method::GET, HEALTHZ, Surface::Public);
    for (method, path) in crate::oauth::ROUTES {
        let surface = if method == Method::GET {
            Surface::Public
        } else {
            Surface::Machine
        };
        add(method.clone(), path, surface);
    }
    for (method, path) in crate::pdp::ROUTES {
        add(method.clone(), path, Surface::Machine);
    }
    for route in charter_sandbox::routes() {
        add(route.method, route.path, Surface::Machine);
    }
    all.sort_by(|a, b| (&a.path, a.method.as_str()).cmp(&(&b.path, b.method.as_str())));
    all
}

fn page_method(method: leptos_router::Method) -> Method {
    match method {
        leptos_router::Method::Get => Method::GET,
        leptos_router::Method::Post => Method::POST,
        leptos_router::Method::Put => Method::PUT,
        leptos_router::Method::Delete => Method::DELETE,
        leptos_router::Method::Patch => Method::PATCH,
    }
}
