use super::*;

#[test]
fn symbols_follow_string_order_after_freezing() {
    let interner = Interner::default();
    let words = ["pear", "apple", "fig", "apple", "banana"];
    let syms: Vec<Sym> = words.iter().map(|w| interner.sym(w)).collect();
    assert_eq!(syms[1], syms[3]);
    let (strings, renumber) = interner.freeze();
    let fin: Vec<Sym> = syms.iter().map(|&s| renumber.sym(s)).collect();
    for (w, s) in words.iter().zip(&fin) {
        assert_eq!(&strings[*s], *w);
    }
    let mut sorted = fin.clone();
    sorted.sort();
    let order: Vec<&str> = sorted.iter().map(|&s| &strings[s]).collect();
    assert_eq!(order, ["apple", "apple", "banana", "fig", "pear"]);
}

#[test]
fn many_strings_keep_their_symbols_through_growth_and_freezing() {
    let interner = Interner::default();
    let words: Vec<String> = (0..20_000)
        .map(|i| format!("key/{}", i * 7919 % 20_000))
        .collect();
    let first: Vec<Sym> = words.iter().map(|w| interner.sym(w)).collect();
    // Asked again after every table has grown many times: the same symbols.
    let again: Vec<Sym> = words.iter().map(|w| interner.sym(w)).collect();
    assert_eq!(first, again);
    assert_eq!(interner.sym(""), interner.sym(""));
    let (strings, renumber) = interner.freeze();
    for (w, &s) in words.iter().zip(&first) {
        assert_eq!(&strings[renumber.sym(s)], w.as_str());
    }
    let mut distinct: Vec<Sym> = first.iter().map(|&s| renumber.sym(s)).collect();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), 20_000);
}

#[test]
fn ids_round_trip() {
    let interner = Interner::default();
    let samples = [
        "0c06e2ff-5e88-44e6-a081-57871bbe770b",
        "0C06E2FF-5E88-44E6-A081-57871BBE770B",
        "62A9N2AH4P4YKG2B",
        "an event id that is longer than twenty-two bytes",
        "",
    ];
    let ids: Vec<Id> = samples.iter().map(|s| interner.id(s)).collect();
    assert!(matches!(ids[0], Id::Uuid(_)));
    assert!(
        matches!(ids[1], Id::Long(..)),
        "upper case is not canonical: keep it as written"
    );
    assert!(matches!(ids[2], Id::Short(16, _)));
    let (strings, renumber) = interner.freeze();
    for (s, id) in samples.iter().zip(ids) {
        assert_eq!(strings.id(renumber.id(id)).to_string(), *s);
    }
}

