"""bench/fit_decoder.py's saved folds: loaded one at a time, once for all copies of a story."""
import importlib.util
import os
import sys
from pathlib import Path

from restore.model import Channel, ContextModel, Model

BENCH = Path(__file__).resolve().parents[1] / "bench"
spec = importlib.util.spec_from_file_location("fit_decoder_bench", BENCH / "fit_decoder.py")
fit_decoder = importlib.util.module_from_spec(spec)
path = list(sys.path)
spec.loader.exec_module(fit_decoder)        # it puts bench/ on the path, to import real_dev beside it ...
sys.path[:] = path                          # ... where bench/dask.py would hide the dask package from other tests


def tiny_model(word: str) -> Model:
    return Model(Channel(originals={word: (("at", -0.1),)}), ContextModel.from_counts({("at", "the"): 2}, {}))


def test_saved_folds_keep_only_the_model_last_asked_for_and_load_a_shared_file_once(tmp_path, monkeypatch):
    tiny_model("astatine").save(tmp_path / "dev-101.model")
    os.link(tmp_path / "dev-101.model", tmp_path / "dev-108.model")      # another copy of the same story
    tiny_model("atom").save(tmp_path / "dev-102.model")
    loads = []
    real_load = fit_decoder.Model.load
    monkeypatch.setattr(fit_decoder.Model, "load", lambda path: loads.append(Path(path).name) or real_load(path))
    folds = fit_decoder.SavedFolds(tmp_path)
    assert "astatine" in folds["dev-101"].channel.originals
    assert folds["dev-108"] is folds["dev-101"]
    assert "atom" in folds["dev-102"].channel.originals
    assert loads == ["dev-101.model", "dev-102.model"]
