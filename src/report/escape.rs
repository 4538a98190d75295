//! Making attacker-controlled strings safe for where they are printed.
//!
//! Object keys, user agents, session names and even file names come from whoever wrote the log.
//! On a terminal they could carry escape sequences (move the cursor, change the title, hide
//! text) or bidi controls that display text in another order; in a spreadsheet a cell starting
//! with `=` runs as a formula. JSON output keeps raw values (serde_json escapes controls itself).

use std::borrow::Cow;
use std::fmt::Write;

/// Characters that a terminal acts on or that change how the text around them displays:
/// controls (C0, DEL, C1), bidi embeddings, overrides, isolates and marks, zero-width and other
/// invisible format characters.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{061C}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206F}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
        )
}

/// For a terminal: every unsafe character becomes a visible escape such as `\u{1b}`.
pub fn terminal(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe(c) {
            let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// For HTML text and attribute values: the five characters HTML gives a meaning to become
/// character references, and characters that change how text displays (controls, bidi
/// overrides, invisible marks) become visible `\u{…}` escapes, as on a terminal.
pub fn html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in terminal(s).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// For JSON shown on a terminal: unsafe characters that serde_json leaves raw (bidi and
/// zero-width ones) become `\uXXXX` escapes, which denote the same characters in JSON.
pub fn json_for_terminal(json: &str) -> Cow<'_, str> {
    if !json.chars().any(is_unsafe_raw_in_json) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 8);
    for c in json.chars() {
        if is_unsafe_raw_in_json(c) {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{unit:04x}");
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

fn is_unsafe_raw_in_json(c: char) -> bool {
    // serde_json escapes U+0000..U+001F; newlines and tabs outside strings are its own layout.
    is_unsafe(c) && !matches!(c, '\n' | '\t' | ' ') && (c as u32) >= 0x20
}

/// For a CSV cell: a cell that a spreadsheet would read as a formula (it starts with `=`, `+`,
/// `-`, `@`, a tab or a carriage return) gets a leading `'`; then the cell is quoted if needed.
/// On a terminal, unsafe characters are escaped as well.
pub fn csv_cell(s: &str, terminal_output: bool) -> String {
    let s = if terminal_output {
        terminal(s)
    } else {
        Cow::Borrowed(s)
    };
    let formula = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let text = if formula {
        Cow::Owned(format!("'{s}"))
    } else {
        s
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.into_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_leaves_no_markup_and_no_hidden_text() {
        let key = "\"><img src=x onerror=alert(1)><script>alert('x')</script>&\u{202E}";
        let safe = html(key);
        assert!(!safe.contains(['<', '>', '"', '\'']), "{safe}");
        assert_eq!(
            safe,
            "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;\\u{202e}"
        );
    }

    #[test]
    fn terminal_escapes_controls_bidi_and_invisibles() {
        assert_eq!(terminal("plain/key.bin"), "plain/key.bin");
        assert_eq!(terminal("a\x1b[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(terminal("evil\u{202E}txt.exe"), "evil\\u{202e}txt.exe");
        assert_eq!(
            terminal("zero\u{200B}width\u{FEFF}"),
            "zero\\u{200b}width\\u{feff}"
        );
        assert_eq!(terminal("c1\u{9b}31m"), "c1\\u{9b}31m");
        assert_eq!(terminal("tab\tnew\nline"), "tab\\u{9}new\\u{a}line");
        assert_eq!(terminal("日本語 ok"), "日本語 ok");
    }

    #[test]
    fn csv_neutralises_formulas_and_quotes() {
        assert_eq!(
            csv_cell("=HYPERLINK(\"http://x\")", false),
            "\"'=HYPERLINK(\"\"http://x\"\")\""
        );
        for s in ["+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(
                csv_cell(s, false).trim_start_matches('"').starts_with('\''),
                "{s:?}"
            );
        }
        assert_eq!(csv_cell("a,b", false), "\"a,b\"");
        assert_eq!(csv_cell("plain", false), "plain");
        assert_eq!(csv_cell("a\x1bb", true), "a\\u{1b}b");
    }

    #[test]
    fn json_on_a_terminal_stays_json() {
        let json = serde_json::to_string(&"x\u{202E}y\u{1b}z").unwrap();
        let safe = json_for_terminal(&json);
        assert!(!safe.chars().any(is_unsafe), "{safe}");
        assert_eq!(
            serde_json::from_str::<String>(&safe).unwrap(),
            "x\u{202E}y\u{1b}z"
        );
    }
}
