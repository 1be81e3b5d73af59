//! Values with rules, each built only through `parse`: once a value exists,
//! it is valid (parse, don't validate).

use std::fmt;
use std::str::FromStr;

use chrono_tz::Tz;

/// An argument that breaks a rule: which field, and why, in words a person
/// understands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct InvalidInput {
    /// The input field, named as the API names it (`endsAt`, `email`).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl InvalidInput {
    /// A refusal of `field` for the reason `message`.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// Trimmed text of 1 to `max` characters without control characters.
fn bounded_text(field: &str, raw: &str, max: usize) -> Result<String, InvalidInput> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(InvalidInput::new(field, "must not be empty"));
    }
    if text.chars().count() > max {
        return Err(InvalidInput::new(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    if text.chars().any(char::is_control) {
        return Err(InvalidInput::new(
            field,
            "must not contain control characters",
        ));
    }
    if let Some(hidden) = hidden_character(text) {
        return Err(InvalidInput::new(
            field,
            format!(
                "must not contain invisible or direction-changing characters (U+{:04X})",
                u32::from(hidden)
            ),
        ));
    }
    Ok(text.to_owned())
}

/// The first character of `text` that changes how text around it is shown
/// without being seen itself: bidirectional controls (U+202E shows
/// "Anna\u{202E}lla" as "Annaall"), zero-width and other invisible format
/// characters (Unicode category Cf), line and paragraph separators, and
/// Hangul fillers. They make one name pass for another on a ticket read at
/// the door or in a list of accounts. Zero-width joiners and non-joiners
/// are kept between two characters of a script that needs them (Persian,
/// Sinhala, the Indic scripts, emoji sequences); next to ASCII, a space or
/// an end of the text they only hide.
fn hidden_character(text: &str) -> Option<char> {
    let chars: Vec<char> = text.chars().collect();
    let joins =
        |c: Option<&char>| c.is_some_and(|&c| !c.is_ascii() && !c.is_whitespace() && !is_hidden(c));
    chars.iter().enumerate().find_map(|(at, &c)| {
        let refused = match c {
            '\u{200C}' | '\u{200D}' => {
                !(joins(at.checked_sub(1).and_then(|before| chars.get(before)))
                    && joins(chars.get(at + 1)))
            }
            _ => is_hidden(c),
        };
        refused.then_some(c)
    })
}

/// Format characters (Unicode 16's category Cf), line and paragraph
/// separators, and the Hangul fillers, which show as nothing.
fn is_hidden(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{0600}'..='\u{0605}'
            | '\u{061C}'
            | '\u{06DD}'
            | '\u{070F}'
            | '\u{0890}'..='\u{0891}'
            | '\u{08E2}'
            | '\u{115F}'..='\u{1160}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FEFF}'
            | '\u{FFA0}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{110BD}'
            | '\u{110CD}'
            | '\u{13430}'..='\u{1343F}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0001}'
            | '\u{E0020}'..='\u{E007F}'
    )
}

macro_rules! text_type {
    ($(#[$doc:meta] $name:ident, $max:expr);* $(;)?) => {$(
        #[$doc]
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub struct $name(String);

        impl $name {
            /// The longest value accepted, in characters.
            pub const MAX_CHARS: usize = $max;

            /// Parses `raw` (trimmed) as the value of input field `field`.
            pub fn parse(field: &str, raw: &str) -> Result<Self, InvalidInput> {
                bounded_text(field, raw, Self::MAX_CHARS).map(Self)
            }

            /// The text itself.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The text, owned.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    )*};
}

text_type!(
    /// A name or title: of a festival, venue, film, programme item or person.
    Name, 200;
    /// A postal address or a longer label.
    Address, 500;
    /// A short label such as a gate, a language or a host's name.
    Label, 200;
);

/// An email address, kept in lower case so that uniqueness ignores case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// Parses an address of the form `local@domain.tld`.
    pub fn parse(field: &str, raw: &str) -> Result<Self, InvalidInput> {
        let text = raw.trim().to_lowercase();
        let invalid = || InvalidInput::new(field, "is not a valid email address");
        if text.len() > 254 || text.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(invalid());
        }
        let (local, domain) = text.split_once('@').ok_or_else(invalid)?;
        let domain_ok = domain.contains('.')
            && !domain.contains('@')
            && domain
                .split('.')
                .all(|part| !part.is_empty() && !part.starts_with('-') && !part.ends_with('-'));
        if local.is_empty() || local.len() > 64 || !domain_ok {
            return Err(invalid());
        }
        Ok(Self(text))
    }

    /// The address, in lower case.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A new password: 10 to 1,024 characters.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    /// The shortest password accepted.
    pub const MIN_CHARS: usize = 10;
    const MAX_CHARS: usize = 1024;

    /// Parses a password chosen at registration.
    pub fn parse(field: &str, raw: &str) -> Result<Self, InvalidInput> {
        let length = raw.chars().count();
        if length < Self::MIN_CHARS {
            return Err(InvalidInput::new(
                field,
                format!("must be at least {} characters", Self::MIN_CHARS),
            ));
        }
        if length > Self::MAX_CHARS {
            return Err(InvalidInput::new(
                field,
                format!("must be at most {} characters", Self::MAX_CHARS),
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    /// The password itself, for hashing.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(..)")
    }
}

/// A festival's slug: lower-case letters, digits and dashes, as in URLs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slug(String);

impl Slug {
    /// Parses a slug of 2 to 64 characters.
    pub fn parse(field: &str, raw: &str) -> Result<Self, InvalidInput> {
        let text = raw.trim();
        let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-';
        if text.len() < 2 || text.len() > 64 {
            return Err(InvalidInput::new(field, "must be 2 to 64 characters"));
        }
        if !text.chars().all(allowed) || text.starts_with('-') || text.ends_with('-') {
            return Err(InvalidInput::new(
                field,
                "may contain only lower-case letters, digits and inner dashes",
            ));
        }
        Ok(Self(text.to_owned()))
    }

    /// The slug itself.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// An IANA time zone such as `Asia/Shanghai`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timezone(Tz);

impl Timezone {
    /// Coordinated Universal Time.
    pub const UTC: Self = Self(Tz::UTC);

    /// Parses an IANA time zone name.
    pub fn parse(field: &str, raw: &str) -> Result<Self, InvalidInput> {
        Tz::from_str(raw.trim()).map(Self).map_err(|_| {
            InvalidInput::new(field, "is not a known IANA time zone, e.g. Asia/Shanghai")
        })
    }

    /// The zone, for date arithmetic.
    pub fn tz(self) -> Tz {
        self.0
    }

    /// The IANA name.
    pub fn name(self) -> &'static str {
        self.0.name()
    }
}

/// A count of people or tickets: 1 to 1,000,000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Capacity(u32);

impl Capacity {
    /// The largest capacity accepted: larger than any hall.
    pub const MAX: u32 = 1_000_000;

    /// Parses a capacity given as input field `field`.
    pub fn parse(field: &str, raw: i64) -> Result<Self, InvalidInput> {
        if raw < 1 {
            return Err(InvalidInput::new(field, "must be at least 1"));
        }
        u32::try_from(raw)
            .ok()
            .filter(|&value| value <= Self::MAX)
            .map(Self)
            .ok_or_else(|| InvalidInput::new(field, format!("must be at most {}", Self::MAX)))
    }

    /// The count.
    pub fn get(self) -> u32 {
        self.0
    }
}

macro_rules! count_type {
    ($(#[$doc:meta] $name:ident, $max:expr);* $(;)?) => {$(
        #[$doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
        pub struct $name(u32);

        impl $name {
            const MAX: u32 = $max;

            /// Parses a count given as input field `field`.
            pub fn parse(field: &str, raw: i64) -> Result<Self, InvalidInput> {
                u32::try_from(raw)
                    .ok()
                    .filter(|value| (1..=Self::MAX).contains(value))
                    .map(Self)
                    .ok_or_else(|| {
                        InvalidInput::new(field, format!("must be between 1 and {}", Self::MAX))
                    })
            }

            /// The count.
            pub fn get(self) -> u32 {
                self.0
            }
        }
    )*};
}

count_type!(
    /// How many tickets one attendee may hold for one item: 1 to 20.
    TicketLimit, 20;
    /// How many tickets one request asks for: 1 to 20.
    Quantity, 20;
);

impl Quantity {
    /// One ticket: a ballot partner's.
    pub const ONE: Self = Self(1);
}

impl TicketLimit {
    /// The limit when an organizer sets none.
    pub const DEFAULT: Self = Self(2);
}

/// A number of minutes around an item's start (doors open, late entry): 0 to 24 hours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Minutes(u32);

impl Minutes {
    const MAX: u32 = 24 * 60;

    /// A value known to be in range.
    pub const fn of(minutes: u32) -> Self {
        Self(if minutes > Self::MAX {
            Self::MAX
        } else {
            minutes
        })
    }

    /// Parses minutes given as input field `field`.
    pub fn parse(field: &str, raw: i64) -> Result<Self, InvalidInput> {
        u32::try_from(raw)
            .ok()
            .filter(|&value| value <= Self::MAX)
            .map(Self)
            .ok_or_else(|| InvalidInput::new(field, format!("must be between 0 and {}", Self::MAX)))
    }

    /// The minutes.
    pub fn get(self) -> u32 {
        self.0
    }

    /// The span as a duration.
    pub fn duration(self) -> chrono::Duration {
        chrono::Duration::minutes(i64::from(self.0))
    }
}

/// How old an account must be to reserve the items a festival guards: 1
/// minute to 7 days. A brake on accounts made by the hundred for a rush,
/// until e-mail verification exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct MinAccountAge(u32);

impl MinAccountAge {
    /// The longest age asked: a week.
    pub const MAX_MINUTES: u32 = 7 * 24 * 60;

    /// Parses minutes given as input field `field`; 0 turns the brake off.
    pub fn parse(field: &str, raw: i64) -> Result<Option<Self>, InvalidInput> {
        u32::try_from(raw)
            .ok()
            .filter(|&minutes| minutes <= Self::MAX_MINUTES)
            .map(|minutes| (minutes > 0).then_some(Self(minutes)))
            .ok_or_else(|| {
                InvalidInput::new(
                    field,
                    format!("must be between 0 (off) and {}", Self::MAX_MINUTES),
                )
            })
    }

    /// The minutes.
    pub fn minutes(self) -> u32 {
        self.0
    }

    /// The age as a duration.
    pub fn duration(self) -> chrono::Duration {
        chrono::Duration::minutes(i64::from(self.0))
    }
}

/// An ISO 3166-1 alpha-2 country code, upper case (`TH`, `VN`, `CN`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct CountryCode(String);

impl CountryCode {
    /// Parses an assigned code, in either case: user-assigned codes such as
    /// ZZ or XK, and codes withdrawn from the standard, are refused.
    pub fn parse(field: &str, raw: &str) -> Result<Self, InvalidInput> {
        let code = raw.trim().to_ascii_uppercase();
        if ASSIGNED_COUNTRY_CODES.binary_search(&code.as_str()).is_ok() {
            Ok(Self(code))
        } else {
            Err(InvalidInput::new(
                field,
                format!(
                    "'{}' is not an assigned ISO 3166-1 alpha-2 country code such as TH",
                    raw.trim()
                ),
            ))
        }
    }

    /// The code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The 249 officially assigned ISO 3166-1 alpha-2 codes, sorted.
const ASSIGNED_COUNTRY_CODES: [&str; 249] = [
    "AD", "AE", "AF", "AG", "AI", "AL", "AM", "AO", "AQ", "AR", "AS", "AT", "AU", "AW", "AX", "AZ",
    "BA", "BB", "BD", "BE", "BF", "BG", "BH", "BI", "BJ", "BL", "BM", "BN", "BO", "BQ", "BR", "BS",
    "BT", "BV", "BW", "BY", "BZ", "CA", "CC", "CD", "CF", "CG", "CH", "CI", "CK", "CL", "CM", "CN",
    "CO", "CR", "CU", "CV", "CW", "CX", "CY", "CZ", "DE", "DJ", "DK", "DM", "DO", "DZ", "EC", "EE",
    "EG", "EH", "ER", "ES", "ET", "FI", "FJ", "FK", "FM", "FO", "FR", "GA", "GB", "GD", "GE", "GF",
    "GG", "GH", "GI", "GL", "GM", "GN", "GP", "GQ", "GR", "GS", "GT", "GU", "GW", "GY", "HK", "HM",
    "HN", "HR", "HT", "HU", "ID", "IE", "IL", "IM", "IN", "IO", "IQ", "IR", "IS", "IT", "JE", "JM",
    "JO", "JP", "KE", "KG", "KH", "KI", "KM", "KN", "KP", "KR", "KW", "KY", "KZ", "LA", "LB", "LC",
    "LI", "LK", "LR", "LS", "LT", "LU", "LV", "LY", "MA", "MC", "MD", "ME", "MF", "MG", "MH", "MK",
    "ML", "MM", "MN", "MO", "MP", "MQ", "MR", "MS", "MT", "MU", "MV", "MW", "MX", "MY", "MZ", "NA",
    "NC", "NE", "NF", "NG", "NI", "NL", "NO", "NP", "NR", "NU", "NZ", "OM", "PA", "PE", "PF", "PG",
    "PH", "PK", "PL", "PM", "PN", "PR", "PS", "PT", "PW", "PY", "QA", "RE", "RO", "RS", "RU", "RW",
    "SA", "SB", "SC", "SD", "SE", "SG", "SH", "SI", "SJ", "SK", "SL", "SM", "SN", "SO", "SR", "SS",
    "ST", "SV", "SX", "SY", "SZ", "TC", "TD", "TF", "TG", "TH", "TJ", "TK", "TL", "TM", "TN", "TO",
    "TR", "TT", "TV", "TW", "TZ", "UA", "UG", "UM", "US", "UY", "UZ", "VA", "VC", "VE", "VG", "VI",
    "VN", "VU", "WF", "WS", "YE", "YT", "ZA", "ZM", "ZW",
];

/// A runtime in minutes: 1 to 1,000.
pub fn parse_runtime(field: &str, raw: i64) -> Result<u32, InvalidInput> {
    u32::try_from(raw)
        .ok()
        .filter(|value| (1..=1000).contains(value))
        .ok_or_else(|| InvalidInput::new(field, "must be between 1 and 1000 minutes"))
}

/// A list of labels (gates, hosts, languages): each valid, none repeated, at most 50.
pub fn parse_labels(field: &str, raw: &[String]) -> Result<Vec<Label>, InvalidInput> {
    if raw.len() > 50 {
        return Err(InvalidInput::new(field, "may hold at most 50 entries"));
    }
    let mut labels: Vec<Label> = Vec::with_capacity(raw.len());
    for text in raw {
        let label = Label::parse(field, text)?;
        if labels.contains(&label) {
            return Err(InvalidInput::new(field, format!("'{label}' appears twice")));
        }
        labels.push(label);
    }
    Ok(labels)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_lower_cased_and_checked() {
        assert_eq!(
            Email::parse("email", " Ana@Example.ORG ").map(|e| e.0),
            Ok("ana@example.org".into())
        );
        for bad in [
            "",
            "ana",
            "ana@",
            "@example.org",
            "ana@example",
            "a b@example.org",
            "ana@@example.org",
        ] {
            assert!(Email::parse("email", bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn names_must_be_non_empty_and_bounded() {
        assert!(Name::parse("name", "   ").is_err());
        assert!(Name::parse("name", &"x".repeat(201)).is_err());
        assert_eq!(
            Name::parse("name", " Hall 1 ").map(Name::into_string),
            Ok("Hall 1".into())
        );
    }

    #[test]
    fn names_refuse_direction_controls_and_invisible_characters() {
        for (bad, hidden) in [
            ("Anna\u{202E}lla", "U+202E"),
            ("\u{2067}Admin", "U+2067"),
            ("Ad\u{200B}min", "U+200B"),
            ("Admin\u{200D}x", "U+200D"),
            ("\u{FEFF}Hall 1", "U+FEFF"),
            ("Hall\u{2060}1", "U+2060"),
            ("Mai\u{061C}", "U+061C"),
            ("Linh\u{00AD}", "U+00AD"),
            ("Hall\u{2028}1", "U+2028"),
            ("\u{3164}", "U+3164"),
            ("Dara\u{E0041}", "U+E0041"),
        ] {
            let refused = Name::parse("holderNames", bad).unwrap_err();
            assert_eq!(refused.field, "holderNames");
            assert!(refused.message.contains(hidden), "{bad:?}: {refused}");
            assert!(Label::parse("gate", bad).is_err(), "{bad:?}");
            assert!(Address::parse("address", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn names_keep_the_joiners_their_scripts_need() {
        for good in [
            "\u{0645}\u{06CC}\u{200C}\u{062E}\u{0648}\u{0627}\u{0647}\u{0645}",
            "\u{0D38}\u{0D4D}\u{200D}\u{0D30}",
            "\u{1F469}\u{200D}\u{1F3A4}",
            "\u{1780}\u{17D2}\u{179A}\u{17BB}\u{1798}",
            "Nguy\u{1EC5}n Th\u{1ECB} Mai",
            "\u{0E2A}\u{0E21}\u{0E0A}\u{0E32}\u{0E22}",
        ] {
            assert_eq!(
                Name::parse("displayName", good).map(Name::into_string),
                Ok(good.to_owned())
            );
        }
        for bad in ["\u{200D}\u{1F3A4}", "\u{1F469}\u{200D}", "a\u{200C}b"] {
            assert!(Name::parse("displayName", bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn country_codes_must_be_assigned() {
        let letters = 'A'..='Z';
        let accepted = letters
            .clone()
            .flat_map(|first| {
                letters
                    .clone()
                    .map(move |second| format!("{first}{second}"))
            })
            .filter(|code| CountryCode::parse("countries", code).is_ok())
            .count();
        assert_eq!(accepted, 249);
        assert_eq!(
            CountryCode::parse("countries", " vn ").map(|code| code.0),
            Ok("VN".into())
        );
        for bad in ["ZZ", "XK", "AA", "UK", "YU", "", "V", "VNM", "1A"] {
            let refused = CountryCode::parse("countries", bad).unwrap_err();
            assert_eq!(refused.field, "countries");
        }
        assert!(
            ASSIGNED_COUNTRY_CODES
                .windows(2)
                .all(|pair| pair[0] < pair[1]),
            "the list must stay sorted for binary search"
        );
    }

    proptest::proptest! {
        #[test]
        fn any_hidden_character_anywhere_is_refused(
            name in "[\\p{L}\\p{M}\\p{N} ]{1,40}",
            at in 0_usize..=40,
            hidden in proptest::sample::select(vec![
                '\u{061C}', '\u{200B}', '\u{200C}', '\u{200D}', '\u{200E}', '\u{200F}',
                '\u{202A}', '\u{202B}', '\u{202C}', '\u{202D}', '\u{202E}', '\u{2060}',
                '\u{2066}', '\u{2067}', '\u{2068}', '\u{2069}', '\u{FEFF}', '\u{00AD}',
            ]),
        ) {
            let mut chars: Vec<char> = format!("x{name}x").chars().collect();
            let at = at.min(chars.len() - 1).max(1);
            // A joiner between two letters of a joining script is allowed:
            // put it next to ASCII so that it only hides.
            chars.splice(at..at, ['x', hidden, 'x']);
            let text: String = chars.into_iter().collect();
            proptest::prop_assert!(Name::parse("title", &text).is_err(), "{text:?} was accepted");
        }

        #[test]
        fn visible_names_are_kept(name in "[\\p{L}\\p{M}\\p{N}\\p{P}][\\p{L}\\p{M}\\p{N}\\p{P} ]{0,60}[\\p{L}\\p{N}]") {
            proptest::prop_assume!(!name.chars().any(is_hidden));
            proptest::prop_assert_eq!(Name::parse("title", &name).map(Name::into_string), Ok(name.clone()));
        }
    }

    #[test]
    fn capacities_are_positive_and_bounded() {
        assert!(Capacity::parse("capacity", 0).is_err());
        assert!(Capacity::parse("capacity", -5).is_err());
        assert!(Capacity::parse("capacity", 2_000_000).is_err());
        assert_eq!(Capacity::parse("capacity", 350).map(Capacity::get), Ok(350));
    }

    #[test]
    fn timezones_must_be_known() {
        assert_eq!(
            Timezone::parse("timezone", "Asia/Shanghai").map(Timezone::name),
            Ok("Asia/Shanghai")
        );
        assert!(Timezone::parse("timezone", "Mars/Olympus").is_err());
    }

    #[test]
    fn passwords_need_ten_characters() {
        assert!(Password::parse("password", "short").is_err());
        assert!(Password::parse("password", "long enough!").is_ok());
    }

    #[test]
    fn slugs_are_url_safe() {
        assert!(Slug::parse("slug", "china-asean-2026").is_ok());
        assert!(Slug::parse("slug", "Bad Slug").is_err());
        assert!(Slug::parse("slug", "-x").is_err());
    }

    #[test]
    fn repeated_labels_are_refused() {
        assert!(parse_labels("gates", &["A".into(), "A".into()]).is_err());
        assert_eq!(
            parse_labels("gates", &["A".into(), "B".into()]).map(|l| l.len()),
            Ok(2)
        );
    }
}
