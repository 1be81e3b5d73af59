//! A headless chromium for the end-to-end tests of the web pages, driven
//! through chromedriver (WebDriver) and, where WebDriver has no word for
//! it, the DevTools protocol: going offline, a dark colour scheme.
//!
//! `Browser::launch` starts a chromedriver of its own on a port it picks
//! and a chromium session in it, as a phone (360×800) by default, in a
//! language, light or dark, with a fake camera when given one
//! (`camera_showing_png` makes one from a ticket's QR code). Dropping the
//! `Browser` closes chromium and kills chromedriver.
//!
//! The tests that need one are written with
//! `on_both_databases_in_a_browser!`: without chromium and chromedriver
//! on `PATH` when they are built, tests/build.rs leaves out the
//! `usher_browser` cfg and they are ignored ("install chromium and
//! chromium-driver to run it"), with one cargo warning saying so; with
//! `USHER_REQUIRE_BROWSER=1` when built they run, and fail without them.

mod camera;
mod devtools;
mod locate;
mod webdriver;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context as _, anyhow, bail};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};

pub use camera::{
    CAMERA_FRAMES, CAMERA_HEADER, CAMERA_HEIGHT, CAMERA_WIDTH, blank_camera, camera_showing_png,
};
pub use locate::REQUIRE_ENV;
use tokio::sync::OnceCell;
use webdriver::{Driver, Session};

/// WebDriver's Enter key. `send_keys_to_page` and `type_into` also type
/// Enter for `'\n'`.
pub const ENTER: char = '\u{E007}';

/// How often the `wait_for…` methods look again.
const POLL: Duration = Duration::from_millis(50);
/// W3C's key for an element reference in an answer.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// The browser's viewport, in CSS pixels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub width: u32,
    pub height: u32,
    /// Emulate a phone: 2 device pixels per CSS pixel, touch, and a page's
    /// `<meta name="viewport">` honoured.
    pub phone: bool,
}

impl Window {
    /// A phone held upright, as at the door.
    pub const PHONE: Self = Self {
        width: 360,
        height: 800,
        phone: true,
    };
    /// A laptop's browser window, as an organizer's.
    pub const LAPTOP: Self = Self {
        width: 1280,
        height: 800,
        phone: false,
    };
}

/// How to start the browser. `BrowserOptions::default()` is an English
/// phone in light mode with chromium's own fake camera (a moving test
/// pattern).
#[derive(Debug, Clone)]
pub struct BrowserOptions {
    /// A BCP 47 tag, e.g. `zh-CN`: `navigator.language` and the
    /// `Accept-Language` header of every request follow it.
    pub language: String,
    /// A `.y4m` file the camera plays in a loop (`camera_showing_png`,
    /// `blank_camera`). Camera access is granted without asking either way.
    pub camera: Option<PathBuf>,
    pub window: Window,
    /// `prefers-color-scheme: dark` rather than light.
    pub dark: bool,
}

impl Default for BrowserOptions {
    fn default() -> Self {
        Self {
            language: "en-US".to_owned(),
            camera: None,
            window: Window::PHONE,
            dark: false,
        }
    }
}

/// A line of the browser's console (and of its own errors, such as a
/// failed request).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleEntry {
    /// `SEVERE` (console.error, uncaught errors, failed requests),
    /// `WARNING`, `INFO` (console.log) or `DEBUG`.
    pub level: String,
    /// Where from, then the text, as chromium writes it:
    /// `http://…/door.js 12:7 "a message"`.
    pub message: String,
}

impl std::fmt::Display for ConsoleEntry {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "{} {}", self.level, self.message)
    }
}

/// A phone whose camera shows ticket `ticket_id`'s QR code as the server
/// renders it (`GET /tickets/{id}/qr.png`, asked with its holder's
/// `token`); the folder holds the camera's file, so keep it while the
/// browser runs.
pub async fn with_camera_on_ticket(
    app: &crate::TestApp,
    ticket_id: &str,
    token: &str,
) -> anyhow::Result<(Browser, tempfile::TempDir)> {
    let png = app
        .get(
            &app.url(&format!("/tickets/{ticket_id}/qr.png")),
            Some(token),
        )
        .await
        .bytes()
        .await?;
    let folder = tempfile::tempdir()?;
    let camera = folder.path().join("ticket.y4m");
    camera_showing_png(&png, &camera)?;
    let browser = Browser::launch(BrowserOptions {
        camera: Some(camera),
        ..BrowserOptions::default()
    })
    .await?;
    Ok((browser, folder))
}

