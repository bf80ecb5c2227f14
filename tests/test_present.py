"""One-language notebooks for presenting live with RISE (slides/present.py).

The unit tests read the built notebooks; the browser test opens one in JupyterLab's RISE in
Debian's Chromium (network blocked except the lab on 127.0.0.1), runs its first code cells
and checks that only the chosen language is shown and nothing fails.
"""
import json
import os
import re
import time
import urllib.request
from pathlib import Path

import pytest

from d2l_extras.sections import notebook_paths
from servers import free_port, start_lab, stop
from slides_helpers import build, fonts_drawn, load_script, need_browser

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = notebook_paths(ROOT / "notebooks")


present = load_script("slides/present.py", "slides_present")
CODE_FONT = build.CODE_FONT


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("present")
    present.build_present(NOTEBOOKS, out)
    return out


@pytest.fixture(scope="module")
def jupyter_path(tmp_path_factory):
    """A Jupyter data folder with the slideshow's kernel (``make present`` installs it into the
    environment; the tests leave the environment as it is)."""
    prefix = tmp_path_factory.mktemp("prefix")
    present.install_kernel(prefix)
    return prefix / "share" / "jupyter"


def slideshow_cells(nb):
    """The code cells RISE runs, in slide order: those on a slide (not `skip`, not `notes`)."""
    return [c for c in nb.cells if c.cell_type == "code" and not present.off_the_slides(c)]


def tags(cell):
    return set(cell.get("metadata", {}).get("tags", []))


@pytest.mark.parametrize("lang", ["vi", "en"])
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_one_language_only_and_the_decks_size(built, path, lang):
    other = "en" if lang == "vi" else "vi"
    source = json.loads(path.read_text(encoding="utf-8"))
    nb = json.loads((built / lang / path.name).read_text(encoding="utf-8"))
    assert not any(f"lang-{other}" in tags(c) or "ci" in tags(c) or "solutions" in tags(c) for c in nb["cells"])
    ours = [c for c in source["cells"] if f"lang-{lang}" in tags(c) and "solutions" not in tags(c)]
    assert [c["source"] for c in nb["cells"] if f"lang-{lang}" in tags(c)] == [c["source"] for c in ours]
    assert nb["metadata"]["rise"]["width"] == 1280 and nb["metadata"]["rise"]["height"] == 720
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            assert out.get("metadata", {}).get("lang", lang) == lang, f"{path.name}: an output of the other language"
    assert nb["metadata"]["d2l_lang"] == lang  # its kernel writes this language only
    if lang == "vi" and any(o.get("metadata", {}).get("lang") for c in source["cells"] for o in c.get("outputs", [])):
        assert any(o.get("metadata", {}).get("lang") == "vi" for c in nb["cells"] for o in c.get("outputs", []))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_notebook_opens_in_rise_with_the_decks_slide_settings(path):
    """Not only the present notebooks: RISE on notebooks/ or the student edition draws the same
    1280x720 slide, with reveal.js's white theme (local fonts; RISE's default theme asks
    fonts.googleapis.com for its fonts)."""
    assert json.loads(path.read_text(encoding="utf-8"))["metadata"].get("rise") == present.RISE


def slideshow_code(built, lang, path):
    nb = json.loads((built / lang / path.name).read_text(encoding="utf-8"))
    return ([c["source"] for c in nb["cells"] if c["cell_type"] == "code"
             and (c["metadata"].get("slideshow") or {}).get("slide_type") not in ("skip", "notes")],
            nb["metadata"]["d2l_present"]["setup"], nb["metadata"]["d2l_present"]["before"])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_both_languages_run_the_same_code_as_slideshows(built, path):
    """Code cells carry no language, so a slideshow runs the same code in either language: the
    in-order test below executes each notebook in one of them."""
    assert slideshow_code(built, "vi", path) == slideshow_code(built, "en", path)


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_slideshow_runs_in_order_in_a_fresh_kernel(built, jupyter_path, tmp_path, monkeypatch, path):
    """Only the slides' code cells, in order, in the slideshow's own kernel (which first runs
    the cells kept off the slides): no error, and the hidden set-up reported no failure. The
    notebooks alternate between the languages (the code is the same in both, test above)."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    lang = ("vi", "en")[NOTEBOOKS.index(path) % 2]
    target = built / lang / path.name
    nb = nbformat.read(str(target), as_version=4)
    assert nb.metadata.kernelspec.name == present.KERNEL_NAME
    shown = nbformat.v4.new_notebook(cells=slideshow_cells(nb), metadata=nb.metadata)
    monkeypatch.setenv("JUPYTER_PATH", str(jupyter_path))  # where the client finds the kernel
    env = dict(os.environ, JPY_SESSION_NAME=str(target), D2L_BUILD_DIR=str(tmp_path / "build"))
    client = NotebookClient(shown, kernel_name=present.KERNEL_NAME, timeout=600,
                            resources={"metadata": {"path": str(target.parent)}})
    try:
        client.execute(env=env)
    except CellExecutionError as err:
        pytest.fail(f"{lang}/{path.name}, run as a slideshow: {str(err)[-3000:]}")
    printed = [o.get("text", "") for c in shown.cells for o in c.outputs if o.get("output_type") == "stream"]
    assert not [t for t in printed if t.startswith("present:")], printed


def kernel_states(port, token):
    """Execution states of the server's kernels ('starting', 'idle', 'busy'), from its REST API."""
    url = f"http://127.0.0.1:{port}/api/sessions?token={token}"
    with urllib.request.urlopen(url, timeout=10) as reply:
        return [s["kernel"]["execution_state"] for s in json.load(reply)]


