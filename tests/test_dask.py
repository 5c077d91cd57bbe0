"""restore.dask: restore_bag and restore_frame on a LocalCluster."""
import pickle

import pytest

import restore

db = pytest.importorskip("dask.bag")
dd = pytest.importorskip("dask.dataframe")
pd = pytest.importorskip("pandas")
pytest.importorskip("distributed")
pytest.importorskip("pyarrow")

from restore.dask import restore_bag, restore_frame  # noqa: E402  (after the skips: it needs dask)
from restore.fixer import fix_mojibake, mojibake_edits  # noqa: E402

TEXTS = ["Workers astatine the agency person been told to stock accusation with us.", "So helium said.",
         "Nothing to see here.", "The SSAâ€™s staff astatine the office.", "", "They met astatine noon in person."]


def test_restore_bag_equals_restore_text_text_by_text(dask_client):
    texts = TEXTS * 3
    bag = db.from_sequence(texts, npartitions=4)
    assert restore_bag(bag).compute() == [restore.restore_text(t) for t in texts]
    assert restore_bag(db.from_sequence(["So helium said.", None])).compute() == ["So he said.", None]


def test_restore_bag_min_confidence_leaves_less_likely_changes_unmade(dask_client):
    bag = db.from_sequence(TEXTS, npartitions=2)
    strict = restore.Restorer(min_confidence=0.9999)
    assert restore_bag(bag, min_confidence=0.9999).compute() == [strict.restore(t) for t in TEXTS]


def test_restore_bag_min_odds_leaves_words_whose_restoration_is_not_that_much_likelier(dask_client):
    texts = [*TEXTS, "Just aft dawn connected Tuesday a tiny unit released a albescent plaything."]
    bag = db.from_sequence(texts, npartitions=2)
    cautious = restore.Restorer(min_odds=5)
    assert restore_bag(bag, min_odds=5).compute() == [cautious.restore(t) for t in texts]
    assert restore_bag(bag, min_odds=5).compute() != restore_bag(bag).compute()


def test_restore_frame_equals_restore_text_row_by_row_and_counts_the_edits(dask_client):
    frame = pd.DataFrame({"id": range(12), "body": [TEXTS[i % 6] if i % 5 else None for i in range(12)],
                          "score": [i / 3 for i in range(12)]})
    out = restore_frame(dd.from_pandas(frame, npartitions=3), "body").compute()
    assert list(out.columns) == ["id", "body", "score", "body_changed"]
    assert out["id"].tolist() == frame["id"].tolist() and out["score"].tolist() == frame["score"].tolist()
    for text, restored, changed in zip(frame["body"], out["body"], out["body_changed"]):
        if pd.isna(text):
            assert pd.isna(restored) and changed == 0
        else:
            fixed = fix_mojibake(text)
            _, changes = restore.Restorer().restore_with_changes(text)
            assert (restored, changed) == (restore.restore_text(text), len(changes) + len(mojibake_edits(text, fixed)))
    assert out["body_changed"].dtype == "int64" and out["body_changed"].sum() == 11


@pytest.mark.filterwarnings("ignore:The inplace keyword")      # dask's own use of pandas 3
def test_restore_frame_reads_and_writes_parquet_on_the_cluster(dask_client, tmp_path):
    frame = pd.DataFrame({"id": range(6), "text": TEXTS})
    frame.to_parquet(tmp_path / "in.parquet")
    restore_frame(dd.read_parquet(tmp_path / "in.parquet")).to_parquet(tmp_path / "out")
    out = dd.read_parquet(tmp_path / "out").compute()
    assert out["text"].tolist() == [restore.restore_text(t) for t in TEXTS]


def test_the_model_is_named_by_its_path_and_loaded_once_per_worker_process(dask_client):
    bag = restore_bag(db.from_sequence(TEXTS * 4, npartitions=8))
    assert len(pickle.dumps(dict(bag.__dask_graph__()))) < 20_000         # no model in the tasks
    bag.compute()
    restore_frame(dd.from_pandas(pd.DataFrame({"text": TEXTS}), npartitions=3)).compute()

    def loads() -> int:
        from restore.model import _load
        return _load.cache_info().misses
    assert set(dask_client.run(loads).values()) <= {0, 1} and sum(dask_client.run(loads).values()) >= 1


