"""The model file: arrays and JSON, never code.

A model file is three parts, read in this order::

    \\x93restore-model\\n                       magic
    {"format": "restore-model", "version": 5, "size": ..., "sha256": ..., ...}\\n
    an .npz archive (zip) of plain NumPy arrays

The header line is read and checked first: format, version, the payload's size and
its SHA-256 (not recomputed for the model that ships with restore, which is part of the
installed package as its code is: a seventh of a one-line run's start-up; every member's
CRC-32 still tells a damaged file).  Only then are the arrays read, with ``allow_pickle=False`` semantics (every
member's dtype is fixed here in advance, and object arrays are never read; none is inflated
before its .npy header and the archive agree on its size, nor past that size), and checked
for the shapes, ranges and order the decoder relies on; JSON, for the types the loader reads
and nesting at most ``MAX_DEPTH`` deep.  A file that fails any check is a
``ModelError`` naming the file, in one line.  A model pickled by restore 0.1 (format 3
and before) is recognised by its first bytes, and is never unpickled.

To keep the shipped model small and quick to load, the trigram model's log-probabilities
are stored as float16 (at most 0.004 nats off), the bigram keys as per-word run lengths and
word ids, the trigram keys as the position of their history bigram and a word id; members
that compress well are deflated.

>>> import tempfile, pathlib
>>> from restore.learn import train_model
>>> path = pathlib.Path(tempfile.mkdtemp()) / "tiny.model"
>>> write(train_model([("we tin go", "we can go")]), path)
>>> read(path).channel.originals["tin"][0][0]
'can'
>>> _ = path.write_bytes(path.read_bytes()[:-10])
>>> read(path)                                              # doctest: +ELLIPSIS
Traceback (most recent call last):
restore.errors.ModelError: .../tiny.model: corrupt model file (truncated: ...)
"""
from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import re
import stat
import zipfile
import zlib
from typing import TYPE_CHECKING, cast

import numpy as np

from .errors import ModelError, scores_check, shown
from .errors import model_check as _check
from .files import Spool, new_file_mode
from .lazylists import OptionTable, WordLists

if TYPE_CHECKING:
    from typing import TypeGuard

    from .classes import ClassModel
    from .model import Model

__all__ = ["MAGIC", "VERSION", "write", "read", "is_pickle"]

MAGIC = b"\x93restore-model\n"
FORMAT = "restore-model"
VERSION = 5                     # restore 0.1 pickled formats 1 to 3
OLDEST = 4                      # the oldest format read (format 4 has no neighbours)
MAX_HEADER = 1 << 20
MAX_FILE = 1 << 31              # no restore model comes near 2 GB
MAX_INFLATION = 16              # the arrays, inflated, against the file: the shipped model's 48,943,158 bytes are
                                # 1.21 times its 40,343,166-byte file, its most deflated member 10.6 times its own
MAX_ARRAYS = 1 << 31            # and at most 2 GB of arrays however big the file: 40 times the shipped model's, where
                                # a 2 GB file inflating 16 times would ask for 32 GB before any check could refuse it
DEFLATE_BELOW = 0.2             # a member is stored deflated when that makes it under a fifth as big (inflating
                                # the others would cost more load time than their bytes)
ID_BITS = 21                    # as restore.model.ID_BITS: keys are u << 2 ID_BITS | v << ID_BITS | w
ZIP_TIME = (2020, 1, 1, 0, 0, 0)
MAX_DEPTH = 100                 # JSON nesting: extra needs 5, the header's info 3 (a learned model keeps one
                                # level of its base's); Python's own limit is about 1,000

