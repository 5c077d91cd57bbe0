"""Parquet files: their text columns restored, everything else kept, row group by row group."""
import json
import subprocess
import sys

import pytest
from test_batch import fix

import restore
from restore.cli import main

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

TEXTS = ["Workers astatine the agency person been told to stock accusation with us.", None, "So helium said.",
         "The SSAâ€™s staff astatine the office.", "", "Nothing to see here.", "They met astatine noon in person."]


def write_articles(path, rows=14, row_group_size=4, **columns):
    """Rows of every kind of column, the text one spun, in row groups of ``row_group_size``."""
    table = pa.table({
        "id": pa.array(range(rows), pa.int64()),
        "text": pa.array([TEXTS[i % len(TEXTS)] for i in range(rows)], pa.string()),
        "title": pa.array([f"So helium said {i}" if i % 3 else None for i in range(rows)], pa.large_string()),
        "score": pa.array([i / 7 for i in range(rows)], pa.float64()),
        "tags": pa.array([["astatine", str(i)] for i in range(rows)], pa.list_(pa.string())),
        **columns,
    }).replace_schema_metadata({"origin": "crawl 2024"})
    pq.write_table(table, path, row_group_size=row_group_size, compression="zstd")
    return table


def restored(values):
    return [None if v is None else restore.restore_text(v) for v in values]


def test_parquet_round_trip_keeps_the_other_columns_the_schema_and_the_row_groups(capsys, tmp_path):
    (tmp_path / "in").mkdir()
    table = write_articles(tmp_path / "in" / "a.parquet")
    code, _, err = fix(capsys, tmp_path / "in", "--output-dir", tmp_path / "out")
    assert code == 0, err
    before, after = pq.ParquetFile(tmp_path / "in" / "a.parquet"), pq.ParquetFile(tmp_path / "out" / "a.parquet")
    assert after.schema_arrow.equals(before.schema_arrow, check_metadata=True)
    assert after.metadata.num_row_groups == before.metadata.num_row_groups == 4
    assert [after.metadata.row_group(i).num_rows for i in range(4)] == [4, 4, 4, 2]
    assert after.metadata.row_group(0).column(0).compression == "ZSTD"
    out = after.read()
    for name in ("id", "title", "score", "tags"):
        assert out.column(name).equals(table.column(name))
    assert out.column("text").to_pylist() == restored(table.column("text").to_pylist())
    assert out.column("text").to_pylist()[:3] == [
        "Workers at the agency have been told to share information with us.", None, "So he said."]


def test_every_field_named_is_restored_and_nulls_stay_null(capsys, tmp_path):
    table = write_articles(tmp_path / "a.parquet")
    assert fix(capsys, tmp_path / "a.parquet", "--output-dir", tmp_path / "out", "--field", "text",
               "--field", "title")[0] == 0
    out = pq.read_table(tmp_path / "out" / "a.parquet")
    assert out.column("title").to_pylist() == restored(table.column("title").to_pylist())
    assert out.column("title").type == pa.large_string() and out.column("title").null_count == 5
    assert out.column("title").to_pylist()[0] is None and out.column("title").to_pylist()[1].startswith("So he said")


def test_format_parquet_reads_a_file_of_any_name(capsys, tmp_path):
    write_articles(tmp_path / "a.data")
    assert fix(capsys, tmp_path / "a.data", "--format", "parquet", "--output-dir", tmp_path / "out")[0] == 0
    assert pq.read_table(tmp_path / "out" / "a.data").column("text")[0].as_py().startswith("Workers at the")


@pytest.mark.parametrize("name, content, fields, message", [
    ("notes.parquet", b"plain text, not parquet\n", [], "not a Parquet file ("),
    ("a.parquet", None, ["--field", "body"], "no column 'body' (it has 'id', 'text', 'title', 'score', 'tags')"),
    ("a.parquet", None, ["--field", "score"], "column 'score' holds double, not text"),
    ("a.parquet", None, ["--field", "tags"], "column 'tags' holds list<element: string>, not text"),
])
def test_a_file_that_is_not_parquet_or_a_bad_column_is_one_line_naming_the_file(capsys, tmp_path, name, content,
                                                                                 fields, message):
    path = tmp_path / name
    if content is None:
        write_articles(path)
    else:
        path.write_bytes(content)
    code, _, err = fix(capsys, path, "--output-dir", tmp_path / "out", *fields)
    assert code == 1
    assert err.splitlines()[0] == f"restore: error: {path}: {message}" or (
        message.endswith("(") and err.startswith(f"restore: error: {path}: {message}"))
    assert "Traceback" not in err and len([line for line in err.splitlines() if "error" in line]) == 1
    assert not (tmp_path / "out").exists() or list((tmp_path / "out").iterdir()) == []


