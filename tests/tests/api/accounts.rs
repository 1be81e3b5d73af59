//! Registering, signing in, refreshing, signing out, and roles.

use futures::future::join_all;
use serde_json::json;

use crate::helpers::{PASSWORD, TestApp};
use crate::on_both_databases;

const REGISTER: &str = "mutation($input: RegisterInput!) {
    register(input: $input) { accessToken refreshToken expiresAt user { id email displayName roles { role } } }
}";
const REFRESH: &str = "mutation($token: String!) { refresh(refreshToken: $token) { accessToken refreshToken user { email } } }";
const ME: &str = "{ me { email displayName roles { role festival { slug } venue { name } } } }";

async fn register(app: &TestApp, email: &str, password: &str, name: &str) -> crate::helpers::Gql {
    app.gql(
        None,
        REGISTER,
        json!({ "input": { "email": email, "password": password, "displayName": name } }),
    )
    .await
}

on_both_databases!(
    a_new_attendee_registers_and_is_signed_in,
    an_email_registers_once_whatever_its_case,
    bad_registrations_name_the_field_and_create_nothing,
    wrong_passwords_and_unknown_emails_are_the_same_refusal,
    a_refresh_token_works_once_and_a_replay_ends_the_login,
    concurrent_refreshes_of_one_token_rotate_it_once,
    concurrent_registrations_of_one_email_create_one_account,
    logout_ends_the_login,
    forged_and_malformed_tokens_are_unauthenticated,
);

async fn a_new_attendee_registers_and_is_signed_in(app: TestApp) {
    let response = register(&app, "Mai.Linh@Example.org", PASSWORD, "Mai Linh").await;

    assert_eq!(
        response.data("/register/user/email"),
        "mai.linh@example.org"
    );
    assert_eq!(
        response.data("/register/user/roles"),
        &json!([{ "role": "ATTENDEE" }])
    );
    let token = response.data("/register/accessToken").as_str().unwrap();
    let me = app.gql(Some(token), ME, json!({})).await;
    assert_eq!(me.data("/me/displayName"), "Mai Linh");
    let anonymous = app.gql(None, ME, json!({})).await;
    assert_eq!(anonymous.data("/me"), &json!(null));
}

async fn an_email_registers_once_whatever_its_case(app: TestApp) {
    register(&app, "somchai@example.org", PASSWORD, "Somchai")
        .await
        .data("/register");

    let again = register(&app, "SOMCHAI@example.org", PASSWORD, "Somchai").await;

    assert_eq!(again.error_code(), "ALREADY_EXISTS");
    assert_eq!(app.count("SELECT COUNT(*) FROM account").await, 1);
}

async fn bad_registrations_name_the_field_and_create_nothing(app: TestApp) {
    let cases = [
        ("not-an-email", PASSWORD, "Name", "email"),
        ("ok@example.org", "short", "Name", "password"),
        ("ok@example.org", PASSWORD, "   ", "displayName"),
        ("ok@example.org", PASSWORD, &"x".repeat(201), "displayName"),
    ];
    for (email, password, name, field) in cases {
        let response = register(&app, email, password, name).await;
        assert_eq!(response.error_code(), "BAD_USER_INPUT", "{field}");
        assert_eq!(response.error_field(), field);
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM account").await, 0);
}

async fn wrong_passwords_and_unknown_emails_are_the_same_refusal(app: TestApp) {
    register(&app, "ana@example.org", PASSWORD, "Ana")
        .await
        .data("/register");
    let login = "mutation($input: LoginInput!) { login(input: $input) { accessToken } }";

    let wrong_password = app
        .gql(
            None,
            login,
            json!({ "input": { "email": "ana@example.org", "password": "not the password" } }),
        )
        .await;
    let unknown_email = app
        .gql(
            None,
            login,
            json!({ "input": { "email": "nobody@example.org", "password": PASSWORD } }),
        )
        .await;
    let right = app
        .gql(
            None,
            login,
            json!({ "input": { "email": "ANA@example.org", "password": PASSWORD } }),
        )
        .await;

    assert_eq!(wrong_password.error_code(), "INVALID_CREDENTIALS");
    assert_eq!(unknown_email.error_code(), "INVALID_CREDENTIALS");
    assert_eq!(
        wrong_password.0["errors"][0]["message"],
        unknown_email.0["errors"][0]["message"]
    );
    assert!(right.data("/login/accessToken").is_string());
}

async fn a_refresh_token_works_once_and_a_replay_ends_the_login(app: TestApp) {
    let registered = register(&app, "budi@example.org", PASSWORD, "Budi").await;
    let first = registered
        .data("/register/refreshToken")
        .as_str()
        .unwrap()
        .to_owned();

    let rotated = app.gql(None, REFRESH, json!({ "token": first })).await;
    let second = rotated
        .data("/refresh/refreshToken")
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(first, second);
    assert_eq!(rotated.data("/refresh/user/email"), "budi@example.org");
    let new_access = rotated
        .data("/refresh/accessToken")
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        app.gql(Some(&new_access), ME, json!({}))
            .await
            .data("/me/email"),
        "budi@example.org"
    );

    let replay = app.gql(None, REFRESH, json!({ "token": first })).await;
    assert_eq!(replay.error_code(), "UNAUTHENTICATED");
    let after_replay = app.gql(None, REFRESH, json!({ "token": second })).await;
    assert_eq!(
        after_replay.error_code(),
        "UNAUTHENTICATED",
        "the replay ended the whole login"
    );
}