# member name -> dtype: what a model file holds, exactly
MEMBERS = {
    "vocab": "u1",               # the words, UTF-8, each followed by a line break
    "unigram": "<f4",
    "backoff": "<f4",
    "bigram_counts": "<u4",      # bigrams per history word, in vocabulary order
    "bigram_words": "<u4",       # the second word of each bigram, ascending per history
    "bigram_logprob": "<f2",
    "bigram_backoff": "<f2",
    "trigram_history": "<u4",    # the bigram (u, v) of each trigram, as its position among the bigrams
    "trigram_words": "<u4",
    "trigram_logprob": "<f2",
    "channel_garbled": "u1",     # garbled words, each followed by a line break
    "channel_counts": "<u4",     # options per garbled word
    "channel_originals": "u1",   # the options' originals, each followed by a line break
    "channel_scores": "<f8",
    "propensity_words": "u1",
    "propensity": "<f8",
    "layout_garbled": "<u4",     # garbled words with single-word originals, as positions in channel_garbled
    "layout_counts": "<u4",
    "layout_originals": "<u4",   # word ids
    "layout_scores": "<f8",
    "layout_propensity_ids": "<u4",
    "layout_propensity": "<f8",
    "class_names": "u1",         # word classes (none: no class model), each followed by a line break
    "class_of_word": "u1",       # each word's class, in vocabulary order
    "class_in_word": "<f2",      # log P(word | its class)
    "class_trigram": "<f2",      # log P(c | a b), flattened [a, b, c]
    "extra": "u1",               # JSON: phrases, multi-word originals, the channel's reach, the class weight
    "neighbour_words": "u1",     # words with neighbours (Channel.neighbours), each followed by a line break
    "neighbour_counts": "<u4",   # neighbours per word
    "neighbour_options": "u1",   # the neighbours, each followed by a line break
}
SINCE = {"neighbour_words": 5, "neighbour_counts": 5, "neighbour_options": 5}   # members new in a format


def is_pickle(head: bytes) -> bool:
    """Whether ``head`` (a file's first bytes) starts a pickle, as restore 0.1 wrote its models.

    >>> is_pickle(b"\\x80\\x05\\x95"), is_pickle(MAGIC)
    (True, False)
    """
    return len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5


# -- writing ---------------------------------------------------------------------------------------

def _blob(words, what: str) -> np.ndarray:
    words = list(words)
    if any("\n" in w for w in words):
        raise ModelError(f"cannot store {what} that contain a line break")
    return np.frombuffer("".join(w + "\n" for w in words).encode("utf-8"), dtype=np.uint8)


