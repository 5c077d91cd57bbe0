"""The model file: plain arrays behind a checked header; never code, never nonsense, never a traceback."""
import hashlib
import io
import json
import os
import pickle
import re
import stat
import subprocess
import sys
import tracemalloc
import zipfile
import zlib
from dataclasses import replace

import numpy as np
import pytest

import restore
from restore import modelfile
from restore.errors import ModelError, RestoreError
from restore.learn import train_model
from restore.model import Model, load

SPUN = "Workers astatine the agency.\n"


def run(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "restore", *map(str, args)], input=stdin, capture_output=True,
                          text=True)


def one_line_error(result, *needles):
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 1 and len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert lines[0].startswith("restore: error: ")
    for needle in needles:
        assert needle in lines[0]


@pytest.fixture(scope="module")
def saved(tmp_path_factory, tiny_model):
    path = tmp_path_factory.mktemp("model") / "tiny.model"
    tiny_model.save(path)
    return path


def rewrite(path, target, change, **header_fields):
    """Write ``path``'s model to ``target`` with ``change(arrays)`` applied, ``header_fields`` in its header,
    and a valid checksum."""
    data = path.read_bytes()
    end = data.index(b"\n", len(modelfile.MAGIC))
    header = {**json.loads(data[len(modelfile.MAGIC):end]), **header_fields}
    arrays = modelfile._members(data)
    arrays = {name: np.array(a) for name, a in arrays.items()}
    change(arrays)
    payload = modelfile._payload(arrays)
    header.update(size=len(payload), sha256=hashlib.sha256(payload).hexdigest())
    target.write_bytes(modelfile.MAGIC + json.dumps(header).encode() + b"\n" + payload)
    return target


def test_a_saved_model_loads_back_with_the_same_channel_and_near_same_context(saved, tiny_model):
    model = Model.load(saved)
    assert dict(model.channel.originals) == tiny_model.channel.originals
    assert model.channel.propensity == tiny_model.channel.propensity
    assert model.context.vocab == tiny_model.context.vocab
    assert (model.context.keys == tiny_model.context.keys).all()
    assert (model.context.keys3 == tiny_model.context.keys3).all()
    assert np.abs(model.context.values - tiny_model.context.values).max() <= 0.004     # float16 on disk
    assert model.layout.span == tiny_model.layout.span


def test_the_neighbours_of_another_spinner_load_back(tiny_model, tmp_path):
    neighbours = {"show": ("display", "prove"), "keep": ("donjon",)}
    Model(replace(tiny_model.channel, neighbours=neighbours), tiny_model.context).save(tmp_path / "n.model")
    assert dict(Model.load(tmp_path / "n.model").channel.neighbours) == neighbours


def test_a_model_of_format_4_still_loads_and_has_no_neighbours(saved, tmp_path):
    def format_4(arrays):
        for name in modelfile.SINCE:
            del arrays[name]
    old = rewrite(saved, tmp_path / "old.model", format_4, version=4)
    model = Model.load(old)
    assert dict(model.channel.neighbours) == {} and dict(model.channel.originals) == dict(Model.load(saved).channel.originals)


def test_the_file_is_a_header_line_and_an_npz_archive_without_objects(saved):
    data = saved.read_bytes()
    assert data.startswith(modelfile.MAGIC)
    end = data.index(b"\n", len(modelfile.MAGIC))
    header = json.loads(data[len(modelfile.MAGIC):end])
    assert (header["format"], header["version"]) == ("restore-model", modelfile.VERSION)
    assert header["sha256"] == hashlib.sha256(data[end + 1:]).hexdigest()
    with np.load(io.BytesIO(data[end + 1:]), allow_pickle=False) as npz:
        assert all(npz[name].dtype != object for name in npz.files)