def test_parquet_changes_name_the_row_and_the_column(capsys, tmp_path):
    write_articles(tmp_path / "a.parquet", rows=7)
    assert fix(capsys, tmp_path / "a.parquet", "--output-dir", tmp_path / "out", "--field", "text",
               "--field", "title", "--changes", tmp_path / "changes.jsonl")[0] == 0
    records = [json.loads(line) for line in (tmp_path / "changes.jsonl").read_text().splitlines()]
    where = [(r["row"], r["column"], r["garbled"], r["restored"]) for r in records if r.get("by") != "ftfy"]
    assert where[:3] == [(0, "text", "astatine", "at"), (0, "text", "person", "have"), (0, "text", "stock", "share")]
    assert (1, "title", "helium", "he") in where and (2, "text", "helium", "he") in where
    assert list(records[0])[:4] == ["file", "row", "column", "offset"]
    assert {"row": 3, "column": "text", "garbled": "â€™", "by": "ftfy"}.items() <= next(
        r for r in records if r.get("by")).items()
    fixed = pq.read_table(tmp_path / "a.parquet").column("text")[3].as_py().replace("â€™", "’")
    offset = next(r["offset"] for r in records if r["row"] == 3 and r["garbled"] == "astatine")
    assert fixed[offset:].startswith("astatine")


