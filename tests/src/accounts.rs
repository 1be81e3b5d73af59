//! Accounts for a test: attendees who register, users with roles made
//! directly in the store, and signing in.

use serde_json::json;
use usher_api::auth::AuthSettings;
use usher_api::throttle::ThrottleSettings;
use usher_domain::input::{Email, Name};
use usher_domain::roles::RoleGrant;
use usher_persistence::NewUser;

use crate::app::TestApp;

/// Every test account's password.
pub const PASSWORD: &str = "a long enough password";

/// Cheap password hashes and no throttles worth the name: tests register
/// many users from one address.
pub fn test_auth_settings() -> AuthSettings {
    AuthSettings {
        argon2_memory_kib: 256,
        argon2_iterations: 1,
        throttles: ThrottleSettings {
            sign_ins_per_account_per_minute: 100_000,
            sign_ins_per_address_per_minute: 100_000,
            registrations_per_address_per_hour: 100_000,
        },
        ..AuthSettings::default()
    }
}

impl TestApp {
    /// Registers a new attendee and returns their access token.
    /// Their display name is the email's local part.
    pub async fn attendee(&self, email: &str) -> String {
        let response = self
            .gql(
                None,
                "mutation($input: RegisterInput!) { register(input: $input) { accessToken } }",
                json!({ "input": { "email": email, "password": PASSWORD, "displayName": email.split('@').next().unwrap_or(email) } }),
            )
            .await;
        response
            .data("/register/accessToken")
            .as_str()
            .expect("token")
            .to_owned()
    }

    /// Creates an account with `grants` directly in the store and signs in.
    pub async fn user_with(&self, email: &str, grants: &[RoleGrant]) -> String {
        let password_hash = {
            let services = usher_api::Services::new(self.store.clone(), test_auth_settings(), None)
                .await
                .expect("services");
            services
                .auth
                .hash_password(
                    usher_domain::input::Password::parse("password", PASSWORD).expect("password"),
                )
                .await
                .expect("hash")
        };
        self.store
            .create_user(
                NewUser {
                    email: Email::parse("email", email).expect("email"),
                    password_hash,
                    display_name: Name::parse("displayName", "Test User").expect("name"),
                },
                grants,
            )
            .await
            .expect("create user");
        self.login(email).await
    }

    /// Signs in with `password`: (access token, refresh token).
    pub async fn sign_in(&self, email: &str, password: &str) -> (String, String) {
        let login = self
            .gql(
                None,
                "mutation($input: LoginInput!) { login(input: $input) { accessToken refreshToken } }",
                json!({ "input": { "email": email, "password": password } }),
            )
            .await;
        let token = |name: &str| {
            login
                .data(&format!("/login/{name}"))
                .as_str()
                .expect("a token")
                .to_owned()
        };
        (token("accessToken"), token("refreshToken"))
    }

    /// Signs in and returns the access token.
    pub async fn login(&self, email: &str) -> String {
        let response = self
            .gql(
                None,
                "mutation($input: LoginInput!) { login(input: $input) { accessToken } }",
                json!({ "input": { "email": email, "password": PASSWORD } }),
            )
            .await;
        response
            .data("/login/accessToken")
            .as_str()
            .expect("token")
            .to_owned()
    }

    /// An admin's access token.
    pub async fn admin(&self) -> String {
        let grant = RoleGrant::new(usher_domain::roles::Role::Admin, None, None).expect("grant");
        self.user_with(
            &format!("admin-{}@usher.test", uuid::Uuid::new_v4().simple()),
            &[grant],
        )
        .await
    }
}
