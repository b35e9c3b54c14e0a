//! `sip:` and `sips:` URIs (RFC 3261 §19.1.1, grammar in §25.1):
//!
//! ```text
//! SIP-URI = "sip:" [ userinfo ] hostport uri-parameters [ headers ]
//! userinfo = ( user / telephone-subscriber ) [ ":" password ] "@"
//! ```

use super::escape::{self, EscapeClass};
use super::{chars, scheme_end, Host, SipUri, UriError};
use crate::method::Method;
use crate::params::Params;
use crate::transport::Transport;
use core::fmt;
use core::str::FromStr;
use std::borrow::Cow;
use std::net::Ipv4Addr;

/// Consumes bytes of `table` and well-formed `%HH` escapes from `i`;
/// returns the index of the first other byte.
pub(crate) fn scan(b: &[u8], mut i: usize, table: &[bool; 256]) -> Result<usize, UriError> {
    while let Some(&c) = b.get(i) {
        if table[c as usize] {
            i += 1;
        } else if c == b'%' {
            if chars::escaped_at(b, i).is_none() {
                return Err(UriError::BadEscape { offset: i });
            }
            i += 3;
        } else {
            break;
        }
    }
    Ok(i)
}

impl SipUri {
    /// Parses a `sip:` or `sips:` URI (scheme case-insensitive). Any other
    /// valid scheme is [`UriError::UnexpectedScheme`].
    pub fn parse(s: &str) -> Result<SipUri, UriError> {
        let colon = scheme_end(s.as_bytes())?;
        let scheme = &s[..colon];
        let secure = scheme.eq_ignore_ascii_case("sips");
        if !secure && !scheme.eq_ignore_ascii_case("sip") {
            return Err(UriError::UnexpectedScheme);
        }
        let mut uri = SipUri::blank(secure);
        uri.parse_into(s, colon + 1)?;
        Ok(uri)
    }

    /// An empty value for [`SipUri::parse_into`] to fill.
    pub(crate) fn blank(secure: bool) -> SipUri {
        SipUri::new(Host::Ipv4(Ipv4Addr::UNSPECIFIED)).with_secure(secure)
    }

    /// Parses `s[start..]`, the part after `sip:`/`sips:`, into `self`, which
    /// must be [`SipUri::blank`]. Offsets in errors are relative to `s`.
    ///
    /// Filling a value in place rather than returning one saves copies: a
    /// `SipUri` is a few hundred bytes (inline parameter storage), and
    /// moving it costs as much as parsing it.
    pub(crate) fn parse_into(&mut self, s: &str, start: usize) -> Result<(), UriError> {
        let b = s.as_bytes();
        let mut i = start;

        // userinfo: the user part may contain ';', '?', '/' (RFC 4475
        // §3.1.1.9 semiuri: `sip:user;par=u%40example.net@example.com`), so
        // only an '@' after a run of userinfo characters decides it.
        // The usual user part (no password) in one scan: `USER` and
        // escapes are `USERINFO` bytes without `:`, so the general reading
        // below finds the same `@` and user.
        let user = scan(b, i, &chars::USER);
        let ui_end = match user {
            Ok(e) if e > i && b.get(e) == Some(&b'@') => {
                self.user = Some(s[i..e].to_owned());
                i = e + 1;
                usize::MAX
            }
            _ => i + chars::run(b, i, &chars::USERINFO),
        };
        if b.get(ui_end) == Some(&b'@') {
            let user_end = memchr::memchr(b':', &b[i..ui_end]).map_or(ui_end, |c| c + i);
            if user_end == i {
                return Err(UriError::EmptyUser);
            }
            let e = scan(b, i, &chars::USER)?;
            if e != user_end {
                return Err(UriError::BadChar { offset: e });
            }
            self.user = Some(s[i..user_end].to_owned());
            if user_end != ui_end {
                let e = scan(b, user_end + 1, &chars::PASSWORD)?;
                if e != ui_end {
                    return Err(UriError::BadChar { offset: e });
                }
                self.password = Some(s[user_end + 1..ui_end].to_owned());
            }
            i = ui_end + 1;
        }

        // The usual dotted quad read here (what `Host::parse_at` gives it),
        // without the call and its result.
        match b.get(i..).and_then(super::host::quad_prefix) {
            Some((a, n)) if !b.get(i + n).is_some_and(|&c| chars::HOST[usize::from(c)]) => {
                self.host = Host::Ipv4(a);
                i += n;
            }
            _ => {
                let (host, end) = Host::parse_at(s, i)?;
                self.host = host;
                i = end;
            }
        }

        if b.get(i) == Some(&b':') {
            let p0 = i + 1;
            let mut v: u32 = 0;
            i = p0;
            while let Some(&c) = b.get(i) {
                match c {
                    b'0'..=b'9' => {
                        v = v * 10 + u32::from(c - b'0');
                        if v > u32::from(u16::MAX) {
                            return Err(UriError::BadPort { offset: p0 });
                        }
                    }
                    b';' | b'?' => break,
                    _ => return Err(UriError::BadPort { offset: i }),
                }
                i += 1;
            }
            if i == p0 {
                return Err(UriError::BadPort { offset: p0 });
            }
            self.port = Some(v as u16);
        }

        while b.get(i) == Some(&b';') {
            let n0 = i + 1;
            let n1 = scan(b, n0, &chars::PARAM)?;
            if n1 == n0 {
                return Err(UriError::BadParam { offset: n0 });
            }
            i = n1;
            let mut value = None;
            if b.get(i) == Some(&b'=') {
                let v0 = i + 1;
                let v1 = scan(b, v0, &chars::PARAM)?;
                if v1 == v0 {
                    return Err(UriError::BadParam { offset: v0 });
                }
                value = Some(s[v0..v1].to_owned());
                i = v1;
            }
            match b.get(i) {
                None | Some(b';' | b'?') => {}
                Some(_) => return Err(UriError::BadChar { offset: i }),
            }
            self.params.push(&s[n0..n1], value);
        }

        if b.get(i) == Some(&b'?') {
            loop {
                let n0 = i + 1;
                let n1 = scan(b, n0, &chars::HEADER)?;
                if n1 == n0 || b.get(n1) != Some(&b'=') {
                    return Err(UriError::BadHeader { offset: n0 });
                }
                let v1 = scan(b, n1 + 1, &chars::HEADER_VALUE)?;
                self.headers
                    .push((s[n0..n1].to_owned(), s[n1 + 1..v1].to_owned()));
                i = v1;
                if b.get(i) != Some(&b'&') {
                    break;
                }
            }
        }

        if i != b.len() {
            return Err(UriError::BadChar { offset: i });
        }
        Ok(())
    }

