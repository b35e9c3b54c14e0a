//! `name-addr` and `addr-spec` (RFC 3261 §20.10, §25.1): the value of
//! From, To, Contact, Route, Record-Route, Refer-To, Referred-By,
//! P-Asserted-Identity...
//!
//! ```text
//! ( name-addr / addr-spec ) *( SEMI generic-param )
//! name-addr    = [ display-name ] LAQUOT addr-spec RAQUOT
//! display-name = *(token LWS) / quoted-string
//! ```
//!
//! Parameters after a bare addr-spec belong to the header, not the URI
//! (§20.10, RFC 4475 test cparam01); inside `<...>` they belong to the
//! URI (cparam02).

use crate::params::Params;
use crate::uri::chars::{self, skip_lws};
use crate::uri::{Uri, UriError};
use core::fmt;
use core::str::FromStr;

/// A (possibly named) address with header parameters.
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub struct NameAddr {
    /// The display name, unquoted with quoted-pairs resolved; `None` when absent.
    pub display_name: Option<String>,
    /// The URI.
    pub uri: Uri,
    /// Header parameters after the address (`;tag=...`, `;expires=...`).
    pub params: Params,
}

impl NameAddr {
    /// Parses a name-addr or addr-spec with its parameters; the whole of
    /// `s` (surrounding white space aside) must be one value.
    pub fn parse(s: &str) -> Result<NameAddr, UriError> {
        let mut na = NameAddr::new(Uri::blank());
        let end = na.parse_into(s)?;
        if end == s.len() {
            Ok(na)
        } else {
            Err(UriError::BadChar { offset: end })
        }
    }

    /// Parses one value at the start of `s` and returns it with the rest,
    /// which is empty or starts with the `,` that separates list elements
    /// (Contact, Route...). Errors carry offsets into `s`.
    pub fn parse_prefix(s: &str) -> Result<(NameAddr, &str), UriError> {
        let mut na = NameAddr::new(Uri::blank());
        let end = na.parse_into(s)?;
        Ok((na, &s[end..]))
    }

    /// The URI of a name-addr or addr-spec with its parameters: the same
    /// checks and errors as [`NameAddr::parse`], without keeping the
    /// display name and parameters (for a caller that needs only the
    /// address, such as a dialog's remote target, RFC 3261 §12.1).
    pub fn parse_uri(s: &str) -> Result<Uri, UriError> {
        let mut uri = Uri::blank();
        let end = fill(s, &mut uri, None)?;
        if end == s.len() {
            Ok(uri)
        } else {
            Err(UriError::BadChar { offset: end })
        }
    }

    /// Fills `self`, which must be blank, from the start of `s`; returns
    /// the index where the value ends (at the end or at a `,`). Parsing in
    /// place avoids moving the (large) value around.
    fn parse_into(&mut self, s: &str) -> Result<usize, UriError> {
        fill(
            s,
            &mut self.uri,
            Some((&mut self.display_name, &mut self.params)),
        )
    }

    /// An address without display name or parameters.
    pub fn new(uri: impl Into<Uri>) -> NameAddr {
        NameAddr {
            display_name: None,
            uri: uri.into(),
            params: Params::new(),
        }
    }

    /// Sets the display name (unquoted text).
    pub fn with_display_name(mut self, name: impl Into<String>) -> NameAddr {
        self.display_name = Some(name.into());
        self
    }

    /// Sets the `tag` parameter.
    pub fn with_tag(mut self, tag: &str) -> NameAddr {
        self.set_tag(tag);
        self
    }

    /// The `tag` parameter (RFC 3261 §19.3).
    pub fn tag(&self) -> Option<&str> {
        self.params.get("tag")
    }

    /// Sets or replaces the `tag` parameter.
    pub fn set_tag(&mut self, tag: &str) {
        self.params.set("tag", Some(tag));
    }

    /// The value of header parameter `name`, quotes stripped.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.get(name)
    }
}

/// Where a parse puts the display name and the header parameters; `None`
/// checks them without keeping them.
type Keep<'a> = Option<(&'a mut Option<String>, &'a mut Params)>;

