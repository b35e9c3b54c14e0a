//! [`Headers`] (one text buffer, `(name, range)` lines) against a plain
//! `Vec<(HeaderName, String)>` model: every sequence of edits leaves the
//! same lines in the same order, and the unused part of the buffer stays
//! bounded.

use super::*;
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    Push(u8, String),
    PushFront(u8, String),
    Prepend(u8, String),
    Set(u8, String),
    Remove(u8),
    RemoveFirst(u8),
    ReplaceAt(usize, String),
    AppendToFirst(u8, String),
    InsertInValue(usize, usize, String),
    EditFirst(u8, String, bool),
    Retain(u8),
}

fn name(k: u8) -> HeaderName {
    match k % 5 {
        0 => HeaderName::Via,
        1 => HeaderName::To,
        2 => HeaderName::Contact,
        3 => HeaderName::parse("X-Odd"),
        _ => HeaderName::parse("X-Two"),
    }
}

fn op() -> impl Strategy<Value = Op> {
    let v = "[a-zé ;=,]{0,12}";
    prop_oneof![
        (any::<u8>(), v).prop_map(|(k, s)| Op::Push(k, s)),
        (any::<u8>(), v).prop_map(|(k, s)| Op::PushFront(k, s)),
        (any::<u8>(), v).prop_map(|(k, s)| Op::Prepend(k, s)),
        (any::<u8>(), v).prop_map(|(k, s)| Op::Set(k, s)),
        any::<u8>().prop_map(Op::Remove),
        any::<u8>().prop_map(Op::RemoveFirst),
        (0usize..8, v).prop_map(|(i, s)| Op::ReplaceAt(i, s)),
        (any::<u8>(), v).prop_map(|(k, s)| Op::AppendToFirst(k, s)),
        (0usize..8, 0usize..16, v).prop_map(|(i, at, s)| Op::InsertInValue(i, at, s)),
        (any::<u8>(), v, any::<bool>()).prop_map(|(k, s, w)| Op::EditFirst(k, s, w)),
        any::<u8>().prop_map(Op::Retain),
    ]
}

type Model = Vec<(HeaderName, String)>;

fn first(m: &Model, n: &HeaderName) -> Option<usize> {
    m.iter().position(|(k, _)| k == n)
}

/// Applies `op` to both; returns what the real list returned, as a string.
fn apply(h: &mut Headers, m: &mut Model, op: &Op) -> (String, String) {
    match op {
        Op::Push(k, s) => {
            h.push(name(*k), s);
            m.push((name(*k), s.clone()));
        }
        Op::PushFront(k, s) => {
            h.push_front(name(*k), s);
            let at = first(m, &name(*k)).unwrap_or(m.len());
            m.insert(at, (name(*k), s.clone()));
        }
        Op::Prepend(k, s) => {
            h.prepend(name(*k), s);
            m.insert(0, (name(*k), s.clone()));
        }
        Op::Set(k, s) => {
            h.set(name(*k), s);
            let n = name(*k);
            match first(m, &n) {
                Some(i) => {
                    m[i].1 = s.clone();
                    let mut j = 0;
                    m.retain(|(k, _)| {
                        j += 1;
                        j - 1 <= i || *k != n
                    });
                }
                None => m.push((n, s.clone())),
            }
        }
        Op::Remove(k) => {
            let got = h.remove(&name(*k));
            let before = m.len();
            m.retain(|(n, _)| *n != name(*k));
            return (got.to_string(), (before - m.len()).to_string());
        }
        Op::RemoveFirst(k) => {
            let got = h.remove_first(&name(*k));
            let want = first(m, &name(*k)).map(|i| m.remove(i).1);
            return (format!("{got:?}"), format!("{want:?}"));
        }
        Op::ReplaceAt(i, s) => {
            let got = h.replace_at(*i, s);
            let want = *i < m.len();
            if want {
                m[*i].1 = s.clone();
            }
            return (got.to_string(), want.to_string());
        }
        Op::AppendToFirst(k, s) => {
            let got = h.append_to_first(&name(*k), &[s, "!"]);
            let want = first(m, &name(*k)).map(|i| m[i].1.push_str(&format!("{s}!")));
            return (got.to_string(), want.is_some().to_string());
        }
        Op::InsertInValue(i, at, s) => {
            let got = h.insert_in_value(*i, *at, &[s, "#"]);
            let want = m
                .get_mut(*i)
                .filter(|(_, v)| *at <= v.len() && v.is_char_boundary(*at))
                .map(|(_, v)| v.insert_str(*at, &format!("{s}#")));
            return (got.to_string(), want.is_some().to_string());
        }
        Op::EditFirst(k, s, write) => {
            let got = h.edit_first(&name(*k), |old, out| {
                out.push_str(s);
                out.push_str(old);
                *write
            });
            let want = match first(m, &name(*k)) {
                Some(i) if *write => {
                    m[i].1 = format!("{s}{}", m[i].1);
                    true
                }
                _ => false,
            };
            return (got.to_string(), want.to_string());
        }
        Op::Retain(k) => {
            h.retain(|l| *l.name != name(*k) || l.value.len() % 2 == 0);
            m.retain(|(n, v)| *n != name(*k) || v.len() % 2 == 0);
        }
    }
    (String::new(), String::new())
}

