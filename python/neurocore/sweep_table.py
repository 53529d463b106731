"""The table of a sweep: its columns, and reading and writing it as CSV or Parquet.

Rows are written as they finish, so a crash or Ctrl-C loses no finished row, and a table read
back gives the same Python values (ints, bools, floats and ``None``) that were written.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Any, Literal

__all__ = ["COLUMNS", "CsvSink", "ParquetSink", "TableFormat", "open_sink", "read_rows", "table_format"]

#: Columns of a sweep row, in order, with their types (``None`` when not computed).
COLUMNS: dict[str, type] = {
    "key": str,
    "family": str,
    "arch": str,
    "widths": str,
    "n_params": int,
    "ambient_dim": int,
    "expected_dim": int,
    "symmetry_dim": int,
    "dim": int,
    "defect": int,
    "filling": bool,
    "certified": bool,
    "error_bound": float,
    "seconds": float,
    "status": str,
}

TableFormat = Literal["csv", "parquet"]


def table_format(out: Any) -> tuple[Path, TableFormat]:
    """The path of ``out`` and its format, from the suffix (``.csv``, ``.parquet`` or ``.pq``)."""
    if not isinstance(out, (str, os.PathLike)):
        raise TypeError(f"out: expected a path (str or os.PathLike), got {type(out).__name__}")
    path = Path(out)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return path, "csv"
    if suffix in (".parquet", ".pq"):
        try:
            import pyarrow  # noqa: F401
        except ImportError:
            raise ImportError("out: Parquet output needs pyarrow (pip install 'neurocore[parquet]')") from None
        return path, "parquet"
    raise ValueError(f"out: expected a .csv or .parquet file, got {str(out)!r}")


def _parse_cell(text: Any, kind: type) -> Any:
    if text is None or text == "":
        return None
    if kind is bool:
        return text if isinstance(text, bool) else str(text) == "True"
    return kind(text)


def _check_columns(path: Path, names: list[str]) -> None:
    if names != list(COLUMNS):
        raise ValueError(f"out: {path} is not a neurocore sweep table (columns {names}, expected {list(COLUMNS)})")


def read_rows(path: Path, fmt: TableFormat) -> list[dict[str, Any]]:
    """The rows stored in ``path`` (none if it does not exist or is empty), in file order."""
    if not path.exists() or path.stat().st_size == 0:
        return []
    if fmt == "csv":
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            if reader.fieldnames is None:
                return []
            _check_columns(path, list(reader.fieldnames))
            return [{c: _parse_cell(r.get(c), t) for c, t in COLUMNS.items()} for r in reader if r.get("key")]
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    _check_columns(path, table.column_names)
    return [{c: _parse_cell(r.get(c), t) for c, t in COLUMNS.items()} for r in table.to_pylist()]


class CsvSink:
    """Appends rows to a CSV file, flushed after every write: a crash loses no finished row."""

    def __init__(self, path: Path):
        new = not path.exists() or path.stat().st_size == 0
        self.fh = open(path, "a", newline="", encoding="utf-8")  # noqa: SIM115 - closed in close()
        self.writer = csv.DictWriter(self.fh, fieldnames=list(COLUMNS))
        if new:
            self.writer.writeheader()
            self.fh.flush()

    def write(self, rows: list[dict[str, Any]]) -> None:
        """Appends ``rows`` and syncs them to disk."""
        self.writer.writerows({k: ("" if v is None else v) for k, v in r.items()} for r in rows)
        self.fh.flush()
        os.fsync(self.fh.fileno())

    def close(self) -> None:
        """Closes the file."""
        self.fh.close()


class ParquetSink:
    """Parquet output that survives exceptions and Ctrl-C.

    Writes the old rows and then the new ones, a row group at a time, to ``<out>.partial``, and
    moves it over ``out`` when closed (also on exceptions and Ctrl-C).
    """

    def __init__(self, path: Path, existing: list[dict[str, Any]], flush_rows: int = 256):
        import pyarrow as pa
        import pyarrow.parquet as pq

        types = {str: pa.string(), int: pa.int64(), bool: pa.bool_(), float: pa.float64()}
        self.pa = pa
        self.schema = pa.schema([(c, types[t]) for c, t in COLUMNS.items()])
        self.path = path
        self.tmp = path.with_name(path.name + ".partial")
        self.writer = pq.ParquetWriter(self.tmp, self.schema)
        self.buffer: list[dict[str, Any]] = []
        self.flush_rows = flush_rows
        if existing:
            self.writer.write_table(self.pa.Table.from_pylist(existing, schema=self.schema))

    def write(self, rows: list[dict[str, Any]]) -> None:
        """Buffers ``rows``, writing a row group once ``flush_rows`` are buffered."""
        self.buffer.extend(rows)
        if len(self.buffer) >= self.flush_rows:
            self._flush()

    def _flush(self) -> None:
        if self.buffer:
            self.writer.write_table(self.pa.Table.from_pylist(self.buffer, schema=self.schema))
            self.buffer = []

    def close(self) -> None:
        """Writes what is buffered and moves the file over ``out``."""
        try:
            self._flush()
        finally:
            self.writer.close()
            os.replace(self.tmp, self.path)


def open_sink(path: Path, fmt: TableFormat, existing: list[dict[str, Any]]) -> CsvSink | ParquetSink:
    """A sink appending to the table at ``path`` (``existing``: its rows, which Parquet rewrites)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return CsvSink(path) if fmt == "csv" else ParquetSink(path, existing)
