"""`restore fix --scheduler`: the same batch on a Dask cluster (a LocalCluster here)."""
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_batch import SPUN, fix, make_archive

import restore
from restore import cluster as dask_batch
from restore.files import Spool
from restore.inputs import Job
from restore.worker import Settings

distributed = pytest.importorskip("distributed")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

TEXTS = ["Workers astatine the agency person been told to stock accusation with us.", "So helium said.",
         "Nothing to see here.", "The SSAâ€™s staff astatine the office.", "", "They met astatine noon in person."]


def files(folder: Path) -> dict:
    """{relative path: bytes} of every file below ``folder``, hidden ones included."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def report(path: Path) -> tuple:
    """The report's summary and its entries by path, without the output folder's name."""
    data = json.loads(path.read_text())
    entries = sorted((f["path"], f["status"], f["message"], f["words"], f["changed"]) for f in data["files"])
    return data["summary"], entries


def mixed_archive(folder: Path, n: int = 30) -> None:
    """``n`` spun text files, and an HTML, a JSON Lines and a Parquet file."""
    make_archive(folder, n)
    (folder / "page.html").write_text(f"<p title='So helium said'>{SPUN}</p><script>astatine</script>\n")
    (folder / "feed.jsonl").write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(TEXTS)))
    pq.write_table(pa.table({"id": range(12), "text": [TEXTS[i % 6] if i % 5 else None for i in range(12)]}),
                   folder / "rows.parquet", row_group_size=5)


def test_scheduler_local_2_writes_the_same_outputs_and_report_as_jobs_1(capsys, tmp_path):
    mixed_archive(tmp_path / "in")
    code, _, err = fix(capsys, tmp_path / "in", "--output-dir", tmp_path / "one", "--jobs", "1",
                       "--report", tmp_path / "one.json")
    assert code == 0, err
    code, _, err2 = fix(capsys, tmp_path / "in", "--output-dir", tmp_path / "dask", "--scheduler", "local:2",
                        "--report", tmp_path / "dask.json")
    assert code == 0, err2
    assert files(tmp_path / "dask") == files(tmp_path / "one")
    assert len(files(tmp_path / "one")) == 33
    assert report(tmp_path / "dask.json") == report(tmp_path / "one.json")
    assert err2.splitlines()[0] == err.splitlines()[0] == "restore: 33 files done, 0 failed, 0 skipped; " + \
        err.split("skipped; ", 1)[1].splitlines()[0]


def test_scheduler_honours_changes_min_confidence_and_resume(capsys, dask_client, tmp_path):
    mixed_archive(tmp_path / "in", 12)
    address = dask_client.scheduler.address
    for where, more in (("one", []), ("dask", ["--scheduler", address])):
        assert fix(capsys, tmp_path / "in", "--output-dir", tmp_path / where, "--changes", tmp_path / f"{where}.jsonl",
                   "--min-confidence", "0.999", *more)[0] == 0
    assert files(tmp_path / "dask") == files(tmp_path / "one")
    logged = [sorted((tmp_path / f"{where}.jsonl").read_text().splitlines()) for where in ("one", "dask")]
    assert logged[0] == logged[1] and len(logged[0]) > 20
    assert all(json.loads(line)["confidence"] >= 0.999 or json.loads(line).get("by") for line in logged[0])

    time.sleep(0.01)
    (tmp_path / "in" / "3" / "0003.txt").write_text(SPUN)           # changed since: done again
    code, _, err = fix(capsys, tmp_path / "in", "--output-dir", tmp_path / "dask", "--scheduler", address,
                       "--resume", "--report", tmp_path / "r.json")
    assert code == 0 and err.startswith("restore: 1 files done, 0 failed, 14 skipped")
    assert (tmp_path / "dask" / "3" / "0003.txt").read_text() == restore.restore_text(SPUN)


@pytest.mark.parametrize("address", ["local:0", "local:x", "localhost:8786", "tcp://host", "http://host:8786",
                                     "tcp://host:99999"])
def test_a_bad_scheduler_address_is_a_usage_error(capsys, tmp_path, address):
    (tmp_path / "a.txt").write_text(SPUN)
    code, _, err = fix(capsys, tmp_path / "a.txt", "--output-dir", tmp_path / "out", "--scheduler", address)
    assert code == 2 and err.splitlines()[-1].startswith(f"restore fix: error: --scheduler {address}: ")
    assert "Traceback" not in err


def test_the_scheduler_needs_an_output_folder_and_no_jobs(capsys, tmp_path):
    (tmp_path / "a.txt").write_text(SPUN)
    code, _, err = fix(capsys, tmp_path / "a.txt", "--scheduler", "local:1")
    assert code == 2 and "--scheduler needs --output-dir or --in-place" in err
    code, _, err = fix(capsys, tmp_path / "a.txt", "--scheduler", "local:1", "--output-dir", tmp_path / "o", "-j", "2")
    assert code == 2 and "give --jobs or --scheduler, not both" in err


def test_an_unreachable_scheduler_is_one_line_and_exit_1(capsys, tmp_path):
    import dask
    (tmp_path / "a.txt").write_text(SPUN)
    with socket.socket() as s:                      # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with dask.config.set({"distributed.comm.timeouts.connect": "0.5s"}):
        code, _, err = fix(capsys, tmp_path / "a.txt", "--output-dir", tmp_path / "out",
                           "--scheduler", f"tcp://127.0.0.1:{port}")
    assert code == 1
    assert err.startswith(f"restore: error: cannot reach the Dask scheduler at tcp://127.0.0.1:{port} (")
    assert len(err.splitlines()) == 1 and not (tmp_path / "out").exists()


def workers_of(pid: int) -> list:
    """The Dask worker processes that the process ``pid`` spawned."""
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        for child in (task / "children").read_text().split():
            with open(f"/proc/{child}/cmdline", "rb") as f:
                if b"spawn_main" in f.read():
                    found.append(int(child))
    return found


def kill_a_worker_midway(tmp_path: Path, n: int) -> tuple[int, str]:
    """Restore ``n`` files on ``local:2``, SIGKILL one worker once 20 are written: (files written by
    then, stderr). The batch's temporary folder is ``tmp_path / "tmp"``."""
    make_archive(tmp_path / "in", n, paragraphs=4)
    (tmp_path / "tmp").mkdir()
    proc = subprocess.Popen([sys.executable, "-m", "restore", "fix", str(tmp_path / "in"), "--output-dir",
                             str(tmp_path / "out"), "--scheduler", "local:2", "--report", str(tmp_path / "r.json"),
                             "--changes", str(tmp_path / "changes.jsonl")], stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "TMPDIR": str(tmp_path / "tmp")})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (len(list((tmp_path / "out").rglob("*.txt"))) < 20
                                           or len(workers_of(proc.pid)) < 2):
        time.sleep(0.02)
    written_before = len(list((tmp_path / "out").rglob("*.txt")))
    os.kill(workers_of(proc.pid)[0], signal.SIGKILL)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    return written_before, err


