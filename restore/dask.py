"""restore for Dask collections: restore the texts of a bag, or a column of a DataFrame.

Both are lazy, as Dask collections are, and work partition by partition.  The model is named
by its path (None: the default model, the one of the restore installed on each worker) and
loaded once per worker process (``restore.model.load`` caches it): no model is ever sent
with a task.  Needs ``pip install 'restore[dask]'``.

>>> import dask.bag as db
>>> texts = db.from_sequence(["Workers astatine the agency.", "So helium said."])
>>> restore_bag(texts).compute(scheduler="sync")
['Workers at the agency.', 'So he said.']

>>> import pandas as pd, dask.dataframe as dd
>>> df = dd.from_pandas(pd.DataFrame({"id": [1, 2], "text": ["So helium said.", None]}), npartitions=1)
>>> out = restore_frame(df).compute(scheduler="sync")
>>> out.text[0], out.text_changed.tolist(), bool(out.text.isna()[1])
('So he said.', [1, 0], True)
"""
from __future__ import annotations

import functools
import os
from typing import TYPE_CHECKING, Any, Iterable

from .errors import RestoreError, check_text
from .fixer import Fixer

if TYPE_CHECKING:
    import dask.bag
    import dask.dataframe

__all__ = ["restore_bag", "restore_frame"]


def _model_path(model: Any) -> str | None:
    """The absolute path of ``model`` (None: the default model); a loaded ``Model`` is refused, since
    it would travel with every task."""
    if model is None:
        return None
    if isinstance(model, (str, os.PathLike)):
        return os.path.abspath(os.fspath(model))
    raise RestoreError(f"model: give the model file's path (or None for the default model), not a "
                       f"{type(model).__name__}: each worker loads it once")


def _caution(min_confidence: float | None, min_odds: float | None) -> tuple[float, float]:
    """``Restorer``'s ``min_confidence`` and ``min_odds``, checked here rather than on every worker."""
    from .errors import checked_odds, checked_share
    return (checked_share(0.0 if min_confidence is None else min_confidence, "min_confidence"),
            checked_odds(1.0 if min_odds is None else min_odds))


@functools.lru_cache(maxsize=8)
def _restorer(model: str | None, caution: tuple[float, float]) -> Any:
    """This process's restorer for ``model`` (its path): made once, with the model loaded once; it
    leaves mojibake to ``_restored``, which counts ftfy's edits."""
    from .decode import Restorer
    from .model import load
    min_confidence, min_odds = caution
    return Restorer(load(model), min_confidence=min_confidence, min_odds=min_odds, fix_mojibake=False)


def _restored(text: str, model: str | None, caution: tuple[float, float]) -> tuple[str, int]:
    """``text`` restored as ``restore.restore_text`` restores it, and how many edits that made: its
    changes and ftfy's repairs of mojibake."""
    check_text(text)
    fixer = Fixer(_restorer(model, caution))
    fixed, repairs = fixer.repair_with_edits(text)
    out, changes = fixer.restore(fixed)
    return out, len(repairs) + len(changes)


def _restore_texts(texts: Iterable[Any], model: str | None, caution: tuple[float, float]) -> list:
    """A bag partition's texts restored (None stays None)."""
    return [None if text is None else _restored(text, model, caution)[0] for text in texts]


def restore_bag(bag: dask.bag.Bag, *, model: str | os.PathLike | None = None,
                min_confidence: float | None = None, min_odds: float | None = None) -> dask.bag.Bag:
    """A bag of ``bag``'s texts restored, as ``restore.restore_text`` restores each (mojibake repaired
    first); None stays None, anything else that is not text fails the computation (``NotText``).

    ``model``: a model file's path, which every worker must see (None: the default model);
    ``min_confidence``: leave changes less likely than this unmade; ``min_odds``: leave a word as written
    unless its restoration is this many times likelier."""
    import dask.bag as db
    if not isinstance(bag, db.Bag):
        raise RestoreError(f"expected a Dask bag, not {_kind(bag)} (dask.bag.from_sequence makes one)")
    return bag.map_partitions(_restore_texts, _model_path(model), _caution(min_confidence, min_odds))