def test_a_pickle_is_never_unpickled(tmp_path):
    evil = tmp_path / "evil.model"
    marker = tmp_path / "PWNED"
    evil.write_bytes(pickle.dumps({"format": _Evil(f"touch {marker}")}, protocol=4))
    for args in (["fix", "--model", evil], ["eval", "--model", evil, tmp_path / "p.jsonl"],
                 ["train", tmp_path / "p.jsonl", "--context-from", evil, "-o", tmp_path / "m.model"]):
        (tmp_path / "p.jsonl").write_text(json.dumps({"spun": "a", "clean": "a"}) + "\n")
        one_line_error(run(*args, stdin=SPUN), f"{evil}: a pickle, not a restore model")
    assert not marker.exists()


class _Evil:
    def __init__(self, command):
        self.command = command

    def __reduce__(self):
        return os.system, (self.command,)


def test_a_model_of_the_old_pickle_format_says_which_format_and_what_to_do(tmp_path):
    old = tmp_path / "old.model"
    old.write_bytes(pickle.dumps({"format": "restore-model/3", "info": {}}, protocol=5))
    with pytest.raises(ModelError, match=r"old\.model: made by an older restore \(format 3\): rebuild it with "
                                         r"`python -m corpora\.build` or retrain it"):
        Model.load(old)


