//! Lifecycle configurations in XML: what OSS's `GetBucketLifecycle` returns (and what an
//! ActionTrail `PutBucketLifecycle` event carries), and S3's own XML spelling.
//!
//! Both are read into one small tree of elements, and so is the JSON-object form ActionTrail may
//! give (`{"Rule": [{"ID": …, "AbortMultipartUpload": {"Days": "3"}}]}`): one reading of the
//! elements serves all three. Element order varies between writers, so everything is found by
//! name. OSS rules (`reference/oss-formats.md` §3): `ID`, `Prefix`, `Status`, `Tag`,
//! `Filter` (whose `Not` exempts a prefix), and `AbortMultipartUpload` with `Days` or
//! `CreatedBeforeDate`. S3 rules: `Filter`/`And`/`Prefix` and
//! `AbortIncompleteMultipartUpload/DaysAfterInitiation`.

use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event as Xml;
use quick_xml::reader::Reader;
use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::model::{Provider, Rule};

/// Deeper nesting than any lifecycle configuration has is refused.
const MAX_DEPTH: usize = 32;
/// More rules than OSS or S3 allow (1,000) is refused.
const MAX_ELEMENTS: usize = 100_000;

/// An element: its name, its text, and its children in order.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Element {
    /// The local name (without a namespace prefix), or the JSON member's name.
    pub name: String,
    /// The text directly inside it, entities resolved.
    pub text: String,
    /// The elements inside it.
    pub children: Vec<Element>,
}

impl Element {
    /// The children named `name`.
    fn all<'s, 'n>(&'s self, name: &'n str) -> impl Iterator<Item = &'s Element> + use<'s, 'n> {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The first child named `name`.
    fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// The trimmed text of the first child named `name`.
    fn text_of(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.trim())
    }

    /// The element at the end of a path of names.
    fn path(&self, names: &[&str]) -> Option<&Element> {
        names.iter().try_fold(self, |e, name| e.child(name))
    }
}

/// Parses an XML document into its root element.
pub fn parse_xml(text: &str) -> Result<Element, String> {
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<Element> = Vec::new();
    let mut root = None;
    let mut count = 0;
    loop {
        let event = reader.read_event().map_err(|e| {
            format!(
                "not well-formed XML at byte {}: {e}",
                reader.error_position()
            )
        })?;
        match event {
            Xml::Start(start) => {
                count += 1;
                if stack.len() >= MAX_DEPTH || count > MAX_ELEMENTS {
                    return Err(
                        "XML nested too deep or too large for a lifecycle configuration".to_owned(),
                    );
                }
                stack.push(Element {
                    name: local_name(start.local_name().as_ref()),
                    ..Element::default()
                });
            }
            Xml::Empty(empty) => {
                count += 1;
                let element = Element {
                    name: local_name(empty.local_name().as_ref()),
                    ..Element::default()
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => root = root.or(Some(element)),
                }
            }
            Xml::End(_) => {
                let Some(done) = stack.pop() else {
                    return Err("an end tag without its start".to_owned());
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => root = root.or(Some(done)),
                }
            }
            Xml::Text(t) => {
                if let Some(open) = stack.last_mut() {
                    let text = t
                        .decode()
                        .map_err(|e| format!("text that is not UTF-8: {e}"))?;
                    open.text.push_str(&text);
                }
            }
            Xml::CData(c) => {
                if let Some(open) = stack.last_mut() {
                    let text = c
                        .decode()
                        .map_err(|e| format!("text that is not UTF-8: {e}"))?;
                    open.text.push_str(&text);
                }
            }
            Xml::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => {
                        let name = r
                            .decode()
                            .map_err(|e| format!("a reference that is not UTF-8: {e}"))?;
                        resolve_predefined_entity(&name)
                            .ok_or_else(|| format!("an unknown entity &{name};"))?
                            .to_owned()
                    }
                };
                if let Some(open) = stack.last_mut() {
                    open.text.push_str(&resolved);
                }
            }
            Xml::Eof => break,
            Xml::Decl(_) | Xml::PI(_) | Xml::DocType(_) | Xml::Comment(_) => {}
        }
    }
    if !stack.is_empty() {
        return Err("the XML ends inside an element".to_owned());
    }
    root.ok_or_else(|| "the XML holds no element".to_owned())
}

fn local_name(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The same tree from JSON text: an object's members are children (an array member is one child
/// per element), and a scalar is the text of its element.
pub fn from_json(name: &str, json: &str) -> Result<Element, String> {
    let mut de = serde_json::Deserializer::from_str(json);
    let mut elements = Named(name)
        .deserialize(&mut de)
        .map_err(|e| format!("not JSON: {e}"))?;
    Ok(elements.pop().unwrap_or_else(|| Element {
        name: name.to_owned(),
        ..Element::default()
    }))
}

/// Reads a JSON value as the elements named `self.0` it stands for (several for an array).
struct Named<'n>(&'n str);

