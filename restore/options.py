"""The ``restore`` command's options: one argparse parser, and the checks argparse cannot make.

>>> from restore.cli import COMMANDS
>>> args = build_parser(COMMANDS).parse_args(["fix", "-o", "out", "news.txt"])
>>> args.output_dir, args.files, args.run.__name__
('out', ['news.txt'], 'cmd_fix')
"""
from __future__ import annotations

import argparse
import contextlib
import math
import os
import re
import sys
from typing import Callable, Mapping, NoReturn

from .errors import UsageError

JOBS_PER_CPU = 4        # --jobs beyond this many per CPU only add memory: each worker holds its own text and
                        # decoder state, and restoring is CPU-bound (a tester's --jobs 100000 forked 3,500
                        # processes and filled 23 GB before the machine stalled)


def _input_options(parser, verb: str = "restore", outputs: str = "; outputs keep it") -> None:
    from .formats import BATCH_FORMATS
    parser.add_argument("--format", choices=BATCH_FORMATS, help="the input format (default: by "
                        "extension: .html/.htm, .jsonl, .parquet, else text)")
    parser.add_argument("--field", action="append", metavar="PATH", help=f"JSON Lines: a field to {verb}, "
                        "dotted for nested ones; Parquet: a column (repeatable; default: text)")
    parser.add_argument("--encoding", default="utf-8", help="the inputs' encoding, or auto to guess each "
                        f"file's (default: utf-8){outputs}")
    parser.add_argument("-j", "--jobs", type=int, default=1, metavar="N",
                        help="worker processes (default 1; 0: one per core)")
    parser.add_argument("--model", metavar="PATH", help="model file (default: the one shipped with restore)")
    parser.add_argument("--no-ftfy", action="store_true", help="do not repair mojibake first")


def _encoding_option(parser) -> None:
    parser.add_argument("--encoding", default="utf-8", help="the inputs' encoding, or auto to guess (default: utf-8)")


def _document_options(parser) -> None:
    """How review and apply read a document; apply must be given the options review was."""
    from .formats import FORMATS
    parser.add_argument("--format", choices=FORMATS, help="the input format (default: by extension)")
    parser.add_argument("--field", action="append", metavar="PATH", help="JSON Lines: a field to restore, "
                        "dotted for nested ones (repeatable; default: text)")
    _encoding_option(parser)
    parser.add_argument("--no-ftfy", action="store_true", help="do not repair mojibake first")


def _at_least(least: int, text: str) -> int:
    """``text`` as a whole number of ``least`` or more, for argparse.

    >>> _at_least(1, "3"), _at_least(1, " 2 "), _at_least(0, "0")
    (3, 2, 0)
    >>> _at_least(1, "0")
    Traceback (most recent call last):
    argparse.ArgumentTypeError: 0 is not a whole number of 1 or more
    """
    try:
        n = int(text)
    except ValueError:
        n = least - 1
    if n < least:
        raise argparse.ArgumentTypeError(f"{text} is not a whole number of {least} or more")
    return n


def _at_least_zero(text: str) -> int:
    return _at_least(0, text)          # Python's random takes a seed of -1 for 1


def _at_least_one(text: str) -> int:
    return _at_least(1, text)


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error in one line that says where the options are listed, not the whole usage."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")

    def _print_message(self, message: str, file=None) -> None:
        """argparse's, but help or the version that cannot be written (``--help >&-``, ``> /dev/full``)
        is an error in one line, where argparse said nothing and exited 0."""
        if not message:
            return
        file = file or sys.stderr
        try:
            file.write(message)
            file.flush()
        except OSError as e:
            with contextlib.suppress(OSError, ValueError):    # so that exiting does not fail on it again
                os.dup2(os.open(os.devnull, os.O_WRONLY), file.fileno())
            if isinstance(e, BrokenPipeError):                 # the reader went away (| head): no complaint
                raise SystemExit(0) from None
            if file is not sys.stderr:
                sys.stderr.write(f"restore: error: {e.strerror or e}\n")
            raise SystemExit(1) from None


def _caution_options(parser, left: str) -> None:
    """How sure a change must be to be made: --min-confidence and --min-odds."""
    parser.add_argument("--min-confidence", type=float, default=0.0, metavar="P",
                        help=f"leave changes less likely than P {left} (0..1, default 0)")
    parser.add_argument("--min-odds", type=float, default=1.0, metavar="R",
                        help="leave a word as written unless its restoration is at least R times likelier "
                        "(1 or more; default 1: whichever is likelier)")


