//! Small text helpers of the hot path.

/// `str::trim`, not called when both ends are ASCII and not white space
/// (the usual header value, which the parser already trimmed of SP and
/// HTAB): then the value itself.
pub(crate) fn trim(v: &str) -> &str {
    let plain = |c: Option<&u8>| c.is_some_and(|&c| c.is_ascii() && !char::from(c).is_whitespace());
    let b = v.as_bytes();
    if plain(b.first()) && plain(b.last()) {
        v
    } else {
        v.trim()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn trims_as_str_trim() {
        for v in [
            "",
            " ",
            "a",
            " a ",
            "\u{b}a",
            "a\u{a0}",
            "\u{3000}a b\t",
            "é",
            "a;b",
        ] {
            assert_eq!(trim(v), v.trim(), "{v:?}");
        }
    }

    proptest! {
        #[test]
        fn agrees_with_str_trim(v in "[ \t\r\n\u{b}\u{c}\u{a0}\u{3000}a;é-]{0,8}") {
            prop_assert_eq!(trim(&v), v.trim());
        }
    }
}