    /// A `sip:` URI with only a host.
    pub fn new(host: impl Into<Host>) -> SipUri {
        SipUri {
            secure: false,
            user: None,
            password: None,
            host: host.into(),
            port: None,
            params: Params::new(),
            headers: Vec::new(),
        }
    }

    /// A `sips:` URI with only a host.
    pub fn sips(host: impl Into<Host>) -> SipUri {
        SipUri {
            secure: true,
            ..SipUri::new(host)
        }
    }

    /// Makes the URI `sips:` (`true`) or `sip:`.
    pub fn with_secure(mut self, secure: bool) -> SipUri {
        self.secure = secure;
        self
    }

    /// Sets the user part from unescaped text (escaped as needed).
    pub fn with_user(mut self, user: &str) -> SipUri {
        self.set_user(Some(user));
        self
    }

    /// Sets the port.
    pub fn with_port(mut self, port: u16) -> SipUri {
        self.port = Some(port);
        self
    }

    /// Adds or replaces a URI parameter (see [`SipUri::set_param`]).
    pub fn with_param(mut self, name: &str, value: Option<&str>) -> SipUri {
        self.set_param(name, value);
        self
    }

    /// Sets or clears the user part, given unescaped; clearing it also
    /// clears the password, which cannot exist without a user.
    pub fn set_user(&mut self, user: Option<&str>) {
        self.user = user.map(|u| escape::escape(u, EscapeClass::User).into_owned());
        if self.user.is_none() {
            self.password = None;
        }
    }

    /// Sets or clears the password, given unescaped.
    pub fn set_password(&mut self, password: Option<&str>) {
        self.password = password.map(|p| escape::escape(p, EscapeClass::Password).into_owned());
    }

    /// Sets or clears the port.
    pub fn set_port(&mut self, port: Option<u16>) {
        self.port = port;
    }

    /// Adds or replaces the URI parameter `name` (escaped as needed), in
    /// place if present.
    pub fn set_param(&mut self, name: &str, value: Option<&str>) {
        let name = escape::escape(name, EscapeClass::Param);
        let value = value.map(|v| escape::escape(v, EscapeClass::Param));
        self.params.set(&name, value.as_deref());
    }

    /// Removes the URI parameter `name`; returns whether it was present.
    pub fn remove_param(&mut self, name: &str) -> bool {
        self.params.remove(name)
    }

