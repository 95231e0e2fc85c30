//! HTML escaping and file names derived from user text.

/// Escapes text for HTML element content and quoted attribute values.
#[must_use]
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters have no business in a page; keep tabs and newlines.
            c if c.is_control() && c != '\n' && c != '\t' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// A file name from user text: lowercase ASCII letters, digits, `-` and `_` only, at most 64
/// characters, never empty, never starting with `.` or `-` (no hidden files, no option lookalikes,
/// no path separators, no reserved names).
#[must_use]
pub fn sanitise(text: &str) -> String {
    let mut out = String::new();
    for c in text.chars() {
        let c = c.to_ascii_lowercase();
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out: String = out.trim_matches('-').chars().take(64).collect();
    let out = out.trim_end_matches('-').to_string();
    // Windows device names would be unopenable there even with an extension.
    const RESERVED: [&str; 6] = ["con", "prn", "aux", "nul", "com1", "lpt1"];
    if out.is_empty() || RESERVED.contains(&out.as_str()) {
        format!("x{out}")
    } else {
        out
    }
}

/// `base`, or `base-2`, `base-3`, ... : the first not in `taken`, which it is added to.
pub fn unique(base: String, taken: &mut std::collections::BTreeSet<String>) -> String {
    let mut name = base.clone();
    let mut i = 2;
    while taken.contains(&name) {
        name = format!("{base}-{i}");
        i += 1;
    }
    taken.insert(name.clone());
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            escape(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
        assert_eq!(escape("a caterpillar 🐛"), "a caterpillar 🐛");
        assert_eq!(escape("nul\0bell\u{7}"), "nul\u{fffd}bell\u{fffd}");
    }

    #[test]
    fn sanitised_names_are_safe() {
        assert_eq!(sanitise("best-000"), "best-000");
        assert_eq!(sanitise("../../etc/passwd"), "etc-passwd");
        assert_eq!(sanitise(".hidden"), "hidden");
        assert_eq!(sanitise("A Cell <b>!"), "a-cell-b");
        assert_eq!(sanitise(""), "x");
        assert_eq!(sanitise("///"), "x");
        assert_eq!(sanitise("CON"), "xcon");
        assert_eq!(sanitise("--rm -rf"), "rm-rf");
        assert_eq!(sanitise(&"a".repeat(200)).len(), 64);
        for s in ["x/y", "a\\b", "é名前", "\0", " - "] {
            let n = sanitise(s);
            assert!(
                !n.is_empty() && !n.starts_with(['.', '-']),
                "{s:?} -> {n:?}"
            );
            assert!(
                n.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            );
        }
    }

    #[test]
    fn unique_names_get_suffixes() {
        let mut taken = std::collections::BTreeSet::new();
        assert_eq!(unique("run".into(), &mut taken), "run");
        assert_eq!(unique("run".into(), &mut taken), "run-2");
        assert_eq!(unique("run".into(), &mut taken), "run-3");
    }
}
