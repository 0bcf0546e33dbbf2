//! Strings from logs are untrusted. These make them inert in Markdown and on a
//! terminal.

/// Escape text for a Markdown table cell or paragraph: table pipes, code spans,
/// emphasis, links, headings and HTML cannot be formed, and line breaks and
/// control characters are shown, not obeyed.
pub fn md(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            // inline markup, table cells, and the starts of GFM autolinks
            // (`http:`, `www.`, `a@b.c`); block markup cannot start mid-cell
            '\\' | '`' | '*' | '_' | '[' | ']' | '!' | '|' | '~' | ':' | '.' | '@' => {
                out.push('\\');
                out.push(c);
            }
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push(' '),
            c if c.is_control() || is_bidi_or_invisible(c) => {
                out.push_str(&format!("\\u{{{:x}}}", c as u32))
            }
            c => out.push(c),
        }
    }
    if out.is_empty() {
        out.push_str("\"\"");
    }
    out
}

/// Make text safe to print on a terminal: control characters (escape
/// sequences, carriage returns, bidi overrides) are shown escaped.
pub fn term(s: &str) -> String {
    if !s.chars().any(|c| c.is_control() || is_bidi_or_invisible(c)) {
        return s.to_string();
    }
    s.chars()
        .map(|c| {
            if c.is_control() || is_bidi_or_invisible(c) {
                format!("\\u{{{:x}}}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn is_bidi_or_invisible(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_is_inert() {
        let hostile =
            "a|b`c`<script>alert(1)</script>\n# h [x](javascript:y) ![i](http://t) **b** _i_ \\";
        let e = md(hostile);
        assert!(!e.contains('\n'));
        assert!(!e.contains("<script"));
        for (i, c) in e.char_indices() {
            if matches!(c, '|' | '`' | '[' | ']' | '*' | '_' | '!' | ':' | '.') {
                assert_eq!(&e[i - 1..i], "\\", "unescaped {c} in {e}");
            }
        }
        assert_eq!(md(""), "\"\"");
        assert_eq!(md("plain"), "plain");
    }

    #[test]
    fn terminal_is_inert() {
        assert_eq!(term("ok"), "ok");
        assert_eq!(term("\u{1b}[2Jx\r"), "\\u{1b}[2Jx\\u{d}");
    }
}
