//! Small writers for the numbers and addresses that go into header values
//! and start lines, without the `core::fmt` machinery (they run for every
//! message sent and every request received).

use std::net::IpAddr;

/// The decimal digits of `n` in a stack buffer; returns the buffer and
/// where the digits start.
pub(crate) fn digits(mut n: u64) -> ([u8; 20], usize) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return (buf, i);
        }
    }
}

/// The digits of `n < 100_000` in a fixed-size array, and how many there
/// are (ports, status codes, Content-Length, CSeq numbers: the usual
/// numbers, written without a loop).
fn small_digits(n: u64) -> Option<([u8; 5], usize)> {
    let d = |k: u64| b'0' + (n / k % 10) as u8;
    Some(match n {
        0..=9 => ([d(1), 0, 0, 0, 0], 1),
        10..=99 => ([d(10), d(1), 0, 0, 0], 2),
        100..=999 => ([d(100), d(10), d(1), 0, 0], 3),
        1_000..=9_999 => ([d(1_000), d(100), d(10), d(1), 0], 4),
        10_000..=99_999 => ([d(10_000), d(1_000), d(100), d(10), d(1)], 5),
        _ => return None,
    })
}

/// Appends `n` in decimal.
pub(crate) fn push_u64(out: &mut Vec<u8>, n: u64) {
    if let Some((buf, len)) = small_digits(n) {
        out.extend_from_slice(&buf[..len]);
        return;
    }
    let (buf, i) = digits(n);
    out.extend_from_slice(&buf[i..]);
}

/// Appends `n` in decimal.
pub(crate) fn push_u64_str(out: &mut String, n: u64) {
    match small_digits(n) {
        Some((buf, len)) => push_ascii(out, &buf[..len]),
        None => {
            let (buf, i) = digits(n);
            push_ascii(out, &buf[i..]);
        }
    }
}

/// Appends ASCII bytes (digits, dots) to a string.
fn push_ascii(out: &mut String, ascii: &[u8]) {
    out.push_str(core::str::from_utf8(ascii).unwrap_or_default());
}

/// Appends the decimal digits of an octet (no leading zeros).
fn push_octet(buf: &mut [u8; 15], len: &mut usize, o: u8) {
    if o >= 100 {
        buf[*len] = b'0' + o / 100;
        *len += 1;
    }
    if o >= 10 {
        buf[*len] = b'0' + (o / 10) % 10;
        *len += 1;
    }
    buf[*len] = b'0' + o % 10;
    *len += 1;
}

/// The dotted-quad text of an IPv4 address, in a stack buffer.
pub(crate) struct Ipv4Text {
    buf: [u8; 15],
    len: usize,
}

impl Ipv4Text {
    pub(crate) fn new(a: std::net::Ipv4Addr) -> Self {
        let mut t = Ipv4Text {
            buf: [0; 15],
            len: 0,
        };
        for (k, o) in a.octets().into_iter().enumerate() {
            if k > 0 {
                t.buf[t.len] = b'.';
                t.len += 1;
            }
            push_octet(&mut t.buf, &mut t.len, o);
        }
        t
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    pub(crate) fn as_str(&self) -> &str {
        // Digits and dots are ASCII.
        core::str::from_utf8(&self.buf[..self.len]).unwrap_or("0.0.0.0")
    }
}

/// Appends `ip` as `Display` writes it (dotted quad; RFC 5952 text for
/// IPv6, through `fmt`, which is rare enough).
pub(crate) fn push_ip(out: &mut String, ip: IpAddr) {
    match ip {
        IpAddr::V4(a) => push_ascii(out, Ipv4Text::new(a).as_bytes()),
        IpAddr::V6(a) => {
            use core::fmt::Write;
            let _ = write!(out, "{a}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn numbers_match_display(n in proptest::num::u64::ANY) {
            let mut v = Vec::new();
            push_u64(&mut v, n);
            proptest::prop_assert_eq!(String::from_utf8(v).unwrap(), n.to_string());
            let mut s = String::from("x");
            push_u64_str(&mut s, n);
            proptest::prop_assert_eq!(s, format!("x{n}"));
        }

        #[test]
        fn addresses_match_display(a in proptest::num::u32::ANY, b in proptest::num::u128::ANY) {
            for ip in [IpAddr::from(a.to_be_bytes()), IpAddr::from(b.to_be_bytes())] {
                let mut s = String::new();
                push_ip(&mut s, ip);
                proptest::prop_assert_eq!(s, ip.to_string());
            }
        }
    }

    #[test]
    fn small_numbers_match_display() {
        for n in (0..100_200).chain([999_999, 1_000_000]) {
            let mut v = Vec::new();
            push_u64(&mut v, n);
            assert_eq!(v, n.to_string().as_bytes());
            let mut s = String::from("x");
            push_u64_str(&mut s, n);
            assert_eq!(s, format!("x{n}"));
        }
    }

    #[test]
    fn zero_and_edges() {
        let mut v = Vec::new();
        push_u64(&mut v, 0);
        push_u64(&mut v, u64::MAX);
        assert_eq!(v, b"018446744073709551615");
    }
}