/// Applies `ops` to `h` and to the model `m` (the same lines), checking
/// after each that they agree; `slack` is how far the buffer may exceed the
/// compaction bound (the unused bytes it started with).
fn run(mut h: Headers, mut m: Model, ops: &[Op], slack: usize) -> Result<(), TestCaseError> {
    for op in ops {
        let (got, want) = apply(&mut h, &mut m, op);
        prop_assert_eq!(got, want, "{:?}", op);
        let lines: Model = h
            .iter()
            .map(|l| (l.name.clone(), l.value.to_owned()))
            .collect();
        prop_assert_eq!(&lines, &m, "after {:?}", op);
        // Lookups (which may end early on the presence bits) see the
        // same lines, extension names included.
        for k in 0..7u8 {
            let n = match k {
                5 => HeaderName::parse("X-Other"),
                6 => HeaderName::CSeq,
                _ => name(k),
            };
            let first = m.iter().find(|(x, _)| *x == n).map(|(_, v)| v.as_str());
            prop_assert_eq!(h.get(&n), first, "{:?} after {:?}", n, op);
            prop_assert_eq!(h.contains(&n), first.is_some());
            prop_assert_eq!(h.count(&n), m.iter().filter(|(x, _)| *x == n).count());
            prop_assert_eq!(h.get_all(&n).count(), h.count(&n));
            prop_assert_eq!(h.position(&n), m.iter().position(|(x, _)| *x == n));
        }
        // Equality and the serialization see only the lines.
        let rebuilt: Headers = m
            .iter()
            .map(|(n, v)| Header {
                name: n.clone(),
                value: v.clone(),
            })
            .collect();
        prop_assert_eq!(&h, &rebuilt);
        prop_assert_eq!(h.to_string(), rebuilt.to_string());
        // Unused bytes stay within the compaction bound.
        let live: usize = m.iter().map(|(_, v)| v.len()).sum();
        prop_assert!(
            h.text.len() <= (2 * live).max(256) + 64 + slack,
            "{} bytes for {}",
            h.text.len(),
            live
        );
    }
    Ok(())
}

/// Lines as a parser would find them in a head: `Name: value` lines, the
/// values slices of the whole text.
fn head_lines() -> impl Strategy<Value = Vec<(u8, String)>> {
    proptest::collection::vec((any::<u8>(), "[a-zé ;=,]{0,12}"), 0..8)
}

