"""Real spun articles, restored by models that never saw their swaps: the figure that predicts real use.

    python bench/real_dev.py [--seen] [--show] [--only ID ...] [--without-lexicon NAME] [--known K]
                             [--habit-weight W] [--json FILE] [--save-models DIR] [--variant] [--by-site]

Scores every real article of ``../shared/real-dev/seed.json`` and ``.cache/real-dev/dev-*.json``
(fetched as ``../shared/real-dev/README.md`` says) twice, with the shared scorer:

* **unseen**, leaving one article out at a time: a model built by the corpus recipe
  without that article's lexicon files (``corpora/lexicon/<id>-*``; the seed's also
  ``phrases.tsv`` and its tail lexicon), nor those of other copies of the same story, so
  none of its swaps is known;
* **seen**, with one model that knows every lexicon file.

With ``--by-site`` the unseen figure leaves one scraper site out at a time instead: every
article spun on that site (and every other copy of their stories) is restored by one model that
knows none of their swaps.  Real use meets sites the lexicons never saw, so this is the harder,
truer proxy of a new site's articles.

With ``--variant`` it scores instead the articles of the spinner's variant (``corpora/build.py``'s
``VARIANTS``), made by ``make.py`` into ``.cache/real-dev/<prefix>-made/`` (``manipi-made``,
``paparead-made``), each left out in turn as the same name's lexicon files.

The context model is counted once and shared by every fold (about a minute, then half a
minute per article).  Without the articles it says so and exits 0.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import sys
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SHARED = ROOT.parent / "shared" / "real-dev"
CACHE = ROOT / ".cache" / "real-dev"


def articles(only: list[str] | None = None, variant: bool = False) -> list[dict]:
    """The scoreable real articles that are here, seed first (or the variant's, named by their
    lexicons: ``manipi-made/dev-201.json`` is ``manipi-201``)."""
    if variant:
        from corpora.build import VARIANTS
        found = []
        for prefix in sorted(VARIANTS):
            for path in sorted((CACHE / f"{prefix}-made").glob("dev-*.json")):
                article = json.loads(path.read_text(encoding="utf-8"))
                found.append({**article, "id": prefix + article["id"].removeprefix("dev")})
    else:
        paths = [SHARED / "seed.json"] + sorted(CACHE.glob("dev-*.json"))
        found = [json.loads(p.read_text(encoding="utf-8")) for p in paths if p.exists()]
    return [a for a in found if not only or a["id"] in only]


def lexicon_names(article_id: str, found: list[dict] | None = None) -> set[str]:
    """The lexicon files (by name prefix) that hold what ``article_id``, or another copy of the same
    story among ``found``, shows of the spinner: leaving one copy out leaves them all out."""
    names = set()
    for other in same_story(article_id, found if found is not None else articles()):
        names |= {"seed", "phrases"} if other == "seed" else {other}
    return names


def site(article: dict) -> str:
    """The scraper site an article was spun on, from its spun copy's address ("www." dropped); the
    seed, whose address is not known, is a site of its own."""
    host = urlsplit(article.get("garbled_url") or "").hostname or article["id"]
    return host.removeprefix("www.")


def folds(found: list[dict], by_site: bool = False) -> list[tuple[list[dict], set[str]]]:
    """The unseen folds: each a group of articles and the lexicon files its model leaves out.

    One article at a time, or (``by_site``) every article of one scraper site together.

    >>> found = [{"id": "dev-1", "garbled_url": "https://a.com/x", "original_sha_lower": list("abcd")},
    ...          {"id": "dev-2", "garbled_url": "https://www.a.com/y", "original_sha_lower": list("efgh")},
    ...          {"id": "dev-3", "garbled_url": "https://b.com/z", "original_sha_lower": list("ijkl")}]
    >>> [([a["id"] for a in group], sorted(skip)) for group, skip in folds(found, by_site=True)]
    [(['dev-1', 'dev-2'], ['dev-1', 'dev-2']), (['dev-3'], ['dev-3'])]
    """
    groups: dict[str, list[dict]] = {}
    for article in found:
        groups.setdefault(site(article) if by_site else article["id"], []).append(article)
    return [(group, set().union(*(lexicon_names(a["id"], found) for a in group))) for group in groups.values()]


def unknown_others(article_id: str, found: list[dict], known: int) -> set[str]:
    """The lexicon files of every other story but a random ``known`` of them (drawn with the
    article's id as seed): what a fold leaves out to measure how the figure grows with real pairs."""
    held = lexicon_names(article_id, found)
    stories = {frozenset(lexicon_names(a["id"], found)) for a in found}
    others = sorted(sorted(s) for s in stories if not s & held)
    random.Random(article_id).shuffle(others)
    return set().union(*others[known:])


def same_story(article_id: str, found: list[dict]) -> list[str]:
    """The ids of the articles among ``found`` that are copies of ``article_id``'s story (itself too):
    those sharing a third of their original's 4-grams (dev-108 is another spun copy of the seed)."""
    def grams(article: dict) -> set:
        h = article["original_sha_lower"]
        return {tuple(h[i:i + 4]) for i in range(len(h) - 3)}
    by_id = {a["id"]: a for a in found}
    if article_id not in by_id:
        return [article_id]
    mine = grams(by_id[article_id])
    return [a["id"] for a in found if a["id"] == article_id
            or len(mine & grams(a)) >= len(mine) / 3]


def scorer():
    spec = importlib.util.spec_from_file_location("score", SHARED / "score.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def total(rows: list[dict]) -> dict:
    keys = ("swapped", "fixed", "kept", "broken", "dist", "dist_before", "n")
    s = {k: sum(r[k] for r in rows) for k in keys}
    return {**s, "restored": s["fixed"] / max(s["swapped"], 1), "broken": s["broken"] / max(s["kept"], 1),
            "broken_tokens": s["broken"],
            "wer_before": s["dist_before"] / max(s["n"], 1), "wer_after": s["dist"] / max(s["n"], 1)}


def line(name: str, s: dict) -> str:
    """One article's (or the total's) figures on one line."""
    return (f"{name:12s} restored {s['restored']:6.1%} ({s['fixed']:>3}/{s['swapped']:<3})  "
            f"broken {s['broken']:5.2%} ({s['broken_tokens']}/{s['kept']})  "
            f"WER {s['wer_before']:5.1%} -> {s['wer_after']:5.1%}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", metavar="ID", help="score only these articles (e.g. seed dev-008)")
    parser.add_argument("--seen", action="store_true", help="also score with the model that knows every lexicon")
    parser.add_argument("--show", action="store_true", help="list each article's tokens still wrong")
    parser.add_argument("--json", metavar="FILE", help="write the per-article figures as JSON")
    parser.add_argument("--save-models", metavar="DIR", type=Path,
                        help="keep each fold's model as DIR/<id>.model (and the seen one as DIR/seen.model)")
    parser.add_argument("--without-lexicon", action="append", default=[], metavar="NAME",
                        help="leave these lexicon files out of every model too, seen or not (e.g. manipi)")
    parser.add_argument("--known", type=int, metavar="K",
                        help="each fold knows only a random K of the other stories' lexicons (how the figure grows)")
    parser.add_argument("--habit-weight", type=float, metavar="W",
                        help="trust in the emulator's guessed swaps (default: corpora/build.py's HABIT_WEIGHT)")
    parser.add_argument("--variant", action="store_true",
                        help="score the articles of the spinner's variant (manipi, paparead) instead")
    parser.add_argument("--by-site", action="store_true",
                        help="leave one scraper site out at a time (all its articles together), not one article")
    args = parser.parse_args(argv)
    if args.by_site and args.known is not None:
        parser.error("--known draws other stories per article: it does not combine with --by-site")
    found = articles(args.only, args.variant)
    left_out = set(args.without_lexicon)
    if not found:
        print(f"no real-dev articles here ({SHARED}, {CACHE}): nothing to score")
        return 0

    from corpora.build import HABIT_WEIGHT, Recipe
    from restore import Restorer
    habit_weight = HABIT_WEIGHT if args.habit_weight is None else args.habit_weight
    score = scorer()
    recipe = Recipe.prepare()
    results: dict = {"unseen": {}, "seen": {}}
    outputs: dict = {}
    groups = folds(found, args.by_site)
    for group, skip in groups:
        skip |= left_out
        if args.known is not None:                  # one article a fold (see above)
            skip |= unknown_others(group[0]["id"], found, args.known)
        model, _ = recipe.model(skip, habit_weight)
        restorer = Restorer(model)
        for article in group:
            outputs[article["id"]] = restorer.restore(article["garbled"])
        if args.save_models:                        # one file per article, written once per fold
            args.save_models.mkdir(parents=True, exist_ok=True)
            first, *others = (args.save_models / f"{a['id']}.model" for a in group)
            model.save(first)
            for path in others:
                path.unlink(missing_ok=True)
                os.link(first, path)
    if args.seen:
        model, _ = recipe.model(left_out, habit_weight)
        if args.save_models:
            model.save(args.save_models / "seen.model")
        restorer = Restorer(model)
        for article in found:
            results["seen"][article["id"]] = score.score(article, restorer.restore(article["garbled"]))
    for article in found:
        results["unseen"][article["id"]] = score.score(article, outputs[article["id"]])

    for kind in ("unseen", "seen"):
        rows = results[kind]
        if not rows:
            continue
        fold = "one site" if args.by_site else "one article"
        print(f"== {kind}" + (f" (leave {fold} out)" if kind == "unseen" else " (every lexicon known)"))
        for aid, s in rows.items():
            print(line(aid, total([s])))
        if args.by_site and kind == "unseen":
            for group, _ in groups:
                print(line(site(group[0])[:12], total([rows[a["id"]] for a in group])))
        print(line("all", total(list(rows.values()))))
    if args.show:
        for article in found:
            score.show_errors(article, outputs[article["id"]])
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
