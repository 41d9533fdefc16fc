//! The explorer: a web page at `/` over the decision API, its HTML, CSS and JavaScript
//! inside the binary (nothing is fetched from elsewhere). See docs/explorer.md.

use super::state::Server;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use std::sync::Arc;

const INDEX: &str = include_str!("../../assets/explorer/index.html");
const SCRIPT: &str = include_str!("../../assets/explorer/app.js");
const STYLE: &str = include_str!("../../assets/explorer/app.css");

pub fn routes() -> axum::Router<Arc<Server>> {
    axum::Router::new()
        .route("/", get(|| asset("text/html; charset=utf-8", INDEX)))
        .route(
            "/explorer/",
            get(|| asset("text/html; charset=utf-8", INDEX)),
        )
        .route(
            "/explorer/app.js",
            get(|| asset("text/javascript; charset=utf-8", SCRIPT)),
        )
        .route(
            "/explorer/app.css",
            get(|| asset("text/css; charset=utf-8", STYLE)),
        )
}

async fn asset(kind: &'static str, body: &'static str) -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, kind),
            // The page talks to this server only: no other origin may be reached.
            (
                header::CONTENT_SECURITY_POLICY,
                "default-src 'self'; style-src 'self'; img-src 'self' data:",
            ),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        body,
    )
}