def kernel_is_idle(port, token, timeout):
    """Whether the notebook's kernel has started and is idle within ``timeout`` seconds (keys
    pressed before that are lost)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        states = kernel_states(port, token)
        if states and all(state == "idle" for state in states):  # after a reload: the old session too
            return True
        time.sleep(0.5)
    return False


def wait_for_idle_kernel(page, port, token):
    """Wait for the slideshow's kernel; reload the page once if it never connected to it.

    About one page load in 25 here (CI on 2026-11-30, then 1 of 26 runs) left the kernel
    'starting' for 3 minutes: the server had started it, but the page had not opened its
    websocket (the server logged the connection only as the page closed). Not found why. A
    presenter would reload; so does the test, after 90 s, when the kernel is long up (a reload
    forced while the kernel was still starting met the same state once in two). Two failures
    in a row fail the test.
    """
    if kernel_is_idle(port, token, 90):
        return
    print(f"slideshow: kernel still {kernel_states(port, token)} after 90 s; reloading the page once")
    page.reload(timeout=180_000)
    page.wait_for_selector(".reveal .slides section.present", timeout=180_000)
    if not kernel_is_idle(port, token, 180):
        pytest.fail(f"the slideshow's kernel was not ready after a reload: {kernel_states(port, token)}")


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("lang", ["vi", "en"])
def test_rise_shows_one_language_and_runs_the_first_cells(built, jupyter_path, tmp_path, lang):
    need_browser()
    from playwright.sync_api import sync_playwright

    from slides_helpers import launch_browser

    name = "05_batch_norm.ipynb"
    source = json.loads((ROOT / "notebooks" / name).read_text(encoding="utf-8"))
    titles = {t: "".join(c["source"]).splitlines()[0].lstrip("# ").strip()
              for c in source["cells"][:4] if c["cell_type"] == "markdown" for t in tags(c) if t.startswith("lang-")}
    other = "en" if lang == "vi" else "vi"
    port = free_port()
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(tmp_path / "cfg"), JUPYTER_RUNTIME_DIR=str(tmp_path / "rt"),
               D2L_PROFILE="quick", JUPYTER_PATH=str(jupyter_path))  # the slideshow's kernel
    proc, token, log = start_lab(tmp_path, port, env, folder=built / lang)
    try:
        with sync_playwright() as p:
            browser = launch_browser(p)
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            blocked = []

            def route(r):
                if r.request.url.startswith((f"http://127.0.0.1:{port}/", "data:", "blob:", "about:")):
                    r.continue_()
                else:
                    blocked.append(r.request.url)
                    r.abort()

            page.route("**/*", route)
            events, errors = [], []  # the browser's side, for the CI log of a failure
            page.on("console", lambda m: events.append(f"{time.strftime('%X')} console {m.type}: {m.text[:300]}")
                    or (m.type == "error" and errors.append(f"{m.text[:300]} ({m.location.get('url', '')})")))
            page.on("pageerror", lambda e: errors.append(f"page error: {str(e)[:300]}"))
            page.on("websocket", lambda ws: events.append(f"{time.strftime('%X')} websocket {ws.url[:120]}"))
            page.on("requestfailed", lambda r: events.append(f"{time.strftime('%X')} failed {r.url[:120]}"))
            try:
                run_first_cells(page, port, token, name, titles, lang, other)
                page.screenshot(path=str(tmp_path / "check-slide.png"))  # for a person to look at
            except BaseException:  # what the slideshow showed, for the CI log
                print("browser events:", *events[-60:], sep="\n")
                page.screenshot(path=str(tmp_path / "failure.png"))
                print("slideshow text:", page.evaluate("() => document.querySelector('.reveal')?.innerText"))
                print("JupyterLab log:", log.read_text()[-3000:])
                raise
            assert not blocked, f"the slideshow asked the network for {blocked[:3]}"
            ours = [e for e in errors if not is_rises_own_error(e)]
            assert not ours, f"{len(ours)} console errors in the slideshow: {ours[:5]}"
            browser.close()
    finally:
        stop(proc)


def is_rises_own_error(message):
    """RISE 0.43.1's page logs "RangeError: Maximum call stack size exceeded" from its own bundle
    (the design tokens of the JupyterLab 4.3 core it bundles), with any notebook, even an empty
    one, and with JupyterLab 4.3.4 as with 4.6: not the course's, and the slideshow works."""
    return message.startswith("RangeError: Maximum call stack size exceeded") and "/static/rise/" in message


