//! The embedded pages and their files go out compressed (brotli or gzip,
//! as the browser asks), with `Vary: Accept-Encoding` and their ETag;
//! GraphQL, the door's path, goes out as before.

use std::io::Read;

use serde_json::json;

use usher_tests::TestApp;
use usher_tests::on_both_databases;

on_both_databases!(
    pages_and_their_files_are_compressed_as_the_browser_asks,
    graphql_answers_are_not_compressed,
    an_app_asked_with_a_trailing_slash_is_sent_to_its_address,
);

async fn an_app_asked_with_a_trailing_slash_is_sent_to_its_address(app: TestApp) {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let mut seen = Vec::new();
    for path in ["/door/", "/organizer/?festival=film-week"] {
        let response = client.get(app.url(path)).send().await.unwrap();
        seen.push((response.status().as_u16(), header(&response, "location")));
    }
    let followed = get(&app, "/door/", None).await;

    assert_eq!(
        seen,
        [
            (308, Some("/door".to_owned())),
            (308, Some("/organizer?festival=film-week".to_owned())),
        ]
    );
    assert_eq!(followed.status(), 200);
    assert!(followed.text().await.unwrap().contains("/door/app.js"));
}

async fn get(app: &TestApp, path: &str, encodings: Option<&str>) -> reqwest::Response {
    let mut request = app.client.get(app.url(path));
    if let Some(encodings) = encodings {
        request = request.header("accept-encoding", encodings);
    }
    request.send().await.unwrap()
}

fn header(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .map(|value| value.to_str().unwrap().to_owned())
}

fn unbrotli(bytes: &[u8]) -> Vec<u8> {
    let mut plain = Vec::new();
    brotli_decompressor::Decompressor::new(bytes, 4096)
        .read_to_end(&mut plain)
        .unwrap();
    plain
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut plain = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut plain)
        .unwrap();
    plain
}

async fn pages_and_their_files_are_compressed_as_the_browser_asks(app: TestApp) {
    let plain = get(&app, "/vendor/jsQR.js", None).await;
    assert_eq!(header(&plain, "content-encoding"), None);
    assert_eq!(header(&plain, "vary").as_deref(), Some("accept-encoding"));
    let etag = header(&plain, "etag").unwrap();
    let original = plain.bytes().await.unwrap();

    let br = get(&app, "/vendor/jsQR.js", Some("gzip, deflate, br")).await;
    let gzip = get(&app, "/vendor/jsQR.js", Some("gzip")).await;
    let unchanged = app
        .client
        .get(app.url("/vendor/jsQR.js"))
        .header("accept-encoding", "br")
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();

    assert_eq!(header(&br, "content-encoding").as_deref(), Some("br"));
    assert_eq!(header(&br, "vary").as_deref(), Some("accept-encoding"));
    assert_eq!(header(&br, "etag"), Some(etag.clone()));
    let compressed = br.bytes().await.unwrap();
    assert!(
        compressed.len() * 3 < original.len(),
        "{} bytes of {}",
        compressed.len(),
        original.len()
    );
    assert_eq!(unbrotli(&compressed), original, "the same file");
    assert_eq!(header(&gzip, "content-encoding").as_deref(), Some("gzip"));
    assert_eq!(gunzip(&gzip.bytes().await.unwrap()), original);
    assert_eq!(unchanged.status().as_u16(), 304, "the ETag holds");
    assert_eq!(header(&unchanged, "content-encoding"), None);

    for page in ["/", "/door", "/organizer"] {
        let plain = get(&app, page, None).await.bytes().await.unwrap();
        let response = get(&app, page, Some("br")).await;
        assert_eq!(response.status().as_u16(), 200, "{page}");
        assert_eq!(
            header(&response, "content-encoding").as_deref(),
            Some("br"),
            "{page}"
        );
        assert!(
            header(&response, "content-security-policy").is_some(),
            "{page}"
        );
        assert_eq!(unbrotli(&response.bytes().await.unwrap()), plain, "{page}");
    }
    let missing = get(&app, "/vendor/nothing.js", Some("br")).await;
    assert_eq!(missing.status().as_u16(), 404);
}

async fn graphql_answers_are_not_compressed(app: TestApp) {
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("accept-encoding", "br, gzip")
        .json(&json!({ "query": "{ __schema { types { name fields { name } } } }" }))
        .send()
        .await
        .unwrap();

    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(header(&response, "content-encoding"), None);
    let body: serde_json::Value = response.json().await.unwrap();
    assert!(body["data"]["__schema"]["types"].is_array());
    let probe = get(&app, "/healthz", Some("br")).await;
    assert_eq!(header(&probe, "content-encoding"), None);
}