def _arrays(model: Model) -> dict[str, np.ndarray]:
    context, channel, layout = model.context, model.channel, model.layout
    assert layout is not None
    bits, mask = np.uint64(ID_BITS), np.uint64((1 << ID_BITS) - 1)
    size = len(context.vocab)
    keys = np.asarray(context.keys, dtype=np.uint64)
    keys3 = np.asarray(context.keys3, dtype=np.uint64)
    history = keys3 >> bits
    position = np.searchsorted(keys, history)
    if len(keys3) and (position.max() >= len(keys) or (keys[position] != history).any()):
        raise ModelError("cannot store a trigram whose history is not among the bigrams")
    garbled = list(channel.originals)
    where = {g: i for i, g in enumerate(garbled)}
    spans = list(layout.span.items())
    prop_ids = np.flatnonzero(layout.propensity)
    extra = {"phrases": [[list(p), [list(o) for o in options]] for p, options in channel.phrases.items()],
             "multi": [[g, [list(o) for o in options]] for g, options in layout.multi.items()],
             "reach": channel.reach, "class_weight": context.class_weight if context.classes else 0.0}
    classes = context.classes
    neighbours = {w: tuple(n) for w, n in channel.neighbours.items() if n}
    if any(g not in where for g, _ in spans):
        raise ModelError("cannot store a layout that does not match its channel")
    return {
        "vocab": _blob(context.vocab, "words"),
        "unigram": np.asarray(context.unigram, dtype="<f4"),
        "backoff": np.asarray(context.backoff, dtype="<f4"),
        "bigram_counts": np.bincount((keys >> bits).astype(np.int64), minlength=size).astype("<u4"),
        "bigram_words": (keys & mask).astype("<u4"),
        "bigram_logprob": np.asarray(context.values).astype("<f2"),
        "bigram_backoff": np.asarray(context.backoff2).astype("<f2"),
        "trigram_history": position.astype("<u4"),
        "trigram_words": (keys3 & mask).astype("<u4"),
        "trigram_logprob": np.asarray(context.values3).astype("<f2"),
        "channel_garbled": _blob(garbled, "garbled words"),
        "channel_counts": np.array([len(channel.originals[g]) for g in garbled], dtype="<u4"),
        "channel_originals": _blob((c for g in garbled for c, _ in channel.originals[g]), "originals"),
        "channel_scores": np.array([s for g in garbled for _, s in channel.originals[g]], dtype="<f8"),
        "propensity_words": _blob(channel.propensity, "words"),
        "propensity": np.array(list(channel.propensity.values()), dtype="<f8"),
        "layout_garbled": np.array([where[g] for g, _ in spans], dtype="<u4"),
        "layout_counts": np.array([hi - lo for _, (lo, hi) in spans], dtype="<u4"),
        "layout_originals": np.asarray(layout.originals).astype("<u4"),
        "layout_scores": np.asarray(layout.scores, dtype="<f8"),
        "layout_propensity_ids": prop_ids.astype("<u4"),
        "layout_propensity": np.asarray(layout.propensity, dtype="<f8")[prop_ids],
        "class_names": _blob(classes.names if classes else [], "class names"),
        "class_of_word": (classes.word_class if classes else np.zeros(0)).astype("u1"),
        "class_in_word": (classes.in_class if classes else np.zeros(0)).astype("<f2"),
        "class_trigram": (classes.trigram.ravel() if classes else np.zeros(0)).astype("<f2"),
        "extra": np.frombuffer(json.dumps(extra, ensure_ascii=False).encode("utf-8"), dtype=np.uint8),
        "neighbour_words": _blob(neighbours, "words"),
        "neighbour_counts": np.array([len(neighbours[w]) for w in neighbours], dtype="<u4"),
        "neighbour_options": _blob((n for w in neighbours for n in neighbours[w]), "neighbours"),
    }


