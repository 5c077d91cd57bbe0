"""Benchmark `restore fix --scheduler` on a LocalCluster: words/s with 1 and 2 worker processes,
peak memory per worker, and what the scheduler costs per document.

    python bench/dask.py                   # 2,000 articles, best of 3; prints a table and a JSON line
    python bench/dask.py --files 500 --repeat 1

The archive is bench/batch.py's (spun articles of about 450 words).  Each cluster is started
once and warmed up (model loaded in every worker) before it is timed, as a long-lived
cluster would be; the batch itself is restore.batch.run with ``scheduler=`` its address,
so planning, the report and the client's connection are counted.  Runs of 1 and 2 workers
are interleaved, the best counts.  The overhead per document compares a batch of one-line
documents run on one Dask worker with the same batch run in this process.  End to end,
`restore fix --scheduler local:2` (cluster start included) is timed against `--jobs 2`.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import logging
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
# this file is named dask.py: its folder must not shadow the real dask, here or in spawned workers
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != BENCH]
sys.path.insert(0, str(ROOT))


def _bench_batch():
    """bench/batch.py, for its archive and its wait for a quiet CPU."""
    spec = importlib.util.spec_from_file_location("bench_batch", BENCH / "batch.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _peak_memory_mb() -> float:
    """This process's peak resident memory (VmHWM), in MB: run on each worker."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _timed_batch(folder: Path, out: Path, scheduler: str | None) -> tuple[float, int, int]:
    """Restore ``folder`` to ``out`` (on the cluster at ``scheduler``, or in this process):
    seconds, files done, words."""
    from restore import batch
    start = time.perf_counter()
    tally = batch.run(batch.plan([str(folder)], output_dir=str(out)), batch.Settings(), scheduler=scheduler)
    seconds = time.perf_counter() - start
    if tally.failed or tally.skipped:
        raise SystemExit(f"{tally.failed} files failed, {tally.skipped} skipped")
    return seconds, tally.done, tally.words


def one_line_documents(folder: Path, files: int) -> None:
    for i in range(files):
        path = folder / f"part-{i // 100:03d}" / f"doc-{i:05d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"Workers astatine the agency person been told, helium said. #{i}\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--tiny", type=int, default=2000, help="one-line documents for the overhead per document")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each cluster size; the best counts")
    parser.add_argument("--wait-quiet", type=float, default=120, metavar="S",
                        help="before each run, wait up to S seconds for other processes to leave the CPU idle")
    args = parser.parse_args()
    import distributed
    logging.getLogger("distributed").setLevel(logging.ERROR)      # no notes on clusters closing
    bench_batch = _bench_batch()
    result: dict = {"files": args.files}
    with tempfile.TemporaryDirectory(prefix="restore-bench-dask-") as tmp:
        folder = Path(tmp)
        result["words"] = bench_batch.build_archive(folder / "archive", args.files)
        one_line_documents(folder / "tiny", args.tiny)
        bench_batch.build_archive(folder / "warm", 20, seed=1)
        runs: dict[int, dict]
        clusters, runs = {}, {}
        try:
            for n in (1, 2):
                clusters[n] = distributed.LocalCluster(n_workers=n, threads_per_worker=1, processes=True,
                                                       dashboard_address=":0", silence_logs=logging.ERROR)
                _timed_batch(folder / "warm", folder / f"warm-{n}", clusters[n].scheduler_address)
            for k in range(args.repeat):
                for n in (1, 2):
                    bench_batch.wait_until_quiet(args.wait_quiet)
                    seconds, _, words = _timed_batch(folder / "archive", folder / f"out-{n}-{k}",
                                                     clusters[n].scheduler_address)
                    if n not in runs or seconds < runs[n]["seconds"]:
                        runs[n] = {"seconds": round(seconds, 2), "words_per_s": round(words / seconds),
                                   "files_per_s": round(args.files / seconds, 1)}
            for n in (1, 2):
                with distributed.Client(clusters[n], set_as_default=False) as client:
                    runs[n]["peak_mb_per_worker"] = sorted(client.run(_peak_memory_mb).values())
            # overhead per document: one worker on Dask against this process alone, one-line documents
            _timed_batch(folder / "tiny", folder / "tiny-warm", None)
            here = dask = float("inf")
            for k in range(args.repeat):
                bench_batch.wait_until_quiet(args.wait_quiet)
                here = min(here, _timed_batch(folder / "tiny", folder / f"tiny-here-{k}", None)[0])
                dask = min(dask, _timed_batch(folder / "tiny", folder / f"tiny-dask-{k}",
                                              clusters[1].scheduler_address)[0])
        finally:
            for c in clusters.values():
                c.close()
        result.update(workers1=runs[1], workers2=runs[2],
                      speedup=round(runs[1]["seconds"] / runs[2]["seconds"], 2),
                      tiny={"documents": args.tiny, "here_s": round(here, 2), "dask_s": round(dask, 2),
                            "overhead_ms_per_document": round((dask - here) / args.tiny * 1000, 2)})
        # end to end, as a command: cluster start and model loads included
        for name, more in (("jobs2", ["--jobs", "2"]), ("local2", ["--scheduler", "local:2"])):
            bench_batch.wait_until_quiet(args.wait_quiet)
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "restore", "fix", str(folder / "archive"), "--output-dir",
                            str(folder / f"cli-{name}"), "--quiet", *more], cwd=ROOT, check=True)
            result[f"command_{name}_s"] = round(time.perf_counter() - start, 2)
    words = result["words"]
    print(f"archive: {args.files:,} files, {words:,} words ({words // args.files} a file)")
    for n in (1, 2):
        run = runs[n]
        print(f"LocalCluster, {n} worker{'s' if n > 1 else ''}: {run['seconds']:6.2f} s  {run['files_per_s']:7.1f} files/s  "
              f"{run['words_per_s']:8,} words/s  peak RSS per worker {run['peak_mb_per_worker']} MB")
    tiny = result["tiny"]
    print(f"speed-up: {result['speedup']}x; overhead per document: {tiny['overhead_ms_per_document']} ms "
          f"({tiny['documents']:,} one-line documents: {tiny['dask_s']} s on one Dask worker, "
          f"{tiny['here_s']} s in-process)")
    print(f"as a command: --scheduler local:2 {result['command_local2_s']} s, --jobs 2 {result['command_jobs2_s']} s")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
