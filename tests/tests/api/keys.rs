//! The keys that sign ticket codes: rotation, retirement, a configured PEM
//! key, and codes that are not genuine.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::Value;
use usher_api::codes::{InvalidCode, TicketKeys};
use usher_domain::ids::{ItemId, TicketId};
use usher_domain::tickets::TicketClaims;

use usher_tests::TestApp;
use usher_tests::cli::usher;
use usher_tests::on_both_databases;
use usher_tests::tickets::kid_of;

fn claims() -> TicketClaims {
    TicketClaims {
        ticket_id: TicketId::generate(),
        item_id: ItemId::generate(),
    }
}

on_both_databases!(
    rotated_keys_keep_verifying_until_retired,
    a_configured_pem_key_signs_and_is_published,
    codes_that_are_not_genuine_are_refused,
);

/// Ticket keys over a fresh SQLite database, for property tests (which
/// run outside async); the runtime and directory must outlive the keys.
fn fresh_keys() -> (tokio::runtime::Runtime, tempfile::TempDir, TicketKeys) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let directory = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/keys.db", directory.path().display());
    let keys = runtime.block_on(async {
        let store = usher_persistence::Store::connect(&url, &Default::default())
            .await
            .unwrap();
        TicketKeys::load(store, None).await.unwrap()
    });
    (runtime, directory, keys)
}

#[test]
fn no_arbitrary_text_verifies_as_a_code() {
    let (_runtime, _directory, keys) = fresh_keys();
    let mut runner = TestRunner::new(Config {
        cases: 512,
        ..Config::default()
    });
    let strategy = prop_oneof![
        any::<String>(),
        "[A-Za-z0-9_-]{0,80}\\.[A-Za-z0-9_-]{0,120}\\.[A-Za-z0-9_-]{0,90}",
        "eyJhbGciOiJFZERTQSIsImtpZCI6I[A-Za-z0-9_-]{0,30}\\.[A-Za-z0-9_-]{0,120}\\.[A-Za-z0-9_-]{86}",
    ];
    runner
        .run(&strategy, |text| {
            prop_assert!(keys.verify(&text).is_err());
            Ok(())
        })
        .unwrap();
}

#[test]
fn any_change_to_a_genuine_code_breaks_it() {
    let (_runtime, _directory, keys) = fresh_keys();
    let genuine = keys.sign(claims()).unwrap();
    let mut runner = TestRunner::new(Config {
        cases: 1024,
        ..Config::default()
    });
    let strategy = (0..genuine.len(), proptest::char::range('!', '~'));
    runner
        .run(&strategy, |(position, replacement)| {
            let mut changed = genuine.clone();
            changed.replace_range(position..=position, &replacement.to_string());
            prop_assume!(changed != genuine);
            prop_assert!(keys.verify(&changed).is_err(), "{changed} verified");
            Ok(())
        })
        .unwrap();
}

async fn rotated_keys_keep_verifying_until_retired(app: TestApp) {
    let url = app.database.url.clone();
    let keys = TicketKeys::load(app.store.clone(), None).await.unwrap();
    let ticket = claims();
    let old_code = keys.sign(ticket).unwrap();
    let old_kid = kid_of(&old_code);

    usher(&["keys", "rotate", "--database-url", &url])
        .await
        .unwrap();
    keys.refresh().await.unwrap();
    let new_code = keys.sign(ticket).unwrap();
    let new_kid = kid_of(&new_code);

    assert_ne!(old_kid, new_kid, "the new key signs");
    assert_eq!(
        keys.verify(&old_code),
        Ok(ticket),
        "the old key still verifies"
    );
    let jwks: Value = serde_json::from_str(&keys.jwks()).unwrap();
    assert_eq!(jwks["keys"].as_array().unwrap().len(), 2);

    usher(&["keys", "retire", &old_kid, "--database-url", &url])
        .await
        .unwrap();
    keys.refresh().await.unwrap();

    assert_eq!(
        keys.verify(&old_code),
        Err(InvalidCode::RetiredKey),
        "a genuine code of a retired key is told apart"
    );
    let (old_signed, _) = old_code.rsplit_once('.').unwrap();
    let (_, new_signature) = new_code.rsplit_once('.').unwrap();
    assert_eq!(
        keys.verify(&format!("{old_signed}.{new_signature}")),
        Err(InvalidCode::BadSignature),
        "a code naming a retired key but not signed by it is forged"
    );
    assert_eq!(keys.verify(&new_code), Ok(ticket));
    assert!(
        usher(&["keys", "retire", &new_kid, "--database-url", &url])
            .await
            .is_err(),
        "the last key stays"
    );
    assert!(
        usher(&["keys", "retire", "no-such-kid", "--database-url", &url])
            .await
            .is_err()
    );
}

async fn a_configured_pem_key_signs_and_is_published(app: TestApp) {
    let pem = SigningKey::from_bytes(&[7; 32])
        .to_pkcs8_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
        .unwrap();
    let keys = TicketKeys::load(app.store.clone(), Some(&pem))
        .await
        .unwrap();
    let stored = TicketKeys::load(app.store.clone(), None).await.unwrap();

    let code = keys.sign(claims()).unwrap();

    let kid = kid_of(&code);
    let jwks: Value = serde_json::from_str(&keys.jwks()).unwrap();
    assert_eq!(jwks["keys"][0]["kid"], kid.as_str());
    assert!(
        keys.verify(&stored.sign(claims()).unwrap()).is_ok(),
        "stored keys still verify"
    );
    assert!(
        TicketKeys::load(app.store.clone(), Some("not a key"))
            .await
            .is_err()
    );
}

async fn codes_that_are_not_genuine_are_refused(app: TestApp) {
    let keys = TicketKeys::load(app.store.clone(), None).await.unwrap();
    let code = keys.sign(claims()).unwrap();
    let (signed, signature) = code.rsplit_once('.').unwrap();
    let (header, payload) = signed.split_once('.').unwrap();
    let foreign = TicketKeys::load(app.store.clone(), Some(&foreign_pem()))
        .await
        .unwrap();
    let kid = kid_of(&code);
    let none_header = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"none","kid":"{kid}"}}"#));
    let hs256_header = URL_SAFE_NO_PAD.encode(format!(r#"{{"alg":"HS256","kid":"{kid}"}}"#));

    let cases = [
        String::new(),
        "x".repeat(10_000),
        "'; DROP TABLE ticket; --".to_owned(),
        format!("{none_header}.{payload}."),
        format!("{hs256_header}.{payload}.{signature}"),
        format!("{signed}.{}", &signature[..signature.len() / 2]),
        format!("{signed}.{}", signature.chars().rev().collect::<String>()),
        format!(
            "{header}.{}.{signature}",
            URL_SAFE_NO_PAD
                .encode(br#"{"t":"AAAAAAAAAAAAAAAAAAAAAA","i":"AAAAAAAAAAAAAAAAAAAAAA"}"#)
        ),
        foreign.sign(claims()).unwrap(),
        "ticket.with.\u{fffd}\u{0}".to_owned(),
    ];
    for case in cases {
        assert!(keys.verify(&case).is_err(), "{case:?} was accepted");
    }
}

fn foreign_pem() -> String {
    SigningKey::from_bytes(&[9; 32])
        .to_pkcs8_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
        .unwrap()
        .to_string()
}
