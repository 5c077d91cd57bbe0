"""bench/real_dev.py's folds: which lexicon files a fold leaves out (no real articles needed)."""
import importlib.util
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "bench" / "real_dev.py"
spec = importlib.util.spec_from_file_location("real_dev_bench", BENCH)
real_dev = importlib.util.module_from_spec(spec)
spec.loader.exec_module(real_dev)

# each story's original as 12 hashed tokens; dev-108 is another copy of the seed's story
STORIES = {"seed": "a", "dev-101": "b", "dev-102": "c", "dev-103": "d", "dev-108": "a"}
FOUND = [{"id": i, "original_sha_lower": [f"{s}{n}" for n in range(12)]} for i, s in STORIES.items()]
SEED_STORY = {"seed", "phrases", "dev-108"}


def test_a_fold_that_knows_k_other_stories_leaves_out_the_others_whole():
    for known in range(4):
        unknown = real_dev.unknown_others("dev-101", FOUND, known)
        stories_left_out = len(unknown - SEED_STORY) + (unknown >= SEED_STORY)
        assert "dev-101" not in unknown and stories_left_out == 3 - known
        assert not unknown & SEED_STORY or unknown >= SEED_STORY    # a story's copies go together


def test_the_held_out_story_is_never_among_the_others():
    assert real_dev.unknown_others("seed", FOUND, 0) == {"dev-101", "dev-102", "dev-103"}


def test_the_variants_articles_are_named_by_their_lexicons(tmp_path, monkeypatch):
    (tmp_path / "manipi-made").mkdir()
    (tmp_path / "manipi-made" / "dev-201.json").write_text('{"id": "dev-201", "original_sha_lower": ["a1", "a2", "a3", "a4"]}')
    (tmp_path / "dev-101.json").write_text('{"id": "dev-101", "original_sha_lower": ["b1", "b2", "b3", "b4"]}')
    monkeypatch.setattr(real_dev, "CACHE", tmp_path)
    assert [a["id"] for a in real_dev.articles(variant=True)] == ["manipi-201"]
    assert real_dev.lexicon_names("manipi-201", real_dev.articles(variant=True)) == {"manipi-201"}


def test_a_site_fold_holds_every_article_of_that_site_and_leaves_out_their_stories():
    sites = {"seed": None, "dev-101": "https://ghsink.com/a", "dev-102": "https://www.ghsink.com/b",
             "dev-103": "https://yxjm.net/c", "dev-108": "https://yxjm.net/d"}
    found = [{**a, "garbled_url": sites[a["id"]]} for a in FOUND]
    by_group = {tuple(a["id"] for a in group): skip for group, skip in real_dev.folds(found, by_site=True)}
    assert by_group == {("seed",): SEED_STORY, ("dev-101", "dev-102"): {"dev-101", "dev-102"},
                        ("dev-103", "dev-108"): {"dev-103"} | SEED_STORY}


def test_without_by_site_each_article_is_a_fold_of_its_own():
    assert [len(group) for group, _ in real_dev.folds(FOUND)] == [1] * len(FOUND)