#[test]
fn equal_actors_become_one() {
    let interner = Interner::default();
    let alice = || Actor {
        arn: Some("arn:aws:iam::1:user/alice".to_owned()),
        ..Actor::default()
    };
    let a = interner.actor(br#"{"arn":"arn:aws:iam::1:user/alice"}"#, alice);
    let b = interner.actor(br#"{ "arn": "arn:aws:iam::1:user/alice" }"#, alice);
    let c = interner.actor(b"{}", Actor::default);
    let (strings, renumber) = interner.freeze();
    assert_eq!(renumber.actor(a), renumber.actor(b));
    assert_ne!(renumber.actor(a), renumber.actor(c));
    assert_eq!(
        strings.actor(renumber.actor(a)).arn.as_deref(),
        Some("arn:aws:iam::1:user/alice")
    );
}

#[test]
fn event_ids_that_are_uuids_are_kept_as_16_bytes_and_read_back_the_same() {
    let interner = Interner::default();
    let id = "6b4c8b4a-1397-4d4d-aa24-d4ac65ed9e9b";
    assert!(matches!(interner.id(id), Id::Uuid(_)));
    let (strings, _) = interner.freeze();
    let again = Interner::default().id(id);
    assert_eq!(strings.id(again).to_string(), id);
    for not_one in [
        "6B4C8B4A-1397-4D4D-AA24-D4AC65ED9E9B",
        "6b4c8b4a_1397-4d4d-aa24-d4ac65ed9e9b",
        "6b4c8b4a-1397-4d4d-aa24-d4ac65ed9e9",
        "6b4c8b4a-1397-4d4d-aa24-d4ac65ed9e9g",
    ] {
        assert!(parse_uuid(not_one).is_none(), "{not_one}");
    }
}

#[test]
fn long_hex_ids_are_packed_and_read_back_the_same() {
    let interner = Interner::default();
    let oss = "5C3D9175B6FC201293AD4890";
    let samples = [
        oss,
        "5c3d9175b6fc201293ad4890",
        "5C3D9175B6FC201293AD4891",
        "12345678901234567890123",
        "0123456789abcdef0123456789abcdef0123456789",
    ];
    let ids: Vec<Id> = samples.iter().map(|s| interner.id(s)).collect();
    for (s, id) in samples.iter().zip(&ids) {
        assert!(matches!(id, Id::Hex(..)), "{s}");
        assert_eq!(Id::from_bytes(&id.to_bytes()), Some(*id), "{s}");
        // Identified across runs as an interned ID of the same text would be.
        let hash = xxhash_rust::xxh3::xxh3_64(s.as_bytes()).to_le_bytes();
        assert_eq!(id.text_hash(), Some(hash), "{s}");
    }
    assert_ne!(ids[0], ids[1], "the case is kept");
    assert!(ids[0] < ids[2], "one case and length order as the text");
    for not_hex in [
        "5C3D9175B6FC201293AD489G",
        "5C3D9175B6FC201293Ad4890",
        "0123456789abcdef0123456789abcdef01234567890",
    ] {
        assert!(matches!(interner.id(not_hex), Id::Long(..)), "{not_hex}");
    }
    let (strings, renumber) = interner.freeze();
    for (s, id) in samples.iter().zip(ids) {
        assert_eq!(strings.id(renumber.id(id)).to_string(), *s);
    }
}

#[test]
fn ids_of_every_form_order_and_print_as_their_text() {
    // IDs of many lengths, mostly hex digits of one case: each prints as its text, reads back as
    // itself, and IDs of one form order as their texts do.
    let mut state = 0x2545_F491_4F6C_DD1D_u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let interner = Interner::default();
    let mut texts = Vec::new();
    for _ in 0..4_000 {
        let len = 20 + (next() % 26) as usize;
        let upper = next() % 2 == 0;
        let text: String = (0..len)
            .map(|_| match next() % 64 {
                0 => '-',
                1 => 'g',
                n => {
                    let c = b"0123456789abcdef"[(n % 16) as usize];
                    (if upper { c.to_ascii_uppercase() } else { c }) as char
                }
            })
            .collect();
        texts.push(text);
    }
    let ids: Vec<Id> = texts.iter().map(|t| interner.id(t)).collect();
    let (strings, renumber) = interner.freeze();
    let mut forms: std::collections::BTreeMap<_, Vec<(Id, &str)>> = Default::default();
    for (text, id) in texts.iter().zip(ids) {
        let id = renumber.id(id);
        assert_eq!(strings.id(id).to_string(), *text);
        assert_eq!(Id::from_bytes(&id.to_bytes()), Some(id), "{text}");
        let form = match id {
            Id::Uuid(_) => (0, 0),
            Id::Short(len, _) => (1, len),
            Id::Long(..) => (2, 0),
            Id::Hex(_, shape) => {
                assert_eq!(
                    Interner::default().id(text),
                    id,
                    "inline: the same in any run"
                );
                (3, shape)
            }
        };
        forms.entry(form).or_default().push((id, text));
    }
    let hex: usize = forms
        .iter()
        .filter(|(f, _)| f.0 == 3)
        .map(|(_, v)| v.len())
        .sum();
    assert!(hex > 1_000, "{hex} hex IDs");
    for ((kind, _), mut group) in forms {
        if kind == 1 {
            continue; // short IDs order by their length first
        }
        group.sort();
        assert!(group.windows(2).all(|w| w[0].1 <= w[1].1), "{group:?}");
    }
}