/// The text of every QR code in a PNG (a screenshot, a camera frame).
pub fn qr_codes_in(png_bytes: &[u8]) -> Vec<String> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    decoder.set_transformations(png::Transformations::normalize_to_color8());
    let Ok(mut reader) = decoder.read_info() else {
        return Vec::new();
    };
    let mut pixels = vec![0; reader.output_buffer_size()];
    let Ok(frame) = reader.next_frame(&mut pixels) else {
        return Vec::new();
    };
    let (width, height) = (frame.width as usize, frame.height as usize);
    let samples = frame.color_type.samples();
    let mut image = rqrr::PreparedImage::prepare_from_greyscale(width, height, |x, y| {
        pixels[y * frame.line_size + x * samples]
    });
    image
        .detect_grids()
        .iter()
        .filter_map(|grid| grid.decode().ok().map(|(_, text)| text))
        .collect()
}

/// A headless chromium in a chromedriver of its own; both end when this
/// is dropped.
pub struct Browser {
    session: Session,
    /// Connected at the first `set_offline`.
    workers: OnceCell<devtools::Workers>,
    _driver: Driver,
}

impl Browser {
    /// Starts chromedriver and a chromium session (about half a second).
    /// Fails, saying what to install, when either is not on `PATH`.
    pub async fn launch(options: BrowserOptions) -> anyhow::Result<Self> {
        let found = |name| {
            locate::on_path(name).ok_or_else(|| {
                anyhow!(
                    "`{name}` is not on PATH: the browser tests need chromium and chromedriver \
                     (apt-get install chromium chromium-driver)"
                )
            })
        };
        let chromium = found(locate::CHROMIUM)?;
        let driver = Driver::start(&found(locate::CHROMEDRIVER)?).await?;
        let session = Session::create(driver.port, capabilities(&chromium, &options))
            .await
            .context("start chromium")?;
        let browser = Self {
            session,
            workers: OnceCell::new(),
            _driver: driver,
        };
        browser.set_dark(options.dark).await?;
        Ok(browser)
    }

    /// The chromium version, e.g. `156.0.8078.114`.
    pub fn version(&self) -> &str {
        self.session.capabilities["browserVersion"]
            .as_str()
            .unwrap_or_default()
    }

    /// Opens `url` (absolute, e.g. `app.url("/door")`) and waits for the
    /// page to load (its `load` event, not its scripts' requests).
    pub async fn goto(&self, url: &str) -> anyhow::Result<()> {
        self.session.post("/url", json!({ "url": url })).await?;
        Ok(())
    }

    pub async fn current_url(&self) -> anyhow::Result<String> {
        let url = self.session.get("/url").await?;
        url.as_str()
            .map(str::to_owned)
            .ok_or_else(|| anyhow!("a URL that is not a string: {url}"))
    }

    /// Reloads the page and waits for it to load.
    pub async fn reload(&self) -> anyhow::Result<()> {
        self.session.post("/refresh", json!({})).await?;
        Ok(())
    }

    /// Runs `script`, the body of a function, in the page: its `return`
    /// value comes back as JSON (undefined as null); `arguments[0]`… are
    /// `args`. A thrown error is an `Err` with its message.
    pub async fn execute(&self, script: &str, args: &[Value]) -> anyhow::Result<Value> {
        self.session
            .post("/execute/sync", json!({ "script": script, "args": args }))
            .await
    }

    /// Like `execute`, with `script` the body of an async function: it may
    /// `await`, and what it returns (or the promise it returns) resolves
    /// to comes back. A rejection is an `Err` with its stack. At most 30
    /// seconds.
    pub async fn execute_async(&self, script: &str, args: &[Value]) -> anyhow::Result<Value> {
        let wrapped = format!(
            "const done = arguments[arguments.length - 1];
             const args = Array.prototype.slice.call(arguments, 0, -1);
             (async function () {{ {script}
             }}).apply(null, args).then(
               (value) => done({{ ok: value === undefined ? null : value }}),
               (error) => done({{ error: String((error && error.stack) || error) }}));"
        );
        let mut answer = self
            .session
            .post("/execute/async", json!({ "script": wrapped, "args": args }))
            .await?;
        if let Some(error) = answer.get("error") {
            bail!("the script failed: {}", error.as_str().unwrap_or_default());
        }
        Ok(answer["ok"].take())
    }

