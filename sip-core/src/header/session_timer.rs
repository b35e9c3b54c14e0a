//! Session timer headers: Session-Expires and Min-SE (RFC 4028 §4, §5).

use super::lex::{self, malformed};
use super::{HeaderError, HeaderName, TypedHeader};
use crate::params::Params;
use core::fmt;

/// Who refreshes the session (RFC 4028 §4 `refresher-param`).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
pub enum Refresher {
    /// `uac`: the dialog's UAC of the refreshing transaction.
    Uac,
    /// `uas`: its UAS.
    Uas,
}

impl Refresher {
    /// The token.
    pub const fn as_str(self) -> &'static str {
        match self {
            Refresher::Uac => "uac",
            Refresher::Uas => "uas",
        }
    }
}

/// Parses `delta-seconds *(SEMI param)` into the number and parameters.
fn delta_and_params(value: &str, header: &'static str) -> Result<(u32, Params), HeaderError> {
    let s = lex::non_empty(value, header)?;
    let (delta, rest) = lex::split_params(s);
    let delta = lex::parse_u32(delta).ok_or(lex::bad_number(header))?;
    Ok((delta, lex::params_only(rest, header)?))
}

/// The Session-Expires header (RFC 4028 §4, compact `x`):
/// `delta-seconds *(SEMI se-params)`.
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub struct SessionExpires {
    /// The session interval in seconds (at least 90 by default, §4).
    pub delta: u32,
    /// The `refresher` parameter.
    pub refresher: Option<Refresher>,
    /// Other parameters, in order.
    pub params: Params,
}

impl SessionExpires {
    /// A Session-Expires without parameters.
    pub fn new(delta: u32, refresher: Option<Refresher>) -> SessionExpires {
        SessionExpires {
            delta,
            refresher,
            params: Params::new(),
        }
    }
}

impl TypedHeader for SessionExpires {
    const NAME: HeaderName = HeaderName::SessionExpires;
    const LIST: bool = false;

    fn parse(value: &str) -> Result<Self, HeaderError> {
        const H: &str = "Session-Expires";
        let (delta, all) = delta_and_params(value, H)?;
        let mut out = SessionExpires::new(delta, None);
        for p in &all {
            if p.name.eq_ignore_ascii_case("refresher") {
                if out.refresher.is_some() {
                    return Err(malformed(H, "repeated refresher"));
                }
                out.refresher = Some(match p.value.as_deref() {
                    Some(v) if v.eq_ignore_ascii_case("uac") => Refresher::Uac,
                    Some(v) if v.eq_ignore_ascii_case("uas") => Refresher::Uas,
                    _ => return Err(malformed(H, "refresher must be uac or uas")),
                });
            } else {
                out.params.push(p.name.clone(), p.value.clone());
            }
        }
        Ok(out)
    }
}

impl fmt::Display for SessionExpires {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.delta)?;
        if let Some(r) = self.refresher {
            write!(f, ";refresher={}", r.as_str())?;
        }
        write!(f, "{}", self.params)
    }
}

/// The Min-SE header (RFC 4028 §5): the smallest session interval
/// accepted, `delta-seconds *(SEMI generic-param)` (sent in 422).
#[derive(Clone, PartialEq, Eq, Debug, Hash)]
pub struct MinSe {
    /// The minimum interval in seconds.
    pub delta: u32,
    /// Parameters, in order.
    pub params: Params,
}

impl MinSe {
    /// The default minimum, 90 seconds (RFC 4028 §4).
    pub const DEFAULT_SECS: u32 = 90;

    /// A Min-SE without parameters.
    pub fn new(delta: u32) -> MinSe {
        MinSe {
            delta,
            params: Params::new(),
        }
    }
}

impl TypedHeader for MinSe {
    const NAME: HeaderName = HeaderName::MinSe;
    const LIST: bool = false;

    fn parse(value: &str) -> Result<Self, HeaderError> {
        let (delta, params) = delta_and_params(value, "Min-SE")?;
        Ok(MinSe { delta, params })
    }
}

impl fmt::Display for MinSe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.delta, self.params)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_expires() {
        let s = SessionExpires::parse("4000; refresher = UAS ;x").unwrap();
        assert_eq!(s.delta, 4000);
        assert_eq!(s.refresher, Some(Refresher::Uas));
        assert!(s.params.contains("x"));
        assert_eq!(s.to_string(), "4000;refresher=uas;x");
        assert_eq!(
            SessionExpires::parse("1800"),
            Ok(SessionExpires::new(1800, None))
        );
        for bad in [
            "",
            "abc",
            "1800;refresher=both",
            "1800;refresher",
            "1 800",
            "-5",
            "1;refresher=uac;refresher=uas",
        ] {
            assert!(SessionExpires::parse(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn min_se() {
        assert_eq!(MinSe::parse(" 90 "), Ok(MinSe::new(90)));
        assert_eq!(MinSe::parse("120;a=b").unwrap().to_string(), "120;a=b");
        assert!(MinSe::parse("x").is_err());
    }
}
