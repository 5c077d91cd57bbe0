"""Parquet files: restore the text columns named by ``--field``, keeping everything else.

A file is read and written one row group at a time (pyarrow), so memory holds one row
group whatever the file's size.  The output has the input's schema (its metadata
included), its row groups with the same numbers of rows, and each column's compression;
only the values of the restored columns change, and nulls stay null.  Needs pyarrow
(``pip install 'restore[parquet]'``).

>>> import os, tempfile, pyarrow as pa, pyarrow.parquet as pq
>>> path = os.path.join(tempfile.mkdtemp(), "a.parquet")
>>> pq.write_table(pa.table({"id": [1, 2], "text": ["So helium said.", None]}), path)
>>> with ParquetSource(path, ["text"]) as source:
...     source.text_columns, source.row_groups
(['text'], 1)
>>> ParquetSource(path, ["id"])
Traceback (most recent call last):
restore.errors.BadInput: column 'id' holds int64, not text
"""
from __future__ import annotations

import os
import stat
from typing import TYPE_CHECKING, Any, Iterable, Iterator

from .diff import change_records as _records
from .errors import BadInput
from .formats import View
from .tokenize import WORD

if TYPE_CHECKING:
    from .fixer import Fixer

__all__ = ["ParquetSource", "repair", "write", "documents", "change_records"]

CODECS = {"UNCOMPRESSED": "NONE", "LZ4": "LZ4_RAW"}      # as the metadata says them -> as the writer takes them
WRITABLE = {"NONE", "SNAPPY", "GZIP", "BROTLI", "LZ4_RAW", "ZSTD"}


def _pyarrow() -> Any:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise BadInput("reading Parquet needs pyarrow: pip install 'restore[parquet]'") from None
    return pq


def _is_text(kind: Any) -> bool:
    """Whether a column of type ``kind`` holds text: strings, or a dictionary of them (a pandas
    categorical)."""
    import pyarrow as pa
    if pa.types.is_dictionary(kind):
        return _is_text(kind.value_type)
    is_view = getattr(pa.types, "is_string_view", lambda kind: False)       # pyarrow 16 and later
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind) or is_view(kind))


class ParquetSource:
    """An open Parquet file and the columns of it to restore (``fields``: top-level column names).

    A file that is not Parquet, a missing column or one that does not hold text is a one-line
    ``BadInput`` (the batch adds the file's name)."""

    def __init__(self, path: str, fields: Iterable[str]):
        pq = _pyarrow()
        if path == "-":
            raise BadInput("Parquet cannot be read from standard input: name the file")
        try:
            info = os.stat(path)
            if stat.S_ISDIR(info.st_mode):
                raise BadInput("is a directory")
            with open(path, "rb"):
                pass
        except FileNotFoundError:
            raise BadInput("no such file") from None
        except OSError as e:
            raise BadInput(f"cannot read ({e.strerror})") from None
        self.mode, self.owner = stat.S_IMODE(info.st_mode), (info.st_uid, info.st_gid)
        try:
            self.file = pq.ParquetFile(path)
        except Exception as e:              # pyarrow: ArrowInvalid, OSError with its own words
            raise BadInput(f"not a Parquet file ({_first_line(e)})") from None
        self.schema = self.file.schema_arrow
        self.text_columns: list[str] = []
        for name in dict.fromkeys(fields):
            index = self.schema.get_field_index(name)
            if index < 0:
                self.close()
                raise BadInput(f"no column {name!r} (it has {', '.join(map(repr, self.schema.names))})")
            kind = self.schema.field(index).type
            if not _is_text(kind):
                self.close()
                raise BadInput(f"column {name!r} holds {kind}, not text")
            self.text_columns.append(name)

    @property
    def row_groups(self) -> int:
        return int(self.file.num_row_groups)

    def read(self, group: int) -> Any:
        """Row group ``group`` as a pyarrow Table (a damaged file is a ``BadInput``)."""
        try:
            return self.file.read_row_group(group)
        except Exception as e:
            raise BadInput(f"cannot read row group {group} ({_first_line(e)})") from None

    def compression(self) -> Any:
        """Each column's codec, as the first row group has it (one name when all agree)."""
        meta = self.file.metadata
        if not meta.num_row_groups:
            return "snappy"
        group = meta.row_group(0)
        codecs = {}
        for j in range(group.num_columns):
            chunk = group.column(j)
            codec = CODECS.get(chunk.compression, chunk.compression)
            codecs[chunk.path_in_schema] = codec if codec in WRITABLE else "SNAPPY"
        kinds = set(codecs.values())
        return kinds.pop() if len(kinds) == 1 else codecs

    def close(self) -> None:
        self.file.close()

    def __enter__(self) -> ParquetSource:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _first_line(e: Exception) -> str:
    return (str(e).strip().splitlines() or [type(e).__name__])[0]


