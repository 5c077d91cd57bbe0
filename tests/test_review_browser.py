"""The review page in a real browser: headless Chromium (Debian's ``chromium`` and
``chromium-driver``) driven by Selenium.

.ci/run installs both and sets RESTORE_BROWSER_TESTS=required, so that there a missing browser
fails instead of skipping.  RESTORE_SCREENSHOT=docs/review.png makes the main test write the
README's screenshot there (it always saves one in its temporary folder).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from restore import markup

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"
EXAMPLE = "review-example.txt"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage", "--window-size=1280,1000", "--force-device-scale-factor=1"]


def run(*args, cwd=None):
    result = subprocess.run([sys.executable, "-m", "restore", *args], capture_output=True, cwd=cwd)
    assert result.returncode == 0, result.stderr.decode()
    return result.stdout


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    problem = None
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        problem = "selenium is not installed (pip install -e '.[test]')"
    if not problem and not os.access(CHROMEDRIVER, os.X_OK):
        problem = f"no chromedriver at {CHROMEDRIVER} (apt-get install chromium chromium-driver)"
    if problem:
        if os.environ.get("RESTORE_BROWSER_TESTS") == "required":
            pytest.fail(problem)
        pytest.skip(problem)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS + [f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}"]:
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"download.prompt_for_download": False,
                                              "profile.default_content_setting_values.automatic_downloads": 1})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def open_review(browser, source: Path, data: bytes) -> Path:
    """``data`` written to ``source``, reviewed, and its page opened; the source's path."""
    source.write_bytes(data)
    run("review", str(source), "-o", str(source.with_name("review.html")))
    open_page(browser, source.with_name("review.html"))
    return source


def open_page(browser, page: Path, downloads: Path | None = None):
    if downloads is not None:
        browser.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
    browser.get(page.as_uri())
    assert browser.execute_script("return typeof window.restoreReview") == "object"