    /// Whether an element matches the CSS `selector` now.
    pub async fn exists(&self, selector: &str) -> anyhow::Result<bool> {
        let found = self
            .execute(
                "return document.querySelector(arguments[0]) !== null;",
                &[json!(selector)],
            )
            .await?;
        Ok(found == json!(true))
    }

    /// The attribute `name` of the first element matching `selector`:
    /// `None` when it has no such attribute, an error when nothing matches.
    pub async fn attribute(&self, selector: &str, name: &str) -> anyhow::Result<Option<String>> {
        match self.read_attribute(selector, name).await? {
            Attribute::NoElement => bail!("no element matches `{selector}`"),
            Attribute::Absent => Ok(None),
            Attribute::Value(value) => Ok(Some(value)),
        }
    }

    /// The text of the first element matching `selector` as it is shown
    /// (hidden parts left out, as the user reads it).
    pub async fn text(&self, selector: &str) -> anyhow::Result<String> {
        let text = self.on_element(selector, "text", None).await?;
        Ok(text.as_str().unwrap_or_default().to_owned())
    }

    /// Clicks the first element matching `selector` as a user would: it
    /// must be shown and not covered.
    pub async fn click(&self, selector: &str) -> anyhow::Result<()> {
        self.on_element(selector, "click", Some(json!({}))).await?;
        Ok(())
    }

    /// Focuses the first element matching `selector` and types `text` into
    /// it, key by key (`'\n'` is Enter).
    pub async fn type_into(&self, selector: &str, text: &str) -> anyhow::Result<()> {
        let keys = json!({ "text": keys(text).collect::<String>() });
        self.on_element(selector, "value", Some(keys)).await?;
        Ok(())
    }

    /// Sends the element command `command` (a GET without `body`, a POST
    /// with it) to the first element matching `selector`. A page that
    /// redraws the element between finding it and the command (a live
    /// update, a status that arrives twice) is asked again, a few times.
    async fn on_element(
        &self,
        selector: &str,
        command: &str,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        let mut attempts = 0;
        loop {
            let element = self.element(selector).await?;
            let path = format!("/element/{element}/{command}");
            let answer = match &body {
                Some(body) => self.session.post(&path, body.clone()).await,
                None => self.session.get(&path).await,
            };
            match answer {
                Err(error) if attempts < 5 && error.to_string().contains("stale element") => {
                    attempts += 1;
                    tokio::time::sleep(POLL).await;
                }
                answer => return answer,
            }
        }
    }

    /// Types `text` into whatever has focus, as a keyboard-wedge scanner
    /// does (a code, then Enter: `'\n'` or `ENTER`); with nothing focused,
    /// the keys go to the page's body.
    pub async fn send_keys_to_page(&self, text: &str) -> anyhow::Result<()> {
        let strokes: Vec<Value> = keys(text)
            .flat_map(|key| {
                [
                    json!({ "type": "keyDown", "value": key.to_string() }),
                    json!({ "type": "keyUp", "value": key.to_string() }),
                ]
            })
            .collect();
        self.session
            .post(
                "/actions",
                json!({ "actions": [{ "type": "key", "id": "keyboard", "actions": strokes }] }),
            )
            .await?;
        self.session.delete("/actions").await?;
        Ok(())
    }

