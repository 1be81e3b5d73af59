//! The server under load: one the bench starts (the release `usher` binary
//! beside the bench's own), or one at a URL.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use anyhow::Context as _;

/// The password of the admin the bench adds.
pub const ADMIN_PASSWORD: &str = "usher-bench-admin";

/// The server and, when the bench started it, its process.
pub struct Target {
    /// Base URL, e.g. http://127.0.0.1:40123.
    pub url: String,
    /// The database behind it, where the bench adds its admin.
    pub database_url: String,
    child: Option<Child>,
    _directory: Option<tempfile::TempDir>,
}

/// The `usher` binary built beside this one (`cargo build --release`).
fn usher_binary() -> anyhow::Result<PathBuf> {
    let exe = std::env::current_exe()?;
    let binary = exe.with_file_name("usher");
    anyhow::ensure!(
        binary.exists(),
        "{} not found: build it first with `cargo build --release -p usher-server`",
        binary.display()
    );
    Ok(binary)
}

impl Target {
    /// Starts a server on `database_url` (a fresh SQLite file by default),
    /// or uses the one at `url`.
    pub fn new(url: Option<String>, database_url: Option<String>) -> anyhow::Result<Self> {
        if let Some(url) = url {
            let database_url =
                database_url.context("--url needs --database-url too, to add the bench's admin")?;
            return Ok(Self {
                url,
                database_url,
                child: None,
                _directory: None,
            });
        }
        let directory = tempfile::tempdir()?;
        let database_url = database_url
            .unwrap_or_else(|| format!("sqlite://{}/usher.db", directory.path().display()));
        let mut child = Command::new(usher_binary()?)
            .args([
                "serve",
                "--bind",
                "127.0.0.1:0",
                "--database-url",
                &database_url,
            ])
            .env("USHER_PASSWORD_HASH_KIB", "64")
            .env("USHER_SIGN_INS_PER_ADDRESS_PER_MINUTE", "1000000")
            .env("USHER_REGISTRATIONS_PER_ADDRESS_PER_HOUR", "1000000")
            .env("RUST_LOG", "warn")
            .current_dir(directory.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .context("cannot start usher")?;
        let stdout = child.stdout.take().context("no stdout")?;
        let mut lines = BufReader::new(stdout).lines();
        let address = loop {
            let line = lines.next().context("usher stopped before serving")??;
            if let Some((_, rest)) = line.split_once("http://") {
                break rest
                    .trim_end_matches("/graphql (GraphiQL in a browser)")
                    .to_owned();
            }
        };
        Ok(Self {
            url: format!("http://{address}"),
            database_url,
            child: Some(child),
            _directory: Some(directory),
        })
    }

    /// Adds an admin with `usher user add` and returns its email.
    pub fn add_admin(&self) -> anyhow::Result<String> {
        let email = format!("bench-{}@usher.example", uuid::Uuid::new_v4().simple());
        let status = Command::new(usher_binary()?)
            .args([
                "user",
                "add",
                "--email",
                &email,
                "--password",
                ADMIN_PASSWORD,
                "--name",
                "Bench",
            ])
            .args(["--role", "admin", "--database-url", &self.database_url])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .status()?;
        anyhow::ensure!(status.success(), "usher user add failed");
        Ok(email)
    }

    /// The server's resident memory now and at its peak, in MiB, when the
    /// bench started it.
    pub fn memory_mib(&self) -> Option<(f64, f64)> {
        let pid = self.child.as_ref()?.id();
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let field = |name: &str| -> Option<f64> {
            let line = status.lines().find(|line| line.starts_with(name))?;
            let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
            Some(kib / 1024.0)
        };
        Some((field("VmRSS:")?, field("VmHWM:")?))
    }
}

impl Drop for Target {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
