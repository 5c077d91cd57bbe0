"""What the command line does with closed streams, signals, odd output paths and its own inputs.

Each case here was once a traceback, a lost file or a hang, found by trying restore as a hostile user.
"""
import os
import stat
import subprocess
import sys

import pytest
from test_batch import SPUN, fix


def run(*args, **popen):
    return subprocess.run([sys.executable, "-m", "restore", *map(str, args)], capture_output=True, text=True,
                          timeout=120, **popen)


# -- where the report and the log may go ----------------------------------------------------------------------

def test_a_report_through_a_symbolic_link_replaces_the_file_and_keeps_the_link(capsys, tmp_path):
    (tmp_path / "a.txt").write_text(SPUN)
    (tmp_path / "target.json").write_text("old")
    (tmp_path / "link.json").symlink_to("target.json")
    code, _, _ = fix(capsys, tmp_path / "a.txt", "-q", "--report", tmp_path / "link.json")
    assert code == 0 and (tmp_path / "link.json").is_symlink()
    assert (tmp_path / "target.json").read_text().startswith('{"files": [')


def test_a_report_to_a_device_writes_to_it_and_leaves_the_device(capsys, tmp_path):
    (tmp_path / "a.txt").write_text(SPUN)
    code, _, _ = fix(capsys, tmp_path / "a.txt", "-q", "--report", os.devnull)
    assert code == 0 and stat.S_ISCHR(os.stat(os.devnull).st_mode)


@pytest.mark.skipif(not os.path.exists("/dev/full") or not stat.S_ISCHR(os.stat("/dev/full").st_mode),
                    reason="needs /dev/full")
def test_a_log_that_cannot_be_written_is_one_line_naming_it(capsys, tmp_path):
    (tmp_path / "a.txt").write_text(SPUN * 400)
    code, _, err = fix(capsys, tmp_path / "a.txt", "--changes", "/dev/full")
    assert code == 1 and err.strip().endswith("/dev/full: No space left on device")
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_a_report_that_names_a_folder_is_one_line_and_leaves_no_temporary_file(capsys, tmp_path):
    (tmp_path / "a.txt").write_text(SPUN)
    (tmp_path / "report").mkdir()
    code, _, err = fix(capsys, tmp_path / "a.txt", "-q", "--report", tmp_path / "report")
    assert code == 1 and err.strip().endswith("report: Is a directory") and ".tmp" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt", "report"]