def build_parser(commands: Mapping[str, Callable]) -> argparse.ArgumentParser:
    """The parser of every command; each command's ``run`` is its function in ``commands``."""
    parser = _Parser(prog="restore", description="Repair text garbled by synonym spinners.")
    parser.add_argument("--version", action="version", version=f"restore {__import__('restore').__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    fix = sub.add_parser("fix", help="restore spun text", description="Restore spun text, HTML or JSON Lines: "
                         "stdin to stdout, FILEs to stdout, to DIR mirroring the input tree (--output-dir), "
                         "or in place.")
    fix.add_argument("files", nargs="*", metavar="INPUT",
                     help="files, directories (searched recursively) or globs; - is stdin (the default)")
    where = fix.add_mutually_exclusive_group()
    where.add_argument("-o", "--output-dir", metavar="DIR", help="write each restored file under DIR, mirroring the inputs")
    where.add_argument("--in-place", action="store_true", help="overwrite each input (atomically, keeping its mode)")
    fix.add_argument("--backup", metavar="SUFFIX", help="with --in-place, keep each original as FILE+SUFFIX")
    fix.add_argument("--resume", action="store_true", help="skip files whose output is newer than the input")
    _input_options(fix)
    _caution_options(fix, "unmade")
    fix.add_argument("--diff", action="store_true", help="show the changed words (coloured on a terminal, "
                     "else a unified diff) on stdout instead of the restored text; with --output-dir or "
                     "--in-place the files are written too")
    fix.add_argument("--changes", metavar="JSONL", help="log every change: file, line, offset, garbled, restored, "
                     "confidence, alternatives")
    fix.add_argument("--report", metavar="JSON", help="write the report, one entry per file, as JSON")
    fix.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no summary")
    fix.add_argument("--scheduler", metavar="ADDRESS", help="run on a Dask cluster: tcp://HOST:PORT of its "
                     "scheduler, or local:N to start N worker processes here (needs restore[dask], and "
                     "--output-dir or --in-place on paths the workers see)")
    fix.set_defaults(run=commands["fix"], parser=fix)

    detect = sub.add_parser("detect", help="score how spun documents look",
                            description="Print how spun each document looks (0..1) and its path, "
                            "one per line; a JSON Lines file has one document a line.")
    detect.add_argument("files", nargs="*", metavar="INPUT", help="files, directories or globs; - is stdin")
    detect.add_argument("--threshold", type=float, metavar="T", help="also print spun (score >= T) or clean")
    _input_options(detect, verb="score", outputs="")
    detect.set_defaults(run=commands["detect"], parser=detect)

    train = sub.add_parser("train", help="learn a model from spun/clean pairs",
                           description="Learn a model from pairs: NAME.spun.txt + NAME.clean.txt files, "
                           'or JSON Lines of {"spun": ..., "clean": ...}.')
    train.add_argument("pairs", nargs="+", metavar="PAIRS")
    _encoding_option(train)
    train.add_argument("-o", "--output", required=True, metavar="MODEL", help="where to write the model")
    train.add_argument("--lexicon", action="append", default=[], metavar="TSV",
                       help="observed swaps, original<TAB>garbled<TAB>count (repeatable)")
    context = train.add_mutually_exclusive_group()
    context.add_argument("--context-from", metavar="MODEL", help="mix the clean sides' counts with this "
                         "model's context model (default: the shipped model's)")
    context.add_argument("--own-context", action="store_true",
                         help="count the context model from the clean sides alone")
    train.set_defaults(run=commands["train"], parser=train)

    learn = sub.add_parser("learn", help="learn a garbler from spun text alone",
                           description="Learn which words are garbled forms and what they stand for from "
                           "spun text alone (no originals), over a base model's context model; writes a model "
                           "for restore fix --model.")
    learn.add_argument("inputs", nargs="+", metavar="INPUT", help="files, directories (searched recursively) "
                       "or globs of spun text, HTML, JSON Lines or Parquet")
    learn.add_argument("-o", "--output", required=True, metavar="MODEL", help="where to write the model")
    learn.add_argument("--base", metavar="MODEL", help="the model whose context model and swaps to start from "
                       "(default: the shipped model)")
    learn.add_argument("--iterations", type=_at_least_one, metavar="N", help="rounds of decoding (default 8)")
    from .formats import BATCH_FORMATS
    learn.add_argument("--format", choices=BATCH_FORMATS, help="the input format (default: by extension)")
    learn.add_argument("--field", action="append", metavar="PATH", help="JSON Lines: a field to learn from, "
                       "dotted for nested ones; Parquet: a column (repeatable; default: text)")
    _encoding_option(learn)
    learn.add_argument("-q", "--quiet", action="store_true", help="no progress and no summary")
    learn.set_defaults(run=commands["learn"], parser=learn)

    spin = sub.add_parser("spin", help="spin clean text like the real spinner",
                          description="Rewrite clean text the way the real synonym spinner does.")
    spin.add_argument("files", nargs="*", metavar="FILE", help="text files (default: stdin)")
    spin.add_argument("--rate", type=float, metavar="R", help="share of an article's rewritable words to rewrite (default 1, as the real spinner)")
    spin.add_argument("--seed", type=_at_least_zero, default=0, help="random seed, 0 or more (default 0): which "
                      "words a --rate below 1 picks in each file")
    _encoding_option(spin)
    spin.set_defaults(run=commands["spin"], parser=spin)

    ev = sub.add_parser("eval", help="score restoration on spun/clean pairs",
                        description="Print word error rate before and after restoring, and the share of "
                        "swapped words restored.")
    ev.add_argument("pairs", nargs="+", metavar="PAIRS")
    _encoding_option(ev)
    ev.add_argument("--model", metavar="PATH", help="model file (default: the one shipped with restore)")
    ev.add_argument("--no-ftfy", action="store_true", help="do not repair mojibake first")
    ev.add_argument("--json", action="store_true", help="print the figures as JSON")
    ev.set_defaults(run=commands["eval"], parser=ev)

    review = sub.add_parser("review", help="write review pages to accept or reject each change",
                            description="Write a self-contained HTML page where an editor sees every change, "
                            "accepts, rejects or replaces it, and exports the text and the decisions. One file "
                            "gives one page; a folder, a glob or several files give an index page and a page "
                            "per document in the folder OUTPUT, most changed first.")
    review.add_argument("inputs", nargs="+", metavar="INPUT", help="a file (- is stdin), or folders, globs, files")
    review.add_argument("-o", "--output", required=True, metavar="OUTPUT",
                        help="the page (one file) or the folder of pages (several)")
    _document_options(review)
    review.add_argument("--model", metavar="PATH", help="model file (default: the one shipped with restore)")
    _caution_options(review, "unmade and unshown")
    review.set_defaults(run=commands["review"], parser=review)

    apply = sub.add_parser("apply", help="write a document with a review's decisions",
                           description="Apply a decisions file exported from a review page to its input: "
                           "writes exactly the text the page exports (UTF-8). Give the options the page was "
                           "made with (--format, --field, --encoding, --no-ftfy).")
    apply.add_argument("input", metavar="INPUT", help="the reviewed file (- is stdin)")
    apply.add_argument("decisions", metavar="DECISIONS", help="the decisions file (JSON Lines) the page exported")
    apply.add_argument("-o", "--output", required=True, metavar="OUTPUT", help="where to write the text (- is stdout)")
    _document_options(apply)
    apply.set_defaults(run=commands["apply"], parser=apply)
    return parser


