//! A small GraphQL client for the bench.

use serde_json::{Value, json};

use crate::target::{ADMIN_PASSWORD, Target};

/// What a request came to: data, or the code of its first error.
pub type Answer = Result<Value, String>;

/// The API of the server under load, signed in as the bench's admin.
#[derive(Clone)]
pub struct Api {
    http: reqwest::Client,
    graphql: String,
    url: String,
    /// The admin's access token.
    pub admin: String,
}

impl Api {
    /// Adds an admin to the target's database and signs in.
    pub async fn connect(target: &Target) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(1024)
            .build()?;
        let mut api = Self {
            http,
            graphql: format!("{}/graphql", target.url),
            url: target.url.clone(),
            admin: String::new(),
        };
        let email = target.add_admin()?;
        let login = api
            .gql(
                None,
                "mutation Login($email: String!, $password: String!) { login(input: { email: $email, password: $password }) { accessToken } }",
                json!({ "email": email, "password": ADMIN_PASSWORD }),
            )
            .await
            .map_err(|code| anyhow::anyhow!("cannot sign in as the bench's admin: {code}"))?;
        api.admin = string(&login, "/login/accessToken")?;
        Ok(api)
    }

    /// Sends a request; the data, or the first error's code (TRANSPORT when
    /// no answer came).
    pub async fn gql(&self, token: Option<&str>, query: &str, variables: Value) -> Answer {
        let mut request = self
            .http
            .post(&self.graphql)
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.map_err(|_| "TRANSPORT".to_owned())?;
        let body: Value = response.json().await.map_err(|_| "TRANSPORT".to_owned())?;
        match body.pointer("/errors/0/extensions/code") {
            Some(code) => Err(code.as_str().unwrap_or("UNKNOWN").to_owned()),
            None => Ok(body["data"].clone()),
        }
    }

    /// The server's base URL, e.g. `http://127.0.0.1:8080`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Like `gql`, but an error is a failure of the bench's preparation.
    pub async fn must(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> anyhow::Result<Value> {
        self.gql(token, query, variables)
            .await
            .map_err(|code| anyhow::anyhow!("preparation failed with {code}: {query}"))
    }

    /// Prints a few server metrics after a run.
    pub async fn print_metrics(&self) {
        let Ok(response) = self.http.get(format!("{}/metrics", self.url)).send().await else {
            return;
        };
        let text = response.text().await.unwrap_or_default();
        println!("server metrics:");
        for line in text.lines().filter(|line| {
            [
                "usher_check_ins_total",
                "usher_reservations_total",
                "usher_db_pool_connections",
                "usher_db_statements_total",
                "usher_group_commit",
            ]
            .iter()
            .any(|name| line.starts_with(name))
        }) {
            println!("  {line}");
        }
    }
}

/// The string at a JSON pointer.
pub fn string(value: &Value, pointer: &str) -> anyhow::Result<String> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| anyhow::anyhow!("no string at {pointer} in {value}"))
}