impl<'de> DeserializeSeed<'de> for Named<'_> {
    type Value = Vec<Element>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<Element>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Named<'_> {
    type Value = Vec<Element>;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Vec<Element>, E> {
        Ok(vec![self.leaf(v.to_owned())])
    }

    fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Vec<Element>, E> {
        Ok(vec![self.leaf(v.to_string())])
    }

    fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Vec<Element>, E> {
        Ok(vec![self.leaf(v.to_string())])
    }

    fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Vec<Element>, E> {
        Ok(vec![self.leaf(v.to_string())])
    }

    fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Vec<Element>, E> {
        Ok(vec![self.leaf(v.to_string())])
    }

    fn visit_unit<E: serde::de::Error>(self) -> Result<Vec<Element>, E> {
        Ok(vec![self.leaf(String::new())])
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Vec<Element>, A::Error> {
        let mut element = self.leaf(String::new());
        while let Some(key) = map.next_key::<String>()? {
            let children = map.next_value_seed(Named(&key))?;
            element.children.extend(children);
        }
        Ok(vec![element])
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Element>, A::Error> {
        let mut all = Vec::new();
        while let Some(elements) = seq.next_element_seed(Named(self.0))? {
            all.extend(elements);
        }
        Ok(all)
    }
}

impl Named<'_> {
    fn leaf(&self, text: String) -> Element {
        Element {
            name: self.0.to_owned(),
            text,
            children: Vec::new(),
        }
    }
}

/// The cloud a `<LifecycleConfiguration>` was written for: S3's XML names its abort action
/// `AbortIncompleteMultipartUpload` (or carries S3's namespace), OSS's does not.
pub fn provider_of(root: &Element) -> Provider {
    let s3 = root
        .all("Rule")
        .any(|r| r.child("AbortIncompleteMultipartUpload").is_some());
    if s3 { Provider::Aws } else { Provider::Alibaba }
}

/// The rules of a `<LifecycleConfiguration>` element (or of the JSON object standing for it).
pub fn rules(root: &Element) -> Vec<Rule> {
    // The element itself, or a wrapper around it (GetBucketLifecycleResult).
    let config = if root.child("Rule").is_some() {
        root
    } else {
        root.child("LifecycleConfiguration").unwrap_or(root)
    };
    config.all("Rule").map(rule).collect()
}

fn rule(r: &Element) -> Rule {
    let filter = r.child("Filter");
    let and = filter.and_then(|f| f.child("And"));
    let prefix = filter
        .and_then(|f| f.text_of("Prefix"))
        .or_else(|| and.and_then(|a| a.text_of("Prefix")))
        .or_else(|| r.text_of("Prefix"))
        .unwrap_or("");
    let excluded_prefixes = filter
        .into_iter()
        .flat_map(|f| f.all("Not"))
        .filter_map(|not| not.text_of("Prefix"))
        .filter(|p| !p.is_empty())
        .map(str::to_owned)
        .collect();
    // Tags and sizes never select parts: a rule that names them does not abort uploads.
    let selects_objects = |e: &Element| {
        ["Tag", "Tags", "ObjectSizeGreaterThan", "ObjectSizeLessThan"]
            .iter()
            .any(|n| e.child(n).is_some())
    };
    let other_filters = selects_objects(r)
        || filter.is_some_and(selects_objects)
        || and.is_some_and(selects_objects);
    let number = |e: Option<&Element>| e.and_then(|e| e.text.trim().parse::<u32>().ok());
    let oss = r.child("AbortMultipartUpload");
    let days = number(oss.and_then(|a| a.child("Days")))
        .or_else(|| number(r.path(&["AbortIncompleteMultipartUpload", "DaysAfterInitiation"])));
    let created_before = oss
        .and_then(|a| a.text_of("CreatedBeforeDate"))
        .and_then(|d| super::super::parse_time(d).or_else(|| date_at_midnight(d)));
    Rule {
        id: r
            .text_of("ID")
            .filter(|id| !id.is_empty())
            .map(str::to_owned),
        enabled: r.text_of("Status") == Some("Enabled"),
        prefix: prefix.to_owned(),
        abort_days: days,
        created_before: created_before.filter(|_| days.is_none()),
        excluded_prefixes,
        other_filters,
    }
}

