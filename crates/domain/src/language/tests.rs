use std::collections::BTreeSet;

use fluent_bundle::FluentResource;
use fluent_syntax::ast::Entry;

use super::*;

/// The message ids a language's file defines; panics on a syntax error.
fn ids(language: Language) -> BTreeSet<String> {
    let resource = FluentResource::try_new(language.door_sentences().to_owned())
        .unwrap_or_else(|(_, errors)| panic!("{}: {errors:?}", language.tag()));
    resource
        .entries()
        .filter_map(|entry| match entry {
            Entry::Message(message) => Some(message.id.name.to_owned()),
            _ => None,
        })
        .collect()
}

#[test]
fn every_language_says_every_sentence_english_says_and_no_other() {
    let english = ids(Language::English);
    assert!(english.contains("door-admitted"));
    for language in Language::ALL {
        assert_eq!(
            ids(language),
            english,
            "{} must define exactly the sentences of en/door.ftl",
            language.tag()
        );
    }
}

#[test]
fn a_sentence_a_language_misses_is_said_in_english_and_an_unknown_one_by_its_id() {
    let args = FluentArgs::new();
    assert_eq!(
        say(Language::SimplifiedChinese, "door-cancelled", &args),
        "此票已取消。"
    );
    assert_eq!(
        say(Language::English, "door-cancelled", &args),
        "This ticket was cancelled."
    );
    assert_eq!(
        say(Language::English, "no-such-sentence", &args),
        "no-such-sentence"
    );
}

#[test]
fn accept_language_picks_the_most_wanted_language_usher_speaks() {
    let cases = [
        ("", Language::English),
        ("zh-CN", Language::SimplifiedChinese),
        ("zh", Language::SimplifiedChinese),
        ("zh-Hans-CN,zh;q=0.9", Language::SimplifiedChinese),
        ("en-US,en;q=0.9,zh-CN;q=0.8", Language::English),
        ("fr-FR,zh-CN;q=0.5,en;q=0.4", Language::SimplifiedChinese),
        ("vi-VN,th;q=0.9", Language::English),
        ("zh-TW", Language::English),
        ("zh-CN;q=0, en;q=0.1", Language::English),
        ("EN-gb ; q=0.3 , ZH-cn ; q=0.7", Language::SimplifiedChinese),
        ("zh-CN;q=nonsense", Language::SimplifiedChinese),
        ("zh-CN;q=0", Language::English),
        ("zh-CN,en", Language::SimplifiedChinese),
        ("en,zh-CN", Language::English),
    ];
    for (header, expected) in cases {
        assert_eq!(
            Language::from_accept_language(header),
            expected,
            "{header:?}"
        );
    }
}

#[test]
fn each_language_has_its_tag_and_is_asked_for_by_it() {
    assert_eq!(Language::English.tag(), "en");
    assert_eq!(Language::SimplifiedChinese.tag(), "zh-CN");
    for language in Language::ALL {
        assert_eq!(Language::from_accept_language(language.tag()), language);
    }
}

#[test]
fn every_outcome_has_its_label_on_the_door_page() {
    let english = ids(Language::English);
    for outcome in crate::door::CheckInOutcome::ALL {
        let label = format!(
            "door-outcome-{}",
            outcome.as_str().to_ascii_lowercase().replace('_', "-")
        );
        assert!(english.contains(&label), "{label} is missing");
    }
}