def test_detect_scores_each_row_of_a_parquet_file(capsys, tmp_path):
    write_articles(tmp_path / "a.parquet", rows=3)
    capsys.readouterr()
    assert main(["detect", str(tmp_path / "a.parquet"), "--threshold", "0.5"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[1:] for line in lines] == [["spun", f"{tmp_path}/a.parquet:0"],
                                                         ["spun", f"{tmp_path}/a.parquet:2"]]


def test_a_parquet_file_streams_row_group_by_row_group_in_flat_memory(tmp_path):
    """40 row groups of 2,000 rows (9 MB of text): the peak, in Arrow's memory and Python's, stays
    near one row group's size."""
    rows = 80_000
    text = "Workers astatine the agency person been told to stock accusation, helium said. "
    pq.write_table(pa.table({"id": range(rows), "text": [f"{text}{i}" for i in range(rows)]}),
                   tmp_path / "big.parquet", row_group_size=2_000)
    pq.write_table(pa.table({"id": [0], "text": [text]}), tmp_path / "small.parquet")
    script = f"""
import tracemalloc, pyarrow as pa
from restore.inputs import Job
from restore.worker import Settings, Worker
worker = Worker(Settings())
worker.restorer = type("Same", (), {{"restore_with_changes": lambda self, t: (t, [])}})()
worker.run(Job({str(tmp_path / "small.parquet")!r}, {str(tmp_path / "small.out.parquet")!r}))   # imports done
tracemalloc.start()
outcome = worker.run(Job({str(tmp_path / "big.parquet")!r}, {str(tmp_path / "out.parquet")!r}))
print(outcome.status, outcome.words, pa.default_memory_pool().max_memory(), tracemalloc.get_traced_memory()[1])
"""
    status, words, arrow_peak, python_peak = subprocess.run([sys.executable, "-c", script], capture_output=True,
                                                            text=True, check=True).stdout.split()
    assert (status, int(words)) == ("done", rows * 13)
    assert pq.ParquetFile(tmp_path / "out.parquet").metadata.num_row_groups == 40
    size = (tmp_path / "big.parquet").stat().st_size
    assert int(arrow_peak) < 2_000_000 and int(python_peak) < 2_000_000, (arrow_peak, python_peak, size)


def test_parquet_files_cannot_be_reviewed_or_diffed(capsys, tmp_path):
    write_articles(tmp_path / "a.parquet", rows=2)
    code, _, err = fix(capsys, tmp_path / "a.parquet", "--diff")
    assert code == 1 and "--diff shows text files only, not Parquet" in err
    capsys.readouterr()
    assert main(["review", str(tmp_path / "a.parquet"), "-o", str(tmp_path / "a.html")]) == 1
    assert "parquet files cannot be reviewed" in capsys.readouterr().err


def test_learn_reads_the_text_columns_of_a_parquet_file_as_fix_does(tmp_path):
    from restore.inputs import read_corpus
    write_articles(tmp_path / "a.parquet", rows=4)
    assert read_corpus([str(tmp_path / "a.parquet")]) == [TEXTS[0], TEXTS[2], TEXTS[3]]      # a null row is none


def test_learn_names_a_parquet_column_that_holds_no_text(tmp_path):
    from restore.errors import BadInput
    from restore.inputs import read_corpus
    write_articles(tmp_path / "a.parquet", rows=4)
    with pytest.raises(BadInput, match=r"a\.parquet: column 'id' holds int64, not text$"):
        read_corpus([str(tmp_path / "a.parquet")], fields=["id"])


def test_the_files_own_key_value_metadata_is_kept(tmp_path):
    table = pa.table({"text": ["Workers astatine the agency person been told."]})
    with pq.ParquetWriter(tmp_path / "a.parquet", table.schema) as writer:
        writer.write_table(table)
        writer.add_key_value_metadata({"source": "crawl-2024"})
    assert main(["fix", "-q", str(tmp_path / "a.parquet"), "-o", str(tmp_path / "out")]) == 0
    restored = pq.ParquetFile(tmp_path / "out" / "a.parquet")
    assert restored.metadata.metadata[b"source"] == b"crawl-2024"
    assert restored.read().column("text")[0].as_py() == "Workers at the agency have been told."


def test_a_dictionary_encoded_text_column_is_restored_and_stays_dictionary_encoded(tmp_path):
    kind = pa.dictionary(pa.int8(), pa.string())
    values = ["So helium said.", None, "So helium said.", "Nothing to see here."]
    pq.write_table(pa.table({"text": pa.array(values).dictionary_encode().cast(kind)}), tmp_path / "a.parquet")
    assert main(["fix", "-q", str(tmp_path / "a.parquet"), "-o", str(tmp_path / "out")]) == 0
    out = pq.read_table(tmp_path / "out" / "a.parquet")
    assert out.schema.field("text").type == kind
    assert out.column("text").to_pylist() == ["So he said.", None, "So he said.", "Nothing to see here."]


def test_a_pandas_categorical_column_is_restored(tmp_path):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame({"text": pd.Categorical(["So helium said.", None, "So helium said."])})
    frame.to_parquet(tmp_path / "a.parquet")
    assert main(["fix", "-q", str(tmp_path / "a.parquet"), "-o", str(tmp_path / "out")]) == 0
    out = pd.read_parquet(tmp_path / "out" / "a.parquet")
    assert isinstance(out["text"].dtype, pd.CategoricalDtype)
    assert out["text"].tolist()[::2] == ["So he said.", "So he said."] and pd.isna(out["text"][1])


def test_an_ordered_categorical_keeps_its_order_and_its_unused_categories(tmp_path):
    pd = pytest.importorskip("pandas")
    kind = pd.CategoricalDtype(["Fine.", "So helium said.", "Unused astatine noon."], ordered=True)
    pd.DataFrame({"text": pd.Series(["So helium said.", "Fine.", None], dtype=kind)}).to_parquet(tmp_path / "a.parquet")
    assert main(["fix", "-q", str(tmp_path / "a.parquet"), "-o", str(tmp_path / "out")]) == 0
    out = pd.read_parquet(tmp_path / "out" / "a.parquet")["text"]
    assert out.cat.ordered and out.cat.categories.tolist() == ["Fine.", "So he said.", "Unused at noon."]
    assert out.tolist()[:2] == ["So he said.", "Fine."] and out.max() == "So he said."


def test_each_change_to_a_repeated_value_is_logged_with_its_own_row(capsys, tmp_path):
    pq.write_table(pa.table({"text": pa.array(["So helium said."] * 3).dictionary_encode()}), tmp_path / "a.parquet")
    code, _, err = fix(capsys, tmp_path / "a.parquet", "-o", tmp_path / "out", "--changes", tmp_path / "log.jsonl")
    assert code == 0, err
    records = [json.loads(line) for line in (tmp_path / "log.jsonl").read_text().splitlines()]
    assert [(r["row"], r["garbled"], r["restored"]) for r in records] == [(row, "helium", "he") for row in range(3)]