/// Parses one value at the start of `s` into `uri` (blank) and `keep`;
/// returns the index where the value ends (at the end or at a `,`).
fn fill(s: &str, uri: &mut Uri, keep: Keep<'_>) -> Result<usize, UriError> {
    let b = s.as_bytes();
    let mut i = skip_lws(b, 0);
    let mut display_name = None;
    match b.get(i) {
        None => return Err(UriError::Empty),
        Some(b'"') => {
            let mut name = String::new();
            let end = scan_quoted(s, i, keep.is_some().then_some(&mut name))?;
            i = skip_lws(b, end);
            if b.get(i) != Some(&b'<') {
                return Err(UriError::BadDisplayName { offset: i });
            }
            display_name = Some(name);
        }
        Some(b'<') => {}
        Some(_) => {
            let n = chars::run(b, i, &chars::TOKEN);
            if n > 0 && b.get(i + n) == Some(&b':') {
                return fill_bare(s, i, uri, keep.map(|(_, params)| params));
            }
            let mut name = String::new();
            i = scan_tokens(s, i, keep.is_some().then_some(&mut name))?;
            display_name = Some(name);
        }
    }
    // b[i] == '<'
    let close = memchr::memchr(b'>', &b[i + 1..]).ok_or(UriError::MissingRaquot)? + i + 1;
    uri.parse_into(&s[i + 1..close])
        .map_err(|e| e.shifted(i + 1))?;
    match keep {
        Some((name_out, params)) => {
            *name_out = display_name;
            parse_params(s, close + 1, Some(params))
        }
        None => parse_params(s, close + 1, None),
    }
}

/// A bare addr-spec at `s[i..]`: the URI ends at the first `;`, `,` or
/// white space, and must not contain `?` (RFC 3261 §20.10; RFC 4475
/// test regbadct).
fn fill_bare(
    s: &str,
    i: usize,
    uri: &mut Uri,
    params: Option<&mut Params>,
) -> Result<usize, UriError> {
    let b = s.as_bytes();
    let len = b[i..]
        .iter()
        .position(|c| matches!(c, b';' | b',' | b' ' | b'\t' | b'\r' | b'\n'))
        .unwrap_or(b.len() - i);
    let end = i + len;
    if memchr::memchr(b'?', &b[i..end]).is_some() {
        return Err(UriError::BareAddrSpec);
    }
    uri.parse_into(&s[i..end]).map_err(|e| e.shifted(i))?;
    parse_params(s, end, params)
}

/// A conservative, allocation-free recogniser for the usual shape of a
/// From/To/Contact value: `[display-name] <sip:[user@]host[:port];params>`
/// followed by header parameters, with no escapes, quoted-pairs, URI
/// headers or IPv6 references. True only for text [`NameAddr::parse`]
/// accepts (property-tested); false means "not sure", and the caller
/// parses in full. The parse-time checks use it to skip building values
/// they would throw away.
pub(crate) fn is_plain_name_addr(s: &str) -> bool {
    /// `unreserved / "&" / "=" / "+" / "$" / ","`: user characters that
    /// cannot start a password, parameter or header.
    static PLAIN_USER: [bool; 256] = {
        let mut t = [false; 256];
        let mut c = 0;
        while c < 256 {
            let b = c as u8;
            t[c] = b.is_ascii_alphanumeric()
                || matches!(
                    b,
                    b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')'
                )
                || matches!(b, b'&' | b'=' | b'+' | b'$' | b',');
            c += 1;
        }
        t
    };
    let b = s.as_bytes();
    // `skip_lws` only where there is white space to skip.
    let lws = |i: usize| match b.get(i) {
        Some(b' ' | b'\t' | b'\r' | b'\n') => skip_lws(b, i),
        _ => i,
    };
    // `<sip:` with neither display name nor white space, the usual start,
    // compared at once: what the general reading below gives it.
    let mut i = if b.len() > 5
        && b[0] == b'<'
        && crate::header::lex::eq_lower(&b[1..4], b"sip")
        && b[4] == b':'
    {
        5
    } else {
        'start: {
            let mut i = lws(0);
            // Display name.
            match b.get(i) {
                Some(b'<') => {}
                Some(b'"') => {
                    i += 1;
                    while let Some(&c) = b.get(i) {
                        match c {
                            b'"' => break,
                            b' ' | b'\t' | 0x21 | 0x23..=0x5b | 0x5d..=0x7e => i += 1,
                            _ => return false,
                        }
                    }
                    if b.get(i) != Some(&b'"') {
                        return false;
                    }
                    i = lws(i + 1);
                }
                Some(_) => loop {
                    let n = chars::run(b, i, &chars::TOKEN);
                    if n == 0 || b.get(i + n) == Some(&b':') {
                        return false;
                    }
                    // One space and `<sip:`, the usual end of a display name,
                    // compared at once: what the reading below gives them.
                    if b.get(i + n..i + n + 6).is_some_and(|w| {
                        w[..2] == *b" <"
                            && crate::header::lex::eq_lower(&w[2..5], b"sip")
                            && w[5] == b':'
                    }) {
                        break 'start i + n + 6;
                    }
                    let j = lws(i + n);
                    if j == i + n {
                        return false;
                    }
                    i = j;
                    if b.get(i) == Some(&b'<') {
                        break;
                    }
                },
                None => return false,
            }
            if b.get(i) != Some(&b'<') {
                return false;
            }
            i += 1;
            // sip: or sips:
            if !b
                .get(i..i + 3)
                .is_some_and(|w| crate::header::lex::eq_lower(w, b"sip"))
            {
                return false;
            }
            i += 3;
            if b.get(i).is_some_and(|&c| c | 0x20 == b's') {
                i += 1;
            }
            if b.get(i) != Some(&b':') {
                return false;
            }
            i += 1;
            i
        }
    };
    let u = chars::run(b, i, &PLAIN_USER);
    if u > 0 && b.get(i + u) == Some(&b'@') {
        i += u + 1;
    }
    let Some(h) = crate::uri::Host::valid_run_len(&b[i..]) else {
        return false;
    };
    i += h;
    if b.get(i) == Some(&b':') {
        let Some(d) = port_digits(&b[i + 1..]) else {
            return false;
        };
        i += 1 + d;
    }
    while b.get(i) == Some(&b';') {
        let n = chars::run(b, i + 1, &chars::PARAM);
        if n == 0 {
            return false;
        }
        i += 1 + n;
        if b.get(i) == Some(&b'=') {
            let v = chars::run(b, i + 1, &chars::PARAM);
            if v == 0 {
                return false;
            }
            i += 1 + v;
        }
    }
    if b.get(i) != Some(&b'>') {
        return false;
    }
    i += 1;
    // Header parameters.
    loop {
        // The end, the usual one after the `>` or a parameter: what the
        // reading below gives it.
        if i == b.len() {
            return true;
        }
        // `;tag=` without white space, the usual one, compared at once:
        // what the general reading below gives it.
        let v0 = if b.get(i..i + 5).is_some_and(|w| {
            w[0] == b';' && crate::header::lex::eq_lower(&w[1..4], b"tag") && w[4] == b'='
        }) {
            lws(i + 5)
        } else {
            let j = lws(i);
            if b.get(j) != Some(&b';') {
                return j == b.len();
            }
            let n0 = lws(j + 1);
            let n = chars::run(b, n0, &chars::TOKEN);
            if n == 0 {
                return false;
            }
            i = n0 + n;
            let k = lws(i);
            if b.get(k) != Some(&b'=') {
                continue;
            }
            lws(k + 1)
        };
        let v = chars::run_to_end(b, v0, &chars::GEN_VALUE);
        if v == 0 {
            return false;
        }
        i = v0 + v;
    }
}

