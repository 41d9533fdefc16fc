//! Who may do what to the server: it listens on loopback unless told otherwise, and a
//! change needs the bearer token read from `--token-file`.

use super::api::ApiError;
use axum::http::{HeaderMap, StatusCode};
use std::net::{SocketAddr, ToSocketAddrs};

/// The address to listen on. `ADDR` is `host:port` (`127.0.0.1:8080`, `[::1]:0`,
/// `localhost:8080`) or `:port` for loopback. A non-loopback address needs a token:
/// without one, anyone on the network could change the model.
pub fn listen_address(listen: &str, has_token: bool) -> Result<SocketAddr, String> {
    let spelled = match listen.strip_prefix(':') {
        Some(port) => format!("127.0.0.1:{port}"),
        None => listen.to_string(),
    };
    let addr = spelled
        .to_socket_addrs()
        .map_err(|e| {
            format!("error: --listen {listen}: {e} (expected HOST:PORT, e.g. 127.0.0.1:8080)")
        })?
        .next()
        .ok_or_else(|| format!("error: --listen {listen}: the name has no address"))?;
    if !addr.ip().is_loopback() && !has_token {
        return Err(format!(
            "error: refusing to listen on {addr} without a token: anyone who can reach it could change the model\n  = help: pass --token-file FILE (changes then need `Authorization: Bearer <the file's text>`), or listen on 127.0.0.1"
        ));
    }
    Ok(addr)
}

/// The token in a file: its text without surrounding white space; an empty file is an
/// error (an empty token would match a header that sends none).
pub fn read_token(path: &std::path::Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("error: --token-file {}: {e}", path.display()))?;
    let token = text.trim().to_string();
    if token.is_empty() {
        return Err(format!(
            "error: --token-file {}: the file is empty",
            path.display()
        ));
    }
    Ok(token)
}

/// Refuses a change without the server's token (401). A server started without
/// `--token-file` listens on loopback only and takes changes from anyone who can reach it.
pub fn require_token(expected: Option<&str>, headers: &HeaderMap) -> Result<(), ApiError> {
    let Some(expected) = expected else {
        return Ok(());
    };
    let given = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    match given {
        Some(t) if constant_time_eq(t.as_bytes(), expected.as_bytes()) => Ok(()),
        Some(_) => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "bad_token",
            "the bearer token is not the server's",
        )),
        None => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "no_token",
            "changes need `Authorization: Bearer <token>` (the text of the server's --token-file)",
        )),
    }
}

/// Compares without stopping at the first difference, so timing tells nothing of the token.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
