//! `--include GLOB`: shell-style patterns matched against a file's name or its
//! path below the directory named on the command line.
//!
//! The syntax is the one users know from `.gitignore` and `find -name`:
//! `?` one character, `*` any run of characters, `**` the same (a `*` also
//! crosses `/`, so `logs/*.txt` matches `logs/a/b.txt`), `[abc]`, `[a-z]`,
//! `[!a-z]` or `[^a-z]` one character in or not in a set, `{a,b}` either
//! alternative (not nested), and `\x` the character `x` itself. A `**/` that
//! is a whole path component also matches no folder at all (`**/a.log`
//! matches `a.log`), as in `.gitignore` and globset. A few lines of
//! backtracking instead of a regex engine: this is matched once per file, and
//! a regex stack was the longest part of the first build.
//!
//! Checked against globset by a differential proptest
//! (`oracles/tests/globset.rs`, `cargo test -p auditsum-oracles`), which it
//! follows except in two places: an empty alternative matches the empty
//! string (`{,x}`), as in the shells; and a pattern ending in `**/` matches
//! what it says (only paths ending in `/`, so nothing), where globset matches
//! everything.

use std::path::Path;

/// Alternatives a pattern may expand to through `{…}` groups.
const MAX_ALTERNATIVES: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Char(char),
    Any,
    Star,
    /// `**`, until [`any_dirs`] decides what it means.
    DoubleStar,
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

/// One or more `--include` patterns; a name matches when any pattern does.
#[derive(Debug, Clone, Default)]
pub struct GlobSet {
    patterns: Vec<Vec<Token>>,
}

/// Why a pattern could not be read (shown after `--include PATTERN: `).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GlobError {
    #[error("unclosed character class (a ']' right after '[' is a member); a literal '[' is written '\\['")]
    UnclosedClass,
    #[error(
        "invalid range '{0}-{1}' in a character class (the first must not be after the second)"
    )]
    BadRange(char, char),
    #[error("unclosed alternation '{{'; a literal '{{' is written '\\{{'")]
    UnclosedAlternation,
    #[error("unopened alternation '}}'; a literal '}}' is written '\\}}'")]
    UnopenedAlternation,
    #[error("nested alternations '{{…{{' are not supported")]
    NestedAlternation,
    #[error("trailing '\\' escapes nothing")]
    DanglingEscape,
    #[error("expands to more than {MAX_ALTERNATIVES} alternatives")]
    TooManyAlternatives,
}

impl GlobSet {
    /// Compile `patterns`; the error names the pattern that failed.
    pub fn new(patterns: &[String]) -> Result<Self, (String, GlobError)> {
        let mut set = GlobSet::default();
        for p in patterns {
            let fail = |e| (p.clone(), e);
            let first = set.patterns.len();
            for alt in expand(p).map_err(fail)? {
                set.patterns
                    .extend(any_dirs(tokenize(&alt).map_err(fail)?).map_err(fail)?);
                if set.patterns.len() - first > MAX_ALTERNATIVES {
                    return Err(fail(GlobError::TooManyAlternatives));
                }
            }
        }
        Ok(set)
    }

    pub fn is_match(&self, path: impl AsRef<Path>) -> bool {
        if self.patterns.is_empty() {
            return false;
        }
        let text: Vec<char> = path.as_ref().to_string_lossy().chars().collect();
        self.patterns.iter().any(|p| matches(p, &text))
    }
}

/// Expand `{a,b}` groups into plain patterns (escapes and classes kept
/// verbatim for `tokenize`).
fn expand(pattern: &str) -> Result<Vec<String>, GlobError> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = vec![String::new()];
    let mut group: Option<Vec<String>> = None;
    let mut i = 0;
    while i < chars.len() {
        let piece: String = match chars[i] {
            '\\' => {
                let next = chars.get(i + 1).ok_or(GlobError::DanglingEscape)?;
                i += 2;
                format!("\\{next}")
            }
            '[' => {
                let (_, next) = class(&chars, i + 1)?;
                let s = chars[i..next].iter().collect();
                i = next;
                s
            }
            '{' => {
                if group.is_some() {
                    return Err(GlobError::NestedAlternation);
                }
                group = Some(vec![String::new()]);
                i += 1;
                continue;
            }
            ',' if group.is_some() => {
                if let Some(g) = group.as_mut() {
                    g.push(String::new());
                }
                i += 1;
                continue;
            }
            '}' => {
                let alts = group.take().ok_or(GlobError::UnopenedAlternation)?;
                if out.len() * alts.len() > MAX_ALTERNATIVES {
                    return Err(GlobError::TooManyAlternatives);
                }
                out = out
                    .iter()
                    .flat_map(|prefix| alts.iter().map(move |a| format!("{prefix}{a}")))
                    .collect();
                i += 1;
                continue;
            }
            c => {
                i += 1;
                c.to_string()
            }
        };
        match group.as_mut() {
            Some(g) => g
                .last_mut()
                .expect("a group has one alternative")
                .push_str(&piece),
            None => out.iter_mut().for_each(|s| s.push_str(&piece)),
        }
    }
    if group.is_some() {
        return Err(GlobError::UnclosedAlternation);
    }
    Ok(out)
}