/// The length of the port (`1*5DIGIT`, at most 65535) at the start of
/// `b`, when there is one.
#[inline(always)]
pub(crate) fn port_digits(b: &[u8]) -> Option<usize> {
    port_at(b).map(|(_, d)| d)
}

/// The port (`1*5DIGIT`, at most 65535) at the start of `b` and its
/// length, when there is one.
#[inline(always)]
pub(crate) fn port_at(b: &[u8]) -> Option<(u16, usize)> {
    let mut v: u32 = 0;
    let mut d = 0;
    while let Some(&c) = b.get(d) {
        let x = c.wrapping_sub(b'0');
        if x > 9 {
            break;
        }
        v = v * 10 + u32::from(x);
        d += 1;
        if d > 5 {
            return None;
        }
    }
    (d > 0 && v <= u32::from(u16::MAX)).then_some((v as u16, d))
}

/// `display-name = *(token LWS)` followed by `<` (RFC 4475 §3.1.1.6
/// lwsdisp: no white space needed before the `<`). Appends the tokens
/// joined by single spaces to `out` when given; returns the index of the
/// `<`.
fn scan_tokens(s: &str, mut i: usize, mut out: Option<&mut String>) -> Result<usize, UriError> {
    let b = s.as_bytes();
    loop {
        let n = chars::run(b, i, &chars::TOKEN);
        if n == 0 {
            return Err(UriError::BadDisplayName { offset: i });
        }
        if let Some(name) = out.as_deref_mut() {
            if !name.is_empty() {
                name.push(' ');
            }
            name.push_str(&s[i..i + n]);
        }
        i += n;
        let j = skip_lws(b, i);
        if b.get(j) == Some(&b'<') {
            return Ok(j);
        }
        if j == i {
            // Neither white space nor '<': RFC 4475 baddn (`Bell, Alexander`).
            return Err(UriError::BadDisplayName { offset: i });
        }
        i = j;
    }
}