    /// Waits until an element matches `selector`.
    pub async fn wait_for(&self, selector: &str, timeout: Duration) -> anyhow::Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            // A page between two documents cannot answer: look again.
            if self.exists(selector).await.unwrap_or(false) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                bail!(
                    "after {timeout:?}, no element matches `{selector}`{}",
                    self.console_errors().await
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until `script` (the body of a function) returns true in the
    /// page; on timeout the error names the script and the console's lines.
    pub async fn wait_until(&self, script: &str, timeout: Duration) -> anyhow::Result<()> {
        let deadline = Instant::now() + timeout;
        while self.execute(script, &[]).await? != json!(true) {
            if Instant::now() >= deadline {
                bail!(
                    "after {timeout:?}, still not true: {script}; console: {:?}",
                    self.console_log().await?
                );
            }
            tokio::time::sleep(POLL).await;
        }
        Ok(())
    }

    /// Sets a form field's value as a person would pick it (selects and
    /// date pickers included): the value, then a `change` event.
    pub async fn set_value(&self, selector: &str, value: &str) -> anyhow::Result<()> {
        self.execute(
            "const field = document.querySelector(arguments[0]);
             field.value = arguments[1];
             field.dispatchEvent(new Event('change', { bubbles: true }));",
            &[json!(selector), json!(value)],
        )
        .await?;
        Ok(())
    }

    /// Leaves a screenshot called `name` for the README in the folder
    /// `USHER_SCREENSHOTS` names, when it names one.
    pub async fn screenshot_for_readme(&self, name: &str) -> anyhow::Result<()> {
        if let Some(folder) = std::env::var_os("USHER_SCREENSHOTS") {
            let folder = PathBuf::from(folder);
            std::fs::create_dir_all(&folder)?;
            self.screenshot(&folder.join(format!("{name}.png"))).await?;
        }
        Ok(())
    }

    /// Waits until the first element matching `selector` has `attribute`
    /// equal to `expected`. On timeout the error says what it was last
    /// (no element, no attribute, or its value) and adds the console's
    /// errors.
    pub async fn wait_for_attribute(
        &self,
        selector: &str,
        attribute: &str,
        expected: &str,
        timeout: Duration,
    ) -> anyhow::Result<()> {
        let deadline = Instant::now() + timeout;
        loop {
            let last = match self.read_attribute(selector, attribute).await {
                Ok(Attribute::Value(value)) if value == expected => return Ok(()),
                Ok(Attribute::Value(value)) => format!("{attribute}={value:?}"),
                Ok(Attribute::Absent) => format!("without {attribute}"),
                Ok(Attribute::NoElement) => "missing".to_owned(),
                // A page between two documents cannot answer: look again.
                Err(error) => format!("unreadable ({error:#})"),
            };
            if Instant::now() >= deadline {
                bail!(
                    "after {timeout:?}, `{selector}` was {last}, not {attribute}={expected:?}{}",
                    self.console_errors().await
                );
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Cuts the page and its service workers off the network, or puts
    /// them back: their requests fail at once, new WebSockets fail, an open
    /// one stays open but silent (as when a phone loses its network), and
    /// `navigator.onLine` is false. Workers started later get the same.
    pub async fn set_offline(&self, offline: bool) -> anyhow::Result<()> {
        // The conditions hold only while the Network domain is enabled.
        self.cdp("Network.enable", json!({})).await?;
        self.cdp(
            "Network.emulateNetworkConditions",
            network_conditions(offline),
        )
        .await?;
        let workers = self
            .workers
            .get_or_try_init(|| {
                let address = self.session.capabilities["goog:chromeOptions"]["debuggerAddress"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned();
                async move { devtools::Workers::attach(&address).await }
            })
            .await
            .context("reach the service workers")?;
        workers.set_offline(offline).await
    }

    /// `prefers-color-scheme: dark`, or light.
    pub async fn set_dark(&self, dark: bool) -> anyhow::Result<()> {
        let scheme = if dark { "dark" } else { "light" };
        self.cdp(
            "Emulation.setEmulatedMedia",
            json!({ "features": [{ "name": "prefers-color-scheme", "value": scheme }] }),
        )
        .await?;
        Ok(())
    }

    /// A DevTools protocol command on the page, e.g.
    /// `cdp("Emulation.setGeolocationOverride", json!({…}))`; its result.
    pub async fn cdp(&self, command: &str, params: Value) -> anyhow::Result<Value> {
        self.session.cdp(command, params).await
    }

    /// The viewport as a PNG (at the phone's 2 device pixels a CSS pixel:
    /// 720×1600).
    pub async fn screenshot_png(&self) -> anyhow::Result<Vec<u8>> {
        let encoded = self.session.get("/screenshot").await?;
        STANDARD
            .decode(encoded.as_str().unwrap_or_default())
            .context("a screenshot in base64")
    }

    /// Writes the viewport to `path` as a PNG: to look at a page a test
    /// saw, or keep it as an artefact.
    pub async fn screenshot(&self, path: &Path) -> anyhow::Result<()> {
        let png = self.screenshot_png().await?;
        std::fs::write(path, png).with_context(|| format!("write {}", path.display()))
    }

    /// The console lines since the last call (each is read once).
    pub async fn console_log(&self) -> anyhow::Result<Vec<ConsoleEntry>> {
        let entries = self
            .session
            .post("/se/log", json!({ "type": "browser" }))
            .await?;
        Ok(entries
            .as_array()
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .map(|entry| ConsoleEntry {
                level: entry["level"].as_str().unwrap_or_default().to_owned(),
                message: entry["message"].as_str().unwrap_or_default().to_owned(),
            })
            .collect())
    }

    /// The console's errors, as the end of a timeout's message.
    async fn console_errors(&self) -> String {
        let errors: Vec<String> = self
            .console_log()
            .await
            .unwrap_or_default()
            .iter()
            .filter(|entry| entry.level == "SEVERE")
            .map(ToString::to_string)
            .collect();
        if errors.is_empty() {
            String::new()
        } else {
            format!("; console errors:\n  {}", errors.join("\n  "))
        }
    }

    /// The WebDriver reference of the first element matching `selector`.
    async fn element(&self, selector: &str) -> anyhow::Result<String> {
        let found = self
            .session
            .post(
                "/element",
                json!({ "using": "css selector", "value": selector }),
            )
            .await
            .with_context(|| format!("find `{selector}`"))?;
        found[ELEMENT]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| anyhow!("no element reference for `{selector}`: {found}"))
    }

    async fn read_attribute(&self, selector: &str, name: &str) -> anyhow::Result<Attribute> {
        let read = self
            .execute(
                "const element = document.querySelector(arguments[0]);
                 if (element === null) return { found: false };
                 return { found: true, value: element.getAttribute(arguments[1]) };",
                &[json!(selector), json!(name)],
            )
            .await?;
        Ok(match (&read["found"], &read["value"]) {
            (Value::Bool(true), Value::String(value)) => Attribute::Value(value.clone()),
            (Value::Bool(true), _) => Attribute::Absent,
            _ => Attribute::NoElement,
        })
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Ending the session closes chromium; then chromedriver is killed.
        let _ = self.session.end_blocking();
    }
}

enum Attribute {
    NoElement,
    Absent,
    Value(String),
}

/// DevTools' network conditions: offline, or no limits.
fn network_conditions(offline: bool) -> Value {
    json!({ "offline": offline, "latency": 0, "downloadThroughput": -1, "uploadThroughput": -1 })
}

/// `text` as WebDriver keys: `'\n'` is Enter.
fn keys(text: &str) -> impl Iterator<Item = char> + '_ {
    text.chars()
        .map(|key| if key == '\n' { ENTER } else { key })
}

fn capabilities(chromium: &Path, options: &BrowserOptions) -> Value {
    let Window {
        width,
        height,
        phone,
    } = options.window;
    let mut args = vec![
        "--headless=new".to_owned(),
        "--no-sandbox".to_owned(),
        "--disable-gpu".to_owned(),
        // Containers give /dev/shm little room.
        "--disable-dev-shm-usage".to_owned(),
        "--use-fake-ui-for-media-stream".to_owned(),
        "--use-fake-device-for-media-stream".to_owned(),
        format!("--lang={}", options.language),
        format!("--window-size={width},{height}"),
    ];
    if let Some(camera) = &options.camera {
        args.push(format!(
            "--use-file-for-fake-video-capture={}",
            camera.display()
        ));
    }
    let mut chrome = json!({
        "binary": chromium,
        "args": args,
        // Accept-Language and navigator.languages; --lang sets navigator.language.
        "prefs": { "intl.accept_languages": options.language },
    });
    if phone {
        // A headless window is at least 500 pixels wide: only emulation
        // gives a phone's 360.
        chrome["mobileEmulation"] = json!({
            "deviceMetrics": { "width": width, "height": height, "pixelRatio": 2.0, "touch": true, "mobile": true },
        });
    }
    json!({
        "browserName": "chrome",
        "timeouts": { "pageLoad": 30_000, "script": 30_000, "implicit": 0 },
        "goog:loggingPrefs": { "browser": "ALL" },
        "goog:chromeOptions": chrome,
    })
}

/// Runs each named `async fn(TestApp)` once on SQLite and once on
/// PostgreSQL, like `on_both_databases!`, and ignores both (visibly, as
/// skipped) when chromium or chromedriver was missing when the calling
/// package was built (its build.rs sets the `usher_browser` cfg).
#[macro_export]
macro_rules! on_both_databases_in_a_browser {
    ($($test:ident),* $(,)?) => {$(
        mod $test {
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            #[cfg_attr(not(usher_browser), ignore = "install chromium and chromium-driver to run it")]
            async fn sqlite() {
                super::$test($crate::spawn_app($crate::Db::Sqlite).await).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            #[cfg_attr(not(usher_postgres), ignore = "set USHER_TEST_DATABASE_URL to run it")]
            #[cfg_attr(
                all(usher_postgres, not(usher_browser)),
                ignore = "install chromium and chromium-driver to run it"
            )]
            async fn postgres() {
                super::$test($crate::spawn_app($crate::Db::Postgres).await).await;
            }
        }
    )*};
}
