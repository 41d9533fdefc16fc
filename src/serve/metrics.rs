//! `/metrics` in Prometheus text (through `prometheus-client`, the Prometheus project's
//! own Rust client), and the structured request log: one JSON line per request on stderr.

use super::state::Server;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub endpoint: String,
    pub status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct EndpointLabels {
    pub endpoint: String,
}

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<EndpointLabels, Histogram, fn() -> Histogram>,
    pub revision: Gauge,
    tuples: Gauge,
    resident: Gauge,
    /// How long reads waited for a change in progress (reads that did not wait are not
    /// counted): what readers pay for writes.
    pub read_wait: Histogram,
    /// Write the request log (off with `--quiet`).
    pub log: AtomicBool,
}

fn latency_histogram() -> Histogram {
    // 50 µs to about 3 s.
    Histogram::new(prometheus_client::metrics::histogram::exponential_buckets(
        0.00005, 2.0, 16,
    ))
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("grantlog");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<EndpointLabels, Histogram, fn() -> Histogram>::new_with_constructor(
            latency_histogram,
        );
        let revision = Gauge::default();
        let tuples = Gauge::default();
        let resident = Gauge::default();
        // 1 µs to about 1 s.
        let read_wait = Histogram::new(prometheus_client::metrics::histogram::exponential_buckets(
            0.000001, 2.0, 20,
        ));
        registry.register(
            "read_wait_seconds",
            "Time a read waited for a change in progress to finish (only reads that waited)",
            read_wait.clone(),
        );
        registry.register(
            "http_requests",
            "HTTP requests answered, by endpoint and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer a request, by endpoint",
            latency.clone(),
        );
        registry.register("revision", "The model's revision", revision.clone());
        registry.register(
            "tuples",
            "Tuples the model holds (base and derived)",
            tuples.clone(),
        );
        registry.register(
            "resident_memory_bytes",
            "Resident memory of the process",
            resident.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            revision,
            tuples,
            resident,
            read_wait,
            log: AtomicBool::new(true),
        }
    }

    pub fn observe(&self, endpoint: &str, status: u16, seconds: f64) {
        self.requests
            .get_or_create(&RequestLabels {
                endpoint: endpoint.to_string(),
                status,
            })
            .inc();
        self.latency
            .get_or_create(&EndpointLabels {
                endpoint: endpoint.to_string(),
            })
            .observe(seconds);
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

/// `GET /metrics`.
pub async fn metrics(State(server): State<Arc<Server>>) -> Response {
    let m = &server.metrics;
    // During a change the scrape answers with the last count rather than wait for it.
    if let Some(live) = server.try_read() {
        m.tuples.set(live.ws.model.held_rows() as i64);
    }
    m.resident.set(resident_bytes() as i64);
    let mut text = String::new();
    if prometheus_client::encoding::text::encode(&mut text, &m.registry).is_err() {
        return axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    (
        [(
            CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        text,
    )
        .into_response()
}

/// Resident memory from /proc (0 where there is none).
pub fn resident_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .nth(1)
                .and_then(|p| p.parse::<u64>().ok())
        })
        .map_or(0, |pages| pages * 4096)
}

/// Counts and times every request, and logs it.
pub async fn observe(State(server): State<Arc<Server>>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let endpoint = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", |p| p.as_str())
        .to_string();
    // Copied only for the log: a check is a few microseconds, and `--quiet` skips these.
    let log = server.metrics.log.load(Ordering::Relaxed);
    let (method, path) = if log {
        (req.method().to_string(), req.uri().path().to_string())
    } else {
        Default::default()
    };
    let response = next.run(req).await;
    let secs = started.elapsed().as_secs_f64();
    let status = response.status().as_u16();
    server.metrics.observe(&endpoint, status, secs);
    if log {
        let line = serde_json::json!({
            "at": super::history::now(),
            "method": method,
            "path": path,
            "status": status,
            "ms": (secs * 1e6).round() / 1e3,
        });
        eprintln!("{line}");
    }
    response
}