CELLS_TO_RUN = 3  # 05's third code cell on a slide calls a helper kept off the slides


def run_first_cells(page, port, token, name, titles, lang, other):
    """Open the slideshow, check its language, run its first code cells; no cell may fail."""
    page.goto(f"http://127.0.0.1:{port}/rise/{name}?token={token}", timeout=180_000)
    page.wait_for_selector(".reveal .slides section.present", timeout=180_000)
    text = page.evaluate("() => document.querySelector('.reveal .slides').innerText").lower()
    assert titles[f"lang-{lang}"].lower() in text
    assert titles[f"lang-{other}"].lower() not in text, f"the {other} title is shown in the {lang} slideshow"
    wait_for_idle_kernel(page, port, token)
    ran = 0
    for _ in range(40):  # run the first code cells, moving on slide by slide
        cell = page.locator(".reveal .slides section.present .jp-CodeCell >> visible=true").first
        if cell.count():
            cell = cell.element_handle()  # this cell, not the next slide's once RISE moves on
            prompt = cell.query_selector(".jp-InputPrompt")
            for _attempt in range(3):  # a click the slide's overlay swallows runs nothing: try again
                cell.query_selector(".cm-content").click(force=True)  # reveal.js backgrounds overlay the slide
                page.keyboard.press("Shift+Enter")  # runs the cell, RISE moves to the next one
                started = time.monotonic()
                while time.monotonic() - started < 15 and not re.search(r"\[[*\d]", prompt.inner_text()):
                    page.wait_for_timeout(250)
                if re.search(r"\[[*\d]", prompt.inner_text()):
                    break
            else:
                pytest.fail("Shift+Enter on the slide's first code cell did not run it")
            ran += 1
            if ran == CELLS_TO_RUN:
                break
        else:
            page.keyboard.press("Escape")
            page.keyboard.press("ArrowRight")
        page.wait_for_timeout(1500)
    assert ran == CELLS_TO_RUN, f"the slideshow had fewer than {CELLS_TO_RUN} code cells to run"
    page.wait_for_function("() => !document.querySelector('.jp-mod-busy, [data-status=\\'busy\\']')",
                           timeout=180_000)
    page.wait_for_timeout(3000)
    errors = page.evaluate("() => document.querySelectorAll("
                           "'.jp-OutputArea-output[data-mime-type=\"application/vnd.jupyter.stderr\"]').length")
    assert errors == 0, "a cell failed in the slideshow"
    # The helper's table, in the slideshow's language only (its kernel writes one), drawn with
    # the course's code font (rise.css beside the notebook), which has the stacked Vietnamese
    # letters; Linux's DejaVu Sans Mono draws "hiệu" as a loose e and its accents.
    mine, theirs = {"vi": ("max |hiệu| < 1e-5", "max |difference|"),
                    "en": ("max |difference| < 1e-5", "max |hiệu|")}[lang]
    shown = page.evaluate("() => [...document.querySelectorAll('.reveal .jp-OutputArea-output')]"
                          ".map(e => e.textContent).join('\\n')")
    assert mine in shown and theirs not in shown, f"the {lang} slideshow's table: {shown[-600:]}"
    families = page.evaluate("""(mine) => [...document.querySelectorAll('.reveal .jp-OutputArea-output pre')]
        .filter(e => e.textContent.includes(mine)).map(e => getComputedStyle(e).fontFamily)""", mine)
    assert families and all(f.startswith(f"'{CODE_FONT}'") or f.startswith(f'"{CODE_FONT}"') for f in families), families
    assert page.evaluate(f"() => document.fonts.check(\"20px '{CODE_FONT}'\", 'hiệu')"), "the code font did not load"
