"""The doctests of the modules that need an optional extra run only where it is installed
(``restore[dask]``, ``restore[parquet]``): the base install's tests need neither."""
import importlib.util


def _missing(*modules: str) -> bool:
    return any(importlib.util.find_spec(name) is None for name in modules)


collect_ignore = []
if _missing("dask", "pandas"):
    collect_ignore.append("restore/dask.py")
if _missing("pyarrow"):
    collect_ignore.append("restore/parquet.py")
