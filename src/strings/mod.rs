//! Interned strings and actors: each distinct bucket, key, upload ID, ARN or user agent is
//! stored once, and events refer to it by a 4-byte [`Sym`].
//!
//! A trail repeats the same few buckets, roles and user agents in every record, and all events of
//! one upload share its key and ID. Interning keeps memory proportional to what is distinct
//! rather than to the number of events. Decoding threads intern into one [`Interner`] (sharded
//! locks, held for a map lookup); afterwards [`Interner::freeze`] sorts the table, so that the
//! order of symbols is the order of their strings (then of their namespace: bucket names are
//! interned per cloud) and every comparison stays content-based: the output never depends on
//! which thread saw a string first.

use std::hash::{BuildHasher, RandomState};
use std::num::NonZeroU32;
use std::sync::{Mutex, PoisonError};

use hashbrown::HashTable;
use rayon::slice::ParallelSliceMut;
use xxhash_rust::xxh3::xxh3_64_with_seed;

use crate::model::{Actor, BucketName, Provider};

mod id;

#[cfg(test)]
use id::parse_uuid;
pub use id::{Id, IdText};

/// A string stored in the [`Strings`] table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sym(NonZeroU32);

impl Sym {
    fn from_index(index: usize) -> Sym {
        let n = u32::try_from(index + 1).unwrap_or(u32::MAX);
        Sym(NonZeroU32::new(n).unwrap_or(NonZeroU32::MAX))
    }

    fn index(self) -> usize {
        self.0.get() as usize - 1
    }

    /// Its number, to be written to a temporary file and read back in the same run.
    pub fn to_bits(self) -> u32 {
        self.0.get()
    }

    /// The symbol numbered `bits` by [`Sym::to_bits`]; `None` for 0.
    pub fn from_bits(bits: u32) -> Option<Sym> {
        NonZeroU32::new(bits).map(Sym)
    }
}

/// An actor stored in the [`Strings`] table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ActorId(u32);

impl ActorId {
    /// Its number, to be written to a temporary file and read back in the same run.
    pub fn to_bits(self) -> u32 {
        self.0
    }

    /// The actor numbered `bits` by [`ActorId::to_bits`].
    pub fn from_bits(bits: u32) -> ActorId {
        ActorId(bits)
    }
}

const SHARDS: usize = 16;

/// The last few strings one reader interned, with their symbols: the region, the account and
/// the bucket of one log file repeat from record to record, and a symbol found here takes no
/// lock that the other threads want.
#[derive(Default)]
pub struct Recent {
    syms: [Option<(Box<str>, Sym)>; Recent::SLOTS],
    next: usize,
    actors: [Option<(Box<[u8]>, ActorId)>; Recent::SLOTS],
    next_actor: usize,
}

impl Recent {
    const SLOTS: usize = 4;

    /// The symbol of `s`, from the recent ones or from `interner`.
    pub fn sym(&mut self, interner: &Interner, s: &str) -> Sym {
        if let Some((_, sym)) = self.syms.iter().flatten().find(|(text, _)| **text == *s) {
            return *sym;
        }
        let sym = interner.sym(s);
        self.syms[self.next] = Some((s.into(), sym));
        self.next = (self.next + 1) % Recent::SLOTS;
        sym
    }

    /// The actor of the identity `raw`, from the recent ones or from `interner`.
    pub fn actor(
        &mut self,
        interner: &Interner,
        raw: &[u8],
        build: impl FnOnce() -> Actor,
    ) -> ActorId {
        if let Some((_, id)) = self.actors.iter().flatten().find(|(r, _)| **r == *raw) {
            return *id;
        }
        let id = interner.actor(raw, build);
        self.actors[self.next_actor] = Some((raw.into(), id));
        self.next_actor = (self.next_actor + 1) % Recent::SLOTS;
        id
    }
}

/// Strings laid end to end in one buffer: no allocation and no header per string.
#[derive(Debug, Default, Clone)]
struct Texts {
    text: String,
    /// Where each string ends in `text` (it starts where the one before it ends).
    ends: Vec<usize>,
}

impl Texts {
    fn get(&self, i: usize) -> Option<&str> {
        let end = *self.ends.get(i)?;
        let start = i.checked_sub(1).map_or(0, |p| self.ends[p]);
        self.text.get(start..end)
    }

    fn push(&mut self, s: &str) -> usize {
        self.text.push_str(s);
        self.ends.push(self.text.len());
        self.ends.len() - 1
    }

    fn len(&self) -> usize {
        self.ends.len()
    }
}

#[derive(Default)]
struct Shard {
    texts: Texts,
    /// The namespace of each string in `texts` (see [`Interner::bucket`]).
    spaces: Vec<u8>,
    /// Positions in `texts`, by the hash of their string and namespace.
    index: HashTable<u32>,
}

#[derive(Default)]
struct ActorShard {
    /// The raw identity each actor was made from, by position.
    raws: Vec<Box<[u8]>>,
    /// Positions, by the hash of their raw identity.
    index: HashTable<u32>,
    items: Vec<Actor>,
}

