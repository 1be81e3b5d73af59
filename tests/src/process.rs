//! The `usher` binary as a separate process: `usher serve` started on a
//! database, spoken to over HTTP and WebSocket, stopped or killed; and the
//! other subcommands run as a user would run them.
//!
//! Only the package that builds the binary knows where it is
//! (`env!("CARGO_BIN_EXE_usher")`), so its tests pass the path in.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use serde_json::{Value, json};

use crate::accounts::PASSWORD;
use crate::graphql::{self, Socket};

/// A running `usher serve` process, killed when dropped.
pub struct Server {
    pub child: Child,
    /// host:port
    pub address: String,
    usher: PathBuf,
}

impl Server {
    /// Starts `usher serve` (the binary at `usher`) on `database_url`, in
    /// `directory`, on a free port; returns once it printed its address.
    pub fn start(usher: &Path, database_url: &str, directory: &Path) -> Self {
        Self::start_logging_to(usher, database_url, directory, Stdio::null())
    }

    /// Starts a server whose log lines (stderr) go to `logs`.
    pub fn start_logging_to(
        usher: &Path,
        database_url: &str,
        directory: &Path,
        logs: Stdio,
    ) -> Self {
        let mut child = Command::new(usher)
            .args([
                "serve",
                "--bind",
                "127.0.0.1:0",
                "--database-url",
                database_url,
            ])
            // Crowds of tests sign up from this one address.
            .env("USHER_REGISTRATIONS_PER_ADDRESS_PER_HOUR", "100000")
            // Log lines as a user gets them by default.
            .env_remove("RUST_LOG")
            .env_remove("USHER_LOG_FORMAT")
            .env_remove("NO_COLOR")
            .current_dir(directory)
            .stdout(Stdio::piped())
            .stderr(logs)
            .spawn()
            .expect("usher serve starts");
        let stdout = child.stdout.take().expect("the server's stdout");
        let address = printed_address(&mut BufReader::new(stdout).lines(), |_| {});
        Self {
            child,
            address,
            usher: usher.to_owned(),
        }
    }

    /// The data of a request that must succeed.
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Value {
        let response = self.send(token, query, variables).await.expect("an answer");
        assert!(response.get("errors").is_none(), "{response}");
        response["data"].clone()
    }

    /// The whole response, or the transport error (the server may be gone).
    pub async fn send(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> Result<Value, reqwest::Error> {
        let url = format!("http://{}/graphql", self.address);
        graphql::request(&reqwest::Client::new(), &url, token, query, variables)
            .send()
            .await?
            .json()
            .await
    }

    /// Kills the process without warning, as a crash or an OOM killer would.
    pub fn kill_hard(&mut self) {
        let killed = Command::new("kill")
            .args(["-KILL", &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(killed.success());
        let _ = self.child.wait();
    }

    /// Opens a graphql-transport-ws connection, signed in with `token`, and
    /// subscribes to `query` as operation "1".
    pub async fn subscribe(&self, token: &str, query: &str, variables: Value) -> Socket {
        let mut socket = Socket::connect(&self.address, None).await;
        socket.init(Some(token)).await;
        socket.subscribe("1", query, variables).await;
        socket
    }

    /// A festival for a process test: an admin made with `usher user add`,
    /// a festival with one item whose doors are open (`tickets` tickets in
    /// a hall for `hall`), and an attendee. The admin's token, the
    /// attendee's, the item (its id) and the venue's id.
    pub async fn festival(
        &self,
        database_url: &str,
        directory: &Path,
        tickets: u32,
        hall: u32,
    ) -> (String, String, Value, String) {
        let added = Command::new(&self.usher)
            .args([
                "user",
                "add",
                "--email",
                "boss@example.org",
                "--password",
                PASSWORD,
                "--name",
                "Boss",
                "--role",
                "admin",
                "--database-url",
                database_url,
            ])
            .current_dir(directory)
            .status()
            .expect("usher user add runs");
        assert!(added.success());
        let login = "mutation($email: String!) { login(input: { email: $email, password: \"a long enough password\" }) { accessToken } }";
        let admin = token(
            &self
                .gql(None, login, json!({ "email": "boss@example.org" }))
                .await["login"],
        );
        let festival = self
            .gql(Some(&admin), "mutation { createFestival(input: { slug: \"live\", name: \"Live\", city: \"Nanning\", timezone: \"Asia/Shanghai\" }) { id } }", json!({}))
            .await["createFestival"]["id"]
            .clone();
        let venue = self
            .gql(Some(&admin), "mutation($id: ID!, $hall: Int!) { createVenue(input: { festivalId: $id, name: \"Hall\", address: \"Street\", capacity: $hall, gates: [\"A\"] }) { id } }", json!({ "id": festival, "hall": hall }))
            .await["createVenue"]["id"]
            .as_str()
            .expect("a venue id")
            .to_owned();
        let starts =
            |minutes: i64| (chrono::Utc::now() + chrono::Duration::minutes(minutes)).to_rfc3339();
        let item = self
            .gql(
                Some(&admin),
                "mutation($festival: ID!, $venue: ID!, $starts: DateTime!, $ends: DateTime!, $tickets: Int!) { createItem(input: { festivalId: $festival, venueId: $venue, kind: OTHER, title: \"Opening\", startsAt: $starts, endsAt: $ends, ticketCapacity: $tickets, maxTicketsPerAttendee: 1 }) { id } }",
                json!({ "festival": festival, "venue": venue, "starts": starts(10), "ends": starts(100), "tickets": tickets }),
            )
            .await["createItem"]
            .clone();
        let attendee = token(
            &self
                .gql(None, "mutation { register(input: { email: \"fan@example.org\", password: \"a long enough password\", displayName: \"Fan\" }) { accessToken } }", json!({}))
                .await["register"],
        );
        (admin, attendee, item, venue)
    }

    /// Registers `count` attendees at once, `<prefix><n>@example.org`;
    /// their access tokens.
    pub async fn attendees(&self, prefix: &str, count: usize) -> Vec<String> {
        let register = "mutation($email: String!) { register(input: { email: $email, password: \"a long enough password\", displayName: \"Fan\" }) { accessToken } }";
        futures::future::join_all((0..count).map(|n| async move {
            token(
                &self
                    .gql(
                        None,
                        register,
                        json!({ "email": format!("{prefix}{n}@example.org") }),
                    )
                    .await["register"],
            )
        }))
        .await
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn token(answer: &Value) -> String {
    answer["accessToken"]
        .as_str()
        .expect("an access token")
        .to_owned()
}

/// Reads a server's stdout until it prints the address it serves on
/// (`… http://host:port/graphql …`), handing each line read to `seen`.
pub fn printed_address(
    lines: &mut impl Iterator<Item = std::io::Result<String>>,
    mut seen: impl FnMut(&str),
) -> String {
    loop {
        let line = lines
            .next()
            .expect("the server printed its address")
            .expect("a line of text");
        seen(&line);
        if let Some((_, rest)) = line.split_once("http://") {
            return rest
                .trim_end_matches("/graphql (GraphiQL in a browser)")
                .to_owned();
        }
    }
}

/// Waits up to 10 s for a process asked to stop; kills it and fails the
/// test if it does not.
pub fn wait_for_exit(server: &mut Child) -> ExitStatus {
    for _ in 0..100 {
        if let Some(status) = server.try_wait().expect("the process's status") {
            return status;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = server.kill();
    panic!("the server did not stop within 10 s of SIGTERM");
}
