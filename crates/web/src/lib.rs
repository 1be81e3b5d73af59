//! The pages people use, as files embedded in the binary: nothing they need
//! is fetched from any other host, so they work at a venue without
//! internet. Vendored libraries are listed, with their hashes, in
//! `vendor/libraries.txt`.

use std::borrow::Cow;

use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "assets/"]
struct Assets;

/// The translation files the server speaks with too, one per language, so
/// that the pages and the server say the same sentences.
#[derive(RustEmbed)]
#[folder = "../domain/locales/"]
#[prefix = "locales/"]
struct Locales;

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
    let file = Assets::get(path).or_else(|| Locales::get(path))?;
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

/// The door app, served at `/door`.
pub const DOOR_PAGE: &str = "door/index.html";

/// The attendees' festival app, served at `/`.
pub const FESTIVAL_PAGE: &str = "festival/index.html";

/// The organizers' console, served at `/organizer`.
pub const ORGANIZER_PAGE: &str = "organizer/index.html";

fn content_type(path: &str) -> &'static str {
    match path.rsplit_once('.').map(|(_, extension)| extension) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("webmanifest") => "application/manifest+json",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("wasm") => "application/wasm",
        Some("woff2") => "font/woff2",
        Some("ftl") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::{DOOR_PAGE, GRAPHIQL_PAGE, asset};

    fn text(path: &str) -> String {
        let file = asset(path).unwrap_or_else(|| panic!("{path} is not embedded"));
        String::from_utf8(file.bytes.into_owned()).unwrap()
    }

    /// The quoted absolute paths (`'/door/app.js'`, `"/vendor/…"`) in `text`.
    fn quoted_paths(text: &str) -> Vec<String> {
        let mut paths = Vec::new();
        for quote in ['\'', '"'] {
            for (start, _) in text.match_indices(&format!("{quote}/")) {
                let rest = &text[start + 1..];
                let path = &rest[..rest.find(quote).unwrap_or(0)];
                if path.contains('.') && !path.contains(char::is_whitespace) {
                    paths.push(path.to_owned());
                }
            }
        }
        paths
    }

    #[test]
    fn everything_the_door_app_loads_is_embedded_and_from_its_own_origin() {
        let page = text(DOOR_PAGE);
        assert!(!page.contains("://"), "nothing from another host");
        let worker = text("door-sw.js");
        let shell = quoted_paths(&worker);
        assert!(shell.contains(&"/door/app.js".to_owned()), "{shell:?}");
        let mut loaded = quoted_paths(&page);
        for module in [
            "door/app.js",
            "door/offline.js",
            "door/camera.js",
            "common/api.js",
            "common/i18n.js",
        ] {
            let source = text(module);
            assert!(
                !source.contains("http://") && !source.contains("https://"),
                "{module}"
            );
            loaded.extend(
                quoted_paths(&source)
                    .into_iter()
                    .filter(|path| !path.starts_with("/graphql")),
            );
        }
        for path in loaded.iter().chain(&shell) {
            if path != "/door" {
                assert!(
                    asset(path.trim_start_matches('/')).is_some(),
                    "{path} is not embedded"
                );
            }
        }
        // The browser keeps the service worker itself.
        for path in loaded.iter().filter(|path| *path != "/door-sw.js") {
            assert!(shell.contains(path), "{path} is not cached for offline use");
        }
    }

    #[test]
    fn the_translation_files_are_served_beside_the_pages() {
        let english = asset("locales/en/door.ftl").unwrap();
        assert_eq!(english.content_type, "text/plain; charset=utf-8");
        assert!(text("locales/zh-CN/door.ftl").contains("door-page-title"));
    }

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