proptest! {
    #[test]
    fn edits_agree_with_a_vector_of_lines(ops in proptest::collection::vec(op(), 0..40)) {
        run(Headers::new(), Vec::new(), &ops, 0)?;
    }

    /// [`Headers::from_source`]: the same lines as pushing each value, and
    /// every edit after it agrees with the model.
    #[test]
    fn a_list_copied_from_its_source_agrees(
        lines in head_lines(),
        ops in proptest::collection::vec(op(), 0..30),
    ) {
        let mut source = String::from("INVITE sip:x SIP/2.0\r\n");
        let mut ranges = Vec::new();
        for (k, v) in &lines {
            source.push_str(&name(*k).to_string());
            source.push_str(": ");
            ranges.push(source.len()..source.len() + v.len());
            source.push_str(v);
            source.push_str("\r\n");
        }
        let values = ranges.iter().map(|r| &source[r.clone()]);
        let names = lines.iter().map(|(k, _)| name(*k));
        let h = Headers::from_source(&source, values, names, 16).unwrap();
        let m: Model = lines.iter().map(|(k, v)| (name(*k), v.clone())).collect();
        let pushed: Headers = m.iter().map(|(n, v)| Header { name: n.clone(), value: v.clone() }).collect();
        prop_assert_eq!(&h, &pushed);
        prop_assert!(h.text.len() < source.len());
        let slack = h.text.len();
        run(h, m, &ops, slack)?;
    }

    /// A value outside the source, or values out of order: no list.
    #[test]
    fn values_outside_the_source_are_refused(v in "[a-z]{1,8}") {
        let source = format!("To: {v}\r\nVia: {v}\r\n");
        let other = v.clone();
        let names = || [HeaderName::To, HeaderName::Via].into_iter();
        let outside = [&source[4..4 + v.len()], other.as_str()];
        prop_assert!(Headers::from_source(&source, outside.into_iter(), names(), 0).is_none());
        let at = source.len() - 2 - v.len();
        let reversed = [&source[at..at + v.len()], &source[4..4 + v.len()]];
        prop_assert!(Headers::from_source(&source, reversed.into_iter(), names(), 0).is_none());
        // A middle value outside the span of the first and the last, or
        // before the first.
        let three = || [HeaderName::To, HeaderName::From, HeaderName::Via].into_iter();
        let first = &source[4..4 + v.len()];
        let last = &source[at..at + v.len()];
        for middle in [other.as_str(), &source[..1], &source[at..]] {
            let values = [first, middle, last];
            prop_assert!(Headers::from_source(&source, values.into_iter(), three(), 0).is_none());
        }
        let inside = [first, &source[4 + v.len()..at], last];
        prop_assert!(Headers::from_source(&source, inside.into_iter(), three(), 0).is_some());
        let fine = [&source[4..4 + v.len()], &source[at..at + v.len()]];
        let h = Headers::from_source(&source, fine.into_iter(), names(), 0).unwrap();
        prop_assert_eq!(h.get(&HeaderName::Via), Some(v.as_str()));
    }
}

#[test]
fn a_value_written_last_grows_in_place() {
    let mut h = Headers::with_capacity_and_text(2, 64);
    h.push(HeaderName::Via, "SIP/2.0/UDP a");
    h.push(HeaderName::To, "<sip:b@x>");
    assert!(h.append_to_first(&HeaderName::To, &[";tag=", "9"]));
    assert_eq!(h.text, "SIP/2.0/UDP a<sip:b@x>;tag=9");
    assert!(h.insert_in_value(0, 13, &[";received=", "1.2.3.4"]));
    assert_eq!(
        h.get(&HeaderName::Via),
        Some("SIP/2.0/UDP a;received=1.2.3.4")
    );
    assert_eq!(h.get(&HeaderName::To), Some("<sip:b@x>;tag=9"));
    assert!(!h.insert_in_value(0, 99, &["x"]));
    assert!(!h.insert_in_value(5, 0, &["x"]));
}

#[test]
fn trim_value_trims_as_str_trim() {
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
        assert_eq!(trim_value(v), v.trim(), "{v:?}");
    }
}

proptest! {
    #[test]
    fn trim_value_agrees_with_str_trim(v in "[ \t\r\n\u{b}\u{c}\u{a0}\u{3000}a;é-]{0,8}") {
        prop_assert_eq!(trim_value(&v), v.trim());
    }
}