def _payload(arrays: dict[str, np.ndarray]) -> bytes:
    """An .npz archive of ``arrays``, each member deflated only where that halves it; the same
    arrays give the same bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, array in arrays.items():
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(array), allow_pickle=False)
            raw = member.getvalue()
            info = zipfile.ZipInfo(name + ".npy", date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            packer = zlib.compressobj(6, zlib.DEFLATED, -15)
            small = packer.compress(raw) + packer.flush()
            if len(small) >= DEFLATE_BELOW * len(raw):
                info.compress_type = zipfile.ZIP_STORED
            archive.writestr(info, raw, compress_type=info.compress_type, compresslevel=6)
    return buffer.getvalue()


def file_name(path: object) -> str:
    """``path`` as the name of a model file, or a ``ModelError``: an int would be taken for an open
    file descriptor (read, and closed), and a name with a NUL byte can name no file.

    >>> file_name(3)
    Traceback (most recent call last):
    restore.errors.ModelError: a model file is named by its path, not int 3
    """
    if isinstance(path, bool) or not isinstance(path, (str, os.PathLike)) or not isinstance(os.fspath(path), str):
        raise ModelError(f"a model file is named by its path, not {type(path).__name__} {path!r}")
    name = os.fspath(path)
    if not name:
        raise ModelError("a model file is named by its path, not an empty name")
    if "\0" in name:
        raise ModelError(f"{shown(name)}: not a file name (a NUL byte)")
    return name


def write(model: Model, path: str | os.PathLike) -> None:
    """Write ``model`` to ``path`` atomically (through a link, to the file it names); a ``ModelError``
    naming the file if it cannot be written, or is a device or a pipe, which a model never replaces."""
    name = file_name(path)
    if os.path.exists(name) and not stat.S_ISREG(os.stat(name).st_mode) and not os.path.isdir(name):
        raise ModelError(f"{shown(name)}: not a file (a device or a pipe): a model is written to a file")
    if not os.path.isdir(os.path.dirname(os.path.realpath(name))):      # no folder is made for it
        raise ModelError(f"{shown(name)}: cannot write the model ({os.strerror(errno.ENOENT)})")
    payload = _payload(_arrays(model))
    header = {"format": FORMAT, "version": VERSION, "size": len(payload),
              "sha256": hashlib.sha256(payload).hexdigest(), "info": model.info}
    spool = None
    try:
        spool = Spool(None, final=name, token="restore")   # held while written: a killed run's is swept
        spool.write(MAGIC + json.dumps(header, ensure_ascii=False).encode("utf-8") + b"\n")
        spool.write(payload)
        spool.commit(new_file_mode(name))
    except OSError as e:
        raise ModelError(f"{shown(name)}: cannot write the model ({e.strerror})") from None
    except BaseException:                   # Ctrl-C or SIGTERM mid-write: no half-written file stays
        if spool is not None:
            spool.discard()
        raise


# -- reading ---------------------------------------------------------------------------------------

def read(path: str | os.PathLike, *, shipped: bool = False) -> Model:
    """The model in the file ``path``, checked; a one-line ``ModelError`` naming the file if it is none.
    ``shipped``: the package's own model, whose SHA-256 is not recomputed."""
    name = file_name(path)
    path = shown(name)                  # as messages show it: a line break or a terminal escape quoted
    try:
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))     # a named pipe: no wait for a writer
        with open(fd, "rb") as f:
            st = os.fstat(fd)
            if not stat.S_ISREG(st.st_mode):
                raise ModelError(f"{path}: not a model file (a device or a pipe)")
            if st.st_size > MAX_FILE:
                raise ModelError(f"{path}: not a restore model (too large)")
            data = f.read()
    except FileNotFoundError:
        raise ModelError(f"{path}: no such model file") from None
    except IsADirectoryError:
        raise ModelError(f"{path}: is a directory, not a model file") from None
    except OSError as e:
        raise ModelError(f"{path}: cannot read the model ({e.strerror})") from None
    header, _ = _header(path, data, checksum=not shipped)
    try:
        return _model(_members(data, header["version"]), header)
    except ModelError as e:
        raise ModelError(f"{path}: corrupt model file ({e})") from None
    except (ValueError, TypeError, KeyError, IndexError, OverflowError, MemoryError, RecursionError, EOFError,
            zipfile.BadZipFile, zlib.error) as e:
        raise ModelError(f"{path}: corrupt model file ({type(e).__name__})") from None


def _header(path, data: bytes, checksum: bool = True) -> tuple[dict, memoryview]:
    """The checked header and the payload of a model file's ``data`` (``checksum``: its SHA-256 too)."""
    if is_pickle(data[:2]):
        found = re.search(rb"restore-model/(\d+)", data[:512])
        if not found:
            raise ModelError(f"{path}: a pickle, not a restore model (restore never unpickles a file)")
        raise ModelError(f"{path}: made by an older restore (format {int(found.group(1))}): rebuild it with "
                         f"`python -m corpora.build` or retrain it")
    if not data.startswith(MAGIC):
        raise ModelError(f"{path}: not a restore model")
    end = data.find(b"\n", len(MAGIC), len(MAGIC) + MAX_HEADER)
    try:
        header = _json(data[len(MAGIC):end], "header") if end > 0 else None
    except ModelError:
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT or not _is_int(header.get("version")):
        raise ModelError(f"{path}: corrupt model file (unreadable header)")
    if header["version"] > VERSION:
        raise ModelError(f"{path}: made by a newer restore (format {header['version']}): upgrade restore to read it")
    if header["version"] < OLDEST:
        raise ModelError(f"{path}: made by an older restore (format {header['version']}): rebuild it with "
                         f"`python -m corpora.build` or retrain it")
    payload = memoryview(data)[end + 1:]
    expected = header.get("size")
    if not _is_int(expected) or not isinstance(header.get("sha256"), str) or \
            not isinstance(header.get("info", {}), dict):
        raise ModelError(f"{path}: corrupt model file (unreadable header)")
    if len(payload) != expected:
        what = "truncated" if len(payload) < expected else "trailing data"
        raise ModelError(f"{path}: corrupt model file ({what}: {len(payload):,} bytes where {expected:,} belong)")
    if checksum and hashlib.sha256(payload).hexdigest() != header["sha256"]:
        raise ModelError(f"{path}: corrupt model file (checksum mismatch)")
    return header, payload


