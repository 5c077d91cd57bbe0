"""The doctests of the modules that need an optional extra run only where it is installed
(``restore[dask]``, ``restore[parquet]``): the base install's tests need neither."""
import importlib.util
import tempfile

import pytest


def _missing(*modules: str) -> bool:
    return any(importlib.util.find_spec(name) is None for name in modules)


collect_ignore = []
if _missing("dask", "pandas"):
    collect_ignore.append("restore/dask.py")
if _missing("pyarrow"):
    collect_ignore.append("restore/parquet.py")


@pytest.fixture(autouse=True)
def _doctest_temporary_files(request, tmp_path_factory, monkeypatch):
    """The examples that make temporary folders (``tempfile.mkdtemp()``) make them in pytest's own
    temporary folder, which pytest cleans up, not in the machine's ``/tmp``."""
    if isinstance(request.node, pytest.DoctestItem):
        monkeypatch.setattr(tempfile, "tempdir", str(tmp_path_factory.mktemp("doctest")))
