"""The README's first command restores the shipped example, a story written for restore and spun by `restore spin`."""
from pathlib import Path

import restore
from restore.evaluate import evaluate

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_the_spun_example_is_the_story_spun_and_restore_undoes_most_of_it():
    spun, clean = (EXAMPLES / "spun-news.txt").read_text(), (EXAMPLES / "news.txt").read_text()
    assert spun.count("\n") == clean.count("\n") and spun != clean
    figures = evaluate([(spun, clean)], restore.restore_text)
    assert figures["wer_after"] < figures["wer_before"] / 2 and figures["broken"] <= 0.02