/// Scans the quoted-string at `s[i] == '"'` (RFC 3261 §25.1):
/// `qdtext = LWS / %x21 / %x23-5B / %x5D-7E / UTF8-NONASCII` and
/// `quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)`; a CR or LF is only
/// allowed as part of a line fold. Appends the unquoted text to `out` when
/// given; returns the index after the closing quote.
fn scan_quoted(s: &str, i: usize, mut out: Option<&mut String>) -> Result<usize, UriError> {
    let b = s.as_bytes();
    let mut push = |from: usize, to: usize| {
        if let Some(o) = out.as_deref_mut() {
            o.push_str(&s[from..to]);
        }
    };
    let mut j = i + 1;
    let mut seg = j;
    loop {
        match b.get(j) {
            None => return Err(UriError::UnterminatedQuote { offset: i }),
            Some(b'"') => {
                push(seg, j);
                return Ok(j + 1);
            }
            Some(b'\\') => {
                push(seg, j);
                match b.get(j + 1) {
                    None => return Err(UriError::UnterminatedQuote { offset: i }),
                    Some(&c) if c.is_ascii() && c != b'\r' && c != b'\n' => push(j + 1, j + 2),
                    Some(_) => return Err(UriError::BadDisplayName { offset: j }),
                }
                j += 2;
                seg = j;
            }
            Some(b'\r' | b'\n') => {
                let k = skip_lws(b, j);
                if k == j {
                    return Err(UriError::BadDisplayName { offset: j });
                }
                push(seg, j);
                // Keep the white space after the fold, drop the CRLF.
                seg = j + if b[j] == b'\r' { 2 } else { 1 };
                j = k;
            }
            Some(&c) if (c < 0x20 && c != b'\t') || c == 0x7f => {
                return Err(UriError::BadDisplayName { offset: j });
            }
            Some(_) => j += 1,
        }
    }
}

/// `*( SEMI generic-param )` from `s[i..]`, with
/// `generic-param = token [ EQUAL gen-value ]` and
/// `gen-value = token / host / quoted-string`, appended to `params` when
/// given. Returns the index where the value ends: the end of `s` or a `,`.
fn parse_params(s: &str, mut i: usize, mut params: Option<&mut Params>) -> Result<usize, UriError> {
    let b = s.as_bytes();
    loop {
        let j = skip_lws(b, i);
        if b.get(j) != Some(&b';') {
            i = j;
            break;
        }
        let n0 = skip_lws(b, j + 1);
        let n1 = n0 + chars::run(b, n0, &chars::TOKEN);
        if n1 == n0 {
            return Err(UriError::BadHeaderParam { offset: n0 });
        }
        i = n1;
        let mut value = None;
        let k = skip_lws(b, n1);
        if b.get(k) == Some(&b'=') {
            let v0 = skip_lws(b, k + 1);
            let v1 = if b.get(v0) == Some(&b'"') {
                scan_quoted(s, v0, None).map_err(|e| match e {
                    UriError::BadDisplayName { offset } => UriError::BadHeaderParam { offset },
                    e => e,
                })?
            } else {
                v0 + chars::run(b, v0, &chars::GEN_VALUE)
            };
            if v1 == v0 {
                return Err(UriError::BadHeaderParam { offset: v0 });
            }
            value = Some(v0..v1);
            i = v1;
        }
        if let Some(p) = params.as_deref_mut() {
            p.push(&s[n0..n1], value.map(|v| s[v].to_owned()));
        }
    }
    match b.get(i) {
        None | Some(b',') => Ok(i),
        Some(_) => Err(UriError::BadChar { offset: i }),
    }
}

/// True when `name` can be written without quotes: tokens separated by
/// single spaces.
fn is_token_sequence(name: &str) -> bool {
    !name.is_empty() && name.split(' ').all(chars::is_token)
}

/// Writes `name` as a quoted-string: `"` and `\\` and control characters
/// as quoted-pairs. CR and LF cannot be quoted-pairs and become spaces
/// (they would otherwise end the header line).
fn write_quoted(f: &mut fmt::Formatter<'_>, name: &str) -> fmt::Result {
    f.write_str("\"")?;
    let mut seg = 0;
    for (idx, c) in name.bytes().enumerate() {
        let quoted_pair = matches!(c, b'"' | b'\\' | 0..=0x08 | 0x0b | 0x0c | 0x0e..=0x1f | 0x7f);
        let fold = matches!(c, b'\r' | b'\n');
        if quoted_pair || fold {
            // `idx` is at an ASCII byte: a char boundary.
            f.write_str(&name[seg..idx])?;
            f.write_str(if fold { " " } else { "\\" })?;
            seg = if fold { idx + 1 } else { idx };
        }
    }
    f.write_str(&name[seg..])?;
    f.write_str("\"")
}

impl fmt::Display for NameAddr {
    /// Canonical form: `display-name <uri>;params`, the display name quoted
    /// unless it is a plain token sequence, the URI always in angle
    /// brackets.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(name) = &self.display_name {
            if is_token_sequence(name) {
                f.write_str(name)?;
            } else {
                write_quoted(f, name)?;
            }
            f.write_str(" ")?;
        }
        write!(f, "<{}>", self.uri)?;
        self.params.fmt(f)
    }
}

impl FromStr for NameAddr {
    type Err = UriError;
    fn from_str(s: &str) -> Result<NameAddr, UriError> {
        NameAddr::parse(s)
    }
}

#[cfg(test)]
mod tests;