    /// The raw value of the URI parameter `name` (case-insensitive name).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params.find(name).and_then(|p| p.value.as_deref())
    }

    /// The `transport` parameter as written (RFC 3261 §19.1.1).
    pub fn transport_param(&self) -> Option<&str> {
        self.param("transport")
    }

    /// The `transport` parameter, if it names a known transport.
    pub fn transport(&self) -> Option<Transport> {
        self.transport_param().and_then(Transport::from_token)
    }

    /// Sets or clears `transport` (written in lower case, as in §19.1.1).
    pub fn set_transport(&mut self, t: Option<Transport>) {
        match t {
            Some(t) => self
                .params
                .set("transport", Some(&t.as_str().to_ascii_lowercase())),
            None => {
                self.params.remove("transport");
            }
        }
    }

    /// The `user` parameter (`phone`, `ip`, or another token).
    pub fn user_param(&self) -> Option<&str> {
        self.param("user")
    }

    /// Sets or clears the `user` parameter.
    pub fn set_user_param(&mut self, v: Option<&str>) {
        self.set_or_remove("user", v);
    }

    /// The `maddr` parameter as written.
    pub fn maddr_param(&self) -> Option<&str> {
        self.param("maddr")
    }

    /// The `maddr` parameter as a host; `None` when absent or malformed.
    pub fn maddr(&self) -> Option<Host> {
        self.maddr_param().and_then(|m| Host::from_str(m).ok())
    }

    /// Sets or clears `maddr`.
    pub fn set_maddr(&mut self, host: Option<&Host>) {
        let v = host.map(Host::to_string);
        self.set_or_remove("maddr", v.as_deref());
    }

    /// The `ttl` parameter (`ttl = 1*3DIGIT ; 0 to 255`); `None` when
    /// absent or out of range.
    pub fn ttl(&self) -> Option<u8> {
        let v = self.param("ttl")?;
        if v.is_empty() || v.len() > 3 || !v.bytes().all(|c| c.is_ascii_digit()) {
            return None;
        }
        v.parse().ok()
    }

    /// Sets or clears `ttl`.
    pub fn set_ttl(&mut self, ttl: Option<u8>) {
        let v = ttl.map(|t| t.to_string());
        self.set_or_remove("ttl", v.as_deref());
    }

    /// True when the `lr` flag is present (RFC 3261 §19.1.1, §16.4).
    pub fn lr(&self) -> bool {
        self.params.contains("lr")
    }

    /// Adds or removes the `lr` flag.
    pub fn set_lr(&mut self, lr: bool) {
        if lr {
            if !self.lr() {
                self.params.push("lr", None);
            }
        } else {
            self.params.remove("lr");
        }
    }

    /// The `method` parameter, when it is a token.
    pub fn method(&self) -> Option<Method> {
        self.param("method")
            .filter(|m| chars::is_token(m))
            .map(Method::from_token)
    }

    /// Sets or clears `method`.
    pub fn set_method(&mut self, m: Option<&Method>) {
        self.set_or_remove("method", m.map(Method::as_str));
    }

    fn set_or_remove(&mut self, name: &str, v: Option<&str>) {
        match v {
            Some(v) => self.set_param(name, Some(v)),
            None => {
                self.params.remove(name);
            }
        }
    }

    /// The user part with `%`-escapes decoded, as bytes (an escaped NUL is
    /// kept, RFC 4475 §3.1.1.4).
    pub fn user_bytes(&self) -> Option<Cow<'_, [u8]>> {
        self.user.as_deref().map(escape::unescape)
    }

    /// The user part with `%`-escapes decoded; invalid UTF-8 becomes U+FFFD.
    pub fn user_unescaped(&self) -> Option<Cow<'_, str>> {
        self.user.as_deref().map(escape::unescape_str)
    }

    /// The password with `%`-escapes decoded.
    pub fn password_unescaped(&self) -> Option<Cow<'_, str>> {
        self.password.as_deref().map(escape::unescape_str)
    }

    /// The value of the first URI header named `name` (case-insensitive),
    /// as written.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Appends a URI header, given unescaped.
    pub fn push_header(&mut self, name: &str, value: &str) {
        self.headers.push((
            escape::escape(name, EscapeClass::Header).into_owned(),
            escape::escape(value, EscapeClass::Header).into_owned(),
        ));
    }

    /// The port, or the default for the URI: 5061 for `sips:` and
    /// `transport=tls`, 80/443 for `transport=ws`/`wss` (RFC 7118), else
    /// 5060 (RFC 3261 §19.1.2).
    pub fn port_or_default(&self) -> u16 {
        if let Some(p) = self.port {
            return p;
        }
        match self.transport() {
            Some(t @ (Transport::Ws | Transport::Wss)) => t.default_port(),
            _ if self.secure => 5061,
            Some(t) => t.default_port(),
            None => 5060,
        }
    }

    /// The `host[:port]` part, for display (`[2001:db8::1]:5060`).
    pub fn host_port(&self) -> HostPort<'_> {
        HostPort {
            host: &self.host,
            port: self.port,
        }
    }
}

/// `hostport = host [ ":" port ]` for display; see [`SipUri::host_port`].
#[derive(Clone, Copy, Debug)]
pub struct HostPort<'a> {
    /// The host.
    pub host: &'a Host,
    /// The port, if any.
    pub port: Option<u16>,
}

impl fmt::Display for HostPort<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.host.fmt(f)?;
        if let Some(p) = self.port {
            write!(f, ":{p}")?;
        }
        Ok(())
    }
}

impl fmt::Display for SipUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.secure { "sips:" } else { "sip:" })?;
        if let Some(u) = &self.user {
            f.write_str(u)?;
            if let Some(p) = &self.password {
                f.write_str(":")?;
                f.write_str(p)?;
            }
            f.write_str("@")?;
        }
        self.host_port().fmt(f)?;
        self.params.fmt(f)?;
        for (i, (n, v)) in self.headers.iter().enumerate() {
            f.write_str(if i == 0 { "?" } else { "&" })?;
            f.write_str(n)?;
            f.write_str("=")?;
            f.write_str(v)?;
        }
        Ok(())
    }
}

impl FromStr for SipUri {
    type Err = UriError;
    fn from_str(s: &str) -> Result<SipUri, UriError> {
        SipUri::parse(s)
    }
}
