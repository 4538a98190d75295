//! serde field types that accept whatever a log puts in a field.
//!
//! Real CloudTrail data has numbers as strings (`"partNumber":"3"`), floats where integers belong
//! (`"bytesTransferredIn":21838.0`), `null`, and hand-edited exports put strings where objects
//! belong. A wrong type in one field must cost that field, never the whole input, so every field
//! the decoder reads uses one of these types instead of a plain `String`, `u64` or struct. Each
//! remembers the type it found instead ([`Wrong`]), so that the decoder can say so.
//!
//! Records reach serde through [`from_json`].

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// Parses a record with serde_json. Bytes that are UTF-8 (checked once, in one pass) are parsed as
/// text, which spares serde checking each string of the record again (4% of a run's CPU on the
/// benchmark trail); other bytes are parsed as bytes, so that the error says where they stop being
/// UTF-8. The value or the error is the same either way.
pub fn from_json<'a, T: Deserialize<'a>>(json: &'a [u8]) -> serde_json::Result<T> {
    match std::str::from_utf8(json) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(json),
    }
}

/// The JSON type a field held instead of the one expected (`None`: the expected type, or absent,
/// or `null`).
pub type Wrong = Option<&'static str>;

/// A text field. Numbers are kept as their decimal text; objects, arrays and booleans count as
/// absent and are remembered as wrong; `null` counts as absent.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Text<'a>(pub Option<Cow<'a, str>>, pub Wrong);

impl<'a> Text<'a> {
    /// The text, if present and not empty.
    pub fn get(&self) -> Option<&str> {
        self.0.as_deref().filter(|s| !s.is_empty())
    }

    /// The text as an owned string, if present and not empty.
    pub fn owned(&self) -> Option<String> {
        self.get().map(str::to_owned)
    }

    /// What the field held instead of text, if it did.
    pub fn wrong(&self) -> Wrong {
        self.1
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Text<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = Text<'a>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Text(Some(Cow::Borrowed(v)), None))
            }
            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Text(Some(Cow::Owned(v.to_owned())), None))
            }
            fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
                Ok(Text(Some(Cow::Owned(v)), None))
            }
            fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
                Ok(Text(Some(Cow::Owned(v.to_string())), None))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
                Ok(Text(Some(Cow::Owned(v.to_string())), None))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
                Ok(Text(Some(Cow::Owned(v.to_string())), None))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Text(None, Some("a boolean")))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Text(None, None))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                IgnoredAny
                    .visit_map(map)
                    .map(|_| Text(None, Some("an object")))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                IgnoredAny
                    .visit_seq(seq)
                    .map(|_| Text(None, Some("an array")))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A non-negative integer field: accepts integers, integral floats and numeric strings.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Num(pub Option<u64>, pub Wrong);

fn float_to_u64(v: f64) -> Option<u64> {
    (v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v < 1.8e19).then_some(v as u64)
}

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Num;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_u64<E>(self, v: u64) -> Result<Num, E> {
                Ok(Num(Some(v), None))
            }
            fn visit_i64<E>(self, v: i64) -> Result<Num, E> {
                let n = u64::try_from(v).ok();
                Ok(Num(n, n.is_none().then_some("a negative number")))
            }
            fn visit_f64<E>(self, v: f64) -> Result<Num, E> {
                let n = float_to_u64(v);
                Ok(Num(
                    n,
                    n.is_none().then_some("a number that is not a whole one"),
                ))
            }
            fn visit_str<E>(self, v: &str) -> Result<Num, E> {
                let v = v.trim();
                let n = v
                    .parse::<u64>()
                    .ok()
                    .or_else(|| v.parse::<f64>().ok().and_then(float_to_u64));
                Ok(Num(
                    n,
                    n.is_none().then_some("text that is not a whole number"),
                ))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Num, E> {
                Ok(Num(None, Some("a boolean")))
            }
            fn visit_unit<E>(self) -> Result<Num, E> {
                Ok(Num(None, None))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Num, A::Error> {
                IgnoredAny
                    .visit_map(map)
                    .map(|_| Num(None, Some("an object")))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Num, A::Error> {
                IgnoredAny
                    .visit_seq(seq)
                    .map(|_| Num(None, Some("an array")))
            }
        }
        d.deserialize_any(V)
    }
}

/// An object field: any other JSON type counts as absent, and is remembered as wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lenient<T>(pub Option<T>, pub Wrong);

