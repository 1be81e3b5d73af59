//! Registering, signing in, refreshing, signing out, changing passwords,
//! and taking roles back.

use std::time::{Duration, Instant};

use futures::future::join_all;
use serde_json::json;
use usher_domain::roles::{Role, RoleGrant};

use usher_tests::catalogue::festival;
use usher_tests::on_both_databases;
use usher_tests::{Gql, PASSWORD, TestApp};

const REGISTER: &str = "mutation($input: RegisterInput!) {
    register(input: $input) { accessToken refreshToken expiresAt user { id email displayName roles { role } } }
}";
const REFRESH: &str = "mutation($token: String!) { refresh(refreshToken: $token) { accessToken refreshToken user { email } } }";
const ME: &str = "{ me { email displayName roles { role festival { slug } venue { name } } } }";

async fn register(app: &TestApp, email: &str, password: &str, name: &str) -> usher_tests::Gql {
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
    changing_the_password_ends_the_other_logins_and_keeps_this_one,
    concurrent_changes_from_one_password_change_it_once,
    admins_and_organizers_take_roles_back_within_their_reach,
    two_admins_taking_the_role_from_each_other_at_once_leave_one,
    organizers_see_who_holds_a_role_in_their_festival,
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

const CHANGE_PASSWORD: &str = "mutation($old: String!, $new: String!) { changePassword(oldPassword: $old, newPassword: $new) }";
const LOGIN: &str =
    "mutation($input: LoginInput!) { login(input: $input) { accessToken refreshToken } }";

async fn change(app: &TestApp, token: Option<&str>, old: &str, new: &str) -> Gql {
    app.gql(token, CHANGE_PASSWORD, json!({ "old": old, "new": new }))
        .await
}

async fn changing_the_password_ends_the_other_logins_and_keeps_this_one(app: TestApp) {
    let email = "chanthou@example.org";
    let registered = register(&app, email, PASSWORD, "Chanthou").await;
    let registered_access = registered
        .data("/register/accessToken")
        .as_str()
        .unwrap()
        .to_owned();
    let (phone_access, phone_refresh) = app.sign_in(email, PASSWORD).await;
    let (laptop_access, laptop_refresh) = app.sign_in(email, PASSWORD).await;
    let (bystander, _) = {
        register(&app, "bystander@example.org", PASSWORD, "B").await;
        app.sign_in("bystander@example.org", PASSWORD).await
    };
    // A second instance of the same database, which learns of ended logins
    // only from the database.
    let elsewhere = app.another_instance().await;
    assert_eq!(
        elsewhere
            .gql(Some(&laptop_access), ME, json!({}))
            .await
            .data("/me/email"),
        email
    );
    let new_password = "a new and longer password";

    let anonymous = change(&app, None, PASSWORD, new_password).await;
    let wrong_old = change(&app, Some(&phone_access), "not the password", new_password).await;
    let too_short = change(&app, Some(&phone_access), PASSWORD, "short").await;
    assert_eq!(anonymous.error_code(), "UNAUTHENTICATED");
    assert_eq!(wrong_old.error_code(), "INVALID_CREDENTIALS");
    assert_eq!(too_short.error_code(), "BAD_USER_INPUT");
    assert_eq!(too_short.error_field(), "newPassword");
    assert_eq!(
        app.gql(Some(&laptop_access), ME, json!({}))
            .await
            .data("/me/email"),
        email,
        "a refused change ends nothing"
    );

    let changed = change(&app, Some(&phone_access), PASSWORD, new_password).await;

    assert_eq!(
        changed.data("/changePassword"),
        2,
        "the registration's login and the laptop's"
    );
    for ended in [&laptop_access, &registered_access] {
        assert_eq!(
            app.gql(Some(ended), ME, json!({})).await.error_code(),
            "UNAUTHENTICATED",
            "another login's access token stops at once"
        );
    }
    assert_eq!(
        app.gql(None, REFRESH, json!({ "token": laptop_refresh }))
            .await
            .error_code(),
        "UNAUTHENTICATED"
    );
    assert_eq!(
        app.gql(Some(&phone_access), ME, json!({}))
            .await
            .data("/me/email"),
        email,
        "this login goes on"
    );
    let rotated = app
        .gql(None, REFRESH, json!({ "token": phone_refresh }))
        .await;
    assert_eq!(rotated.data("/refresh/user/email"), email);
    assert_eq!(
        app.gql(Some(&bystander), ME, json!({}))
            .await
            .data("/me/email"),
        "bystander@example.org"
    );
    let started = Instant::now();
    while elsewhere
        .gql(Some(&laptop_access), ME, json!({}))
        .await
        .0
        .get("errors")
        .is_none()
    {
        assert!(
            started.elapsed() < Duration::from_millis(2_500),
            "the other instance stops the ended login within two seconds"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let old_login = app
        .gql(
            None,
            LOGIN,
            json!({ "input": { "email": email, "password": PASSWORD } }),
        )
        .await;
    assert_eq!(old_login.error_code(), "INVALID_CREDENTIALS");
    app.sign_in(email, new_password).await;
}

async fn revoke(app: &TestApp, token: &str, input: serde_json::Value) -> Gql {
    app.gql(
        Some(token),
        "mutation($input: RevokeRoleInput!) { revokeRole(input: $input) { email roles { role festival { slug } } } }",
        json!({ "input": input }),
    )
    .await
}

async fn admins_and_organizers_take_roles_back_within_their_reach(app: TestApp) {
    let festival = festival(&app, "revocations").await;
    let other = festival_of(&app, "other-festival").await;
    let festival_id: usher_domain::ids::FestivalId = festival.id.parse().unwrap();
    let organizer = app
        .user_with(
            "chief@example.org",
            &[RoleGrant::new(Role::Organizer, Some(festival_id), None).unwrap()],
        )
        .await;
    let staff = app
        .user_with(
            "gate@example.org",
            &[
                RoleGrant::new(Role::DoorStaff, Some(festival_id), None).unwrap(),
                RoleGrant::new(Role::DoorStaff, Some(other.parse().unwrap()), None).unwrap(),
            ],
        )
        .await;
    let deputy = app
        .user_with(
            "deputy@example.org",
            &[RoleGrant::new(Role::Admin, None, None).unwrap()],
        )
        .await;
    let door_staff_of = |festival_id: &str| json!({ "email": "GATE@example.org", "role": "DOOR_STAFF", "festivalId": festival_id });
    let manifest = "query($venue: ID!) { scannerManifest(venueId: $venue) { generatedAt } }";
    let scans = |token: String| {
        let venue = festival.venue.clone();
        let app = &app;
        async move {
            app.gql(Some(&token), manifest, json!({ "venue": venue }))
                .await
        }
    };
    scans(staff.clone()).await.data("/scannerManifest");

    let by_staff = revoke(&app, &staff, door_staff_of(&festival.id)).await;
    let other_festival = revoke(&app, &organizer, door_staff_of(&other)).await;
    let an_admin = revoke(
        &app,
        &organizer,
        json!({ "email": "deputy@example.org", "role": "ADMIN" }),
    )
    .await;
    let taken_back = revoke(&app, &organizer, door_staff_of(&festival.id)).await;
    let again = revoke(&app, &organizer, door_staff_of(&festival.id)).await;
    let venue_scoped = revoke(
        &app,
        &festival.admin,
        json!({ "email": "gate@example.org", "role": "DOOR_STAFF", "festivalId": other, "venueId": festival.venue }),
    )
    .await;
    let attendee_role = revoke(
        &app,
        &festival.admin,
        json!({ "email": "gate@example.org", "role": "ATTENDEE" }),
    )
    .await;
    let by_admin = revoke(
        &app,
        &festival.admin,
        json!({ "email": "deputy@example.org", "role": "ADMIN" }),
    )
    .await;

    assert_eq!(by_staff.error_code(), "FORBIDDEN");
    assert_eq!(other_festival.error_code(), "FORBIDDEN");
    assert_eq!(an_admin.error_code(), "FORBIDDEN");
    assert_eq!(
        taken_back.data("/revokeRole/roles"),
        &json!([{ "role": "ATTENDEE", "festival": null },
                 { "role": "DOOR_STAFF", "festival": { "slug": "other-festival" } }])
    );
    assert_eq!(again.error_code(), "NOT_FOUND", "no such grant any more");
    assert_eq!(
        venue_scoped.error_code(),
        "NOT_FOUND",
        "a grant is taken back with the scope it was given with"
    );
    assert_eq!(attendee_role.error_code(), "BAD_USER_INPUT");
    assert_eq!(attendee_role.error_field(), "role");
    assert_eq!(
        by_admin.data("/revokeRole/roles"),
        &json!([{ "role": "ATTENDEE", "festival": null }])
    );
    assert_eq!(
        scans(staff).await.error_code(),
        "FORBIDDEN",
        "a revoked role stops at once on this instance"
    );
    assert_eq!(
        app.gql(Some(&deputy), "{ me { roles { role } } }", json!({}))
            .await
            .data("/me/roles"),
        &json!([{ "role": "ATTENDEE" }])
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM role_grant WHERE role = 'DOOR_STAFF'")
            .await,
        1
    );
}

/// Another festival, by its id.
async fn festival_of(app: &TestApp, slug: &str) -> String {
    festival(app, slug).await.id
}

async fn concurrent_changes_from_one_password_change_it_once(app: TestApp) {
    let email = "vanna@example.org";
    register(&app, email, PASSWORD, "Vanna").await;
    let mut logins = Vec::new();
    for _ in 0..4 {
        logins.push(app.sign_in(email, PASSWORD).await.0);
    }
    let new_passwords: Vec<String> = (0..4)
        .map(|n| format!("a new and longer password, number {n}"))
        .collect();

    let answers = join_all(
        logins
            .iter()
            .zip(&new_passwords)
            .map(|(token, new)| change(&app, Some(token), PASSWORD, new)),
    )
    .await;

    let changed: Vec<usize> = (0..4)
        .filter(|&n| answers[n].0["errors"].is_null())
        .collect();
    assert_eq!(changed.len(), 1, "exactly one change: {answers:?}");
    for (n, answer) in answers.iter().enumerate() {
        if n != changed[0] {
            assert!(
                ["INVALID_CREDENTIALS", "UNAUTHENTICATED"].contains(&answer.error_code()),
                "{answer:?}"
            );
        }
    }
    let signs_in = async |password: &str| {
        let login = app
            .gql(
                None,
                LOGIN,
                json!({ "input": { "email": email, "password": password } }),
            )
            .await;
        login.0["errors"].is_null()
    };
    assert!(
        signs_in(&new_passwords[changed[0]]).await,
        "the change that won holds"
    );
    assert!(!signs_in(PASSWORD).await, "the old password is over");
    for (n, other) in new_passwords.iter().enumerate() {
        if n != changed[0] {
            assert!(!signs_in(other).await, "a change that lost left nothing");
        }
    }
}

async fn two_admins_taking_the_role_from_each_other_at_once_leave_one(app: TestApp) {
    let admin = || [RoleGrant::new(Role::Admin, None, None).unwrap()];
    let ana = app.user_with("ana@usher.example", &admin()).await;
    let bo = app.user_with("bo@usher.example", &admin()).await;
    let take_from = |email: &str| json!({ "email": email, "role": "ADMIN" });

    let (ana_takes, bo_takes) = tokio::join!(
        revoke(&app, &ana, take_from("bo@usher.example")),
        revoke(&app, &bo, take_from("ana@usher.example")),
    );

    let answers = [&ana_takes, &bo_takes];
    let done = answers
        .iter()
        .filter(|answer| answer.0["errors"].is_null())
        .count();
    assert_eq!(done, 1, "{answers:?}");
    for answer in answers
        .iter()
        .filter(|answer| !answer.0["errors"].is_null())
    {
        assert!(
            ["BAD_USER_INPUT", "FORBIDDEN"].contains(&answer.error_code()),
            "{answer:?}"
        );
    }
    let mut admins = 0;
    for email in ["ana@usher.example", "bo@usher.example"] {
        let token = app.login(email).await;
        let me = app
            .gql(Some(&token), "{ me { roles { role } } }", json!({}))
            .await;
        let roles = me.data("/me/roles").as_array().unwrap().clone();
        if roles.iter().any(|role| role["role"] == "ADMIN") {
            admins += 1;
            let last = revoke(&app, &token, take_from(email)).await;
            assert_eq!(last.error_code(), "BAD_USER_INPUT", "{last:?}");
            assert_eq!(last.error_field(), "role");
        }
    }
    assert_eq!(admins, 1, "one admin is left, and keeps the role");
}

async fn organizers_see_who_holds_a_role_in_their_festival(app: TestApp) {
    let festival = festival(&app, "holders").await;
    let other = festival_of(&app, "holders-elsewhere").await;
    let festival_id: usher_domain::ids::FestivalId = festival.id.parse().unwrap();
    let other_id: usher_domain::ids::FestivalId = other.parse().unwrap();
    let organizer = app
        .user_with(
            "chief@example.org",
            &[RoleGrant::new(Role::Organizer, Some(festival_id), None).unwrap()],
        )
        .await;
    let gate = app
        .user_with(
            "gate@example.org",
            &[
                RoleGrant::new(
                    Role::DoorStaff,
                    Some(festival_id),
                    Some(festival.venue.parse().unwrap()),
                )
                .unwrap(),
                RoleGrant::new(Role::DoorStaff, Some(other_id), None).unwrap(),
            ],
        )
        .await;
    let elsewhere = app
        .user_with(
            "elsewhere@example.org",
            &[RoleGrant::new(Role::Organizer, Some(other_id), None).unwrap()],
        )
        .await;
    let attendee = app.attendee("bo@example.org").await;
    let bo_id = app
        .gql(Some(&attendee), "{ me { id } }", json!({}))
        .await
        .data("/me/id")
        .clone();
    // Granted through the API, by the organizer: the whole festival.
    app.gql(
        Some(&organizer),
        "mutation($input: GrantRoleInput!) { grantRole(input: $input) { email } }",
        json!({ "input": { "email": "bo@example.org", "role": "DOOR_STAFF", "festivalId": festival.id } }),
    )
    .await
    .data("/grantRole");
    let holders = |token: Option<String>| {
        let app = &app;
        let id = festival.id.clone();
        async move {
            app.gql(
                token.as_deref(),
                "query($id: ID!) { festival(id: $id) { roleHolders { userId email displayName role venue { name } } } }",
                json!({ "id": id }),
            )
            .await
        }
    };

    let by_organizer = holders(Some(organizer.clone())).await;
    let by_admin = holders(Some(festival.admin.clone())).await;
    let by_attendee = holders(Some(attendee)).await;
    let by_door_staff = holders(Some(gate)).await;
    let by_other_organizer = holders(Some(elsewhere)).await;
    let anonymous = holders(None).await;
    revoke(
        &app,
        &organizer,
        json!({ "email": "gate@example.org", "role": "DOOR_STAFF", "festivalId": festival.id, "venueId": festival.venue }),
    )
    .await
    .data("/revokeRole");
    let after_revoking = holders(Some(organizer)).await;

    let listed = by_organizer.data("/festival/roleHolders");
    assert_eq!(
        listed
            .as_array()
            .unwrap()
            .iter()
            .map(|holder| json!([holder["email"], holder["role"], holder["venue"]]))
            .collect::<Vec<_>>(),
        [
            json!(["chief@example.org", "ORGANIZER", null]),
            json!(["bo@example.org", "DOOR_STAFF", null]),
            json!(["gate@example.org", "DOOR_STAFF", { "name": "Hall 2" }]),
        ],
        "organizers first, then door staff by e-mail; no admin, nothing of the other festival"
    );
    assert_eq!(listed[1]["userId"], bo_id);
    assert_eq!(listed[1]["displayName"], "bo");
    assert_eq!(listed[0]["displayName"], "Test User");
    assert_eq!(by_admin.data("/festival/roleHolders"), listed);
    assert_eq!(by_attendee.error_code(), "FORBIDDEN");
    assert_eq!(by_door_staff.error_code(), "FORBIDDEN");
    assert_eq!(by_other_organizer.error_code(), "FORBIDDEN");
    assert_eq!(anonymous.error_code(), "UNAUTHENTICATED");
    assert_eq!(
        after_revoking
            .data("/festival/roleHolders")
            .as_array()
            .unwrap()
            .iter()
            .map(|holder| holder["email"].clone())
            .collect::<Vec<_>>(),
        [json!("chief@example.org"), json!("bo@example.org")],
        "a revoked grant leaves the list"
    );
}