def _json(raw: bytes, what: str) -> object:
    """``raw``, UTF-8 JSON nested at most ``MAX_DEPTH`` deep, parsed; a ``ModelError`` if it is not."""
    try:
        value = json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise ModelError(f"{what} nested too deeply") from None
    except (ValueError, TypeError):                         # UnicodeDecodeError and JSONDecodeError are ValueErrors
        raise ModelError(f"{what} is not JSON") from None
    level = [value]
    for _ in range(MAX_DEPTH + 1):                          # one nesting level at a time, not recursively
        level = [v for x in level if isinstance(x, (list, dict)) for v in (x.values() if isinstance(x, dict) else x)]
        if not level:
            return value
    raise ModelError(f"{what} nested too deeply")


def _is_int(value: object) -> TypeGuard[int]:
    return type(value) is int                               # not a bool


def _is_number(value: object) -> bool:
    """Whether ``value`` is a finite JSON number that fits a float (NaN fails both comparisons)."""
    return type(value) in (int, float) and -1e308 < cast(float, value) < 1e308


def _pairs(value: object, what: str) -> list[list]:
    """JSON ``[[key, options], ...]``, checked to be pairs."""
    _check(isinstance(value, list) and all(isinstance(x, list) and len(x) == 2 for x in value), f"{what} are not pairs")
    return cast(list, value)


def _options(options: object, what: str) -> tuple[tuple[str, float], ...]:
    """JSON ``[[original, score], ...]``, checked."""
    _check(isinstance(options, list) and all(isinstance(o, list) and len(o) == 2 and isinstance(o[0], str)
                                             and _is_number(o[1]) for o in options), f"{what} are not words and scores")
    return tuple((o[0], float(o[1])) for o in cast(list, options))


def _extra(blob: np.ndarray) -> tuple[dict, dict, dict, float]:
    """The phrases, multi-word originals, reach and class weight in the ``extra`` member, checked."""
    extra = _json(blob.tobytes(), "extra")
    _check(isinstance(extra, dict), "extra is not a JSON object")
    extra = cast(dict, extra)
    phrases, multi = _pairs(extra.get("phrases"), "phrases"), _pairs(extra.get("multi"), "multi-word originals")
    _check(all(isinstance(p, list) and p and all(isinstance(w, str) for w in p) for p, _ in phrases),
           "phrases are not words")
    _check(all(isinstance(g, str) for g, _ in multi), "multi-word originals are not words")
    reach, weight = extra.get("reach", {}), extra.get("class_weight", 0.0)
    _check(isinstance(reach, dict), "reach is not a JSON object")
    _check(all(_is_number(v) and 0.0 < v <= 1.0 for v in reach.values()), "reach out of range")
    _check(_is_number(weight) and 0.0 <= cast(float, weight) < 1.0, "class weight out of range")
    return ({tuple(p): _options(options, "phrase originals") for p, options in phrases},
            {g: list(_options(options, "multi-word originals")) for g, options in multi},
            {k: float(v) for k, v in reach.items()}, float(cast(float, weight)))