/// `2017-01-01` (a date alone) as its midnight, UTC.
fn date_at_midnight(d: &str) -> Option<crate::model::Time> {
    chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

/// Reads a lifecycle configuration in XML: the cloud it was written for, and its rules.
pub fn parse_rules_xml(text: &str) -> Result<(Provider, Vec<Rule>), String> {
    let root = parse_xml(text).map_err(|why| format!("not a lifecycle configuration: {why}"))?;
    let config = if root.name == "LifecycleConfiguration" {
        &root
    } else {
        root.child("LifecycleConfiguration").ok_or_else(|| {
            format!(
                "not a lifecycle configuration: the XML's root is <{}>, not <LifecycleConfiguration>",
                root.name
            )
        })?
    };
    Ok((provider_of(config), rules(config)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::parse_time;

    #[test]
    fn reads_every_oss_rule_form_in_any_element_order() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<LifecycleConfiguration>
  <Rule><Status>Enabled</Status><AbortMultipartUpload><Days>30</Days></AbortMultipartUpload><ID>rule</ID><Prefix></Prefix></Rule>
  <Rule><ID>old &amp; stale</ID><Prefix>tmp/</Prefix><Status>Enabled</Status>
    <AbortMultipartUpload><CreatedBeforeDate>2026-11-01T00:00:00.000Z</CreatedBeforeDate></AbortMultipartUpload></Rule>
  <Rule><ID>off</ID><Prefix>x/</Prefix><Status>Disabled</Status><AbortMultipartUpload><Days>1</Days></AbortMultipartUpload></Rule>
  <Rule><ID>not</ID><Prefix></Prefix><Status>Enabled</Status>
    <Filter><Not><Prefix>keep/</Prefix><Tag><Key>k</Key><Value>v</Value></Tag></Not></Filter>
    <AbortMultipartUpload><Days>2</Days></AbortMultipartUpload></Rule>
  <Rule><ID>tagged</ID><Prefix></Prefix><Status>Enabled</Status><Tag><Key>a</Key><Value>b</Value></Tag>
    <AbortMultipartUpload><Days>2</Days></AbortMultipartUpload></Rule>
</LifecycleConfiguration>"#;
        let (provider, rules) = parse_rules_xml(xml).unwrap();
        assert_eq!(provider, Provider::Alibaba);
        assert_eq!(rules.len(), 5);
        assert_eq!(
            (
                rules[0].id.as_deref(),
                rules[0].abort_days,
                rules[0].enabled
            ),
            (Some("rule"), Some(30), true)
        );
        assert_eq!(rules[1].id.as_deref(), Some("old & stale"));
        assert_eq!(rules[1].prefix, "tmp/");
        assert_eq!(rules[1].created_before, parse_time("2026-11-01T00:00:00Z"));
        assert!(!rules[2].enabled);
        assert_eq!(rules[3].excluded_prefixes, ["keep/"]);
        assert!(
            !rules[3].other_filters,
            "a tag under Not only narrows the exemption"
        );
        assert!(rules[4].other_filters);
    }

    #[test]
    fn reads_s3_xml_as_s3() {
        let xml = r#"<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Rule><ID>r</ID><Filter><Prefix>a/</Prefix></Filter><Status>Enabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>7</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule></LifecycleConfiguration>"#;
        let (provider, rules) = parse_rules_xml(xml).unwrap();
        assert_eq!(provider, Provider::Aws);
        assert_eq!(
            (rules[0].prefix.as_str(), rules[0].abort_days),
            ("a/", Some(7))
        );
    }

    #[test]
    fn the_json_object_form_reads_like_the_xml() {
        let json = r#"{"Rule":[{"ID":"r","Prefix":"p/","Status":"Enabled","AbortMultipartUpload":{"Days":"3"}},{"ID":"c","Prefix":"","Status":"Enabled","AbortMultipartUpload":{"CreatedBeforeDate":"2026-01-01"}}]}"#;
        let rules = rules_of(json);
        assert_eq!(
            (rules[0].prefix.as_str(), rules[0].abort_days),
            ("p/", Some(3))
        );
        assert_eq!(rules[1].created_before, parse_time("2026-01-01T00:00:00Z"));
        let one = r#"{"Rule":{"ID":"solo","Prefix":"","Status":"Enabled","AbortMultipartUpload":{"Days":1}}}"#;
        assert_eq!(rules_of(one)[0].id.as_deref(), Some("solo"));
        assert!(from_json("LifecycleConfiguration", "{").is_err());
    }

    fn rules_of(json: &str) -> Vec<Rule> {
        rules(&from_json("LifecycleConfiguration", json).unwrap())
    }

    #[test]
    fn hostile_xml_is_refused_with_a_reason() {
        for (bad, why) in [
            ("<LifecycleConfiguration><Rule>", "ends inside"),
            ("<Other/>", "root is <Other>"),
            ("not xml at all", "holds no element"),
            (
                "<LifecycleConfiguration>&bogus;</LifecycleConfiguration>",
                "unknown entity",
            ),
        ] {
            let err = parse_rules_xml(bad).unwrap_err();
            assert!(err.contains(why), "{bad}: {err}");
        }
        let deep = "<a>".repeat(100) + &"</a>".repeat(100);
        assert!(parse_rules_xml(&deep).unwrap_err().contains("too deep"));
    }
}
