import logging
from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
PAIRS = Path(__file__).resolve().parents[1] / "corpora" / "pairs"


@pytest.fixture(scope="session")
def fixtures() -> Path:
    return FIXTURES


@pytest.fixture(scope="session")
def pairs() -> Path:
    """Small hand-written spun/clean pair files (corpora/pairs/)."""
    return PAIRS


@pytest.fixture(scope="session")
def restorer():
    from restore import Restorer
    return Restorer()


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory):
    """A model trained on the hand-written fixture pairs only."""
    from restore.learn import train_model
    from restore.pairs import read_pairs
    return train_model(read_pairs([PAIRS / "pairs.jsonl"]))


SPUN = "Workers astatine the agency person been told to stock accusation astir it.\n"


@pytest.fixture
def archive(tmp_path):
    """in/a.txt (spun), in/sub/b.txt (spun), in/sub/deeper/c.txt (clean)."""
    root = tmp_path / "in"
    (root / "sub" / "deeper").mkdir(parents=True)
    (root / "a.txt").write_text(SPUN)
    (root / "sub" / "b.txt").write_text("So helium said.\n\n" + SPUN)
    (root / "sub" / "deeper" / "c.txt").write_text("Nothing to see here.\n")
    return root


@pytest.fixture(scope="module")
def dask_client(tmp_path_factory):
    """A LocalCluster of two worker processes, one thread each, shared by a module's tests (and the
    default client meanwhile); closed when the module is done.  distributed's event-loop and offload
    threads outlive it, so later batches in this process spawn their workers (``pool.worker_context``).
    Its folders go in pytest's temporary folder, not Dask's dask-scratch-space."""
    distributed = pytest.importorskip("distributed")
    import dask.config
    with dask.config.set({"temporary-directory": str(tmp_path_factory.mktemp("dask"))}), \
            distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                                     silence_logs=logging.ERROR) as cluster, distributed.Client(cluster) as client:
        yield client