def check_options(parser, args) -> None:
    """Usage errors that argparse cannot see (exit code 2)."""
    from .files import text_encoding
    if not 0.0 <= getattr(args, "min_confidence", 0.0) <= 1.0:
        parser.error("--min-confidence must be between 0 and 1")
    if not 1.0 <= getattr(args, "min_odds", 1.0) < math.inf:
        parser.error("--min-odds must be a finite number of 1 or more")
    if getattr(args, "jobs", 1) < 0:
        parser.error("--jobs must be 0 or more")
    if getattr(args, "jobs", 1) == 0:
        args.jobs = os.cpu_count() or 1
    most = JOBS_PER_CPU * (os.cpu_count() or 1)
    if getattr(args, "jobs", 1) > most:         # a script written for a bigger machine still runs here
        print(f"restore: --jobs {args.jobs} is more than this machine can use: {most} workers "
              f"({JOBS_PER_CPU} per CPU)", file=sys.stderr)
        args.jobs = most
    local = re.fullmatch(r"local:([0-9]+)", getattr(args, "scheduler", None) or "")
    if local and int(local[1]) > most:          # as --jobs: each worker is a process holding its own model
        print(f"restore: --scheduler {args.scheduler} is more than this machine can use: local:{most} "
              f"({JOBS_PER_CPU} per CPU)", file=sys.stderr)
        args.scheduler = f"local:{most}"
    if getattr(args, "backup", None) == "":
        parser.error("--backup needs a suffix such as .orig (with none, the backup would be the file itself)")
    if os.sep in (getattr(args, "backup", None) or "") or "/" in (getattr(args, "backup", None) or ""):
        parser.error("--backup is a suffix added to each file's name, such as .orig, not a folder or a path")
    if getattr(args, "rate", None) is not None and not 0.0 <= args.rate <= 1.0:
        parser.error("--rate must be between 0 and 1")
    if getattr(args, "threshold", None) is not None and not 0.0 <= args.threshold <= 1.0:
        parser.error("--threshold must be between 0 and 1")
    if hasattr(args, "encoding"):
        try:
            args.encoding = text_encoding(args.encoding)
        except UsageError as e:
            parser.error(str(e))