def test_a_worker_killed_midway_leaves_nothing_in_the_temporary_folder(tmp_path):
    kill_a_worker_midway(tmp_path, 100)
    assert list((tmp_path / "tmp").iterdir()) == []


def test_a_worker_killed_midway_has_its_tasks_rerun_and_no_document_is_lost_or_written_twice(tmp_path):
    written_before, err = kill_a_worker_midway(tmp_path, 400)
    assert written_before < 400 and "Traceback" not in err
    data = json.loads((tmp_path / "r.json").read_text())
    assert data["summary"]["done"] == 400 and len({f["path"] for f in data["files"]}) == len(data["files"]) == 400
    outputs = sorted(p for p in (tmp_path / "out").rglob("*") if p.is_file())
    assert len(outputs) == 400 and not [p for p in outputs if p.name.startswith(".") or p.suffix == ".tmp"]
    for path in outputs:
        assert path.read_text().endswith(f"\n\n#{int(path.stem)}\n")
    changes: dict = {}
    for line in (tmp_path / "changes.jsonl").read_text().splitlines():
        record = json.loads(line)
        changes.setdefault(record["file"], []).append(record["offset"])
    assert all(len(offsets) == len(set(offsets)) for offsets in changes.values())      # no file logged twice
    assert {f["path"]: f["changed"] for f in data["files"] if f["changed"]} == {
        path: len(offsets) for path, offsets in changes.items()}


def test_a_task_run_again_replaces_the_output_and_deletes_what_the_dead_attempt_left(tmp_path):
    (tmp_path / "a.txt").write_text(SPUN)
    settings = Settings(token="restore-test")
    job = Job(str(tmp_path / "a.txt"), str(tmp_path / "out" / "a.txt"))
    Spool(final=job.target, token=settings.token).keep()                   # as a killed worker leaves it
    for _ in range(2):                                                      # run, and run again
        [(outcome, changes)] = dask_batch.repair_files(settings, [job])
        assert outcome.status == "done" and outcome.changed == 5 and changes == ""
        assert os.listdir(tmp_path / "out") == ["a.txt"]
        assert (tmp_path / "out" / "a.txt").read_text() == restore.restore_text(SPUN)