def _restore_partition(part: Any, column: str, model: str | None, caution: tuple[float, float]) -> Any:
    """A DataFrame partition with ``column`` restored, and the number of edits in ``column_changed``.
    A text met again is restored once; a categorical column restores each category once and keeps
    its order and its unused categories."""
    import numpy as np
    import pandas as pd
    done: dict[str, tuple[str, int]] = {}

    def restored(text: Any) -> tuple[Any, int]:
        if isinstance(text, str):
            if text not in done:
                done[text] = _restored(text, model, caution)
            return done[text]
        if text is None or pd.isna(text):
            return text, 0
        raise RestoreError(f"column {column!r}: expected text, got {type(text).__name__}")

    series = part[column]
    if _is_categorical(series.dtype):
        outs, counts = zip(*map(restored, series.cat.categories)) if len(series.cat.categories) else ((), ())
        codes = series.cat.codes.to_numpy()
        changed = np.array([*counts, 0], dtype="int64")[codes]         # code -1, a null: no edits
        if len(set(outs)) == len(outs):
            column_out = series.cat.rename_categories(list(outs))
        else:                               # two categories restored alike become one
            values = [outs[code] if code >= 0 else None for code in codes]
            column_out = pd.Series(pd.Categorical(values, categories=list(dict.fromkeys(outs)),
                                                  ordered=series.cat.ordered), index=series.index)
    else:
        pairs = [restored(text) for text in series]
        column_out = pd.Series([out for out, _ in pairs], index=part.index, dtype=series.dtype)
        changed = np.array([n for _, n in pairs], dtype="int64")
    part = part.copy()
    part[column] = column_out
    part[f"{column}_changed"] = pd.Series(changed, index=part.index, dtype="int64")
    return part


def _is_categorical(kind: Any) -> bool:
    import pandas as pd
    return isinstance(kind, pd.CategoricalDtype)


def _kind(value: Any) -> str:
    """What ``value`` is, for a message: ``pandas DataFrame``, ``list``."""
    module = type(value).__module__.partition(".")[0]
    return f"{module} {type(value).__name__}" if module not in ("builtins", "") else type(value).__name__


def restore_frame(df: dask.dataframe.DataFrame, column: str = "text", *, model: str | os.PathLike | None = None,
                  min_confidence: float | None = None, min_odds: float | None = None) -> dask.dataframe.DataFrame:
    """``df`` with the text in ``column`` restored (nulls stay null) and the number of edits made to
    each row's text (changes, and ftfy's repairs of mojibake) in a new int64 column ``<column>_changed``;
    every other column as it was.

    A missing column, one that cannot hold text, or a ``<column>_changed`` already there is a
    ``RestoreError`` at once."""
    import dask.dataframe as dd
    import pandas as pd
    if not isinstance(df, dd.DataFrame):
        raise RestoreError(f"expected a Dask DataFrame, not {_kind(df)}"
                           + (" (dask.dataframe.from_pandas makes one)" if isinstance(df, pd.DataFrame) else ""))
    if list(df.columns).count(column) > 1:
        raise RestoreError(f"the frame has {list(df.columns).count(column)} columns named {column!r}: rename them first")
    if column not in df.columns:
        raise RestoreError(f"no column {column!r} (the frame has {', '.join(map(repr, df.columns))})")
    kind = df[column].dtype
    text_kind = kind.categories.dtype if _is_categorical(kind) else kind
    if not (pd.api.types.is_string_dtype(text_kind) or pd.api.types.is_object_dtype(text_kind)):
        raise RestoreError(f"column {column!r} holds {kind}, not text")
    if f"{column}_changed" in df.columns:
        raise RestoreError(f"the frame already has a column {column + '_changed'!r}, where the counts of changes "
                           f"would go: rename it first")
    meta = df._meta.copy()
    if _is_categorical(kind):               # restored categories are known only once computed
        from dask.dataframe.utils import clear_known_categories
        meta = clear_known_categories(meta, cols=[column])
    meta[f"{column}_changed"] = pd.Series(dtype="int64")
    return df.map_partitions(_restore_partition, column, _model_path(model), _caution(min_confidence, min_odds),
                             meta=meta)