fn tokenize(pattern: &str) -> Result<Vec<Token>, GlobError> {
    let chars: Vec<char> = pattern.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                let c = *chars.get(i + 1).ok_or(GlobError::DanglingEscape)?;
                out.push(Token::Char(c));
                i += 2;
            }
            '?' => {
                out.push(Token::Any);
                i += 1;
            }
            '*' => {
                if chars.get(i + 1) == Some(&'*') {
                    out.push(Token::DoubleStar);
                    i += 2;
                } else {
                    out.push(Token::Star);
                    i += 1;
                }
            }
            '[' => {
                let (token, next) = class(&chars, i + 1)?;
                out.push(token);
                i = next;
            }
            c => {
                out.push(Token::Char(c));
                i += 1;
            }
        }
    }
    Ok(out)
}

/// `**/` at the start or after a `/` is "any leading folders, or none": the
/// pattern with it removed, or with `*/` in its place (`**/a.log` matches
/// `a.log` and `x/y/a.log`). Any other `**` is a `*`, which crosses `/` here.
fn any_dirs(tokens: Vec<Token>) -> Result<Vec<Vec<Token>>, GlobError> {
    let mut out: Vec<Vec<Token>> = vec![Vec::new()];
    let mut i = 0;
    while i < tokens.len() {
        let whole_component = tokens[i] == Token::DoubleStar
            && (i == 0 || tokens[i - 1] == Token::Char('/'))
            && tokens.get(i + 1) == Some(&Token::Char('/'));
        if whole_component {
            let mut with = out.clone();
            for p in &mut with {
                p.extend([Token::Star, Token::Char('/')]);
            }
            out.append(&mut with);
            if out.len() > MAX_ALTERNATIVES {
                return Err(GlobError::TooManyAlternatives);
            }
            i += 2;
            continue;
        }
        let t = match &tokens[i] {
            Token::DoubleStar => Token::Star,
            t => t.clone(),
        };
        for p in &mut out {
            if !(t == Token::Star && p.last() == Some(&Token::Star)) {
                p.push(t.clone());
            }
        }
        i += 1;
    }
    Ok(out)
}

/// The class starting after '[' at `start`: the token and the index after ']'.
fn class(chars: &[char], start: usize) -> Result<(Token, usize), GlobError> {
    let mut i = start;
    let negated = matches!(chars.get(i), Some('!' | '^'));
    if negated {
        i += 1;
    }
    let mut ranges = Vec::new();
    let mut first = true;
    loop {
        let c = *chars.get(i).ok_or(GlobError::UnclosedClass)?;
        if c == ']' && !first {
            break;
        }
        first = false;
        let lo = if c == '\\' {
            i += 1;
            *chars.get(i).ok_or(GlobError::UnclosedClass)?
        } else {
            c
        };
        if chars.get(i + 1) == Some(&'-') && chars.get(i + 2).is_some_and(|&h| h != ']') {
            let mut j = i + 2;
            let mut hi = chars[j];
            if hi == '\\' {
                j += 1;
                hi = *chars.get(j).ok_or(GlobError::UnclosedClass)?;
            }
            if hi < lo {
                return Err(GlobError::BadRange(lo, hi));
            }
            ranges.push((lo, hi));
            i = j + 1;
        } else {
            ranges.push((lo, lo));
            i += 1;
        }
    }
    Ok((Token::Class { negated, ranges }, i + 1))
}

/// Wildcard matching with one backtrack point (the last `*`): linear in
/// practice, O(pattern × text) at worst, never exponential.
fn matches(pattern: &[Token], text: &[char]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        match pattern.get(p) {
            Some(Token::Star) => {
                star = Some((p, t));
                p += 1;
                continue;
            }
            Some(tok) if one(tok, text[t]) => {
                p += 1;
                t += 1;
                continue;
            }
            _ => {}
        }
        match star {
            Some((sp, st)) => {
                p = sp + 1;
                t = st + 1;
                star = Some((sp, st + 1));
            }
            None => return false,
        }
    }
    pattern[p..].iter().all(|tok| *tok == Token::Star)
}