def test_a_missing_or_non_text_column_or_a_loaded_model_is_refused_at_once():
    df = dd.from_pandas(pd.DataFrame({"id": [1], "text": ["a"]}), npartitions=1)
    with pytest.raises(restore.RestoreError, match=r"^no column 'body' \(the frame has 'id', 'text'\)$"):
        restore_frame(df, "body")
    with pytest.raises(restore.RestoreError, match="^column 'id' holds int64, not text$"):
        restore_frame(df, "id")
    with pytest.raises(restore.RestoreError, match="give the model file's path"):
        restore_bag(db.from_sequence(["a"]), model=restore.Model.default())
    with pytest.raises(restore.RestoreError, match="^min_confidence must be a number from 0 to 1, not 2$"):
        restore_frame(df, min_confidence=2)
    with pytest.raises(restore.RestoreError, match="^min_odds must be a finite number of 1 or more, not 0.5$"):
        restore_frame(df, min_odds=0.5)


def test_a_categorical_column_is_restored_and_stays_categorical():
    frame = pd.DataFrame({"text": pd.Categorical(["So helium said.", None, "So helium said.", "Fine."])})
    out = restore_frame(dd.from_pandas(frame, npartitions=2)).compute(scheduler="sync")
    assert isinstance(out["text"].dtype, pd.CategoricalDtype)
    assert out["text"].tolist()[::2] == ["So he said.", "So he said."] and pd.isna(out["text"][1])
    assert out["text_changed"].tolist() == [1, 0, 1, 0]


def test_a_categorical_column_keeps_its_order_and_its_unused_categories():
    kind = pd.CategoricalDtype(["Fine.", "So helium said.", "Unused astatine noon."], ordered=True)
    frame = pd.DataFrame({"text": pd.Series(["So helium said.", "Fine."], dtype=kind)})
    out = restore_frame(dd.from_pandas(frame, npartitions=1)).compute(scheduler="sync")
    assert out["text"].cat.ordered and out["text"].tolist() == ["So he said.", "Fine."]
    assert out["text"].cat.categories.tolist() == ["Fine.", "So he said.", "Unused at noon."]


def test_the_count_of_edits_includes_ftfys_repairs_of_mojibake():
    frame = pd.DataFrame({"text": ["The SSAâ€™s office said so.", "The SSAâ€™s office astatine noon."]})
    out = restore_frame(dd.from_pandas(frame, npartitions=1)).compute(scheduler="sync")
    assert out["text"].tolist() == ["The SSA’s office said so.", "The SSA’s office at noon."]
    assert out["text_changed"].tolist() == [1, 2]


@pytest.mark.parametrize("make, message", [
    (lambda: restore_frame(pd.DataFrame({"text": ["a"]})),
     "^expected a Dask DataFrame, not pandas DataFrame \\(dask.dataframe.from_pandas makes one\\)$"),
    (lambda: restore_frame(dd.from_pandas(pd.DataFrame({"text": ["a"]}), npartitions=1)["text"]),
     "^expected a Dask DataFrame, not dask Series$"),
    (lambda: restore_bag(["a"]), "^expected a Dask bag, not list \\(dask.bag.from_sequence makes one\\)$"),
    (lambda: restore_frame(dd.from_pandas(pd.DataFrame([["a", "b"]], columns=["text", "text"]), npartitions=1)),
     "^the frame has 2 columns named 'text': rename them first$"),
])
def test_a_collection_of_another_kind_is_refused_at_once(make, message):
    with pytest.raises(restore.RestoreError, match=message):
        make()


def test_a_categorical_column_of_numbers_is_refused():
    df = dd.from_pandas(pd.DataFrame({"text": pd.Categorical([1, 2])}), npartitions=1)
    with pytest.raises(restore.RestoreError, match="^column 'text' holds category, not text$"):
        restore_frame(df)


def test_a_frame_that_already_has_the_column_for_the_counts_is_refused_not_overwritten():
    df = dd.from_pandas(pd.DataFrame({"text": ["So helium said."], "text_changed": ["keep me"]}), npartitions=1)
    with pytest.raises(restore.RestoreError, match="already has a column 'text_changed'"):
        restore_frame(df)
