//! Parquet reading and writing through polars, with file-level key/value metadata and
//! checks that name the file and the missing columns. The schemas themselves are typed
//! row structs in their own modules and documented in docs/formats.md.

use std::collections::BTreeMap;
use std::fs::File;
use std::path::Path;

use polars::prelude::*;

use crate::io::TempOutput;
use crate::{Error, Result};

/// File-level metadata: `dnactx.*` keys and string values.
pub type Metadata = BTreeMap<String, String>;

/// `meta` as Parquet key-value metadata.
pub fn key_values(meta: &Metadata) -> KeyValueMetadata {
    let kv: Vec<(String, String)> = meta.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    KeyValueMetadata::from_static(kv)
}

/// Writes `df` with `meta` to `dest` atomically (temporary file, then rename).
pub fn write(dest: &Path, df: &mut DataFrame, meta: &Metadata) -> Result<()> {
    let temp = TempOutput::new(dest)?;
    let file = File::create(temp.path()).map_err(|e| Error::io(dest, e))?;
    ParquetWriter::new(file)
        .with_compression(ParquetCompression::Zstd(None))
        .with_key_value_metadata(Some(key_values(meta)))
        .finish(df)
        .map_err(|e| Error::parquet(dest, e))?;
    temp.commit()
}

/// Reads the whole table and its metadata; fails naming any of `required` columns absent.
pub fn read(path: &Path, required: &[&str]) -> Result<(DataFrame, Metadata)> {
    let file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut reader = ParquetReader::new(file);
    let meta = reader
        .get_metadata()
        .map_err(|e| Error::parquet(path, e))?
        .key_value_metadata()
        .iter()
        .flatten()
        .filter_map(|kv| kv.value.as_ref().map(|v| (kv.key.clone(), v.clone())))
        .collect::<Metadata>();
    let df = reader.finish().map_err(|e| Error::parquet(path, e))?;
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|c| df.column(c).is_err())
        .collect();
    if !missing.is_empty() {
        let found: Vec<&str> = df.get_column_names().iter().map(|c| c.as_str()).collect();
        let (missing, found) = (missing.join(", "), found.join(", "));
        return Err(Error::invalid(
            path,
            format!("missing column(s) {missing}; found {found}"),
        ));
    }
    Ok((df, meta))
}

/// A column as the given type, or an error naming the file and column.
pub fn column(path: &Path, df: &DataFrame, name: &str, dtype: &DataType) -> Result<Column> {
    let col = df.column(name).map_err(|e| Error::parquet(path, e))?;
    col.cast(dtype)
        .map_err(|e| Error::invalid(path, format!("column {name} is not {dtype}: {e}")))
}

/// Metadata value `key`, or an error naming the file.
pub fn meta_value<'a>(path: &Path, meta: &'a Metadata, key: &str) -> Result<&'a str> {
    meta.get(key).map(String::as_str).ok_or_else(|| {
        Error::invalid(
            path,
            format!("metadata key {key} is missing: not a dnactx file?"),
        )
    })
}
