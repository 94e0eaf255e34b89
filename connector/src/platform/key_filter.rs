//! Which keys a trigger reports: an optional suffix and an optional glob pattern.

use crate::error::{ConnectorError, Result};

/// Keys to report: those ending in `suffix` and matching `glob`, when given.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(super) struct KeyFilter {
    suffix: Option<String>,
    glob: Option<Vec<char>>,
}

impl KeyFilter {
    /// A filter from the trigger's `suffix` and `glob` settings. A glob matches the whole key:
    /// `*` matches any run of characters (`/` included), `?` any one character.
    pub(super) fn new(suffix: Option<String>, glob: Option<String>) -> Result<Self> {
        if let Some(glob) = &glob
            && (glob.is_empty() || glob.len() > 1024)
        {
            return Err(ConnectorError::invalid_input(
                "/glob",
                "glob must be 1 to 1024 characters, e.g. \"incoming/*.csv\" (* matches any characters, ? one)",
            ));
        }
        Ok(Self { suffix: suffix.filter(|s| !s.is_empty()), glob: glob.map(|g| g.chars().collect()) })
    }

    /// Whether `key` is reported.
    pub(super) fn matches(&self, key: &str) -> bool {
        self.suffix.as_ref().is_none_or(|suffix| key.ends_with(suffix.as_str()))
            && self.glob.as_ref().is_none_or(|glob| glob_matches(glob, &key.chars().collect::<Vec<_>>()))
    }

    /// The settings, for the state's fingerprint of its configuration.
    pub(super) fn describe(&self) -> String {
        format!("{:?}\u{0}{:?}", self.suffix, self.glob.as_ref().map(|g| g.iter().collect::<String>()))
    }
}

/// Wildcard matching in linear time for `*` patterns: on a mismatch, the last `*` takes one more
/// character.
fn glob_matches(pattern: &[char], text: &[char]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, t));
                p += 1;
            }
            Some(&c) if c == '?' || c == text[t] => {
                p += 1;
                t += 1;
            }
            _ => match star {
                Some((star_p, star_t)) => {
                    p = star_p + 1;
                    t = star_t + 1;
                    star = Some((star_p, star_t + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn glob(pattern: &str) -> KeyFilter {
        KeyFilter::new(None, Some(pattern.to_string())).unwrap()
    }

    #[test]
    fn globs_match_whole_keys() {
        assert!(glob("*.csv").matches("in/2024/a.csv"));
        assert!(!glob("*.csv").matches("in/a.csv.tmp"));
        assert!(glob("in/*/a.csv").matches("in/x/y/a.csv"));
        assert!(glob("in/?.csv").matches("in/é.csv"));
        assert!(!glob("in/?.csv").matches("in/ab.csv"));
        assert!(glob("*").matches(""));
        assert!(glob("a*b*c").matches("aXbYbZc"));
        assert!(!glob("a*b*c").matches("aXbYbZ"));
        assert!(glob("exact").matches("exact") && !glob("exact").matches("exact2"));
    }

    #[test]
    fn suffixes_and_globs_combine() {
        let filter = KeyFilter::new(Some(".json".into()), Some("in/*".into())).unwrap();
        assert!(filter.matches("in/a.json"));
        assert!(!filter.matches("in/a.csv"));
        assert!(!filter.matches("out/a.json"));
        assert!(KeyFilter::default().matches("anything"));
        assert_eq!(KeyFilter::new(None, Some(String::new())).unwrap_err().field.as_deref(), Some("/glob"));
    }
}
