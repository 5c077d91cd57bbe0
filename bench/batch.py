"""Benchmark batch repair: files/s with --jobs 1 and --jobs 2, peak memory, and how well
`restore detect` separates spun documents from clean ones.

    python bench/batch.py                  # 2,000 files, best of 3; prints a table and a JSON line
    python bench/batch.py --files 500 --big 100    # also stream one 100 MB text file

The archive is made here, in a temporary folder: articles written from the hand-made
paragraphs and sentence patterns below (no third-party text), spun with restore's own
spinner emulator.  Times are the best of interleaved runs on an idle CPU; memory is the
peak, over a separate run, of the summed resident memory (RSS) of `restore` and its worker
processes, sampled from /proc; PSS counts shared pages once.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PARAGRAPHS = [
    "The city council met on Tuesday evening to discuss the new budget. Several members said they were "
    "worried about the cost of repairing the old bridge, which has been closed since the spring.",
    "Our team spent three weeks testing the new software before it was released. We found a handful of "
    "problems, most of them small, and the developers fixed them quickly.",
    "She grew up in a small town near the coast and moved to the capital when she was eighteen. Her first "
    "job was in a bakery, where she learned to get up before dawn.",
    "The weather service has warned that heavy rain could cause flooding in low areas over the weekend. "
    "People who live near rivers are asked to keep an eye on local reports.",
    "After the game, the coach told reporters that his players had worked hard but made too many mistakes "
    "in the second half. He said the team would study the video on Monday.",
    "The museum will open a new wing next month with paintings lent by private owners. Tickets are free "
    "for children, and the doors will stay open late on Friday nights.",
    "Farmers in the valley say the dry summer has cut their harvest by almost a third. Many of them plan "
    "to ask the state for help with the cost of water.",
    "The school board voted to hire twelve more teachers after parents complained about crowded classrooms. "
    "The new staff will start work in the autumn term.",
    "Police closed the main road for several hours after a truck lost part of its load. Nobody was hurt, "
    "but drivers were sent on a long detour through the hills.",
    "The company said its profits had fallen for the second year in a row. It blamed higher prices for "
    "fuel and a slow market for its products abroad.",
    "Volunteers spent the weekend cleaning the beach and collected more than two hundred bags of rubbish. "
    "The group hopes to make the event a regular part of the summer.",
    "Doctors at the hospital have started a trial of a new treatment for patients with heart disease. The "
    "first results are expected early next year.",
]

SUBJECTS = ["The mayor", "A spokesman for the company", "Local officials", "The workers", "Several residents",
            "The new manager", "A senior engineer", "The committee", "Her lawyer", "The minister",
            "The head of the agency", "Most of the members", "A teacher at the school", "The police"]
VERBS = ["said", "told reporters", "confirmed", "warned", "explained", "argued", "announced", "admitted"]
CLAUSES = ["that the plan would go ahead in the spring", "that prices had risen sharply over the past year",
           "that the new building was almost ready", "that nobody had been told about the change",
           "that the money would be spent on roads and schools", "that the problem had been fixed",
           "that they would meet again next week", "that the report was late because of the storm",
           "that more people were working from home", "that the old system was too slow",
           "that the town needed more homes for young families", "that the decision was a mistake",
           "that the company would hire more staff", "that the results were better than expected"]
TIMES = ["on Monday", "on Tuesday", "last week", "in a statement", "at the meeting", "this morning",
         "in an interview", "after the vote", "earlier this year", "on Friday evening"]


def article(rng: random.Random, paragraphs: int) -> str:
    """A clean article: hand-made paragraphs mixed with sentences from the patterns above."""
    out = [rng.choice(SUBJECTS) + " " + rng.choice(VERBS) + " " + rng.choice(TIMES) + "."]
    for _ in range(paragraphs):
        if rng.random() < 0.5:
            out.append(rng.choice(PARAGRAPHS))
        else:
            out.append(" ".join(f"{rng.choice(SUBJECTS)} {rng.choice(VERBS)} {rng.choice(TIMES)} "
                                f"{rng.choice(CLAUSES)}." for _ in range(rng.randint(2, 4))))
    return "\n\n".join(out) + "\n"


def build_archive(folder: Path, files: int, seed: int = 0) -> int:
    """``files`` spun articles (about 400 words each, like news articles) in sub-folders of 100;
    returns the number of words."""
    from restore.spin import Spinner
    spinner, rng, words = Spinner.default(), random.Random(seed), 0
    for i in range(files):
        text = spinner.spin(article(rng, rng.randint(8, 16)), seed=i)
        path = folder / f"part-{i // 100:03d}" / f"article-{i:05d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        words += len(text.split())
    return words


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants, from /proc/PID/task/*/children."""
    tree, i = [pid], 0
    while i < len(tree):
        for task in Path(f"/proc/{tree[i]}/task").glob("*"):
            try:
                tree += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                pass
        i += 1
    return tree


