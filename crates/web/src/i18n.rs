//! Messages in Simplified Chinese (the default) and English, from `locales/*.toml`.
//!
//! Keys are dotted (`nav.cockpit`); a message may hold `{name}` placeholders filled from named
//! arguments. Both locale files hold the same keys (a test checks it).

use std::collections::BTreeMap;
use std::sync::OnceLock;

/// A language of the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// The value of `<html lang>` and of the `lang` cookie.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// Parses a cookie or query value; anything unknown is `None`.
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "zh" | "zh-CN" | "zh-cn" => Some(Lang::Zh),
            "en" | "en-US" | "en-GB" => Some(Lang::En),
            _ => None,
        }
    }

    /// Picks the language from an `Accept-Language` header: English only if it comes before any
    /// Chinese; Chinese otherwise (the bureau's default).
    pub fn from_accept_language(h: &str) -> Lang {
        for part in h.split(',') {
            let tag = part.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
            if tag.starts_with("zh") {
                return Lang::Zh;
            }
            if tag.starts_with("en") {
                return Lang::En;
            }
        }
        Lang::Zh
    }
}

type Catalogue = BTreeMap<String, String>;

fn flatten(prefix: &str, v: &toml::Value, out: &mut Catalogue) {
    match v {
        toml::Value::Table(t) => {
            for (k, v) in t {
                let key = if prefix.is_empty() { k.clone() } else { format!("{prefix}.{k}") };
                flatten(&key, v, out);
            }
        }
        toml::Value::String(s) => {
            out.insert(prefix.to_owned(), s.clone());
        }
        other => {
            out.insert(prefix.to_owned(), other.to_string());
        }
    }
}

/// Parses a locale file into flat keys. Panics on a malformed file: the files are compiled in,
/// and a test parses both.
pub fn parse_catalogue(text: &str) -> Catalogue {
    let v: toml::Value = toml::from_str(text).expect("locale file is valid TOML");
    let mut out = Catalogue::new();
    flatten("", &v, &mut out);
    out
}

pub const ZH_SOURCE: &str = include_str!("../../../locales/zh-CN.toml");
pub const EN_SOURCE: &str = include_str!("../../../locales/en.toml");

fn catalogue(lang: Lang) -> &'static Catalogue {
    static ZH: OnceLock<Catalogue> = OnceLock::new();
    static EN: OnceLock<Catalogue> = OnceLock::new();
    match lang {
        Lang::Zh => ZH.get_or_init(|| parse_catalogue(ZH_SOURCE)),
        Lang::En => EN.get_or_init(|| parse_catalogue(EN_SOURCE)),
    }
}

/// The message for `key`; the key itself if it is missing (visible, never a crash).
pub fn t(lang: Lang, key: &str) -> &str {
    catalogue(lang).get(key).map_or(key, String::as_str)
}

/// The message for `key` with `{name}` placeholders filled.
pub fn tf(lang: Lang, key: &str, args: &[(&str, String)]) -> String {
    let mut s = t(lang, key).to_owned();
    for (name, value) in args {
        s = s.replace(&format!("{{{name}}}"), value);
    }
    s
}

/// A translator bound to one language, handed to templates as `t`.
#[derive(Debug, Clone, Copy)]
pub struct Tr(pub Lang);

impl Tr {
    pub fn t<'a>(&self, key: &'a str) -> &'a str
    where
        'static: 'a,
    {
        t(self.0, key)
    }

    pub fn lang(&self) -> &'static str {
        self.0.tag()
    }

    pub fn is_en(&self) -> bool {
        self.0 == Lang::En
    }

    /// A date as 2021年3月5日 in Chinese and 2021-03-05 in English.
    pub fn date(&self, d: time::Date) -> String {
        match self.0 {
            Lang::Zh => format!("{}年{}月{}日", d.year(), u8::from(d.month()), d.day()),
            Lang::En => format!("{}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day()),
        }
    }

    /// A timestamp in local (UTC+8, the bureau's) time, to the second.
    pub fn datetime(&self, t: time::OffsetDateTime) -> String {
        let t = t.to_offset(time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC));
        format!("{} {:02}:{:02}:{:02}", self.date(t.date()), t.hour(), t.minute(), t.second())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_locales_hold_the_same_keys() {
        let zh: Vec<_> = parse_catalogue(ZH_SOURCE).into_keys().collect();
        let en: Vec<_> = parse_catalogue(EN_SOURCE).into_keys().collect();
        let only_zh: Vec<_> = zh.iter().filter(|k| !en.contains(k)).collect();
        let only_en: Vec<_> = en.iter().filter(|k| !zh.contains(k)).collect();
        assert!(only_zh.is_empty() && only_en.is_empty(), "only in zh: {only_zh:?}; only in en: {only_en:?}");
    }

    #[test]
    fn placeholders_match_between_locales() {
        let zh = parse_catalogue(ZH_SOURCE);
        let en = parse_catalogue(EN_SOURCE);
        let names = |s: &str| {
            // `{kind_zh}` and `{kind_en}` are one argument in each language's form.
            let mut v: Vec<String> = s
                .split('{')
                .skip(1)
                .filter_map(|p| p.split('}').next())
                .map(|n| n.trim_end_matches("_zh").trim_end_matches("_en").to_owned())
                .collect();
            v.sort();
            v.dedup();
            v
        };
        for (k, z) in &zh {
            if let Some(e) = en.get(k) {
                assert_eq!(names(z), names(e), "placeholders differ for {k}");
            }
        }
    }

    #[test]
    fn accept_language_prefers_chinese_unless_english_comes_first() {
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9,zh;q=0.8"), Lang::En);
        assert_eq!(Lang::from_accept_language("zh-CN,zh;q=0.9,en;q=0.8"), Lang::Zh);
        assert_eq!(Lang::from_accept_language("fr"), Lang::Zh);
    }

    #[test]
    fn formats_dates_by_language() {
        let d = time::macros::date!(2021 - 03 - 05);
        assert_eq!(Tr(Lang::Zh).date(d), "2021年3月5日");
        assert_eq!(Tr(Lang::En).date(d), "2021-03-05");
    }
}
