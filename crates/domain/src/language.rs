//! The languages Usher speaks to people, and its sentences in each. The
//! sentences live in Fluent files, one per language
//! (`crates/domain/locales/<tag>/door.ftl`), which a translator edits
//! without touching the code; a language is added by adding its folder
//! here and to [`Language::ALL`].

use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use unic_langid::LanguageIdentifier;

/// A language Usher's sentences are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Language {
    /// English, the default.
    #[default]
    English,
    /// Simplified Chinese, as written in mainland China.
    SimplifiedChinese,
}

impl Language {
    /// Every language, English first.
    pub const ALL: [Self; 2] = [Self::English, Self::SimplifiedChinese];

    /// Its BCP 47 tag, e.g. `zh-CN`.
    pub fn tag(self) -> &'static str {
        match self {
            Self::English => "en",
            Self::SimplifiedChinese => "zh-CN",
        }
    }

    /// The door's sentences in this language, as Fluent.
    pub fn door_sentences(self) -> &'static str {
        match self {
            Self::English => include_str!("../locales/en/door.ftl"),
            Self::SimplifiedChinese => include_str!("../locales/zh-CN/door.ftl"),
        }
    }

    /// The language an `Accept-Language` header asks for: the one with the
    /// highest weight among those Usher speaks (any Chinese but Traditional
    /// is answered in Simplified Chinese), English when none fits.
    pub fn from_accept_language(header: &str) -> Self {
        let mut best: Option<(f32, Self)> = None;
        for range in header.split(',') {
            let mut parts = range.split(';');
            let tag = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
            let weight = parts
                .filter_map(|part| part.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let Some(language) = Self::of_tag(&tag) else {
                continue;
            };
            if weight > 0.0 && best.is_none_or(|(highest, _)| weight > highest) {
                best = Some((weight, language));
            }
        }
        best.map(|(_, language)| language).unwrap_or_default()
    }

    fn of_tag(tag: &str) -> Option<Self> {
        let primary = tag.split('-').next().unwrap_or_default();
        match primary {
            "en" => Some(Self::English),
            "zh" if !["zh-tw", "zh-hk", "zh-mo", "zh-hant"]
                .iter()
                .any(|traditional| tag.starts_with(traditional)) =>
            {
                Some(Self::SimplifiedChinese)
            }
            _ => None,
        }
    }
}

/// The sentences of each language, parsed once.
static BUNDLES: LazyLock<Vec<FluentBundle<FluentResource>>> = LazyLock::new(|| {
    Language::ALL
        .iter()
        .map(|language| {
            let tag: LanguageIdentifier = language.tag().parse().unwrap_or_default();
            let mut bundle = FluentBundle::new_concurrent(vec![tag]);
            bundle.set_use_isolating(false);
            // A file with mistakes still gives the sentences it gets right;
            // the tests refuse files with any mistake.
            let resource = FluentResource::try_new(language.door_sentences().to_owned())
                .unwrap_or_else(|(resource, _)| resource);
            let _ = bundle.add_resource(resource);
            bundle
        })
        .collect()
});

/// The sentence `id` in `language` with `args`; the English one when the
/// language misses it.
pub(crate) fn say(language: Language, id: &str, args: &FluentArgs<'_>) -> String {
    [language, Language::English]
        .into_iter()
        .find_map(|language| {
            let index = Language::ALL.iter().position(|known| *known == language)?;
            let bundle = BUNDLES.get(index)?;
            let pattern = bundle.get_message(id)?.value()?;
            let mut errors = Vec::new();
            Some(
                bundle
                    .format_pattern(pattern, Some(args), &mut errors)
                    .into_owned(),
            )
        })
        .unwrap_or_else(|| id.to_owned())
}

#[cfg(test)]
mod tests;