def test_a_group_lost_with_its_workers_is_sent_again_file_by_file_then_fails_alone(tmp_path):
    class Lost:
        def result(self):
            raise distributed.KilledWorker("repair_files-1", "tcp://127.0.0.1:1", 3)

    batch = dask_batch.DaskBatch(Settings(), "local:1")
    jobs = [Job(f"{i}.txt", f"out/{i}.txt") for i in range(3)]
    sent: list = []
    flying = {Lost(): dask_batch._Task(jobs)}
    assert list(batch._collect(next(iter(flying)), flying, sent.append, str(tmp_path))) == []
    assert [(task.jobs, task.alone) for task in sent] == [([job], True) for job in jobs]
    flying = {Lost(): sent[0]}
    [outcome] = batch._collect(next(iter(flying)), flying, sent.append, str(tmp_path))
    assert (outcome.source, outcome.status, outcome.message) == ("0.txt", "failed", dask_batch.DIED)


def test_ctrl_c_on_a_cluster_stops_the_batch_leaving_only_whole_outputs(tmp_path):
    make_archive(tmp_path / "in", 600, paragraphs=4)
    proc = subprocess.Popen([sys.executable, "-m", "restore", "fix", str(tmp_path / "in"), "--output-dir",
                             str(tmp_path / "out"), "--scheduler", "local:2"], stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while len(list((tmp_path / "out").rglob("*.txt"))) < 20 and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err
    written = [p for p in (tmp_path / "out").rglob("*") if p.is_file()]
    assert 20 <= len(written) < 600
    assert not [p for p in written if p.name.startswith(".") or p.suffix == ".tmp"]
    for path in written:
        assert path.read_text().endswith(f"\n\n#{int(path.stem)}\n")


def test_ctrl_c_on_a_cluster_reports_every_file_it_wrote(tmp_path):
    make_archive(tmp_path / "in", 600, paragraphs=4)
    proc = subprocess.Popen([sys.executable, "-m", "restore", "fix", str(tmp_path / "in"), "--output-dir",
                             str(tmp_path / "out"), "--scheduler", "local:2", "--report", str(tmp_path / "r.json")],
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while len(list((tmp_path / "out").rglob("*.txt"))) < 20 and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=120)
    written = {str(p) for p in (tmp_path / "out").rglob("*.txt")}
    reported = json.loads((tmp_path / "r.json").read_text())["files"]
    assert proc.returncode == 130 and written == {f["output"] for f in reported if f["status"] == "done"}


def test_ctrl_c_from_a_terminal_reaching_every_worker_too_stops_the_batch_at_once(tmp_path):
    # a terminal sends Ctrl-C to the whole process group: the workers died with tracebacks, and
    # the batch waited on them for good
    make_archive(tmp_path / "in", 600, paragraphs=4)
    proc = subprocess.Popen([sys.executable, "-m", "restore", "fix", str(tmp_path / "in"), "--output-dir",
                             str(tmp_path / "out"), "--scheduler", "local:2"], stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    deadline = time.monotonic() + 60
    while len(list((tmp_path / "out").rglob("*.txt"))) < 20 and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err


def test_tls_without_dasks_tls_settings_is_a_usage_error_and_no_traceback(capsys, tmp_path):
    (tmp_path / "a.txt").write_text(SPUN)
    code, _, err = fix(capsys, tmp_path / "a.txt", "--output-dir", tmp_path / "out", "--scheduler", "tls://127.0.0.1:1")
    assert code == 2 and "Traceback" not in err
    assert err == ("restore fix: error: --scheduler tls://127.0.0.1:1: tls:// needs Dask's TLS settings "
                   "(distributed.comm.tls: ca-file, and the client's cert and key) (see restore fix --help)\n")


def test_a_local_cluster_of_more_workers_than_the_machine_can_use_starts_as_many_as_it_can_and_says_so(capsys):
    from restore.cli import COMMANDS
    from restore.options import build_parser, check_options
    parser = build_parser(COMMANDS)
    args = parser.parse_args(["fix", "a.txt", "-o", "out", "--scheduler", "local:100000"])
    check_options(parser, args)
    most = 4 * (os.cpu_count() or 1)
    assert args.scheduler == f"local:{most}"
    assert capsys.readouterr().err.startswith(f"restore: --scheduler local:100000 is more than this machine can use: local:{most}")
