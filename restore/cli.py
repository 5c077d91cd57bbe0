"""The ``restore`` command: a thin layer over the library.

    restore fix [FILE...] [--output-dir DIR]     restore spun text
    restore train PAIRS... -o MODEL              learn a model from spun/clean pairs
    restore spin [FILE...]                       spin clean text like the real spinner
    restore eval PAIRS...                        word error rate before and after restoring
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path


class UserError(Exception):
    """A problem with the user's input: reported in one line, no traceback."""


def _model(path: str | None):
    from .model import Model
    if path is None:
        return Model.default()
    if not Path(path).is_file():
        raise UserError(f"{path}: no such model file")
    try:
        return Model.load(path)
    except ValueError as e:
        raise UserError(str(e)) from None


def read_text(path: str, encoding: str = "utf-8") -> str:
    """Read a text file (``-`` is stdin), with errors that name the file."""
    if path == "-":
        data = sys.stdin.buffer.read()
    else:
        try:
            data = Path(path).read_bytes()
        except FileNotFoundError:
            raise UserError(f"{path}: no such file") from None
        except IsADirectoryError:
            raise UserError(f"{path}: is a directory") from None
        except OSError as e:
            raise UserError(f"{path}: cannot read ({e.strerror})") from None
    if b"\0" in data[:8192]:
        raise UserError(f"{path}: binary file, not text")
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as e:
        raise UserError(f"{path}: not {encoding} text (undecodable byte at offset {e.start})") from None
    except LookupError:
        raise UserError(f"unknown encoding {encoding!r}") from None


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def cmd_fix(args) -> int:
    from .decode import Restorer
    restorer = Restorer(_model(args.model), fix_mojibake=not args.no_ftfy, min_confidence=args.min_confidence)
    files = args.files or ["-"]
    if args.output_dir is None:
        for path in files:
            sys.stdout.write(restorer.restore(read_text(path)))
        return 0
    out_dir = Path(args.output_dir)
    failed = []
    for path in files:
        if path == "-":
            raise UserError("--output-dir needs file names, not stdin")
        target = out_dir / Path(path).name
        if target.resolve() == Path(path).resolve():
            failed.append(f"{path}: output would overwrite the input")
            continue
        try:
            write_atomic(target, restorer.restore(read_text(path)))
        except UserError as e:
            failed.append(str(e))
    for message in failed:
        print(f"restore: {message}", file=sys.stderr)
    return 1 if failed else 0


def _pairs(paths):
    from .pairs import PairError, read_pairs, unique_pair_files
    try:
        return list(read_pairs(unique_pair_files(paths)))
    except PairError as e:
        raise UserError(str(e)) from None


def _lexicon(paths):
    rows = []
    for path in paths:
        for n, line in enumerate(read_text(path).splitlines(), 1):
            fields = line.split("\t")
            if len(fields) != 3 or not fields[2].strip().isdigit():
                raise UserError(f"{path}:{n}: expected original<TAB>garbled<TAB>count")
            rows.append((fields[0], fields[1], int(fields[2])))
    return rows


def cmd_train(args) -> int:
    from .learn import train_model
    pairs = _pairs(args.pairs)
    if not pairs:
        raise UserError("no training pairs")
    context = _model(args.context_from).context if args.context_from else None
    model = train_model(pairs, lexicon=_lexicon(args.lexicon), context=context)
    model.save(args.output)
    print(f"restore: trained on {len(pairs)} pairs; {len(model.channel.originals)} garbled words; "
          f"wrote {args.output}", file=sys.stderr)
    return 0


def cmd_spin(args) -> int:
    from .spin import Spinner
    spinner = Spinner.default()
    if args.rate is not None:
        spinner = Spinner(spinner.table, args.rate)
    for i, path in enumerate(args.files or ["-"]):
        sys.stdout.write(spinner.spin(read_text(path), seed=args.seed + i))
    return 0


def cmd_eval(args) -> int:
    from .decode import Restorer
    from .evaluate import evaluate
    restorer = Restorer(_model(args.model), fix_mojibake=not args.no_ftfy)
    result = evaluate(_pairs(args.pairs), restorer.restore)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"pairs {result['pairs']}  words {result['words']}  swapped {result['swapped']}\n"
              f"word error rate  before {result['wer_before']:.2%}  after {result['wer_after']:.2%}\n"
              f"swapped words restored {result['restored']:.2%}  correct words broken {result['broken']:.2%}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="restore", description="Repair text garbled by synonym spinners.")
    parser.add_argument("--version", action="version", version=f"restore {__import__('restore').__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    fix = sub.add_parser("fix", help="restore spun text", description="Restore spun text: stdin to stdout, "
                         "FILE to stdout, or each FILE to DIR/<same name> with --output-dir.")
    fix.add_argument("files", nargs="*", metavar="FILE", help="text files (default: stdin; - is stdin)")
    fix.add_argument("--output-dir", metavar="DIR", help="write each restored FILE to DIR/<same name>")
    fix.add_argument("--model", metavar="PATH", help="model file (default: the one shipped with restore)")
    fix.add_argument("--no-ftfy", action="store_true", help="do not repair mojibake first")
    fix.add_argument("--min-confidence", type=float, default=0.0, metavar="P",
                     help="leave changes less likely than P unmade (0..1, default 0)")
    fix.set_defaults(run=cmd_fix)

    train = sub.add_parser("train", help="learn a model from spun/clean pairs",
                           description="Learn a model from pairs: NAME.spun.txt + NAME.clean.txt files, "
                           'or JSON Lines of {"spun": ..., "clean": ...}.')
    train.add_argument("pairs", nargs="+", metavar="PAIRS")
    train.add_argument("-o", "--output", required=True, metavar="MODEL", help="where to write the model")
    train.add_argument("--lexicon", action="append", default=[], metavar="TSV",
                       help="observed swaps, original<TAB>garbled<TAB>count (repeatable)")
    train.add_argument("--context-from", metavar="MODEL",
                       help="reuse this model's context model instead of counting the clean sides")
    train.set_defaults(run=cmd_train)

    spin = sub.add_parser("spin", help="spin clean text like the real spinner",
                          description="Rewrite clean text the way the real synonym spinner does.")
    spin.add_argument("files", nargs="*", metavar="FILE", help="text files (default: stdin)")
    spin.add_argument("--rate", type=float, metavar="R", help="share of rewritable words to rewrite")
    spin.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    spin.set_defaults(run=cmd_spin)

    ev = sub.add_parser("eval", help="score restoration on spun/clean pairs",
                        description="Print word error rate before and after restoring, and the share of "
                        "swapped words restored.")
    ev.add_argument("pairs", nargs="+", metavar="PAIRS")
    ev.add_argument("--model", metavar="PATH")
    ev.add_argument("--no-ftfy", action="store_true")
    ev.add_argument("--json", action="store_true", help="print the figures as JSON")
    ev.set_defaults(run=cmd_eval)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "min_confidence", 0.0) is not None and not 0.0 <= getattr(args, "min_confidence", 0.0) <= 1.0:
        parser.error("--min-confidence must be between 0 and 1")
    try:
        return args.run(args)
    except UserError as e:
        print(f"restore: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("restore: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