def press(browser, keys: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    for key in keys:
        ActionChains(browser).send_keys(key).perform()


def state(browser, i: int) -> tuple[str, str]:
    el = browser.find_element("css selector", f'#text [data-change="{i}"]')
    return el.get_attribute("data-state"), el.find_element("css selector", ".w").text


def active_change(browser):
    return browser.execute_script("return document.activeElement.dataset.change")


def wait_for(paths, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if all(p.exists() for p in paths) and not list(paths[0].parent.glob("*.crdownload")):
            return True
        time.sleep(0.1)
    return False


def apply(tmp_path: Path, source: Path, decisions: str, *options) -> bytes:
    (tmp_path / "decisions.jsonl").write_text(decisions, encoding="utf-8")
    out = tmp_path / "applied.out"
    run("apply", str(source), str(tmp_path / "decisions.jsonl"), "-o", str(out), *options)
    return out.read_bytes()


def test_an_editor_reviews_rejects_accepts_a_group_and_exports(browser, tmp_path):
    page, changes = tmp_path / "review.html", tmp_path / "changes.jsonl"
    run("review", EXAMPLE, "-o", str(page), cwd=FIXTURES)
    run("fix", EXAMPLE, "--changes", str(changes), cwd=FIXTURES)
    logged = [json.loads(line) for line in changes.read_text().splitlines()]
    open_page(browser, page, tmp_path / "downloads")

    marked = browser.find_elements("css selector", "#text [data-change]")
    assert len(marked) == len(logged) > 20
    for el, c in zip(marked[:5], logged):
        assert (el.get_attribute("data-garbled"), el.get_attribute("data-restored"),
                float(el.get_attribute("data-confidence"))) == (c["garbled"], c["restored"], c["confidence"])
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0

    press(browser, "jj")                                 # to the second change, by keyboard alone
    assert active_change(browser) == "1"
    outline = browser.execute_script("return getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("", "none")                   # focus is visible
    press(browser, "r")
    assert state(browser, 1) == ("reject", logged[1]["garbled"])
    assert active_change(browser) == "2"                  # rejecting moves on

    kind = f'{logged[1]["garbled"].lower()} \u2192 {logged[1]["restored"].lower()}'
    groups = browser.execute_script("return restoreReview.groups()")
    assert [g["count"] for g in groups] == sorted((g["count"] for g in groups), reverse=True)
    n = next(k for k, g in enumerate(groups) if g["label"] != kind and g["count"] > 1)
    browser.find_element("css selector", f'#groups li[data-group="{n}"] button.accept').click()
    members = [i for i, c in enumerate(logged) if f'{c["garbled"].lower()} \u2192 {c["restored"].lower()}' == groups[n]["label"]]
    assert len(members) == groups[n]["count"] and all(state(browser, i)[0] == "accept" for i in members)

    replaced = next(i for i, c in enumerate(logged) if i not in members and i > 1 and c["garbled"].islower()
                    and c["alternatives"] and c["alternatives"][0][0] != c["garbled"].lower())
    browser.find_element("css selector", f'#text [data-change="{replaced}"]').click()   # and by mouse
    browser.find_element("css selector", "#pop .acts button:nth-child(3)").click()
    word = logged[replaced]["alternatives"][0][0]
    assert state(browser, replaced) == ("replace", word)

    browser.find_element("id", "export").click()
    payload = browser.execute_script("return restoreReview.exportPayload()")
    decided = [json.loads(line) for line in payload["decisions"].split("\n") if line]
    assert len(decided) == len(logged)
    assert decided[1]["decision"] == "reject" and decided[1]["reviewed"] is True
    assert {d["change"] for d in decided if d["reviewed"]} == {1, replaced, *members}
    assert decided[replaced]["decision"] == "replace" and decided[replaced]["text"] == word
    applied = apply(tmp_path, FIXTURES / EXAMPLE, payload["decisions"])
    assert applied == payload["text"].encode("utf-8")
    assert applied != (FIXTURES / EXAMPLE).read_bytes()

    downloads = [tmp_path / "downloads" / name for name in ("review-example.reviewed.txt",
                                                            "review-example.decisions.jsonl")]
    assert wait_for(downloads), "Export did not download both files"
    assert downloads[0].read_bytes() == applied
    assert downloads[1].read_text(encoding="utf-8") == payload["decisions"]

    browser.execute_script("window.scrollTo(0, 0)")
    press(browser, "jjj")                                 # show the details of a change beside the replaced one
    shot = tmp_path / "review.png"
    assert browser.save_screenshot(str(shot))
    if os.environ.get("RESTORE_SCREENSHOT"):
        shutil.copyfile(shot, ROOT / os.environ["RESTORE_SCREENSHOT"])


def test_alternatives_undo_and_moving_back(browser, tmp_path):
    page = tmp_path / "review.html"
    run("review", EXAMPLE, "-o", str(page), cwd=FIXTURES)
    open_page(browser, page)
    data = browser.execute_script("return JSON.parse(document.getElementById('review-data').textContent)")
    i = next(k for k, c in enumerate(data["changes"]) if c[5] and k > 1)        # a change with alternatives
    browser.execute_script(f"document.querySelector('#text [data-change=\"{i}\"]').focus()")
    assert browser.find_element("id", "pop").is_displayed()
    assert f'{round(data["changes"][i][4] * 100)}% sure' in browser.find_element("id", "pop").text
    from selenium.webdriver.common.keys import Keys
    press(browser, Keys.ENTER)                            # into the change's choices, and back
    assert browser.execute_script("return document.activeElement.parentNode.parentNode.id") == "pop"
    press(browser, Keys.ESCAPE)
    assert active_change(browser) == str(i)
    press(browser, "1")
    assert state(browser, i) == ("replace", data["changes"][i][5][0][0])
    press(browser, "u")
    assert state(browser, i) == ("pending", data["changes"][i][3]) and active_change(browser) == str(i)
    press(browser, "a")
    press(browser, "kk")
    assert active_change(browser) == str(i - 1) and state(browser, i)[0] == "accept"
    press(browser, "g")
    assert "show-garbled" in browser.find_element("tag name", "body").get_attribute("class")


NASTY = ("Workers astatine the agency </script><script>alert(1)</script> <!-- person been told\u2028"
         "to stock accusation \u2029 & astatine \"quoted\" \\ back \U0001F600 astatine.\r\n"
         "So <b>helium</b> said.\r\n")
JSONL = ('{"id": 1, "text": "Workers astatine the agency person been told.", "n": 2}\n\n'
         '{"text": "caf\\u00e9 astatine noon \\"quoted\\" \\ud83d\\ude00", "meta": {"title": "person been told"}}\n'
         '{"text": "naïve workers astatine the agency \u2028 person been told"}\n'
         '{"text": "Workers astatine the caf\\u00E9 \\/ bar \\uD83D\\uDE00 person been told"}\n')   # escapes kept


# in HTML the comment closes: one left open to the end hides the rest, which is then not restored
@pytest.mark.parametrize("name, text", [("nasty.txt", NASTY),
                                        ("page.html", "<p>" + NASTY.replace("accusation ", "accusation --> ") + "</p>"),
                                        ("feed.jsonl", JSONL)])
def test_any_text_shows_inertly_and_exports_what_fix_writes(browser, tmp_path, name, text):
    source = tmp_path / name
    source.write_bytes(text.encode("utf-8"))
    options = ["--field", "text", "--field", "meta.title"]
    run("review", str(source), "-o", str(tmp_path / "review.html"), *options)
    open_page(browser, tmp_path / "review.html")
    assert browser.execute_script("return document.querySelectorAll('script').length") == 2
    fixed = run("fix", str(source), *options)
    if name != "feed.jsonl":
        shown = browser.execute_script("var t = document.getElementById('text').cloneNode(true);"
                                       "t.querySelectorAll('del').forEach(function (d) { d.remove(); });"
                                       "return t.textContent;")
        assert shown == fixed.decode("utf-8")
    payload = browser.execute_script("return restoreReview.exportPayload()")
    assert payload["text"].encode("utf-8") == fixed
    assert apply(tmp_path, source, payload["decisions"], *options) == fixed
    browser.execute_script("restoreReview.decide(0, 'reject'); restoreReview.decide(1, 'replace', 'x\\u2028\"y')")
    payload = browser.execute_script("return restoreReview.exportPayload()")
    assert apply(tmp_path, source, payload["decisions"], *options) == payload["text"].encode("utf-8")


def test_lines_ended_by_a_lone_carriage_return_show_as_lines(browser, tmp_path):
    source = open_review(browser, tmp_path / "mac.txt",
                         b"Workers astatine the agency.\rThey person been told.\rSo helium said.\r")
    shown = browser.execute_script("return document.getElementById('text').innerText")
    assert [line.strip() for line in shown.replace("\r", "").split("\n") if line.strip()][:3] == [
        "Workers at the agency.", "They have been told.", "So he said."]
    payload = browser.execute_script("return restoreReview.exportPayload()")
    assert payload["text"].encode("utf-8") == run("fix", str(source))


def test_the_page_exports_a_utf8_byte_order_mark_as_fix_and_apply_write_it(browser, tmp_path):
    source = open_review(browser, tmp_path / "bom.txt", b"\xef\xbb\xbfWorkers astatine the agency person been told.\n")
    payload = browser.execute_script("return restoreReview.exportPayload()")
    assert payload["text"].encode("utf-8") == run("fix", str(source)) == apply(tmp_path, source, payload["decisions"])
    assert payload["text"].startswith("\ufeffWorkers at the agency")


def test_the_page_exports_a_replacement_in_html_escaped_as_apply_writes_it(browser, tmp_path):
    source = tmp_path / "b.html"
    source.write_text('<p title="astatine noon">Workers astatine the agency.</p><img alt=astatine src=x.png>\n')
    run("review", str(source), "-o", str(tmp_path / "review.html"))
    open_page(browser, tmp_path / "review.html")
    browser.execute_script("restoreReview.decide(0, 'replace', 'x\" y\\'s'); "
                           "restoreReview.decide(1, 'replace', '</p><script>alert(1)</script> & \"co\"'); "
                           "restoreReview.decide(2, 'replace', 'x onerror=alert(1)')")
    payload = browser.execute_script("return restoreReview.exportPayload()")
    assert payload["text"].startswith('<p title="x&quot; y&#x27;s noon">Workers &lt;/p&gt;&lt;script&gt;')
    assert payload["text"].endswith("<img alt=x&#32;onerror&#61;alert(1) src=x.png>\n")
    assert apply(tmp_path, source, payload["decisions"]) == payload["text"].encode("utf-8")


def test_the_page_escapes_html_as_python_does(browser, tmp_path):
    page = tmp_path / "review.html"
    run("review", EXAMPLE, "-o", str(page), cwd=FIXTURES)
    open_page(browser, page)
    for s in ["".join(map(chr, range(0x80))), "&amp; &lt;b&gt; caf\u00e9 \u3000", ""]:
        for context in (markup.TEXT, markup.QUOTED, markup.UNQUOTED):
            assert browser.execute_script("return restoreReview.htmlEscape(arguments[0], arguments[1])",
                                          s, context) == markup.escape(s, context)


def test_the_page_encodes_json_fields_as_python_does(browser, tmp_path):
    page = tmp_path / "review.html"
    run("review", EXAMPLE, "-o", str(page), cwd=FIXTURES)
    open_page(browser, page)
    strings = ["".join(map(chr, range(0xa0))),
               "caf\u00e9 \u2028\u2029 \U0001F600 \ufeff \"\\/", ""]
    for s in strings:
        for ascii in (True, False):
            assert browser.execute_script("return restoreReview.pyJson(arguments[0], arguments[1])", s, ascii) == \
                json.dumps(s, ensure_ascii=ascii)
