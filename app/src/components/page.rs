//! The shell every data page shares: a `Suspense` whose fallback is one loading line, then,
//! once the page's data has loaded, either the page's own view of it or the [`ErrorPanel`].
//!
//! Two thin components over one [`shell`]: [`Page`] for a page drawn from one resource, and
//! [`PageWithCsrf`] for a page whose forms also need the session's CSRF token.

use super::{ErrorPanel, SessionResource};
use crate::error::AppError;
use leptos::prelude::*;
use std::future::Future;
use std::sync::Arc;

/// The one definition of the shell. `load` makes the future of the page's data each time the
/// `Suspense` renders; that future is awaited and `view` draws its data inside the `Suspend`, so
/// the resources awaited and every signal the view reads are tracked as when each page wrote
/// the shell inline (the editor, which reads the query in its view, re-renders on it).
fn shell<T, L, Fut, F, V>(fallback: &'static str, load: L, view: F) -> impl IntoView
where
    L: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<T, AppError>> + Send + 'static,
    F: Fn(T) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let view = Arc::new(view);
    view! {
        <Suspense fallback=move || view! { <p class="loading">{fallback}</p> }>
            {move || {
                let (data, view) = (load(), Arc::clone(&view));
                Suspend::new(async move {
                    match data.await {
                        Ok(d) => view(d).into_any(),
                        Err(e) => view! { <ErrorPanel error=e/> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// What a page's data must be: the value of a resource, handed to the page's view.
pub trait PageData: Clone + Send + Sync + 'static {}

impl<T: Clone + Send + Sync + 'static> PageData for T {}

/// A page drawn from one resource: the loading line (`fallback`) while it loads, then `view`
/// of its data, or the [`ErrorPanel`] for its error.
#[component]
pub fn Page<T: PageData, F, V>(
    /// The loading line, such as "Loading agents…".
    fallback: &'static str,
    /// The page's data.
    data: Resource<Result<T, AppError>>,
    /// Draws the loaded data.
    view: F,
) -> impl IntoView
where
    F: Fn(T) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    shell(fallback, move || async move { data.await }, view)
}

/// A page drawn from its data and the session (from context): `view` gets the data and the
/// session's CSRF token for its forms. The data's error wins over the session's when both fail.
#[component]
pub fn PageWithCsrf<T: PageData, F, V>(
    /// The loading line, such as "Loading requests…".
    fallback: &'static str,
    /// The page's data.
    data: Resource<Result<T, AppError>>,
    /// Draws the loaded data, with the session's CSRF token.
    view: F,
) -> impl IntoView
where
    F: Fn(T, String) -> V + Send + Sync + 'static,
    V: IntoView + 'static,
{
    let SessionResource(info) = expect_context();
    let load = move || async move {
        match (data.await, info.await) {
            (Ok(d), Ok(i)) => Ok((d, i.csrf)),
            (Err(e), _) | (_, Err(e)) => Err(e),
        }
    };
    shell(fallback, load, move |(d, csrf)| view(d, csrf))
}

// Rendering a view to HTML needs the `ssr` feature (on in `cargo test --workspace`).
#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    /// While the data loads, the shell is the loading line and nothing else: the same markup
    /// the pages wrote inline before they shared it.
    #[test]
    fn loading_shows_only_the_loading_line() {
        let html = Owner::new().with(|| {
            shell(
                "Loading agents…",
                std::future::pending::<Result<(), AppError>>,
                |()| view! { <p>"loaded"</p> },
            )
            .to_html()
        });
        assert_eq!(html, r#"<p class="loading">Loading agents…</p>"#);
    }
}