fn one(token: &Token, c: char) -> bool {
    match token {
        Token::Char(x) => *x == c,
        Token::Any => true,
        Token::Star | Token::DoubleStar => false,
        Token::Class { negated, ranges } => {
            ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negated
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(p: &str) -> GlobSet {
        GlobSet::new(&[p.to_string()]).unwrap()
    }

    fn err(p: &str) -> GlobError {
        GlobSet::new(&[p.to_string()]).unwrap_err().1
    }

    #[test]
    fn wildcards() {
        assert!(set("*.txt").is_match("events.txt"));
        assert!(set("*.txt").is_match("a/b/events.txt"));
        assert!(!set("*.txt").is_match("events.txt.gz"));
        assert!(set("audit-??.log").is_match("audit-01.log"));
        assert!(!set("audit-??.log").is_match("audit-1.log"));
        assert!(set("**/x/*.log").is_match("a/b/x/c.log"));
        assert!(set("**/x/*.log").is_match("x/c.log"));
        assert!(set("a/**/b").is_match("a/b"));
        assert!(set("a/**/b").is_match("a/x/y/b"));
        assert!(!set("a/**/b").is_match("ab"));
        assert!(set("a**b").is_match("a/x/b"));
        assert!(set("*").is_match(""));
        assert!(set("a*b*c").is_match("aXbYbZc"));
        assert!(!set("a*b*c").is_match("aXbYbZ"));
        assert!(set("exact").is_match("exact"));
        assert!(!set("exact").is_match("exact2"));
        assert!(!GlobSet::default().is_match("anything"));
    }

    #[test]
    fn classes() {
        assert!(set("log.[0-9]").is_match("log.7"));
        assert!(!set("log.[0-9]").is_match("log.x"));
        assert!(set("log.[!0-9]").is_match("log.x"));
        assert!(set("log.[^0-9]").is_match("log.x"));
        assert!(set("[]a]").is_match("]"));
        assert!(set("[!]]").is_match("a"));
        assert!(!set("[!]]").is_match("]"));
        assert!(set("[a-]").is_match("-"));
        assert!(set("[\\]]").is_match("]"));
        assert!(set("[é]").is_match("é"));
    }

    #[test]
    fn alternation_and_escapes() {
        let s = set("*.{txt,log}");
        assert!(s.is_match("a.txt") && s.is_match("a.log") && !s.is_match("a.gz"));
        assert!(set("{a,}b").is_match("b"));
        assert!(set("\\*").is_match("*"));
        assert!(!set("\\*").is_match("x"));
        assert!(set("a\\{b").is_match("a{b"));
        assert!(set("[{]x").is_match("{x"));
        assert!(set("{[,],x}").is_match(","));
    }

    #[test]
    fn errors_name_the_fix() {
        assert_eq!(err("a[b"), GlobError::UnclosedClass);
        assert_eq!(err("a[]"), GlobError::UnclosedClass);
        assert_eq!(err("[z-a]"), GlobError::BadRange('z', 'a'));
        assert_eq!(err("{a,b"), GlobError::UnclosedAlternation);
        assert_eq!(err("a}"), GlobError::UnopenedAlternation);
        assert_eq!(err("{a,{b}}"), GlobError::NestedAlternation);
        assert_eq!(err("a\\"), GlobError::DanglingEscape);
        assert_eq!(
            err("{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}"),
            GlobError::TooManyAlternatives
        );
        let (pattern, _) = GlobSet::new(&["ok".into(), "bad[".into()]).unwrap_err();
        assert_eq!(pattern, "bad[");
        // nine `**/` components: 512 alternatives, refused (not cut short),
        // whatever other patterns come before it
        let deep = "**/".repeat(9) + "x";
        assert_eq!(err(&deep), GlobError::TooManyAlternatives);
        let (pattern, e) =
            GlobSet::new(&["a".into(), "b".into(), "c".into(), deep.clone()]).unwrap_err();
        assert_eq!((pattern, e), (deep, GlobError::TooManyAlternatives));
        assert!(GlobSet::new(&["**/".repeat(8) + "x"]).is_ok());
    }

    #[test]
    fn worst_case_is_not_exponential() {
        let p = set(&"*a".repeat(30));
        let text = "a".repeat(29) + &"b".repeat(2000);
        assert!(!p.is_match(text));
    }
}
