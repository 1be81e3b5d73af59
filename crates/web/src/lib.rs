//! The pages people use, as files embedded in the binary: nothing they need
//! is fetched from any other host, so they work at a venue without
//! internet. Vendored libraries are listed, with their hashes, in
//! `vendor/libraries.txt`.

use std::borrow::Cow;

use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "assets/"]
struct Assets;

/// One embedded file.
pub struct Asset {
    /// Its bytes.
    pub bytes: Cow<'static, [u8]>,
    /// Its media type, for `Content-Type`.
    pub content_type: &'static str,
    /// A strong validator of its bytes, for `ETag`.
    pub etag: String,
}

/// The file at `path` (relative, e.g. `graphiql/index.html`), if embedded.
pub fn asset(path: &str) -> Option<Asset> {
    let file = Assets::get(path)?;
    let etag = format!(
        "\"{}\"",
        file.metadata
            .sha256_hash()
            .iter()
            .take(16)
            .map(|byte| format!("{byte:02x}"))
            .collect::<String>()
    );
    Some(Asset {
        bytes: file.data,
        content_type: content_type(path),
        etag,
    })
}

/// The page that explores the GraphQL API (GraphiQL), served at `/graphql`.
pub const GRAPHIQL_PAGE: &str = "graphiql/index.html";

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, extension)| extension) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("wasm") => "application/wasm",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::{GRAPHIQL_PAGE, asset};

    #[test]
    fn the_graphiql_page_and_its_libraries_are_embedded() {
        let page = asset(GRAPHIQL_PAGE).unwrap();
        assert_eq!(page.content_type, "text/html; charset=utf-8");
        let page = String::from_utf8(page.bytes.into_owned()).unwrap();
        for script in [
            "/vendor/react.production.min.js",
            "/vendor/react-dom.production.min.js",
            "/vendor/graphiql.min.js",
            "/vendor/graphiql.min.css",
        ] {
            assert!(page.contains(script), "{script}");
            assert!(asset(script.trim_start_matches('/')).is_some(), "{script}");
        }
        assert!(!page.contains("https://"), "nothing from another host");
    }
}