def _members(data: bytes, version: int = VERSION) -> dict[str, np.ndarray]:
    """The arrays of the .npz archive that ends ``data`` (zipfile skips what precedes it), each
    checked to have the dtype ``MEMBERS`` gives it; no more is inflated than the file can hold.
    Members newer than the file's format ``version`` are empty."""
    wanted = {name: dtype for name, dtype in MEMBERS.items() if SINCE.get(name, OLDEST) <= version}
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        names = {info.filename: info for info in infos}
        if len(infos) != len(wanted) or set(names) != {name + ".npy" for name in wanted}:
            raise ModelError("unexpected arrays")
        inflated = sum(info.file_size for info in infos)
        if inflated > min(MAX_INFLATION * len(data) + (1 << 20), MAX_ARRAYS):
            raise ModelError(f"arrays of {inflated:,} bytes in a file of {len(data):,}")
        return {name: _array(archive, names[name + ".npy"], np.dtype(dtype)) if name in wanted
                else np.zeros(0, dtype=dtype) for name, dtype in MEMBERS.items()}


def _array(archive: zipfile.ZipFile, info: zipfile.ZipInfo, dtype: np.dtype) -> np.ndarray:
    """The member ``info``, read only once its .npy header (dtype and shape) gives it the size it declares."""
    name = info.filename[:-len(".npy")]
    with archive.open(info) as member:
        if np.lib.format.read_magic(member) != (1, 0):      # what write_array writes: a header under 64 kB
            raise ModelError(f"{name} has the wrong type")
        shape, fortran, found = np.lib.format.read_array_header_1_0(member)
        offset = member.tell()
    if found != dtype or len(shape) != 1 or fortran:
        raise ModelError(f"{name} has the wrong type")
    if offset + shape[0] * dtype.itemsize != info.file_size:
        raise ModelError(f"{name} has the wrong size")
    with archive.open(info) as member:
        raw = member.read(info.file_size)                   # never inflates more; checks the CRC-32 at the end
    if len(raw) != info.file_size:
        raise ModelError(f"{name} truncated")
    return np.frombuffer(raw, dtype=dtype, count=shape[0], offset=offset)


def _words(blob: np.ndarray, count: int | None, what: str) -> list[str]:
    text = blob.tobytes().decode("utf-8")
    if text and not text.endswith("\n"):
        raise ModelError(f"{what} not terminated")
    words = text.split("\n")[:-1] if text else []
    if count is not None and len(words) != count:
        raise ModelError(f"{len(words)} {what} where {count} belong")
    return words


def _log_probs(name: str, values: np.ndarray) -> np.ndarray:
    """``values`` as float32, checked to be log-probabilities (at most 0, and not past ``LOWEST_SCORE``)."""
    values = values.astype(np.float32)
    scores_check(values, name, highest=0.0)
    return values


