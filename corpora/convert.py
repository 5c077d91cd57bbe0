"""Convert a model pickled by restore 0.1 (format 3) to the current model file: ``python -m corpora.convert OLD NEW``.

restore itself never unpickles a model.  This one-off tool does, for a file you trust (the
model restore 0.1 shipped, or one you trained), and even then only lets the pickle build
plain containers and NumPy arrays: a pickle that asks for anything else (a function to
call, a class to build) is refused before it runs.
"""
from __future__ import annotations

import argparse
import pickle
import sys

from restore.errors import RestoreError
from restore.model import Channel, ChannelLayout, ContextModel, Model

OLD_FORMAT = "restore-model/3"
ALLOWED = {("numpy", "dtype"), ("numpy._core.numeric", "_frombuffer"), ("numpy.core.numeric", "_frombuffer"),
           ("numpy._core.multiarray", "_reconstruct"), ("numpy.core.multiarray", "_reconstruct"),
           ("numpy", "ndarray")}


class _Arrays(pickle.Unpickler):
    """An unpickler that builds nothing but built-in containers and NumPy arrays."""

    def find_class(self, module: str, name: str):
        if (module, name) not in ALLOWED:
            raise pickle.UnpicklingError(f"refused to load {module}.{name}")
        return super().find_class(module, name)


def read_old(path: str) -> Model:
    """The model in ``path``, pickled by restore 0.1 (format 3)."""
    try:
        with open(path, "rb") as f:
            state = _Arrays(f).load()
    except OSError as e:
        raise RestoreError(f"{path}: cannot read ({e.strerror})") from None
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, IndexError, KeyError) as e:
        raise RestoreError(f"{path}: not a pickled restore model ({e})") from None
    if not isinstance(state, dict) or state.get("format") != OLD_FORMAT:
        raise RestoreError(f"{path}: not a restore model of format 3")
    originals, propensity, phrases = state["channel"]
    return Model(Channel(originals, propensity, phrases), ContextModel(*state["context"]), state["info"],
                 ChannelLayout(*state["layout"]))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m corpora.convert", description=__doc__.splitlines()[0])
    parser.add_argument("old", metavar="OLD", help="a model pickled by restore 0.1")
    parser.add_argument("new", metavar="NEW", help="where to write it in the current format (may be OLD)")
    args = parser.parse_args(argv)
    try:
        read_old(args.old).save(args.new)
    except RestoreError as e:
        print(f"convert: error: {e}", file=sys.stderr)
        return 1
    print(f"convert: wrote {args.new}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
