//! How a run with a state ingests: what the state kept, read as if its units had been read again,
//! merged with what is new, then finished as any run is.

use super::{Fold, KeptRows, Loaded, Pending, Session};
use crate::decode::Options;
use crate::error::Result;
use crate::ingest::{
    Gathered, Ingested, Meter, Shared, finish, gather, named_objects, number_rows,
};
use crate::model::key_hash;
use crate::sources::Input;

/// Decodes the inputs that are new to `session`'s state, merges them with what the state kept,
/// and writes the next state beside it (put in place by [`Pending::commit`]).
pub fn ingest_with_state(
    inputs: impl Iterator<Item = Input> + Send,
    opts: &Options,
    meter: &Meter,
    session: &Session,
) -> Result<(Ingested, Option<Pending>)> {
    // New inputs are read with every part upload and object key: the state keeps them. What it
    // kept is read as the run needs it: its part uploads and keys only to write it whole again
    // or when the run asks for them.
    let fresh = Options {
        keep_parts: true,
        ..opts.clone()
    };
    let kept = Options {
        keep_parts: opts.keep_parts || session.compacts(),
        ..opts.clone()
    };
    let shared = Shared::new(&fresh, meter, Some(session));
    let (seeded, gathered) =
        rayon::join(|| seed(session, &kept, &shared), || gather(inputs, &shared));
    let mut g = gathered.merge(seeded?);
    // Of the writes and deletions of objects kept, those of objects a multipart request names
    // now (all, to write the state whole).
    let named = (!session.compacts())
        .then(|| named_objects(&g.events, |s| shared.interner.with_text(s, key_hash)));
    let objects = read_kept(session, KeptRows::Objects(named.as_ref()), &kept, &shared)?;
    g = g.merge(objects);
    let (ingested, pending) = finish(g, shared);
    Ok((ingested, pending.transpose()?))
}

/// What a state kept, as if its units had been read again: their counts, the fingerprints of
/// their records, and their events.
fn seed(session: &Session, opts: &Options, shared: &Shared<'_>) -> Result<Gathered> {
    let mut g = Gathered::default();
    for counts in session.kept_counts() {
        g.counts.add(counts.clone());
    }
    session.kept_fingerprints(&mut g.fingerprints)?;
    let events = read_kept(session, KeptRows::Events, opts, shared)?;
    Ok(g.merge(events))
}

/// Reads the rows of the state that `rows` names, on every thread, as `opts` says.
fn read_kept(
    session: &Session,
    rows: KeptRows<'_>,
    opts: &Options,
    shared: &Shared<'_>,
) -> Result<Gathered> {
    let fold = |mut held: Gathered, loaded: Loaded| {
        held.keep_loaded(loaded, opts, shared);
        held
    };
    let into = Fold {
        init: &Gathered::default,
        fold: &fold,
        merge: &Gathered::merge,
    };
    session.kept_rows(rows, opts, &shared.interner, &into)
}

impl Gathered {
    /// Keeps what a state kept of one slice of its files, read with `opts`.
    pub(in crate::ingest) fn keep_loaded(
        &mut self,
        loaded: Loaded,
        opts: &Options,
        shared: &Shared<'_>,
    ) {
        let mut d = loaded.decoded;
        let rows = number_rows(&mut d, shared);
        let units = rows.iter().zip(&loaded.units);
        self.tracked
            .kept_origins
            .extend(units.map(|((id, _), unit)| (*id, *unit)));
        self.origins.extend(rows);
        // The state's fingerprints count its records.
        d.fingerprints.clear();
        self.keep(d, shared, opts.keep_parts);
    }
}