@pytest.mark.parametrize("damage, message", [
    (lambda d: d[:len(d) // 2], "truncated"),
    (lambda d: d[:-1] + bytes([d[-1] ^ 1]), "checksum mismatch"),
    (lambda d: d + b"more", "trailing data"),
    (lambda d: b"", "not a restore model"),
    (lambda d: os.urandom(4096), "not a restore model"),
    (lambda d: modelfile.MAGIC + b"{not json\n" + d, "unreadable header"),
    (lambda d: modelfile.MAGIC + b'{"format": "restore-model", "version": "4"}\n', "unreadable header"),
    (lambda d: modelfile.MAGIC + b'{"format": "restore-model", "version": 99}\n', "newer restore (format 99)"),
    (lambda d: modelfile.MAGIC + b'{"format": "restore-model", "version": 4, "size": 1e99, "sha256": 1}\n',
     "unreadable header"),
    (lambda d: modelfile.MAGIC + b'{"format": "restore-model", "version": true}\n', "unreadable header"),
    (lambda d: modelfile.MAGIC + b'{"format": "restore-model", "version": 4, "info": ' + b"[" * 10**5 + b"\n",
     "unreadable header"),
])
def test_a_damaged_file_is_one_error_naming_it(saved, tmp_path, damage, message):
    bad = tmp_path / "bad.model"
    bad.write_bytes(damage(saved.read_bytes()))
    with pytest.raises(ModelError, match=re.escape(message)) as error:
        Model.load(bad)
    assert str(error.value).startswith(f"{bad}: ")


def test_the_shipped_models_checksum_is_not_recomputed_but_a_damaged_member_is_still_refused(saved, tmp_path):
    data = bytearray(saved.read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        member = max((i for i in archive.infolist() if i.compress_type == zipfile.ZIP_STORED),
                     key=lambda i: i.file_size)
    end = data.index(member.filename.encode()) + len(member.filename) + member.compress_size   # its last byte + 1
    data[end - 1] ^= 1
    bad = tmp_path / "bad.model"
    bad.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="checksum mismatch"):
        modelfile.read(bad)
    with pytest.raises(ModelError, match=re.escape(f"{bad}: corrupt model file")):
        modelfile.read(bad, shipped=True)


@pytest.mark.parametrize("change, message", [
    (lambda a: a.update(bigram_words=a["bigram_words"][::-1].copy()), "bigrams out of order"),
    (lambda a: a["bigram_logprob"].__setitem__(0, np.nan), "bigram_logprob out of range"),
    (lambda a: a["trigram_logprob"].__setitem__(0, 3.0), "trigram_logprob out of range"),
    (lambda a: a.update(bigram_counts=a["bigram_counts"] * 2), "bigram counts do not match"),
    (lambda a: a.update(layout_originals=a["layout_originals"] + 10**6), "layout word out of range"),
    (lambda a: a.update(unigram=a["unigram"][:-1]), "unigram does not match"),
    (lambda a: a.update(vocab=np.frombuffer(b"a\nb\n", np.uint8)), "does not match the vocabulary"),
    (lambda a: a.update(bigram_words=a["bigram_words"].astype("<u8")), "bigram_words has the wrong type"),
    (lambda a: a.update(channel_originals=np.frombuffer(b"\xff\n", np.uint8)), "UnicodeDecodeError"),
    (lambda a: a.pop("extra"), "unexpected arrays"),
    (lambda a: a.update(neighbour_words=np.frombuffer(b"show\n", np.uint8), neighbour_counts=np.array([3], "<u4"),
                        neighbour_options=np.frombuffer(b"display\n", np.uint8)), "neighbour counts do not match"),
    (lambda a: a["propensity"].__setitem__(0, np.nan), "propensity out of range"),
    # finite, but past any log-probability a model learns: the decoder's sums overflowed into warnings
    (lambda a: a.update(unigram=np.full_like(a["unigram"], -3e38)), "unigram out of range"),
    (lambda a: a["channel_scores"].__setitem__(0, -1e30), "channel scores out of range"),
    (lambda a: a.update(vocab=np.frombuffer(a["vocab"].tobytes().replace(b"<s>\n", b"\n", 1), np.uint8)),
     "an empty word"),
])
def test_a_file_with_a_valid_checksum_but_nonsense_inside_is_refused(saved, tmp_path, change, message):
    with pytest.raises(ModelError, match=re.escape(message)):
        Model.load(rewrite(saved, tmp_path / "odd.model", change))


def _extra(value):
    """A change that makes the ``extra`` member ``value`` (bytes as they are, anything else as JSON)."""
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return lambda a: a.update(extra=np.frombuffer(raw, np.uint8))


def _extra_with(**fields):
    return lambda a: _extra({**json.loads(a["extra"].tobytes()), **fields})(a)


@pytest.mark.parametrize("change, message", [
    (_extra([]), "extra is not a JSON object"),
    (_extra(b"[" * 10**5 + b"]" * 10**5), "extra nested too deeply"),
    (_extra({"phrases": [], "multi": [], "reach": {"a": [[[[1]]]]}}), "reach out of range"),
    (_extra(b"\xff\xfe"), "extra is not JSON"),
    (_extra_with(reach=[1, 2]), "reach is not a JSON object"),
    (_extra_with(reach={"touching": 1e999}), "reach out of range"),
    (_extra_with(phrases=[[1, 2]]), "phrases are not words"),
    (_extra_with(phrases=[[[], []]]), "phrases are not words"),
    (_extra_with(phrases={"a": 1}), "phrases are not pairs"),
    (_extra_with(phrases=[[["a"], [["b", "0.5"]]]]), "phrase originals are not words and scores"),
    (_extra_with(multi=[["a", [["b c", 10**400]]]]), "multi-word originals are not words and scores"),
    (_extra_with(multi={"a": 1}), "multi-word originals are not pairs"),
    (_extra_with(class_weight="0.3"), "class weight out of range"),
    (_extra_with(class_weight=True), "class weight out of range"),
])
def test_extra_json_of_the_wrong_shape_is_refused_naming_the_file(saved, tmp_path, change, message):
    odd = tmp_path / "odd.model"
    with pytest.raises(ModelError, match=re.escape(f"{odd}: corrupt model file ({message})")):
        Model.load(rewrite(saved, odd, change))


def test_json_nested_deeper_than_the_limit_but_parsable_is_refused(saved, tmp_path):
    deep = 2 * modelfile.MAX_DEPTH
    with pytest.raises(ModelError, match=re.escape("(extra nested too deeply)")):
        Model.load(rewrite(saved, tmp_path / "odd.model", _extra_with(reach=json.loads("[" * deep + "]" * deep))))


def test_every_command_that_reads_a_model_says_a_wrong_shaped_one_in_one_line(saved, tmp_path, pairs, capsys):
    from restore.cli import main
    odd = rewrite(saved, tmp_path / "odd.model", _extra([]))
    (tmp_path / "in.txt").write_text(SPUN)
    (tmp_path / "p.jsonl").write_text(json.dumps({"spun": "a", "clean": "a"}) + "\n")
    for args in (["fix", "--model", odd, tmp_path / "in.txt"], ["detect", "--model", odd, tmp_path / "in.txt"],
                 ["review", "--model", odd, tmp_path / "in.txt", "-o", tmp_path / "r.html"],
                 ["eval", "--model", odd, tmp_path / "p.jsonl"],
                 ["train", tmp_path / "p.jsonl", "--context-from", odd, "-o", tmp_path / "m.model"],
                 ["learn", tmp_path / "in.txt", "--base", odd, "-o", tmp_path / "m.model"]):
        assert main([*map(str, args)]) == 1
        lines = capsys.readouterr().err.strip().splitlines()
        assert lines == [f"restore: error: {odd}: corrupt model file (extra is not a JSON object)"], args


def craft(path, target, name, raw, declared=None):
    """Write ``path``'s model to ``target`` with member ``name`` holding ``raw`` (deflated), the archive declaring
    the size and CRC-32 of ``declared`` (default: ``raw``) for it, and a valid checksum."""
    arrays = modelfile._members(path.read_bytes())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for member, array in arrays.items():
            npy = io.BytesIO()
            np.lib.format.write_array(npy, array)
            archive.writestr(member + ".npy", raw if member == name else npy.getvalue())
        if declared is not None:                            # the central directory is written from these on close
            info = archive.getinfo(name + ".npy")
            info.file_size, info.CRC = len(declared), zlib.crc32(declared)
    payload = buffer.getvalue()
    header = {"format": "restore-model", "version": modelfile.VERSION, "size": len(payload),
              "sha256": hashlib.sha256(payload).hexdigest(), "info": {}}
    target.write_bytes(modelfile.MAGIC + json.dumps(header).encode() + b"\n" + payload)
    return target


def npy_header(count):
    out = io.BytesIO()
    np.lib.format.write_array_header_1_0(out, {"descr": "|u1", "fortran_order": False, "shape": (count,)})
    return out.getvalue()


def peak_memory(load):
    """The most memory ``load()`` held at once, in bytes, and what it raised."""
    tracemalloc.start()
    try:
        load()
        raised = None
    except ModelError as e:
        raised = e
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak, raised


def test_a_member_that_would_inflate_far_beyond_the_file_is_refused_before_inflating(saved, tmp_path):
    big = 8 << 20                                           # 8 MB of zeros deflate to 8 kB
    bomb = craft(saved, tmp_path / "bomb.model", "extra", npy_header(big) + bytes(big))
    peak, raised = peak_memory(lambda: modelfile.read(bomb))
    assert re.fullmatch(rf"{re.escape(str(bomb))}: corrupt model file \(arrays of 8,3\d\d,\d\d\d bytes in a file "
                        rf"of \d\d,\d\d\d\)", str(raised))
    assert peak < 1 << 20


def test_a_member_whose_npy_header_does_not_give_its_declared_size_is_refused_before_inflating(saved, tmp_path):
    odd = craft(saved, tmp_path / "odd.model", "extra", npy_header(2) + b"{}" + bytes(512 << 10))
    peak, raised = peak_memory(lambda: modelfile.read(odd))
    assert str(raised) == f"{odd}: corrupt model file (extra has the wrong size)"
    assert peak < 256 << 10


def test_a_member_never_inflates_past_its_declared_size(saved, tmp_path):
    text = json.dumps({"phrases": [], "multi": []}).encode()
    extra = npy_header(len(text)) + text
    long = craft(saved, tmp_path / "long.model", "extra", extra + bytes(16 << 20), declared=extra)
    peak, raised = peak_memory(lambda: modelfile.read(long))
    assert raised is None and peak < 2 << 20                 # the 16 MB past the declared end stay deflated


def test_the_cli_says_a_corrupt_model_in_one_line(saved, tmp_path):
    bad = tmp_path / "bad.model"
    bad.write_bytes(saved.read_bytes()[:1000])
    one_line_error(run("fix", "--model", bad, stdin=SPUN), f"{bad}: corrupt model file (truncated")
    one_line_error(run("fix", "--model", tmp_path, stdin=SPUN), "is a directory")


def test_a_bad_model_is_named_as_it_was_given_not_by_its_full_path(saved, tmp_path):
    (tmp_path / "bad.model").write_bytes(saved.read_bytes()[:1000])
    result = subprocess.run([sys.executable, "-m", "restore", "fix", "--model", "bad.model"], input=SPUN,
                            capture_output=True, text=True, cwd=tmp_path)
    assert result.stderr.startswith("restore: error: bad.model: corrupt model file (truncated")


def test_saving_where_it_cannot_be_written_is_one_error_and_leaves_nothing(tiny_model, tmp_path):
    with pytest.raises(RestoreError, match="no/such/dir/m.model: cannot write the model"):
        tiny_model.save(tmp_path / "no" / "such" / "dir" / "m.model")
    (tmp_path / "ro").mkdir()
    os.chmod(tmp_path / "ro", 0o500)
    try:
        if os.geteuid() != 0:
            with pytest.raises(ModelError, match="cannot write"):
                tiny_model.save(tmp_path / "ro" / "m.model")
    finally:
        os.chmod(tmp_path / "ro", 0o700)
    assert list((tmp_path / "ro").iterdir()) == []


def test_train_into_a_missing_folder_is_one_line_and_no_stray_file(tmp_path, pairs):
    one_line_error(run("train", pairs / "pairs.jsonl", "-o", tmp_path / "no" / "m.model"), "cannot write the model")
    assert list(tmp_path.iterdir()) == [tmp_path / "no"] or list(tmp_path.iterdir()) == []


def test_a_model_file_is_loaded_once_per_process_until_it_changes(tiny_model, tmp_path):
    path = tmp_path / "m.model"
    tiny_model.save(path)
    first = load(str(path))
    assert load(path) is first
    train_model([("we tin go", "we can go"), ("a helium b", "a he b")]).save(path)
    assert load(path) is not first
    assert load() is Model.default()


def test_the_model_owns_what_the_decoder_derives_from_it(tiny_model):
    from restore import Restorer
    assert Restorer(tiny_model)._tables is Restorer(tiny_model)._tables
    assert not hasattr(tiny_model, "_decode_tables")


def test_the_converter_turns_an_old_pickled_model_into_the_new_format(tiny_model, tmp_path):
    from corpora.convert import main
    old = tmp_path / "old.model"
    layout = tiny_model.layout
    state = {"format": "restore-model/3", "info": {"x": 1},
             "channel": (tiny_model.channel.originals, tiny_model.channel.propensity, tiny_model.channel.phrases),
             "context": tuple(getattr(tiny_model.context, k) for k in (
                 "vocab", "unigram", "backoff", "keys", "values", "backoff2", "keys3", "values3")),
             "layout": (layout.span, layout.multi, layout.originals, layout.scores, layout.propensity)}
    old.write_bytes(pickle.dumps(state, protocol=5))
    assert main([str(old), str(tmp_path / "new.model")]) == 0
    new = Model.load(tmp_path / "new.model")
    assert dict(new.channel.originals) == tiny_model.channel.originals and new.info == {"x": 1}


def test_the_converter_refuses_a_pickle_that_calls_anything(tmp_path, capsys):
    from corpora.convert import main
    evil = tmp_path / "evil.model"
    marker = tmp_path / "PWNED"
    evil.write_bytes(pickle.dumps({"format": _Evil(f"touch {marker}")}))
    assert main([str(evil), str(tmp_path / "new.model")]) == 1
    assert "refused" in capsys.readouterr().err and not marker.exists()


def test_the_members_are_plain_npy_files_in_a_zip(saved):
    data = saved.read_bytes()
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert sorted(archive.namelist()) == sorted(name + ".npy" for name in modelfile.MEMBERS)


def test_a_model_whose_arrays_pass_the_absolute_bound_is_refused_however_big_the_file(saved, monkeypatch):
    monkeypatch.setattr(modelfile, "MAX_ARRAYS", 1000)            # the tiny model's arrays are more than this
    with pytest.raises(ModelError, match=r"corrupt model file \(arrays of [\d,]+ bytes in a file of [\d,]+\)"):
        modelfile.read(saved)


@pytest.mark.parametrize("path, message", [
    (0, "a model file is named by its path, not int 0"),          # a file descriptor: stdin, read and closed
    (True, "a model file is named by its path, not bool True"),
    (None, "a model file is named by its path, not NoneType None"),
    ("", "a model file is named by its path, not an empty name"),
    ("m\x00.model", "'m\\x00.model': not a file name (a NUL byte)"),
])
def test_a_model_is_loaded_and_saved_only_by_a_file_name(tiny_model, path, message):
    with pytest.raises(ModelError, match=f"^{re.escape(message)}$"):
        Model.load(path)
    with pytest.raises(ModelError, match=f"^{re.escape(message)}$"):
        tiny_model.save(path)


def test_a_model_files_name_with_a_line_break_is_quoted_in_its_one_line_error(tmp_path):
    with pytest.raises(ModelError) as error:
        Model.load(tmp_path / "bad\nname.model")
    assert "\n" not in str(error.value) and str(error.value).endswith("bad\\nname.model': no such model file")


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/null"])
def test_a_device_given_as_the_model_is_one_error_and_is_not_read(device):
    if not os.path.exists(device):
        pytest.skip(f"no {device} here")
    with pytest.raises(restore.RestoreError, match=f"^{device}: not a model file \\(a device or a pipe\\)$"):
        restore.Restorer(device)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_named_pipe_given_as_the_model_is_one_error_without_waiting_for_a_writer(tmp_path):
    os.mkfifo(tmp_path / "pipe.model")
    with pytest.raises(restore.RestoreError, match="pipe.model: not a model file"):
        restore.Restorer(tmp_path / "pipe.model")


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_model_is_never_written_over_a_pipe_or_a_device(tiny_model, tmp_path):
    os.mkfifo(tmp_path / "pipe")
    with pytest.raises(ModelError, match="pipe: not a file \\(a device or a pipe\\)"):
        tiny_model.save(tmp_path / "pipe")
    assert stat.S_ISFIFO(os.stat(tmp_path / "pipe").st_mode)


def test_a_model_saved_through_a_link_replaces_the_file_it_names_and_keeps_the_link(tiny_model, tmp_path):
    (tmp_path / "real.model").write_text("old")
    os.symlink("real.model", tmp_path / "link.model")
    tiny_model.save(tmp_path / "link.model")
    assert os.readlink(tmp_path / "link.model") == "real.model" and Model.load(tmp_path / "real.model")


def test_a_model_write_interrupted_midway_leaves_no_file(tiny_model, tmp_path, monkeypatch):
    from restore import files
    real_write = files.Spool.write

    def interrupted(self, data):
        if len(data) > 1000:
            raise KeyboardInterrupt
        return real_write(self, data)

    monkeypatch.setattr(files.Spool, "write", interrupted)
    with pytest.raises(KeyboardInterrupt):
        tiny_model.save(tmp_path / "m.model")
    assert os.listdir(tmp_path) == []
