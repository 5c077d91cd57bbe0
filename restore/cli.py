"""The ``restore`` command: a thin layer over the library.

    restore fix [INPUT...] [-o DIR]              restore spun text, HTML or JSON Lines
    restore detect INPUT...                      score how spun documents look
    restore train PAIRS... -o MODEL              learn a model from spun/clean pairs
    restore learn INPUT... -o MODEL              learn a garbler from spun text alone
    restore spin [FILE...]                       spin clean text like the real spinner
    restore eval PAIRS...                        word error rate before and after restoring
    restore review INPUT... -o PAGE|DIR          review pages: accept or reject each change
    restore apply INPUT DECISIONS -o OUTPUT      write a document with a review's decisions
"""
from __future__ import annotations

import contextlib
import errno
import io
import json
import os
import sys
from typing import TYPE_CHECKING, Any

from .errors import RestoreError, Terminated, UsageError, one_line, shown
from .files import DISK_FULL, read_as_written
from .options import build_parser, check_options

if TYPE_CHECKING:
    from .model import Model

def _model(path: str | None) -> Model:
    """The model at ``path`` (None: the default one), loaded once per process: a bad one is a
    one-line error here, before any work (and worker processes share it)."""
    from .model import load
    return load(path)


def read_text(path: str, encoding: str = "utf-8") -> str:
    """Read a text file (``-`` is stdin), with errors that name the file."""
    from .files import read_text as read
    return read(path, encoding)


def _settings(args, **more):
    from .worker import Settings
    return Settings(model=args.model, fix_mojibake=not args.no_ftfy, encoding=args.encoding, format=args.format,
                    fields=tuple(args.field or ["text"]), **more)


def cmd_fix(args) -> int:
    from . import batch
    from .formats import format_of
    from .inputs import check_log_path, spare_logs
    review = ("marked" if sys.stdout.isatty() else "unified") if args.diff else None
    settings = _settings(args, min_confidence=args.min_confidence, min_odds=args.min_odds, review=review,
                         changes=bool(args.changes), backup=args.backup)
    inputs = args.files or ["-"]
    jobs = batch.plan(inputs, output_dir=args.output_dir, in_place=args.in_place,
                      backup=args.backup, resume=args.resume)
    check_log_path("--report", args.report, inputs)
    check_log_path("--changes", args.changes, inputs)
    if args.report and args.changes and os.path.realpath(args.report) == os.path.realpath(args.changes):
        raise UsageError("--report and --changes name the same file")
    jobs = spare_logs(jobs, {"--report": args.report, "--changes": args.changes})
    to_stdout = not (args.output_dir or args.in_place) or args.diff
    if to_stdout and not args.diff and sys.stdout.isatty() and any(
            format_of(name, args.format) == "parquet" for name in inputs if name != "-"):
        raise UsageError("a Parquet file's output is binary, not for the terminal: give --output-dir, or redirect it")
    if args.scheduler:
        from .cluster import check_address
        check_address(args.scheduler)
        if to_stdout:
            raise UsageError("--scheduler needs --output-dir or --in-place (the workers write the outputs)")
        if args.jobs != 1:
            raise UsageError("give --jobs or --scheduler, not both (the cluster has its own workers)")
    _model(args.model)
    tally = batch.run(jobs, settings, workers=args.jobs, ordered=to_stdout, changes=args.changes,
                      report=args.report, progress=not args.quiet and sys.stderr.isatty(), scheduler=args.scheduler,
                      resume=args.resume)
    if not args.quiet and not tally.files and not tally.stopped:
        print(f"restore: no files found in {_named(inputs)}", file=sys.stderr)    # an empty folder: say so
    elif not args.quiet and (tally.files > 1 or args.output_dir or args.in_place or tally.stopped):
        for line in tally.lines() + (["interrupted"] if tally.stopped else []):
            print(f"restore: {line}", file=sys.stderr)
    for line in tally.lost:
        print(f"restore: error: {line}", file=sys.stderr)
    return tally.exit_code


