//! The `usher` binary itself: `schema` prints schema.graphql, and `serve
//! --demo` starts on an empty directory, serves, and stops cleanly on
//! SIGTERM.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test fails loudly, with the value it choked on"
)]

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::json;

const USHER: &str = env!("CARGO_BIN_EXE_usher");

#[test]
fn usher_schema_prints_the_committed_schema() {
    let output = Command::new(USHER).arg("schema").output().unwrap();

    assert!(output.status.success());
    let committed =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../schema.graphql"))
            .unwrap();
    assert_eq!(String::from_utf8(output.stdout).unwrap(), committed);
}

#[tokio::test]
async fn serve_demo_starts_on_an_empty_directory_and_stops_on_sigterm() {
    let directory = tempfile::tempdir().unwrap();
    let mut server = Command::new(USHER)
        .args(["serve", "--demo", "--bind", "127.0.0.1:0"])
        .current_dir(directory.path())
        .env_remove("DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut printed = String::new();
    let mut lines = BufReader::new(server.stdout.take().unwrap()).lines();
    let address = loop {
        let line = lines
            .next()
            .expect("the server printed its address")
            .unwrap();
        printed.push_str(&line);
        printed.push('\n');
        if let Some(rest) = line.split_once("http://").map(|(_, rest)| rest) {
            break rest
                .trim_end_matches("/graphql (GraphiQL in a browser)")
                .to_owned();
        }
    };

    let client = reqwest::Client::new();
    let login = client
        .post(format!("http://{address}/graphql"))
        .json(&json!({
            "query": "mutation($input: LoginInput!) { login(input: $input) { user { roles { role } } } }",
            "variables": { "input": { "email": "organizer@usher.example", "password": "usher-demo-2026" } }
        }))
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    let stopped = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    let status = wait(&mut server);

    assert!(printed.contains("organizer@usher.example"), "{printed}");
    assert!(printed.contains("door@usher.example") && printed.contains("attendee@usher.example"));
    assert_eq!(
        login["data"]["login"]["user"]["roles"][1]["role"], "ORGANIZER",
        "{login}"
    );
    assert!(
        directory.path().join("usher.db").exists(),
        "the default database is a file in the working directory"
    );
    assert!(stopped.success());
    assert!(status.success(), "graceful shutdown exits 0, got {status}");
}

fn wait(server: &mut std::process::Child) -> std::process::ExitStatus {
    for _ in 0..100 {
        if let Some(status) = server.try_wait().unwrap() {
            return status;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    server.kill().unwrap();
    panic!("the server did not stop within 10 s of SIGTERM");
}
