//! Just enough of a W3C WebDriver client, over reqwest, for the browser
//! harness: chromedriver, a session, its commands, and chromedriver's
//! DevTools passthrough.
//!
//! fantoccini would do this, but brings about thirty crates (webdriver's
//! ICU segmenter and its data among them) for the dozen commands used here.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context as _, anyhow, bail};
use reqwest::Method;
use serde_json::{Value, json};

/// How long chromedriver may take to say which port it listens on.
const DRIVER_START: Duration = Duration::from_secs(20);
/// A command's deadline; longer than the page-load and script timeouts
/// the session is given, so those answer first, with their own errors.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(90);

/// chromedriver, started on a port of its choosing and killed when dropped.
pub(super) struct Driver {
    child: Child,
    pub(super) port: u16,
}

impl Driver {
    /// Starts chromedriver and waits for the line naming its port.
    pub(super) async fn start(chromedriver: &Path) -> anyhow::Result<Self> {
        let chromedriver = chromedriver.to_owned();
        let started = tokio::task::spawn_blocking(move || Self::start_blocking(&chromedriver));
        tokio::time::timeout(DRIVER_START, started)
            .await
            .context("chromedriver did not say which port it listens on")??
    }

    fn start_blocking(chromedriver: &Path) -> anyhow::Result<Self> {
        let mut child = Command::new(chromedriver)
            // Port 0: chromedriver picks a free one and prints it.
            .arg("--port=0")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("start {}", chromedriver.display()))?;
        let stdout = child.stdout.take().context("chromedriver's stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let port = loop {
            let Some(line) = lines.next() else {
                let _ = child.kill();
                let _ = child.wait();
                bail!("chromedriver exited before listening");
            };
            let line = line.context("read chromedriver's output")?;
            if let Some(port) = line
                .strip_prefix("ChromeDriver was started successfully on port ")
                .and_then(|rest| rest.trim_end_matches('.').parse().ok())
            {
                break port;
            }
        };
        // Keep reading, so chromedriver never blocks on a full pipe.
        std::thread::spawn(move || lines.for_each(drop));
        Ok(Self { child, port })
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A W3C error answer: `error` is the standard's code ("no such element",
/// "javascript error", …).
#[derive(Debug)]
pub(super) struct WebDriverError {
    pub(super) command: String,
    pub(super) error: String,
    pub(super) message: String,
}

impl std::fmt::Display for WebDriverError {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            formatter,
            "WebDriver {}: {}: {}",
            self.command, self.error, self.message
        )
    }
}

impl std::error::Error for WebDriverError {}

/// A browser session of a chromedriver.
pub(super) struct Session {
    client: reqwest::Client,
    port: u16,
    id: String,
    /// The capabilities chromedriver answered with.
    pub(super) capabilities: Value,
}

impl Session {
    pub(super) async fn create(port: u16, capabilities: Value) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .no_proxy()
            .timeout(COMMAND_TIMEOUT)
            .build()
            .context("an HTTP client")?;
        let answer = send(
            &client,
            Method::POST,
            &format!("http://127.0.0.1:{port}/session"),
            "POST /session",
            Some(json!({ "capabilities": { "alwaysMatch": capabilities } })),
        )
        .await?;
        let id = answer["sessionId"]
            .as_str()
            .ok_or_else(|| anyhow!("a new session without an id: {answer}"))?
            .to_owned();
        Ok(Self {
            client,
            port,
            id,
            capabilities: answer["capabilities"].clone(),
        })
    }

    /// GET `/session/{id}{path}`; the answer's `value`.
    pub(super) async fn get(&self, path: &str) -> anyhow::Result<Value> {
        self.command(Method::GET, path, None).await
    }

    /// POST `/session/{id}{path}` with `body`; the answer's `value`.
    pub(super) async fn post(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        self.command(Method::POST, path, Some(body)).await
    }

    pub(super) async fn delete(&self, path: &str) -> anyhow::Result<Value> {
        self.command(Method::DELETE, path, None).await
    }

    async fn command(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        let url = format!("http://127.0.0.1:{}/session/{}{path}", self.port, self.id);
        let command = format!("{method} {path}");
        send(&self.client, method, &url, &command, body).await
    }

    /// A DevTools command, through chromedriver's passthrough.
    pub(super) async fn cdp(&self, command: &str, params: Value) -> anyhow::Result<Value> {
        self.post(
            "/goog/cdp/execute",
            json!({ "cmd": command, "params": params }),
        )
        .await
    }

    /// Ends the session, which closes the browser, without a runtime: for
    /// `Drop`. Waits for chromedriver's answer, so chromium is gone after.
    pub(super) fn end_blocking(&self) -> std::io::Result<()> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port))?;
        stream.set_read_timeout(Some(Duration::from_secs(20)))?;
        stream.set_write_timeout(Some(Duration::from_secs(5)))?;
        write!(
            stream,
            "DELETE /session/{} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.id, self.port
        )?;
        // chromedriver keeps the connection open whatever it is asked: read
        // the head and the body it announces, no further.
        let mut reader = BufReader::new(stream);
        let mut body_length = 0;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 || line == "\r\n" {
                break;
            }
            if let Some((name, value)) = line.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                body_length = value.trim().parse().unwrap_or(0);
            }
        }
        reader.read_exact(&mut vec![0; body_length])
    }
}

async fn send(
    client: &reqwest::Client,
    method: Method,
    url: &str,
    command: &str,
    body: Option<Value>,
) -> anyhow::Result<Value> {
    let mut request = client.request(method, url);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request
        .send()
        .await
        .with_context(|| format!("WebDriver {command}: no answer from chromedriver"))?;
    let status = response.status();
    let mut answer: Value = response
        .json()
        .await
        .with_context(|| format!("WebDriver {command}: HTTP {status} without JSON"))?;
    let value = answer["value"].take();
    if status.is_success() {
        return Ok(value);
    }
    Err(WebDriverError {
        command: command.to_owned(),
        error: value["error"]
            .as_str()
            .unwrap_or("unknown error")
            .to_owned(),
        // The stack trace is chromedriver's own addresses: left out.
        message: value["message"].as_str().unwrap_or_default().to_owned(),
    }
    .into())
}
