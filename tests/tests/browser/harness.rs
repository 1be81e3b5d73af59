//! The harness itself, against the real server: the browser's options
//! hold, the page (and its service worker) can be cut off the network,
//! keys reach the page, and the fake camera shows a ticket's QR code
//! readably.

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use usher_tests::browser::{Browser, BrowserOptions, Window, qr_codes_in, with_camera_on_ticket};
use usher_tests::{TestApp, catalogue, on_both_databases_in_a_browser, tickets};

const WAIT: Duration = Duration::from_secs(10);

on_both_databases_in_a_browser!(
    graphiql_opens_on_a_dark_chinese_phone,
    a_page_offline_cannot_reach_the_server_and_online_again_can,
    the_fake_camera_shows_a_tickets_qr_code_readably,
);

/// A page whose service worker fetches `/ping` for it, adding `?via=worker`.
const WORKER_PAGE: &str = "<!doctype html><title>worker</title>";
const WORKER: &str = "
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));
self.addEventListener('fetch', (event) => {
  if (new URL(event.request.url).pathname === '/ping') {
    event.respondWith(fetch('/ping?via=worker', { cache: 'no-store' }));
  }
});";

/// Not the server's: a site of three paths with a service worker, so the
/// worker's own requests are seen to go offline with its page.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[cfg_attr(
    not(usher_browser),
    ignore = "install chromium and chromium-driver to run it"
)]
async fn a_service_worker_goes_offline_with_its_page() {
    use axum::extract::RawQuery;
    use axum::http::header::CONTENT_TYPE;
    use axum::response::Html;
    use axum::routing::get;
    let site = axum::Router::new()
        .route("/", get(|| async { Html(WORKER_PAGE) }))
        .route(
            "/worker.js",
            get(|| async { ([(CONTENT_TYPE, "text/javascript")], WORKER) }),
        )
        .route(
            "/ping",
            get(|RawQuery(query): RawQuery| async move {
                format!("pong {}", query.unwrap_or_default())
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let origin = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, site).await });
    let browser = Browser::launch(BrowserOptions::default()).await.unwrap();
    browser.goto(&format!("{origin}/")).await.unwrap();
    browser
        .execute_async(
            "await navigator.serviceWorker.register('/worker.js');
             while (!navigator.serviceWorker.controller) {
               await new Promise((resolve) => setTimeout(resolve, 20));
             }",
            &[],
        )
        .await
        .unwrap();
    let ping = "try { return await (await fetch('/ping', { cache: 'no-store' })).text(); }
                catch (error) { return 'failed: ' + error.message; }";

    let online = browser.execute_async(ping, &[]).await.unwrap();
    browser.set_offline(true).await.unwrap();
    let offline = browser.execute_async(ping, &[]).await.unwrap();
    browser.set_offline(false).await.unwrap();
    let online_again = browser.execute_async(ping, &[]).await.unwrap();

    assert_eq!(online, "pong via=worker");
    assert_eq!(offline, "failed: Failed to fetch");
    assert_eq!(online_again, "pong via=worker");
}

async fn graphiql_opens_on_a_dark_chinese_phone(app: TestApp) {
    let browser = Browser::launch(BrowserOptions {
        language: "zh-CN".to_owned(),
        dark: true,
        ..BrowserOptions::default()
    })
    .await
    .unwrap();

    browser.goto(&app.url("/graphql")).await.unwrap();
    browser
        .wait_for_attribute("#graphiql", "data-state", "ready", WAIT)
        .await
        .unwrap();
    browser
        .wait_for(".graphiql-query-editor", WAIT)
        .await
        .unwrap();
    let seen = browser
        .execute(
            "return { language: navigator.language, languages: navigator.languages,
                      width: innerWidth, height: innerHeight, ratio: devicePixelRatio,
                      dark: matchMedia('(prefers-color-scheme: dark)').matches,
                      editor: document.querySelector('.graphiql-query-editor').textContent };",
            &[],
        )
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let shot = dir.path().join("graphiql.png");
    browser.screenshot(&shot).await.unwrap();

    assert_eq!(seen["language"], "zh-CN");
    assert_eq!(seen["languages"][0], "zh-CN");
    assert_eq!(
        (&seen["width"], &seen["height"]),
        (&json!(360), &json!(800))
    );
    assert_eq!(seen["ratio"], 2);
    assert_eq!(seen["dark"], true);
    assert!(
        seen["editor"].as_str().unwrap().contains("festivals"),
        "{seen}"
    );
    assert_eq!(png_size(&std::fs::read(&shot).unwrap()), (720, 1600));
    assert_eq!(browser.current_url().await.unwrap(), app.url("/graphql"));
}