def repair(source: ParquetSource, fixer: Fixer) -> Iterator[tuple[Any, list[View]]]:
    """Each row group with its text columns restored, and the ``View`` of each restored value
    (``line``: the row's number in the file, from 0; ``field``: the column).  A value met again
    in a row group is restored once; a dictionary column's dictionary is restored value by value,
    so that it keeps its order (an ordered categorical's) and its unused values."""
    import pyarrow as pa
    first_row = 0
    for group in range(source.row_groups):
        table = source.read(group)
        views: list[View] = []
        for name in source.text_columns:
            index = table.schema.get_field_index(name)
            values, kind, column = _Values(fixer), table.schema.field(index).type, table.column(index)
            if pa.types.is_dictionary(kind):
                column = _repair_dictionary(column, kind, values, first_row, name, views)
            else:
                column = pa.array([values.text(value, row, name, views)
                                   for row, value in enumerate(column.to_pylist(), first_row)], type=kind)
            table = table.set_column(index, table.schema.field(index), column)
        views.sort(key=lambda view: view.line)
        yield table, views
        first_row += table.num_rows


class _Values:
    """Texts restored once each, and the ``View``\\ s of their changes row by row."""

    def __init__(self, fixer: Fixer):
        self.fixer = fixer
        self.done: dict[str, tuple] = {}

    def restored(self, value: str) -> tuple:
        """``(fixed, repairs, text, changes)`` of ``value``."""
        if value not in self.done:
            fixed, repairs = self.fixer.repair_with_edits(value)
            self.done[value] = (fixed, repairs, *self.fixer.restore(fixed))
        return self.done[value]

    def text(self, value: str | None, row: int, name: str, views: list[View]) -> str | None:
        """``value`` restored (None stays None), its changes added to ``views`` as row ``row``'s."""
        if value is None:
            return None
        fixed, repairs, text, changes = self.restored(value)
        if changes or repairs:
            views.append(View(fixed, changes, 0, row, name, repairs))
        return text


def _repair_dictionary(column: Any, kind: Any, values: _Values, first_row: int, name: str,
                       views: list[View]) -> Any:
    """A dictionary column with each chunk's dictionary restored in place, in its order and with
    its unused values; values restored alike become one, and the indices point to it.

    >>> import pyarrow as pa
    >>> from restore.fixer import Fixer
    >>> class Swap:
    ...     def restore_with_changes(self, text): return text.replace("astatine", "at"), []
    >>> kind = pa.dictionary(pa.int8(), pa.string(), ordered=True)
    >>> chunk = pa.DictionaryArray.from_arrays(pa.array([1, None, 1], pa.int8()), ["z", "astatine", "at"], ordered=True)
    >>> out = _repair_dictionary(pa.chunked_array([chunk]), kind, _Values(Fixer(Swap())), 0, "text", [])
    >>> out.chunk(0).dictionary.to_pylist(), out.chunk(0).indices.to_pylist(), out.type == kind
    (['z', 'at'], [1, None, 1], True)
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    chunks, row = [], first_row
    for chunk in column.chunks:
        entries = [None if value is None else values.restored(value) for value in chunk.dictionary.to_pylist()]
        texts = [None if entry is None else entry[2] for entry in entries]
        unique = {text: k for k, text in enumerate(dict.fromkeys(texts))}     # each text's new place
        place = pa.array([unique[text] for text in texts], type=kind.index_type)
        indices = chunk.indices
        chunks.append(pa.DictionaryArray.from_arrays(pc.take(place, indices), pa.array(list(unique), type=kind.value_type),
                                                     ordered=kind.ordered))
        for offset, code in enumerate(indices.to_pylist()):
            entry = None if code is None else entries[code]
            if entry is not None and (entry[1] or entry[3]):
                views.append(View(entry[0], entry[3], 0, row + offset, name, entry[1]))
        row += len(chunk)
    return pa.chunked_array(chunks, type=kind)


def write(source: ParquetSource, tables: Iterable[Any], file: Any) -> None:
    """Write ``tables`` to the binary ``file``, each as one row group, with ``source``'s schema,
    compression and key/value metadata."""
    pq = _pyarrow()
    with pq.ParquetWriter(file, source.schema, compression=source.compression()) as writer:
        for table in tables:
            writer.write_table(table, row_group_size=max(1, table.num_rows))
        extra = {k: v for k, v in (source.file.metadata.metadata or {}).items() if k != b"ARROW:schema"}
        if extra:                           # the file's own key/value metadata, beside the schema's
            writer.add_key_value_metadata(extra)


def documents(source: ParquetSource) -> Iterator[tuple[int, str]]:
    """``(row number from 0, text)`` for every row with words in the text columns (for ``detect``)."""
    first_row = 0
    for group in range(source.row_groups):
        table = source.read(group)
        columns = [table.column(name).to_pylist() for name in source.text_columns]
        for row, values in enumerate(zip(*columns), first_row):
            texts = [value for value in values if value and WORD.search(value)]
            if texts:
                yield row, "\n\n".join(texts)
        first_row += table.num_rows


def change_records(path: str, view: View) -> Iterator[dict]:
    """The ``--changes`` records of a restored value: file, row (from 0) and column, then as ever.

    >>> from restore import Change
    >>> view = View("So helium said.", [Change(3, 9, "helium", "he", 0.9)], 0, 7, "text")
    >>> next(change_records("a.parquet", view))
    {'file': 'a.parquet', 'row': 7, 'column': 'text', 'offset': 3, 'garbled': 'helium', 'restored': 'he', 'confidence': 0.9, 'alternatives': []}
    """
    for record in _records(path, view):
        del record["file"]
        row, column = record.pop("line"), record.pop("field")
        yield {"file": path, "row": row, "column": column, **record}