def _memory(pids: list[int]) -> tuple[int, int]:
    """Summed RSS and PSS of ``pids``, in kB."""
    rss = pss = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
                if line.startswith("Rss:"):
                    rss += int(line.split()[1])
                elif line.startswith("Pss:"):
                    pss += int(line.split()[1])
        except OSError:
            pass
    return rss, pss


def _busy_seconds() -> float:
    """CPU time the whole machine has spent busy so far, from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def wait_until_quiet(limit: float) -> None:
    """Wait (up to ``limit`` seconds) until other processes leave the CPU at least 90% idle for 2 s,
    so that a neighbour's burst does not count against restore."""
    end = time.monotonic() + limit
    cpus = os.cpu_count()
    assert cpus is not None
    while time.monotonic() < end:
        wall, busy = time.monotonic(), _busy_seconds()
        time.sleep(2)
        if _busy_seconds() - busy < 0.1 * (time.monotonic() - wall) * cpus:
            return


QUIET_WAIT = 0.0


def timed(args: list[str], memory: bool = False) -> dict:
    """Run ``restore ARGS``: wall time, CPU time, and the share of the machine's CPU that other
    processes took meanwhile (a noisy neighbour); with ``memory``, also the peak RSS and PSS of its
    process tree (sampling costs some CPU, so timed runs do without)."""
    wait_until_quiet(QUIET_WAIT)
    peak = [0, 0]
    before, busy = resource.getrusage(resource.RUSAGE_CHILDREN), _busy_seconds()
    proc = subprocess.Popen([sys.executable, "-m", "restore", *args], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    start = time.perf_counter()

    def sample():
        while proc.poll() is None:
            rss, pss = _memory(_tree(proc.pid))
            peak[0], peak[1] = max(peak[0], rss), max(peak[1], pss)
            time.sleep(0.1)

    sampler = threading.Thread(target=sample)
    if memory:
        sampler.start()
    _, err = proc.communicate()
    seconds = time.perf_counter() - start
    if memory:
        sampler.join()
    after, busy = resource.getrusage(resource.RUSAGE_CHILDREN), _busy_seconds() - busy
    if proc.returncode:
        raise SystemExit(f"restore {' '.join(args)} failed:\n{err.decode()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    cpus = os.cpu_count()
    assert cpus is not None
    run = {"seconds": round(seconds, 2), "cpu_seconds": round(cpu, 2),
           "others_cpu_share": round(max(0.0, busy - cpu) / (seconds * cpus), 2)}
    if memory:
        run.update(peak_rss_mb=round(peak[0] / 1024), peak_pss_mb=round(peak[1] / 1024))
    return run


def quiet_run(folder: Path, out: Path, jobs: int, tries: int = 3) -> dict:
    """Restore ``folder`` to ``out`` with ``jobs`` workers, timed; run again (into a fresh folder, up
    to ``tries`` times) while other processes took over 10% of the CPU."""
    for k in range(tries):
        run = timed(["fix", str(folder), "--output-dir", f"{out}-{k}", "--jobs", str(jobs), "--quiet"])
        if run["others_cpu_share"] <= 0.1:
            break
    return run


def throughput(folder: Path, files: int, words: int, repeat: int) -> dict:
    """The best of ``repeat`` interleaved runs with --jobs 1 and --jobs 2."""
    runs: dict = {}
    for k in range(repeat):
        for jobs in (1, 2):
            run = quiet_run(folder / "archive", folder / f"out-{jobs}-{k}", jobs)
            best = runs.get(f"jobs{jobs}")
            if best is None or run["seconds"] < best["seconds"]:
                runs[f"jobs{jobs}"] = run
    for jobs in (1, 2):
        run = runs[f"jobs{jobs}"]
        run["files_per_s"] = round(files / run["seconds"], 1)
        run["words_per_s"] = round(words / run["seconds"])
    runs["speedup"] = round(runs["jobs1"]["seconds"] / runs["jobs2"]["seconds"], 2)
    for jobs in (1, 2):
        sampled = timed(["fix", str(folder / "archive"), "--output-dir", str(folder / f"out-mem-{jobs}"),
                         "--jobs", str(jobs), "--quiet"], memory=True)
        runs[f"jobs{jobs}"].update(peak_rss_mb=sampled["peak_rss_mb"], peak_pss_mb=sampled["peak_pss_mb"])
    # flat memory: a twentieth of the archive should peak about as high as all of it
    part = timed(["fix", str(folder / "archive" / "part-000"), "--output-dir", str(folder / "out-part"),
                  "--jobs", "2", "--quiet"], memory=True)
    runs["peak_rss_mb_100_files_jobs2"] = part["peak_rss_mb"]
    return runs


def big_file(folder: Path, megabytes: int) -> dict:
    """Stream one large spun text file through `restore fix` (jobs 1)."""
    from restore.spin import Spinner
    spinner, rng = Spinner.default(), random.Random(1)
    path, size = folder / "big.txt", 0
    with path.open("w", encoding="utf-8") as f:
        i = 0
        while size < megabytes << 20:
            text = spinner.spin(article(rng, 6), seed=i) + "\n"
            f.write(text)
            size += len(text.encode())
            i += 1
    run = timed(["fix", str(path), "--output-dir", str(folder / "out-big"), "--quiet"], memory=True)
    run["megabytes"] = megabytes
    run["mb_per_s"] = round(megabytes / run["seconds"], 2)
    return run


def separation(folder: Path, documents: int, rate: float | None) -> dict:
    """Scores `restore detect` gives to clean articles and to the same articles spun."""
    from restore.spin import Spinner
    spinner = Spinner.default()
    if rate is not None:
        spinner = Spinner(spinner.table, rate)
    rng = random.Random(7)
    docs = folder / f"detect-{rate}"
    for kind in ("clean", "spun"):
        (docs / kind).mkdir(parents=True)
    for i in range(documents):
        text = article(rng, rng.randint(2, 5))
        (docs / "clean" / f"{i:04d}.txt").write_text(text, encoding="utf-8")
        (docs / "spun" / f"{i:04d}.txt").write_text(spinner.spin(text, seed=i), encoding="utf-8")
    out = subprocess.run([sys.executable, "-m", "restore", "detect", str(docs), "--jobs", "2"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    scores: dict[str, list[float]] = {"clean": [], "spun": []}
    for line in out.splitlines():
        score, path = line.split("\t")
        scores[Path(path).parent.name].append(float(score))
    clean, spun = sorted(scores["clean"]), sorted(scores["spun"])
    pairs = sum((s > c) + 0.5 * (s == c) for s in spun for c in clean)
    best = max((sum(c < t for c in clean) + sum(s >= t for s in spun), t) for t in sorted(set(clean + spun)))
    return {"documents": documents, "spin_rate": rate or spinner.rate,
            "clean_mean": round(sum(clean) / len(clean), 3), "clean_max": clean[-1],
            "spun_mean": round(sum(spun) / len(spun), 3), "spun_min": spun[0],
            "auc": round(pairs / (len(clean) * len(spun)), 4),
            "best_threshold": best[1], "best_accuracy": round(best[0] / (2 * documents), 4),
            "accuracy_at_0.5": round((sum(c < 0.5 for c in clean) + sum(s >= 0.5 for s in spun)) / (2 * documents), 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--big", type=int, default=0, metavar="MB", help="also stream a text file of MB megabytes")
    parser.add_argument("--documents", type=int, default=200, help="clean and spun documents for detect")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each --jobs setting; the best counts")
    parser.add_argument("--wait-quiet", type=float, default=120, metavar="S",
                        help="before each run, wait up to S seconds for other processes to leave the CPU idle")
    args = parser.parse_args()
    global QUIET_WAIT
    QUIET_WAIT = args.wait_quiet
    with tempfile.TemporaryDirectory(prefix="restore-bench-") as tmp:
        folder = Path(tmp)
        words = build_archive(folder / "archive", args.files)
        result = {"files": args.files, "words": words, **throughput(folder, args.files, words, args.repeat)}
        if args.big:
            result["big_file"] = big_file(folder, args.big)
        result["detect"] = [separation(folder, args.documents, rate) for rate in (None, 0.1)]
    j1, j2 = result["jobs1"], result["jobs2"]
    print(f"archive: {args.files:,} files, {words:,} words ({words // args.files} a file)")
    for name, run in (("--jobs 1", j1), ("--jobs 2", j2)):
        print(f"{name}: {run['seconds']:6.2f} s  {run['files_per_s']:7.1f} files/s  {run['words_per_s']:8,} words/s  "
              f"CPU {run['cpu_seconds']} s  peak RSS {run['peak_rss_mb']} MB (PSS {run['peak_pss_mb']} MB)  "
              f"other processes took {run['others_cpu_share']:.0%} of the CPU")
    print(f"speed-up: {result['speedup']}x; peak RSS of 100 files with --jobs 2: "
          f"{result['peak_rss_mb_100_files_jobs2']} MB")
    if args.big:
        big = result["big_file"]
        print(f"one {big['megabytes']} MB file: {big['seconds']} s ({big['mb_per_s']} MB/s), peak RSS {big['peak_rss_mb']} MB")
    for d in result["detect"]:
        print(f"detect at spin rate {d['spin_rate']}: clean mean {d['clean_mean']} (max {d['clean_max']}), "
              f"spun mean {d['spun_mean']} (min {d['spun_min']}), AUC {d['auc']}, "
              f"accuracy {d['accuracy_at_0.5']} at 0.5, best {d['best_accuracy']} at {d['best_threshold']}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