def cmd_detect(args) -> int:
    from . import batch
    settings = _settings(args, detect=True, threshold=args.threshold)
    jobs = batch.plan(args.files or ["-"])
    _model(args.model)
    tally = batch.run(jobs, settings, workers=args.jobs, ordered=True)
    if not tally.files and not tally.stopped:
        print(f"restore: no files found in {_named(args.files)}", file=sys.stderr)    # an empty folder: say so
    return tally.exit_code


class _Failures:
    """Inputs a command could not read: each is said in one line as it comes, and the command goes
    on with the rest and exits 1 at the end (as ``restore fix`` does over a batch)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, message: str) -> None:
        print(f"restore: error: {one_line(message)}", file=sys.stderr)
        self.count += 1

    def nothing_left(self, message: str) -> int:
        """When a command has nothing to work on: 1 if the errors above say why, else ``message`` as the error."""
        if self.count:
            return 1
        raise RestoreError(message)

    def exit_code(self) -> int:
        if self.count:
            print(f"restore: {self.count} input{'s' if self.count > 1 else ''} could not be read (above)",
                  file=sys.stderr)
        return 1 if self.count else 0


def _named(paths) -> str:
    """Input paths for a message: the first three, and how many more."""
    paths = [shown(str(p)) for p in paths] or ["-"]
    return ", ".join(paths[:3]) + (f" and {len(paths) - 3} more" if len(paths) > 3 else "")


def _pairs(paths, failed: _Failures, encoding: str = "utf-8"):
    """The pairs of every pairs file in ``paths`` (but those with no word on either side); a file that
    holds none is passed to ``failed``."""
    from .pairs import read_pairs, unique_pair_files
    pairs: list[tuple[str, str]] = []
    for path in unique_pair_files(paths):
        try:
            pairs.extend(list(read_pairs([path], encoding)))      # all of a file, or none of it
        except RestoreError as e:
            failed(str(e))
    return [pair for pair in pairs if any(side.strip() for side in pair)]


def _lexicon(paths, encoding: str = "utf-8"):
    """The rows of ``--lexicon`` files: two words (or phrases) and a count of 1 or more each."""
    rows = []
    for path in paths:
        for n, line in enumerate(read_text(path, encoding).splitlines(), 1):
            fields = line.split("\t")
            count = fields[2].strip() if len(fields) == 3 else ""
            if not (count.isascii() and count.isdigit() and int(count) > 0 and fields[0].strip() and fields[1].strip()):
                raise RestoreError(f"{path}:{n}: expected original<TAB>garbled<TAB>count (a whole number of 1 or more)")
            rows.append((fields[0], fields[1], int(count)))
    return rows


def _save(model, path: str) -> None:
    """``model.save(path)``, with SIGTERM taken as Ctrl-C meanwhile, so that either leaves no
    half-written model behind (``modelfile.write`` removes it)."""
    import signal

    def terminated(signum, frame):
        raise Terminated
    previous = signal.signal(signal.SIGTERM, terminated)
    try:
        model.save(path)
    finally:
        signal.signal(signal.SIGTERM, previous)


def _check_model_output(path: str) -> None:
    """A ``RestoreError`` now, before any work, where a model cannot be written to ``path``."""
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise RestoreError(f"{path}: cannot write the model (no folder {folder})")
    if os.path.isdir(path):
        raise RestoreError(f"{path}: cannot write the model (it is a folder)")


def cmd_train(args) -> int:
    from .inputs import refuse_overwriting
    from .learn import train_model
    from .pairs import files_read
    _check_model_output(args.output)
    refuse_overwriting(args.output, files_read(args.pairs) + list(args.lexicon or []) + [args.context_from])
    failed = _Failures()
    pairs = _pairs(args.pairs, failed, args.encoding)
    if not pairs:
        return failed.nothing_left(f"no training pairs in {_named(args.pairs)}")
    base = None if args.own_context else _model(args.context_from).context
    model = train_model(pairs, lexicon=_lexicon(args.lexicon, args.encoding), base=base)
    _save(model, args.output)
    print(f"restore: trained on {len(pairs)} pairs; {len(model.channel.originals)} garbled words; "
          f"wrote {args.output}", file=sys.stderr)
    return failed.exit_code()


def cmd_learn(args) -> int:
    from .decipher import ENOUGH_WORDS, MIN_COUNT, decipher, learned_swaps, raised_swaps, summary
    from .inputs import find_files, read_corpus, refuse_overwriting
    _check_model_output(args.output)
    found = list(find_files(args.inputs))           # walked once: to guard the output, then to read
    refuse_overwriting(args.output, [item.path for item in found] + [args.base])
    say = (lambda line: None) if args.quiet else (lambda line: print(f"restore: {one_line(line)}", file=sys.stderr))
    failed = _Failures()
    texts = read_corpus(args.inputs, fmt=args.format, fields=args.field or ["text"], encoding=args.encoding,
                        skipped=lambda line: say(f"skipped: {line}"), failed=failed, found=found)
    if not texts:
        return failed.nothing_left(f"no text to learn from in {_named(args.inputs)}")
    base = _model(args.base)

    def progress(items, desc="", unit="text"):
        if args.quiet or not sys.stderr.isatty():
            return items
        from tqdm import tqdm
        return tqdm(items, desc=f"restore: {desc}", unit=unit, leave=False)

    rounds = {"iterations": args.iterations} if args.iterations else {}
    words = sum(len(text.split()) for text in texts)
    if words < ENOUGH_WORDS:
        say(f"warning: {words:,} words is little to learn a garbler from: a form must be seen "
            f"{MIN_COUNT} times, and 27,000 words restored about half of a test garbler's swaps (see the README)")
    model, learned = decipher(texts, base, progress=progress, say=say, **rounds)
    _save(model, args.output)
    extended = learned.extended or base           # another spinner's texts extend the base's model of that spinner
    whose = "the base model's" if extended is base else "the other spinner's"
    new, raised = learned_swaps(model, extended), len(raised_swaps(model, extended))
    kept = sum(len(v) for v in model.channel.originals.values()) - new
    say(f"learned {new:,} new swaps" + (f" and raised {raised:,} of {whose}" if raised else "")
        + (f" (and kept {whose} {kept:,})" if kept else "") + f"; wrote {args.output}")
    lines = summary(model, learned, base=extended)
    if lines and not args.quiet:
        print("  count  confidence  garbled -> original", file=sys.stderr)
        for line in lines:
            print(line, file=sys.stderr)
    return failed.exit_code()


def cmd_spin(args) -> int:
    from .spin import Spinner
    spinner = Spinner.default()
    if args.rate is not None:
        spinner = Spinner(spinner.table, args.rate)
    failed = _Failures()
    for path in args.files or ["-"]:
        try:
            text, encoding, bom = read_as_written(path, args.encoding)
            spun = spinner.spin(text, seed=args.seed)       # a file's spin is its own, wherever it stands
            data = bom + spun.encode(encoding)              # in the file's encoding, as fix writes it
        except RestoreError as e:
            failed(str(e))
            continue
        except UnicodeEncodeError as e:
            failed(f"{shown(path)}: its spin has {e.object[e.start:e.end]!r}, which {encoding} cannot write")
            continue
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    return failed.exit_code()


def cmd_eval(args) -> int:
    from .decode import Restorer
    from .evaluate import evaluate
    restorer = Restorer(_model(args.model), fix_mojibake=not args.no_ftfy)
    failed = _Failures()
    pairs = _pairs(args.pairs, failed, args.encoding)
    if not pairs:
        return failed.nothing_left(f"no pairs to score in {_named(args.pairs)}")
    result = evaluate(pairs, restorer.restore)
    if args.json:
        print(json.dumps(result))
    else:
        share = {key: "n/a" if value is None else f"{value:.2%}" for key, value in result.items()}
        print(f"pairs {result['pairs']}  words {result['words']}  swapped {result['swapped']}\n"
              f"word error rate  before {share['wer_before']}  after {share['wer_after']}\n"
              f"swapped words restored {share['restored']}  correct words broken {share['broken']}")
    return failed.exit_code()


def _read_options(args) -> dict:
    return {"fix_mojibake": not args.no_ftfy, "encoding": args.encoding, "format": args.format,
            "fields": tuple(args.field or ["text"])}


def cmd_review(args) -> int:
    from .decode import Restorer
    from .review import review
    restorer = Restorer(_model(args.model), fix_mojibake=False, min_confidence=args.min_confidence,
                        min_odds=args.min_odds)
    failed = review(args.inputs, args.output, restorer, say=lambda line: print(f"restore: {line}", file=sys.stderr),
                    **_read_options(args))
    return 1 if failed else 0


def cmd_apply(args) -> int:
    from . import decisions
    from .document import read_document, write_atomic
    if args.input == args.decisions == "-":
        raise UsageError("INPUT and DECISIONS cannot both be standard input: name a file for one of them")
    chosen = decisions.read(args.decisions)
    text = decisions.apply(read_document(args.input, **_read_options(args)), chosen)
    write_atomic(args.output, text, [args.input, args.decisions])
    return 0


COMMANDS = {"fix": cmd_fix, "detect": cmd_detect, "train": cmd_train, "learn": cmd_learn, "spin": cmd_spin,
            "eval": cmd_eval, "review": cmd_review, "apply": cmd_apply}


def _blamed(parser: Any, args: Any, argv: list[str], unknown: list[str]) -> Any:
    """The parser whose usage an unknown option belongs to: the command's, unless it came before the
    command (``restore --bogus fix``)."""
    command_at = next((i for i, word in enumerate(argv) if word in COMMANDS), len(argv))
    first = argv.index(unknown[0]) if unknown[0] in argv else len(argv)
    return parser if first < command_at else getattr(args, "parser", parser)


def main(argv=None) -> int:
    """Run the command line; every problem is one line on stderr, never a traceback.

    Exit codes: 0 done, 1 an error (some file failed), 2 a usage error, 130 interrupted (143 by SIGTERM).
    """
    _stand_in_for_closed_streams()
    parser = build_parser(COMMANDS)
    argv = sys.argv[1:] if argv is None else list(argv)
    args, unknown = parser.parse_known_args(argv)
    if unknown:                             # said by the command they were given to, as other usage errors are
        _blamed(parser, args, argv, unknown).error(f"unrecognized arguments: {' '.join(unknown)}")
    parser = getattr(args, "parser", parser)
    check_options(parser, args)
    try:
        return args.run(args)
    except UsageError as e:
        parser.error(one_line(str(e)))
    except RestoreError as e:
        return _fail(str(e))
    except KeyboardInterrupt as e:
        print("restore: interrupted", file=sys.stderr)
        return 143 if isinstance(e, Terminated) else 130
    except BrokenPipeError:             # the reader went away (| head): no more output, and no complaint
        _drop_stdout()
        return 0
    except OSError as e:
        if e.filename:
            return _fail(f"{e.filename}: {e.strerror or e}")
        if e.errno in DISK_FULL:        # standard output: what is still buffered cannot be written either
            _drop_stdout()
            return _fail(f"standard output: {e.strerror}")
        return _fail(e.strerror or str(e))
    except MemoryError:
        return _fail("out of memory")
    except Exception as e:              # a bug: still one line, which says so
        return _fail(f"internal error ({type(e).__name__}: {e}); please report it")
    return 1


class _Closed(io.RawIOBase):
    """A standard stream the shell closed (``restore fix >&-``): using it is an error that says so."""

    def __init__(self, name: str):
        super().__init__()
        self.name = name

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        raise OSError(errno.EBADF, f"{self.name} is closed")

    def write(self, data) -> int:
        raise OSError(errno.EBADF, f"{self.name} is closed")


def _stand_in_for_closed_streams() -> None:
    """Put a ``_Closed`` stand-in where Python found no stdin or stdout, so that using one fails in one line."""
    if sys.stdin is None:
        sys.stdin = io.TextIOWrapper(io.BufferedReader(_Closed("standard input")))
    if sys.stdout is None:
        sys.stdout = io.TextIOWrapper(_Closed("standard output"), write_through=True)


def _drop_stdout() -> None:
    """Send what is left of standard output nowhere, so that exiting does not fail again."""
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _fail(message: str) -> int:
    print(f"restore: error: {one_line(message)}", file=sys.stderr)
    with contextlib.suppress(OSError):
        sys.stdout.flush()
    return 1
