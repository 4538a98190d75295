//! Rows built column by column, then handed to polars as a `DataFrame` and written as Parquet.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use polars::prelude::{
    BatchedWriter, DataFrame, DataType, NamedFrom, ParquetCompression, ParquetWriter, PolarsResult,
    Series, TimeUnit, TimeZone,
};

use super::schema::Kind;
use crate::model::Time;

/// One value of a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A time, or nothing.
    Time(Option<Time>),
    /// Text, or nothing.
    Text(Option<String>),
    /// A 32-bit number, or nothing.
    U32(Option<u32>),
    /// A 64-bit number, or nothing.
    U64(Option<u64>),
    /// A flag.
    Bool(Option<bool>),
}

/// The values of one column so far.
enum Values {
    Time(Vec<Option<i64>>),
    Text(Vec<Option<String>>),
    U32(Vec<Option<u32>>),
    U64(Vec<Option<u64>>),
    Bool(Vec<Option<bool>>),
}

/// A table being filled row by row.
pub struct Table {
    names: Vec<&'static str>,
    columns: Vec<Values>,
    rows: usize,
}

/// The type of a column of a [`Table`] (the schema's kinds, plus flags).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// As in the events schema.
    Of(Kind),
    /// A boolean.
    Bool,
}

impl Table {
    /// An empty table with these columns.
    pub fn new(columns: &[(&'static str, ColumnKind)]) -> Table {
        Table {
            names: columns.iter().map(|(n, _)| *n).collect(),
            columns: columns
                .iter()
                .map(|(_, kind)| match kind {
                    ColumnKind::Of(Kind::Time) => Values::Time(Vec::new()),
                    ColumnKind::Of(Kind::Text) => Values::Text(Vec::new()),
                    ColumnKind::Of(Kind::U32) => Values::U32(Vec::new()),
                    ColumnKind::Of(Kind::U64) => Values::U64(Vec::new()),
                    ColumnKind::Bool => Values::Bool(Vec::new()),
                })
                .collect(),
            rows: 0,
        }
    }

    /// Rows so far.
    pub fn len(&self) -> usize {
        self.rows
    }

    /// Whether no row was added.
    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    /// Adds a row; its values must match the columns in number and type (a value of another
    /// type counts as nothing).
    pub fn push(&mut self, row: Vec<Value>) {
        debug_assert_eq!(row.len(), self.columns.len());
        for (column, value) in self.columns.iter_mut().zip(row) {
            match (column, value) {
                (Values::Time(v), Value::Time(t)) => v.push(t.map(|t| t.timestamp_millis())),
                (Values::Text(v), Value::Text(s)) => v.push(s),
                (Values::U32(v), Value::U32(n)) => v.push(n),
                (Values::U64(v), Value::U64(n)) => v.push(n),
                (Values::Bool(v), Value::Bool(b)) => v.push(b),
                (Values::Time(v), _) => v.push(None),
                (Values::Text(v), _) => v.push(None),
                (Values::U32(v), _) => v.push(None),
                (Values::U64(v), _) => v.push(None),
                (Values::Bool(v), _) => v.push(None),
            }
        }
        self.rows += 1;
    }

    /// The table as a `DataFrame`, emptying it.
    pub fn take(&mut self) -> PolarsResult<DataFrame> {
        let rows = std::mem::take(&mut self.rows);
        let columns = self
            .names
            .iter()
            .zip(&mut self.columns)
            .map(|(name, values)| {
                let name = (*name).into();
                let series = match values {
                    Values::Time(v) => Series::new(name, std::mem::take(v).as_slice()).cast(
                        &DataType::Datetime(TimeUnit::Milliseconds, Some(TimeZone::UTC)),
                    )?,
                    Values::Text(v) => Series::new(name, std::mem::take(v).as_slice()),
                    Values::U32(v) => Series::new(name, std::mem::take(v).as_slice()),
                    Values::U64(v) => Series::new(name, std::mem::take(v).as_slice()),
                    Values::Bool(v) => Series::new(name, std::mem::take(v).as_slice()),
                };
                Ok(series.into())
            })
            .collect::<PolarsResult<Vec<_>>>()?;
        DataFrame::new(rows, columns)
    }
}

/// Begins a Parquet file (zstd) at `path` with the columns of `df`, to be written a row group
/// at a time.
pub fn batched(path: &Path, df: &DataFrame) -> Result<BatchedWriter<BufWriter<File>>, String> {
    let file = File::create(path).map_err(|e| {
        format!(
            "cannot write {}: {}",
            path.display(),
            crate::error::plain(&e)
        )
    })?;
    ParquetWriter::new(BufWriter::new(file))
        .with_compression(ParquetCompression::Zstd(None))
        .batched(df.schema())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Writes `df` as the next row group of the file at `path`, begun by the first call; returns its
/// rows.
pub fn write_batch(
    file: &mut Option<BatchedWriter<BufWriter<File>>>,
    path: &Path,
    df: &DataFrame,
) -> Result<usize, String> {
    let writer = match file {
        Some(writer) => writer,
        None => file.insert(batched(path, df)?),
    };
    writer
        .write_batch(df)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(df.height())
}

/// Writes `df` to `path` as a Parquet file (zstd) of one row group; returns its rows.
pub fn write(df: &DataFrame, path: &Path) -> Result<usize, String> {
    let mut file = None;
    let rows = write_batch(&mut file, path, df)?;
    finish(file, path)?;
    Ok(rows)
}

/// Ends the file begun by [`write_batch`], if any, with its footer.
pub fn finish(file: Option<BatchedWriter<BufWriter<File>>>, path: &Path) -> Result<(), String> {
    if let Some(file) = file {
        file.finish()
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}