def _model(a: dict[str, np.ndarray], header: dict) -> Model:
    from .model import UNKNOWN, Channel, ChannelLayout, ContextModel, Model
    vocab = _words(a["vocab"], None, "words")
    size = len(vocab)
    _check(0 < size < 1 << ID_BITS, "no vocabulary")
    for name in ("unigram", "backoff", "bigram_counts"):
        _check(len(a[name]) == size, f"{name} does not match the vocabulary")
    counts, words = a["bigram_counts"], a["bigram_words"]
    n_bigrams = len(words)
    _check(int(counts.sum(dtype=np.int64)) == n_bigrams, "bigram counts do not match the bigrams")
    _check(not n_bigrams or int(words.max()) < size, "bigram word out of range")
    bits = np.uint64(ID_BITS)
    keys = np.repeat(np.arange(size, dtype=np.uint64) << bits, counts) | words.astype(np.uint64)
    _check(bool((keys[1:] > keys[:-1]).all()), "bigrams out of order")
    history, words3 = a["trigram_history"], a["trigram_words"]
    _check(len(words3) == len(history) == len(a["trigram_logprob"]), "trigram arrays differ in length")
    _check(not len(history) or (int(history.max()) < n_bigrams and int(words3.max()) < size),
           "trigram out of range")
    keys3 = (keys[history] << bits) | words3.astype(np.uint64) if len(history) else np.zeros(0, np.uint64)
    _check(bool((keys3[1:] > keys3[:-1]).all()), "trigrams out of order")
    for name in ("bigram_logprob", "bigram_backoff"):
        _check(len(a[name]) == n_bigrams, f"{name} does not match the bigrams")
    phrases, multi, reach, weight = _extra(a["extra"])
    classes = _classes(a, size)
    try:
        context = ContextModel(vocab, _log_probs("unigram", a["unigram"]), _log_probs("backoff", a["backoff"]),
                               keys, _log_probs("bigram_logprob", a["bigram_logprob"]),
                               _log_probs("bigram_backoff", a["bigram_backoff"]),
                               keys3, _log_probs("trigram_logprob", a["trigram_logprob"]), classes, weight)
    except KeyError:
        raise ModelError(f"no {UNKNOWN} word") from None
    _check(len(context.ids) == size, "repeated words")
    _check("" not in context.ids, "an empty word")

    garbled = _words(a["channel_garbled"], len(a["channel_counts"]), "garbled words")
    table = OptionTable(garbled, a["channel_counts"], a["channel_originals"], a["channel_scores"])
    propensity = dict(zip(_words(a["propensity_words"], len(a["propensity"]), "propensity words"),
                          a["propensity"].tolist()))
    _check(bool(((a["propensity"] >= 0) & (a["propensity"] <= 1)).all()), "propensity out of range")

    layout_garbled, layout_counts = a["layout_garbled"], a["layout_counts"]
    layout_originals, layout_scores = a["layout_originals"], a["layout_scores"]
    _check(len(layout_garbled) == len(layout_counts), "layout arrays differ in length")
    _check(not len(layout_garbled) or int(layout_garbled.max()) < len(garbled), "layout out of range")
    _check(int(layout_counts.sum(dtype=np.int64)) == len(layout_originals) == len(layout_scores),
           "layout counts do not match")
    _check(not len(layout_originals) or int(layout_originals.max()) < size, "layout word out of range")
    scores_check(layout_scores, "layout scores")
    ends = np.cumsum(layout_counts, dtype=np.int64).tolist()
    span = dict(zip(map(garbled.__getitem__, layout_garbled.tolist()), zip([0, *ends], ends)))
    prop_ids, prop_values = a["layout_propensity_ids"], a["layout_propensity"]
    _check(len(prop_ids) == len(prop_values) and (not len(prop_ids) or int(prop_ids.max()) < size),
           "propensity out of range")
    _check(bool(((prop_values >= 0) & (prop_values <= 1)).all()), "propensity out of range")
    dense = np.zeros(size)
    dense[prop_ids] = prop_values
    layout = ChannelLayout(span, multi, layout_originals.astype(np.int64), layout_scores.astype(np.float64), dense)
    neighbour_words = _words(a["neighbour_words"], len(a["neighbour_counts"]), "words with neighbours")
    neighbours = WordLists(neighbour_words, a["neighbour_counts"], a["neighbour_options"])
    info = header.get("info", {})
    # the lazy tables read like the dicts Channel documents
    return Model(Channel(cast(dict, table), propensity, phrases, reach, neighbours), context, info, layout)


def _classes(a: dict[str, np.ndarray], size: int) -> ClassModel | None:
    """The class model of a model file, checked; None if it has none."""
    from .classes import ClassModel
    names = _words(a["class_names"], None, "class names")
    if not names:
        return None
    n = len(names)
    word_class, trigram = a["class_of_word"], a["class_trigram"]
    _check(len(word_class) == len(a["class_in_word"]) == size, "word classes do not match the vocabulary")
    _check(int(word_class.max()) < n, "word class out of range")
    _check(len(trigram) == n ** 3, "class trigrams do not match the classes")
    return ClassModel(names, word_class.astype(np.int16), _log_probs("class_in_word", a["class_in_word"]),
                      _log_probs("class_trigram", trigram).reshape(n, n, n))