impl<T> Default for Lenient<T> {
    fn default() -> Self {
        Lenient(None, None)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Lenient<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Lenient<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|t| Lenient(Some(t), None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
                IgnoredAny
                    .visit_seq(seq)
                    .map(|_| Lenient(None, Some("an array")))
            }
            fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
                Ok(Lenient(None, Some("a string")))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(Lenient(None, Some("a number")))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(Lenient(None, Some("a number")))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(Lenient(None, Some("a number")))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(Lenient(None, Some("a boolean")))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(Lenient(None, None))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A field that holds one object or an array of them (XML converted to JSON does this).
/// Elements of the wrong type are dropped; a field that is neither is remembered as wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneOrMany<T>(pub Vec<T>, pub Wrong);

impl<T> Default for OneOrMany<T> {
    fn default() -> Self {
        OneOrMany(Vec::new(), None)
    }
}

impl<T> OneOrMany<T> {
    fn wrong(found: &'static str) -> Self {
        OneOrMany(Vec::new(), Some(found))
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|t| OneOrMany(vec![t], None))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(Lenient(item, _)) = seq.next_element::<Lenient<T>>()? {
                    out.extend(item);
                }
                Ok(OneOrMany(out, None))
            }
            fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
                Ok(OneOrMany::wrong("a string"))
            }
            fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
                Ok(OneOrMany::wrong("a number"))
            }
            fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
                Ok(OneOrMany::wrong("a number"))
            }
            fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
                Ok(OneOrMany::wrong("a number"))
            }
            fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
                Ok(OneOrMany::wrong("a boolean"))
            }
            fn visit_unit<E>(self) -> Result<Self::Value, E> {
                Ok(OneOrMany::default())
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[test]
    fn from_json_gives_what_serde_gives_from_bytes() {
        let inputs: [&[u8]; 9] = [
            br#"{"eventName":"UploadPart","n":[1,2.5,null,true]}"#,
            "{\"key\":\"caf\u{e9}/\u{1f600}\"}".as_bytes(),
            br#"{"key":"a\u00e9\ud83d\ude00"}"#,
            br#"{"key":"bad \x escape"}"#,
            b"{\"key\":\"a control \x01 byte\"}",
            b"{\"key\":\"not UTF-8 \xff\xfe\"}",
            br#"{"key":"\ud800 lone"}"#,
            br#"{"key": 01}"#,
            br#"{"key":"truncated"#,
        ];
        type Record<'a> = std::collections::BTreeMap<String, Text<'a>>;
        fn text(r: serde_json::Result<Record<'_>>) -> Result<Record<'_>, String> {
            r.map_err(|e| e.to_string())
        }
        for json in inputs {
            assert_eq!(
                text(from_json(json)),
                text(serde_json::from_slice(json)),
                "{}",
                String::from_utf8_lossy(json)
            );
        }
        // Borrowed strings borrow from the input either way.
        let s: &str = from_json(br#""plain""#).expect("a string");
        assert_eq!(s, "plain");
    }

    #[derive(Deserialize)]
    struct Probe<'a> {
        #[serde(borrow, default)]
        t: Text<'a>,
        #[serde(default)]
        n: Num,
        #[serde(default)]
        o: Lenient<Inner>,
        #[serde(default)]
        m: OneOrMany<Inner>,
    }

    #[derive(Deserialize, Debug, PartialEq, Eq)]
    struct Inner {
        #[serde(default)]
        x: Num,
    }

    fn probe(json: &str) -> Probe<'_> {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn wrong_types_cost_only_the_field_and_are_remembered() {
        let p = probe(r#"{"t": {"a": [1]}, "n": "x", "o": "str", "m": 5}"#);
        assert_eq!((p.t.0, p.n.0, p.o.0, p.m.0.len()), (None, None, None, 0));
        assert_eq!(
            (p.t.1, p.n.1, p.o.1),
            (
                Some("an object"),
                Some("text that is not a whole number"),
                Some("a string")
            )
        );
        let p = probe(r#"{"t": null, "n": null, "o": null}"#);
        assert_eq!((p.t.1, p.n.1, p.o.1), (None, None, None));
    }

    #[test]
    fn numbers_in_every_spelling() {
        for (json, want) in [
            (r#"{"n": 3}"#, Some(3)),
            (r#"{"n": "3"}"#, Some(3)),
            (r#"{"n": 21838.0}"#, Some(21838)),
            (r#"{"n": " 7 "}"#, Some(7)),
            (r#"{"n": -1}"#, None),
            (r#"{"n": 1.5}"#, None),
            (r#"{"n": null}"#, None),
        ] {
            assert_eq!(probe(json).n.0, want, "{json}");
        }
        assert_eq!(
            probe(r#"{"t": 123456789012}"#).t.get(),
            Some("123456789012")
        );
    }

    #[test]
    fn one_or_many() {
        assert_eq!(
            probe(r#"{"m": {"x": 1}}"#).m.0,
            vec![Inner {
                x: Num(Some(1), None)
            }]
        );
        let many = probe(r#"{"m": [{"x": 1}, "junk", {"x": "2"}]}"#).m.0;
        assert_eq!(
            many,
            vec![
                Inner {
                    x: Num(Some(1), None)
                },
                Inner {
                    x: Num(Some(2), None)
                }
            ]
        );
    }
}
