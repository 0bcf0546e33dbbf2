//! Strings from logs are untrusted. These make them inert in Markdown and on a
//! terminal, and make invisible characters visible (docs/robustness.md,
//! "Escaping").

/// Escape text for a Markdown table cell or paragraph.
///
/// Only what can form markup is escaped, so plain words stay readable
/// (`run.state`, `audit-000.jsonl`, `2026-02-26T00:00:00Z`):
/// - table pipes, code spans, emphasis (`*`, `~`, and `_` unless it sits
///   between two letters or digits, where GFM never reads it as emphasis),
///   link brackets, math (`$`) and the backslash itself get a backslash;
/// - `<`, `>` and `&` become entities (no HTML, no `<http:…>` autolinks, no
///   entity references);
/// - the starts of GFM autolinks are broken: `:` before `//`, the `.` of
///   `www.`, and `@` (e-mail addresses and mentions);
/// - line breaks, control characters and invisible or bidi format characters
///   are shown as `\n`, `\r` or `\u{…}`, never obeyed.
pub fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let chars: Vec<char> = s.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).map(|j| chars[j]);
        let next = chars.get(i + 1).copied();
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '[' | ']' | '|' | '~' | '$' | '@' => {
                out.push('\\');
                out.push(c);
            }
            '_' if !(prev.is_some_and(char::is_alphanumeric)
                && next.is_some_and(char::is_alphanumeric)) =>
            {
                out.push_str("\\_")
            }
            ':' if next == Some('/') => out.push_str("\\:"),
            '.' if i >= 3 && chars[i - 3..i].iter().all(|w| matches!(w, 'w' | 'W')) => {
                out.push_str("\\.")
            }
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push(' '),
            c if needs_escape(c) => push_code(&mut out, c),
            c => out.push(c),
        }
    }
    if out.is_empty() {
        out.push_str("\"\"");
    }
    out
}

/// Make text safe to print on a terminal: control characters (escape
/// sequences, carriage returns, line feeds, bell) and invisible or bidi
/// format characters are shown as `\u{…}`, so a string can neither move the
/// cursor, nor start a new line that looks like auditsum's own, nor hide or
/// reorder what is shown.
pub fn term(s: &str) -> String {
    if !s.chars().any(needs_escape) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if needs_escape(c) {
            push_code(&mut out, c);
        } else {
            out.push(c);
        }
    }
    out
}

fn push_code(out: &mut String, c: char) {
    use std::fmt::Write;
    let _ = write!(out, "\\u{{{:x}}}", c as u32);
}

/// A control character, or one that is invisible or reorders text.
pub fn needs_escape(c: char) -> bool {
    c.is_control() || is_invisible(c)
}

/// Unicode format characters (category Cf: soft hyphen, bidi marks, embeddings,
/// overrides and isolates, zero-width spaces and joiners, word joiner,
/// invisible operators, tag characters …), line and paragraph separators,
/// and the fillers and selectors that render as nothing (Hangul fillers,
/// combining grapheme joiner, variation selectors other than the emoji
/// ones, Mongolian selectors).
fn is_invisible(c: char) -> bool {
    matches!(c,
        '\u{00ad}'
        | '\u{034f}'
        | '\u{0600}'..='\u{0605}'
        | '\u{061c}'
        | '\u{06dd}'
        | '\u{070f}'
        | '\u{0890}'..='\u{0891}'
        | '\u{08e2}'
        | '\u{115f}'..='\u{1160}'
        | '\u{17b4}'..='\u{17b5}'
        | '\u{180b}'..='\u{180f}'
        | '\u{200b}'..='\u{200f}'
        | '\u{2028}'..='\u{202e}'
        | '\u{2060}'..='\u{2064}'
        | '\u{2066}'..='\u{206f}'
        | '\u{3164}'
        | '\u{fe00}'..='\u{fe0d}'
        | '\u{feff}'
        | '\u{ffa0}'
        | '\u{fff9}'..='\u{fffb}'
        | '\u{110bd}'
        | '\u{110cd}'
        | '\u{13430}'..='\u{1343f}'
        | '\u{1bca0}'..='\u{1bca3}'
        | '\u{1d173}'..='\u{1d17a}'
        | '\u{e0000}'..='\u{e007f}'
        | '\u{e0100}'..='\u{e01ef}'
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_is_inert() {
        let hostile = "a|b`c`<script>alert(1)</script>\n# h [x](javascript:y) ![i](http://t) **b** _i_ ~~s~~ $x$ www.evil.com a@b.c \\";
        let e = md(hostile);
        assert!(!e.contains('\n'));
        assert!(!e.contains("<script"));
        assert!(e.contains("http\\://") && !e.contains("p://"), "{e}");
        assert!(e.contains("www\\.") && !e.contains("www."), "{e}");
        for (i, c) in e.char_indices() {
            if matches!(c, '|' | '`' | '[' | ']' | '*' | '~' | '$' | '@') {
                assert_eq!(&e[i - 1..i], "\\", "unescaped {c} in {e}");
            }
        }
        assert!(e.contains("\\_i\\_"), "{e}");
        assert_eq!(md(""), "\"\"");
        assert_eq!(md("plain"), "plain");
    }

    #[test]
    fn plain_words_are_not_over_escaped() {
        for s in [
            "run.state",
            "audit-000.jsonl",
            "2026-02-26T00:00:00.000Z",
            "cancel_requested",
            "telegram",
            "a (b) #1 - c + d !",
            "\"quoted\"",
        ] {
            assert_eq!(md(s), s);
        }
    }

    #[test]
    fn invisible_and_bidi_characters_are_shown() {
        for c in [
            '\u{061c}',
            '\u{2060}',
            '\u{00ad}',
            '\u{e0041}',
            '\u{2028}',
            '\u{2029}',
            '\u{202e}',
            '\u{2066}',
            '\u{200b}',
            '\u{feff}',
            '\u{1b}',
            '\u{7}',
            '\u{9b}',
        ] {
            let s = format!("a{c}b");
            let want = format!("a\\u{{{:x}}}b", c as u32);
            assert_eq!(term(&s), want);
            assert_eq!(md(&s), want);
        }
        // letters of any script stay as they are
        assert_eq!(term("عربي 日本 ❤️"), "عربي 日本 ❤️");
    }

    #[test]
    fn terminal_is_inert() {
        assert_eq!(term("ok"), "ok");
        assert_eq!(term("\u{1b}[2Jx\r"), "\\u{1b}[2Jx\\u{d}");
        assert_eq!(term("a\nauditsum: ok"), "a\\u{a}auditsum: ok");
    }
}
