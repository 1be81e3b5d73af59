//! What every request passes through: limits, probes, request ids, and
//! failures that must not leave anything half-written.

use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use usher_tests::on_both_databases;
use usher_tests::{PASSWORD, TestApp};

on_both_databases!(
    a_thirty_level_nested_query_is_refused,
    a_five_megabyte_body_gets_413,
    malformed_json_gets_a_client_error,
    graphiql_health_and_readiness_answer,
    every_response_carries_a_request_id,
    metrics_count_requests_operations_and_the_pool,
    a_broken_database_gives_internal_and_writes_nothing,
);

async fn a_thirty_level_nested_query_is_refused(app: TestApp) {
    let mut query = String::from("__typename");
    for _ in 0..30 {
        query = format!(
            "festivals {{ venues {{ id }} programme {{ edges {{ node {{ festival {{ {query} }} }} }} }} }}"
        );
    }

    let response = app.gql(None, &format!("{{ {query} }}"), json!({})).await;

    assert_eq!(response.error_code(), "BAD_USER_INPUT");
    assert!(response.0["data"].is_null(), "nothing ran: {}", response.0);
}

async fn a_five_megabyte_body_gets_413(app: TestApp) {
    // The server answers as soon as it reads the length, and may close the
    // connection before a client has written the whole body: read the
    // answer over a raw connection rather than through a client that
    // reports the broken pipe instead.
    let length = 5 * 1024 * 1024;
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut stream = TcpStream::connect(&address).await.unwrap();
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let _ = stream.write_all(&vec![b' '; 64 * 1024]).await;

    let mut answer = vec![0_u8; 64];
    let read = stream.read(&mut answer).await.unwrap();

    let status_line = String::from_utf8_lossy(&answer[..read]).to_string();
    assert!(status_line.starts_with("HTTP/1.1 413"), "{status_line}");
}

async fn malformed_json_gets_a_client_error(app: TestApp) {
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("content-type", "application/json")
        .body(r#"{"query": "{ festivals { id } }""#)
        .send()
        .await
        .unwrap();

    assert!(response.status().is_client_error(), "{}", response.status());
}

async fn graphiql_health_and_readiness_answer(app: TestApp) {
    let graphiql = app.client.get(app.url("/graphql")).send().await.unwrap();
    assert_eq!(graphiql.status().as_u16(), 200);
    let page = graphiql.text().await.unwrap();
    assert!(page.contains("graphiql"));
    // Everything it loads comes from this server: a venue has no internet.
    assert!(!page.contains("//"), "{page}");
    let sources: Vec<&str> = page
        .split(['"', '\''])
        .filter(|part| part.starts_with('/') && part.contains('.'))
        .collect();
    assert!(sources.len() >= 5, "{sources:?}");
    for source in sources {
        let file = app.client.get(app.url(source)).send().await.unwrap();
        assert_eq!(file.status().as_u16(), 200, "{source}");
        let kind = file.headers()["content-type"].to_str().unwrap().to_owned();
        assert!(
            kind.starts_with(if source.ends_with(".css") {
                "text/css"
            } else {
                "text/javascript"
            }),
            "{source}: {kind}"
        );
        let etag = file.headers()["etag"].clone();
        assert!(!file.bytes().await.unwrap().is_empty());
        let again = app
            .client
            .get(app.url(source))
            .header("if-none-match", etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status().as_u16(), 304, "{source}");
    }
    let missing = app
        .client
        .get(app.url("/vendor/nothing.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status().as_u16(), 404);
    for path in ["/healthz", "/readyz"] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status().as_u16(), 200, "{path}");
    }
}

async fn every_response_carries_a_request_id(app: TestApp) {
    let response = app.client.get(app.url("/healthz")).send().await.unwrap();
    let generated = response
        .headers()
        .get("x-request-id")
        .expect("a request id");
    assert!(!generated.is_empty());

    let echoed = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "gate-7-scan-42")
        .send()
        .await
        .unwrap();
    assert_eq!(echoed.headers()["x-request-id"], "gate-7-scan-42");
}

async fn a_broken_database_gives_internal_and_writes_nothing(app: TestApp) {
    // Registering inserts the account, then reads its grants: without the
    // grants table the second step fails after the first has run.
    app.sql("DROP TABLE role_grant").await.unwrap();

    let response = app
        .gql(
            None,
            "mutation($input: RegisterInput!) { register(input: $input) { accessToken } }",
            json!({ "input": { "email": "kim@example.org", "password": PASSWORD, "displayName": "Kim" } }),
        )
        .await;

    assert_eq!(response.error_code(), "INTERNAL");
    let message = response.0["errors"][0]["message"].as_str().unwrap();
    assert!(
        !message.contains("role_grant"),
        "internals stay in the log: {message}"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM account").await, 0);
}

async fn metrics_count_requests_operations_and_the_pool(app: TestApp) {
    // The second is answered from the parsed-query cache: still labelled.
    for _ in 0..2 {
        app.gql(None, "query Festivals { festivals { id } }", json!({}))
            .await
            .data("/festivals");
    }

    let response = app.client.get(app.url("/metrics")).send().await.unwrap();

    assert_eq!(response.status().as_u16(), 200);
    let text = response.text().await.unwrap();
    for expected in [
        r#"usher_graphql_operations_total{operation="festivals",outcome="ok"}"#,
        r#"usher_http_requests_total{route="/graphql",status="200"}"#,
        "usher_graphql_operation_duration_seconds_bucket",
        r#"usher_db_pool_connections{state="open"}"#,
        "usher_db_statements_total",
        r#"usher_group_commit_batches_total{writer="door"}"#,
        r#"usher_group_commit_requests_total{writer="reservations"}"#,
    ] {
        assert!(text.contains(expected), "{expected} missing from:\n{text}");
    }
    assert!(
        !text.contains(r#"operation="""#),
        "every operation is labelled:\n{text}"
    );
}
