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
    use super::{DOOR_PAGE, FESTIVAL_PAGE, GRAPHIQL_PAGE, asset};

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
    fn everything_the_apps_load_is_embedded_from_their_own_origin_and_kept_offline() {
        let shell = quoted_paths(&text("app-sw.js"));
        let apps: [(&str, &[&str]); 2] = [
            (
                DOOR_PAGE,
                &["door/app.js", "door/offline.js", "door/camera.js"],
            ),
            (FESTIVAL_PAGE, &["festival/app.js"]),
        ];
        for (page, modules) in apps {
            let html = text(page);
            assert!(!html.contains("://"), "{page}: nothing from another host");
            let mut loaded = quoted_paths(&html);
            for module in modules.iter().chain(&["common/api.js", "common/i18n.js"]) {
                let source = text(module);
                assert!(
                    !source.contains("http://") && !source.contains("https://"),
                    "{module}"
                );
                loaded.extend(quoted_paths(&source));
            }
            // The browser keeps the service worker itself; GraphQL is never cached.
            loaded.retain(|path| !path.starts_with("/app-sw.js") && !path.starts_with("/graphql"));
            for path in &loaded {
                assert!(shell.contains(path), "{path} is not cached for offline use");
            }
        }
        for path in shell
            .iter()
            .filter(|path| !["/", "/door"].contains(&path.as_str()))
        {
            assert!(
                asset(path.trim_start_matches('/')).is_some(),
                "{path} is not embedded"
            );
        }
    }

    /// The message ids of a translation file; panics on a syntax error.
    fn message_ids(path: &str) -> std::collections::BTreeSet<String> {
        let resource = fluent_syntax::parser::parse(text(path))
            .unwrap_or_else(|(_, errors)| panic!("{path}: {errors:?}"));
        resource
            .body
            .into_iter()
            .filter_map(|entry| match entry {
                fluent_syntax::ast::Entry::Message(message) => Some(message.id.name),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn every_language_has_every_file_and_sentence_english_has() {
        let paths: Vec<String> = super::Locales::iter()
            .map(|path| path.into_owned())
            .collect();
        let languages: std::collections::BTreeSet<&str> = paths
            .iter()
            .filter_map(|path| path.split('/').nth(1))
            .collect();
        assert!(languages.contains("zh-CN"), "{languages:?}");
        let english: Vec<&String> = paths
            .iter()
            .filter(|path| path.starts_with("locales/en/"))
            .collect();
        assert!(english.len() >= 2, "{english:?}");
        for file in english {
            let ids = message_ids(file);
            for language in &languages {
                let translated = file.replacen("/en/", &format!("/{language}/"), 1);
                assert_eq!(
                    message_ids(&translated),
                    ids,
                    "{translated} must say exactly what {file} says"
                );
            }
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