async fn a_page_offline_cannot_reach_the_server_and_online_again_can(app: TestApp) {
    let browser = Browser::launch(BrowserOptions {
        window: Window::LAPTOP,
        ..BrowserOptions::default()
    })
    .await
    .unwrap();
    browser.goto(&app.url("/healthz")).await.unwrap();
    let probe = "try { const answer = await fetch('/healthz', { cache: 'no-store' });
                       return await answer.text(); }
                 catch (error) { return 'failed: ' + error.message; }";

    let online = browser.execute_async(probe, &[]).await.unwrap();
    browser.set_offline(true).await.unwrap();
    let offline = browser.execute_async(probe, &[]).await.unwrap();
    let on_line_offline = browser
        .execute("return navigator.onLine;", &[])
        .await
        .unwrap();
    browser.set_offline(false).await.unwrap();
    let online_again = browser.execute_async(probe, &[]).await.unwrap();
    let width = browser.execute("return innerWidth;", &[]).await.unwrap();
    let dark = browser
        .execute(
            "return matchMedia('(prefers-color-scheme: dark)').matches;",
            &[],
        )
        .await
        .unwrap();

    assert_eq!(online, "ok");
    assert_eq!(offline, "failed: Failed to fetch");
    assert_eq!(on_line_offline, false);
    assert_eq!(online_again, "ok");
    assert_eq!(width, 1280);
    assert_eq!(dark, false);
}

/// What a door page gets from a keyboard-wedge scanner and a user: keys
/// into whatever has focus, typing into a field, a click; and what a test
/// is told when it waits in vain.
async fn keys_clicks_and_a_vain_wait_on(browser: &Browser) {
    browser
        .execute(
            "document.body.innerHTML = '<input id=\"code\"><button id=\"go\">Go</button>';
             const code = document.getElementById('code');
             code.addEventListener('keydown', (event) => {
               if (event.key === 'Enter') document.body.dataset.scanned = code.value;
             });
             document.getElementById('go').addEventListener('click', () => {
               document.body.dataset.clicked = code.value;
             });
             code.focus();
             console.error('a page error');",
            &[],
        )
        .await
        .unwrap();

    browser.send_keys_to_page("eyJ.a-b_c\n").await.unwrap();
    browser
        .wait_for_attribute("body", "data-scanned", "eyJ.a-b_c", WAIT)
        .await
        .unwrap();
    browser.type_into("#code", "Z").await.unwrap();
    browser.click("#go").await.unwrap();
    browser
        .wait_for_attribute("body", "data-clicked", "eyJ.a-b_cZ", WAIT)
        .await
        .unwrap();
    let vain = browser
        .wait_for_attribute("body", "data-clicked", "other", Duration::from_millis(200))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        vain.contains(r#"`body` was data-clicked="eyJ.a-b_cZ", not data-clicked="other""#),
        "{vain}"
    );
    assert!(vain.contains("a page error"), "{vain}");
    assert_eq!(browser.text("#go").await.unwrap(), "Go");
    assert_eq!(
        browser.attribute("#code", "id").await.unwrap().as_deref(),
        Some("code")
    );
    assert_eq!(browser.attribute("#code", "data-x").await.unwrap(), None);
    assert!(browser.attribute("#nothing", "id").await.is_err());
}

async fn the_fake_camera_shows_a_tickets_qr_code_readably(app: TestApp) {
    let festival = catalogue::festival(&app, "camera").await;
    let item = catalogue::create_item(&app, &festival, 60, json!({})).await;
    let holder = app.attendee("holder@example.org").await;
    let ticket = tickets::buy(&app, &holder, &item).await;
    let (browser, _camera) = with_camera_on_ticket(&app, ticket["id"].as_str().unwrap(), &holder)
        .await
        .unwrap();
    // getUserMedia needs a secure context: the server's own origin
    // (127.0.0.1) is one.
    browser.goto(&app.url("/healthz")).await.unwrap();

    let frame = browser
        .execute_async(
            "const stream = await navigator.mediaDevices.getUserMedia({ video: true });
             const video = document.createElement('video');
             video.muted = true;
             video.srcObject = stream;
             await video.play();
             const canvas = document.createElement('canvas');
             canvas.width = video.videoWidth;
             canvas.height = video.videoHeight;
             const context = canvas.getContext('2d');
             context.drawImage(video, 0, 0);
             const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
             let dark = 0;
             for (let i = 0; i < pixels.length; i += 4) if (pixels[i] < 128) dark += 1;
             stream.getTracks().forEach((track) => track.stop());
             return { width: canvas.width, height: canvas.height, dark,
                      png: canvas.toDataURL('image/png') };",
            &[],
        )
        .await
        .unwrap();
    keys_clicks_and_a_vain_wait_on(&browser).await;

    assert_eq!(
        (&frame["width"], &frame["height"]),
        (&json!(640), &json!(480))
    );
    let dark = frame["dark"].as_u64().unwrap();
    assert!(
        dark > 10_000,
        "a QR code's dark modules, not a blank frame: {dark}"
    );
    assert_eq!(
        decode_qr(&data_url_png(&frame["png"])),
        ticket["code"].as_str().unwrap()
    );
}

fn data_url_png(url: &Value) -> Vec<u8> {
    let encoded = url
        .as_str()
        .unwrap()
        .strip_prefix("data:image/png;base64,")
        .unwrap();
    STANDARD.decode(encoded).unwrap()
}

fn png_size(png_bytes: &[u8]) -> (u32, u32) {
    let reader = png::Decoder::new(std::io::Cursor::new(png_bytes))
        .read_info()
        .unwrap();
    (reader.info().width, reader.info().height)
}

fn decode_qr(png_bytes: &[u8]) -> String {
    let codes = qr_codes_in(png_bytes);
    assert_eq!(codes.len(), 1, "one QR code in the frame");
    codes[0].clone()
}