async fn concurrent_refreshes_of_one_token_rotate_it_once(app: TestApp) {
    let registered = register(&app, "linh@example.org", PASSWORD, "Linh").await;
    let token = registered
        .data("/register/refreshToken")
        .as_str()
        .unwrap()
        .to_owned();

    let attempts =
        join_all((0..8).map(|_| app.gql(None, REFRESH, json!({ "token": token })))).await;

    let rotated = attempts
        .iter()
        .filter(|a| a.0.get("errors").is_none())
        .count();
    assert_eq!(rotated, 1, "{attempts:?}");
    for refused in attempts.iter().filter(|a| a.0.get("errors").is_some()) {
        assert_eq!(refused.error_code(), "UNAUTHENTICATED");
    }
}

async fn concurrent_registrations_of_one_email_create_one_account(app: TestApp) {
    let attempts = join_all((0..10).map(|i| {
        let email = if i % 2 == 0 {
            "rush@example.org"
        } else {
            "RUSH@example.org"
        };
        register(&app, email, PASSWORD, "Rush")
    }))
    .await;

    let created = attempts
        .iter()
        .filter(|a| a.0.get("errors").is_none())
        .count();
    assert_eq!(created, 1);
    for refused in attempts.iter().filter(|a| a.0.get("errors").is_some()) {
        assert_eq!(refused.error_code(), "ALREADY_EXISTS");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM account").await, 1);
}

async fn logout_ends_the_login(app: TestApp) {
    let registered = register(&app, "aung@example.org", PASSWORD, "Aung").await;
    let token = registered
        .data("/register/refreshToken")
        .as_str()
        .unwrap()
        .to_owned();
    let logout = "mutation($token: String!) { logout(refreshToken: $token) }";

    assert_eq!(
        app.gql(None, logout, json!({ "token": token }))
            .await
            .data("/logout"),
        true
    );
    assert_eq!(
        app.gql(None, logout, json!({ "token": token }))
            .await
            .data("/logout"),
        false
    );
    assert_eq!(
        app.gql(None, REFRESH, json!({ "token": token }))
            .await
            .error_code(),
        "UNAUTHENTICATED"
    );
}

async fn forged_and_malformed_tokens_are_unauthenticated(app: TestApp) {
    let registered = register(&app, "dara@example.org", PASSWORD, "Dara").await;
    let token = registered
        .data("/register/accessToken")
        .as_str()
        .unwrap()
        .to_owned();
    let (header_and_claims, _) = token.rsplit_once('.').unwrap();
    let (_, claims) = header_and_claims.split_once('.').unwrap();
    // {"alg":"none","typ":"JWT"}
    let alg_none = format!("eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.{claims}.");
    let bad_signature = format!("{header_and_claims}.AAAA");

    for forged in [alg_none.as_str(), bad_signature.as_str(), "garbage", ""] {
        let response = app.gql(Some(forged), ME, json!({})).await;
        assert_eq!(response.error_code(), "UNAUTHENTICATED", "token {forged:?}");
    }
}