/// Interns strings and actors from any number of threads.
pub struct Interner {
    shards: [Mutex<Shard>; SHARDS],
    actors: [Mutex<ActorShard>; SHARDS],
    /// The seed of the hash: random per run, so that no log can be written to collide in it.
    seed: u64,
}

impl Default for Interner {
    fn default() -> Self {
        Interner {
            shards: std::array::from_fn(|_| Mutex::default()),
            actors: std::array::from_fn(|_| Mutex::default()),
            seed: RandomState::new().hash_one(0x5eed_u64),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    // A panic elsewhere cannot leave a shard half-updated: every update is one insert.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Symbols are numbered within their shard while decoding: the shard in the low bits.
fn provisional(shard: usize, local: usize) -> Sym {
    Sym::from_index(local * SHARDS + shard)
}

/// The shard of a hash: bits the hash tables do not use to place entries (they use the low
/// bits), so that every shard's table still sees well-spread hashes.
fn shard_of_hash(hash: u64) -> usize {
    (hash >> 32) as usize % SHARDS
}

impl Interner {
    /// XXH3, seeded: several times faster than SipHash on the identities and keys interned for
    /// every event, and its seed is secret to the run.
    fn hash(&self, bytes: &[u8]) -> u64 {
        xxh3_64_with_seed(bytes, self.seed)
    }

    /// The hash of a string in a namespace.
    fn hash_in(&self, space: u8, bytes: &[u8]) -> u64 {
        xxh3_64_with_seed(bytes, self.seed ^ u64::from(space))
    }

    /// The symbol of `s`.
    pub fn sym(&self, s: &str) -> Sym {
        self.sym_in(0, s)
    }

    /// The symbol of the name of a bucket of `provider`. The buckets of two clouds are
    /// different symbols even when their names are equal, so that every table keyed by bucket
    /// keeps the clouds apart; their text is the name alone.
    pub fn bucket(&self, provider: Provider, name: &str) -> Sym {
        self.sym_in(provider.namespace(), name)
    }

    /// What `f` makes of an interned string's text, read in place (before the table is frozen).
    pub fn with_text<R>(&self, sym: Sym, f: impl FnOnce(&str) -> R) -> R {
        let i = sym.index();
        let shard = lock(&self.shards[i % SHARDS]);
        f(shard.texts.get(i / SHARDS).unwrap_or_default())
    }

    fn sym_in(&self, space: u8, s: &str) -> Sym {
        let hash = self.hash_in(space, s.as_bytes());
        let shard = shard_of_hash(hash);
        let mut guard = lock(&self.shards[shard]);
        let Shard {
            texts,
            spaces,
            index,
        } = &mut *guard;
        let found = index.find(hash, |&i| {
            spaces[i as usize] == space && texts.get(i as usize) == Some(s)
        });
        if let Some(&local) = found {
            return provisional(shard, local as usize);
        }
        let local = texts.push(s);
        spaces.push(space);
        let rehash = |&i: &u32| {
            let text = texts.get(i as usize).unwrap_or_default();
            self.hash_in(spaces[i as usize], text.as_bytes())
        };
        index.insert_unique(hash, local as u32, rehash);
        provisional(shard, local)
    }

    /// The actor whose `userIdentity` JSON is `raw`; `build` makes it the first time.
    pub fn actor(&self, raw: &[u8], build: impl FnOnce() -> Actor) -> ActorId {
        let hash = self.hash(raw);
        let shard = shard_of_hash(hash);
        let mut guard = lock(&self.actors[shard]);
        let ActorShard { raws, index, items } = &mut *guard;
        if let Some(&local) = index.find(hash, |&i| &*raws[i as usize] == raw) {
            return ActorId((local as usize * SHARDS + shard) as u32);
        }
        let local = items.len();
        items.push(build());
        raws.push(raw.into());
        index.insert_unique(hash, local as u32, |&i| self.hash(&raws[i as usize]));
        ActorId((local * SHARDS + shard) as u32)
    }

    /// The final table, in string order, and how to renumber what was interned before.
    pub fn freeze(self) -> (Strings, Renumber) {
        let shards: Vec<Shard> = self
            .shards
            .into_iter()
            .map(|m| m.into_inner().unwrap_or_else(PoisonError::into_inner))
            .collect();
        let text = |sym: Sym| {
            let i = sym.index();
            shards[i % SHARDS].texts.get(i / SHARDS).unwrap_or_default()
        };
        let space = |sym: Sym| {
            let i = sym.index();
            shards[i % SHARDS].spaces.get(i / SHARDS).copied()
        };
        let mut all: Vec<Sym> = shards
            .iter()
            .enumerate()
            .flat_map(|(shard, t)| (0..t.texts.len()).map(move |local| provisional(shard, local)))
            .collect();
        // Every (text, namespace) is interned once, so the unstable sort has one answer.
        all.par_sort_unstable_by(|&a, &b| (text(a), space(a)).cmp(&(text(b), space(b))));
        let slots = all.iter().map(|old| old.index() + 1).max().unwrap_or(0);
        let mut syms = vec![Sym::from_index(0); slots];
        let mut strings = Texts {
            text: String::with_capacity(shards.iter().map(|t| t.texts.text.len()).sum()),
            ends: Vec::with_capacity(all.len()),
        };
        let mut spaces = Vec::with_capacity(all.len());
        for (new, &old) in all.iter().enumerate() {
            syms[old.index()] = Sym::from_index(new);
            strings.push(text(old));
            spaces.push(space(old).unwrap_or_default());
        }
        drop(all);
        drop(shards);

        let mut actors: Vec<(Actor, usize)> = Vec::new();
        for (shard, m) in self.actors.into_iter().enumerate() {
            let shard_items = m.into_inner().unwrap_or_else(PoisonError::into_inner).items;
            actors.extend(
                shard_items
                    .into_iter()
                    .enumerate()
                    .map(|(local, a)| (a, local * SHARDS + shard)),
            );
        }
        // Equal actors (the same identity written differently) become one.
        actors.sort_unstable();
        let slots = actors.iter().map(|(_, old)| old + 1).max().unwrap_or(0);
        let mut actor_ids = vec![ActorId(0); slots];
        let mut table: Vec<Actor> = Vec::new();
        for (actor, old) in actors {
            if table.last() != Some(&actor) {
                table.push(actor);
            }
            actor_ids[old] = ActorId((table.len() - 1) as u32);
        }
        (
            Strings {
                strings,
                spaces,
                actors: table,
            },
            Renumber {
                syms,
                actors: actor_ids,
            },
        )
    }
}

/// Renumbers symbols interned while decoding into the frozen table's numbers.
pub struct Renumber {
    syms: Vec<Sym>,
    actors: Vec<ActorId>,
}

impl Renumber {
    /// The final symbol of `sym`.
    pub fn sym(&self, sym: Sym) -> Sym {
        self.syms.get(sym.index()).copied().unwrap_or(sym)
    }

    /// The final symbol of an optional one.
    pub fn opt(&self, sym: Option<Sym>) -> Option<Sym> {
        sym.map(|s| self.sym(s))
    }

    /// The final form of an identifier.
    pub fn id(&self, id: Id) -> Id {
        match id {
            Id::Long(sym, hash) => Id::Long(self.sym(sym), hash),
            other => other,
        }
    }

    /// The final actor of `actor`.
    pub fn actor(&self, actor: ActorId) -> ActorId {
        self.actors.get(actor.0 as usize).copied().unwrap_or(actor)
    }
}

/// The frozen table of strings and actors.
#[derive(Debug, Default, Clone)]
pub struct Strings {
    strings: Texts,
    /// The namespace of each string: the cloud of a bucket name (see [`Interner::bucket`]).
    spaces: Vec<u8>,
    actors: Vec<Actor>,
}

impl std::ops::Index<Sym> for Strings {
    type Output = str;
    fn index(&self, sym: Sym) -> &str {
        self.strings.get(sym.index()).unwrap_or_default()
    }
}

impl Strings {
    /// The cloud of a bucket's symbol.
    pub fn provider(&self, bucket: Sym) -> Provider {
        match self.spaces.get(bucket.index()) {
            Some(&space) if space == Provider::Alibaba.namespace() => Provider::Alibaba,
            _ => Provider::Aws,
        }
    }

    /// A bucket's symbol as a name with its cloud.
    pub fn bucket_name(&self, bucket: Sym) -> BucketName {
        BucketName::new(self.provider(bucket), &self[bucket])
    }

    /// The string of an optional symbol.
    pub fn opt(&self, sym: Option<Sym>) -> Option<&str> {
        sym.map(|s| &self[s])
    }

    /// An owned copy of an optional symbol's string.
    pub fn owned(&self, sym: Option<Sym>) -> Option<String> {
        self.opt(sym).map(str::to_owned)
    }

    /// An actor.
    pub fn actor(&self, id: ActorId) -> &Actor {
        static NOBODY: Actor = Actor::EMPTY;
        self.actors.get(id.0 as usize).unwrap_or(&NOBODY)
    }

    /// The text of an identifier.
    pub fn id(&self, id: Id) -> IdText<'_> {
        IdText { id, strings: self }
    }

    /// The acting identity of an actor, as [`Actor::same_as`] compares it: equal identities are
    /// the same actor, so it can key a map of callers.
    pub fn identity(&self, id: ActorId) -> Identity<'_> {
        let actor = self.actor(id);
        match (&actor.arn, &actor.name) {
            (Some(arn), _) => Identity::Arn(arn),
            (None, Some(name)) => Identity::Named(name, actor.access_key_id.as_deref()),
            (None, None) => Identity::Whole(id),
        }
    }
}

/// An acting identity: the (session) ARN when the log gives one, else the whole actor (equal
/// actors share one [`ActorId`] once the table is frozen).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Identity<'s> {
    /// `userIdentity.arn`: for an assumed role, the session ARN.
    Arn(&'s str),
    /// An OSS identity without an ARN: its name, and its access key ID when the log gives one.
    Named(&'s str, Option<&'s str>),
    /// An actor without an ARN (an AWS service, an anonymous caller).
    Whole(ActorId),
}

#[cfg(test)]
mod tests;
