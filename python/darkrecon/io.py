"""Parquet files of event batches, with the metadata and a versioned schema.

Every stage writes one table per file, one row per event (jagged collections as list
columns), and a JSON metadata block under the key ``darkrecon`` naming the schema and its
version. Reading checks both, so a file of another stage or another schema version is refused
with a message that says what it is; a truncated or non-Parquet file is refused too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import awkward as ak

META_KEY = b"darkrecon"


class SchemaError(ValueError):
    """A file is not of the schema (or schema version) the reader expects."""


def write_events(path: str | Path, events: dict[str, Any], metadata: dict[str, Any],
                 schema: str, version: int) -> Path:
    """Write ``events`` (columns of equal length: NumPy arrays or jagged awkward arrays) to
    ``path`` atomically, with ``metadata`` and the schema name and version."""
    import pyarrow.parquet as pq

    path = Path(path)
    # to_packed: contiguous buffers (Arrow refuses strided views, e.g. columns of a 2-D array).
    table = ak.to_arrow_table(ak.to_packed(ak.zip(events, depth_limit=1)), extensionarray=False)
    meta = dict(table.schema.metadata or {})
    meta[META_KEY] = json.dumps({"schema": schema, "schema_version": version, **metadata}).encode()
    table = table.replace_schema_metadata(meta)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        pq.write_table(table, tmp)
        tmp.replace(path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


def read_events(path: str | Path, schema: str, version: int) -> tuple[ak.Array, dict[str, Any]]:
    """Read a file written by :func:`write_events`; returns the events and the metadata."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file")
    try:
        table = pq.read_table(path)
    except (pa.ArrowInvalid, OSError) as err:
        raise SchemaError(f"{path} is not a readable Parquet file (truncated or corrupt?): {err}") from None
    raw = (table.schema.metadata or {}).get(META_KEY)
    if raw is None:
        raise SchemaError(f"{path} is not a darkrecon file (no darkrecon metadata)")
    meta = json.loads(raw)
    if meta.get("schema") != schema:
        raise SchemaError(f"{path} holds {meta.get('schema')!r}, not {schema!r}")
    if meta.get("schema_version") != version:
        raise SchemaError(
            f"{path} has {schema} schema version {meta.get('schema_version')}; this darkrecon "
            f"reads version {version}: rerun the stage that wrote it with this darkrecon")
    return ak.from_arrow(table), meta
