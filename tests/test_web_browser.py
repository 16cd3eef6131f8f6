"""End to end in a real headless browser: ``m2s serve`` in a subprocess, Debian's chromium driven by
playwright (no browser download: the system's /usr/bin/chromium, or $M2S_CHROMIUM).

Upload, upmix, players, plots, a download whose fold-down is the input, the blind test, an error
message, refused server paths, and a clean stop. With the tiny test model it takes about half a
minute. ``M2S_WEB_SCREENSHOT=docs/web_screenshot.png`` also writes the README's screenshot, and then
uses the bundled model and a real stereo clip (slower). Where chromium or playwright is missing the
test is skipped, unless ``M2S_REQUIRE_BROWSER=1`` (set by ``make test``), which makes that a failure.
"""
from __future__ import annotations

import json
import os
import shutil
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlparse

import numpy as np
import pytest
import soundfile as sf

from conftest import FOLD_TOL, music_like, write_wav
from web_server import Server

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("M2S_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOT = os.environ.get("M2S_WEB_SCREENSHOT")
REAL_CLIP = REPO / "examples" / "hedgewars_Art_original.flac"  # real stereo, for the screenshot only
UPMIX_TIMEOUT_MS = 180_000 if SCREENSHOT else 60_000


def _unavailable(reason: str):
    if os.environ.get("M2S_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser test required (M2S_REQUIRE_BROWSER=1) but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def playwright_api():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (pip install -e '.[test]')")
    if not Path(CHROMIUM).is_file():
        _unavailable(f"no chromium at {CHROMIUM} (apt-get install chromium, or set M2S_CHROMIUM)")
    with sync_playwright() as api:
        yield api


@pytest.fixture(scope="module")
def server(tiny_model_dir, tmp_path_factory):
    model = [] if SCREENSHOT else ["--model", str(tiny_model_dir)]
    server = Server(["-m", "m2s_gen.cli", "serve", *model, "--max-takes", "2"], tmp_path_factory.mktemp("web_server"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def page(playwright_api, server, tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser")
    context = playwright_api.chromium.launch_persistent_context(
        str(folder / "profile"), executable_path=CHROMIUM, headless=True, args=CHROMIUM_FLAGS,
        accept_downloads=True, viewport={"width": 1280, "height": 900})
    page = context.pages[0] if context.pages else context.new_page()
    page.requested = []  # every URL the page asks for: all must be the local server
    page.on("request", lambda request: page.requested.append(request.url))
    page.goto(server.url)
    page.wait_for_selector("#m2s-run", timeout=30_000)
    yield page
    context.close()


@pytest.fixture(scope="module")
def clip(tmp_path_factory) -> Path:
    if SCREENSHOT and REAL_CLIP.exists():
        return REAL_CLIP
    rate = 22_050
    left, right = music_like(3 * rate, rate, seed=11), music_like(3 * rate, rate, seed=12)
    return write_wav(tmp_path_factory.mktemp("clip") / "stereo clip.wav", np.stack([left, 0.6 * right]), rate,
                     subtype="PCM_16")


def _upload(page, path: Path) -> None:
    clear = page.locator("#m2s-upload button[aria-label='Clear']")
    if clear.count():
        clear.first.click()
    page.set_input_files("#m2s-upload input[type=file]", str(path))
    page.locator("#m2s-upload .filename").first.wait_for()


def _download(page, selector: str, folder: Path) -> Path:
    with page.expect_download() as info:
        page.locator(selector).first.click()
    target = folder / info.value.suggested_filename
    info.value.save_as(str(target))
    return target


def _wait_for_download_link(page, suffix: str) -> None:
    page.wait_for_function("(suffix) => [...document.querySelectorAll('#m2s-downloads a')].some("
                           "(a) => (a.getAttribute('download') || '').endsWith(suffix))", arg=suffix, timeout=20_000)
    page.wait_for_function("() => !document.querySelector('#m2s-downloads .pending, #m2s-downloads .generating')")


def test_the_page_loads_with_its_controls(page):
    assert page.title() == "m2s-gen: mono to stereo"
    for element in ("#m2s-upload", "#m2s-run", "#m2s-width", "#m2s-takes", "#m2s-preset", "#m2s-format"):
        assert page.locator(element).count() == 1, element
    assert page.get_by_text("Blind test").count() >= 1


def test_a_bad_file_gives_the_clis_one_line_error(page, tmp_path):
    bad = tmp_path / "not audio.wav"
    bad.write_text("this is not a sound file\n" * 4)
    _upload(page, bad)
    page.click("#m2s-run")
    message = page.get_by_text("not audio.wav: not a readable audio file").first
    message.wait_for(timeout=20_000)
    assert "\n" not in message.inner_text().strip()
    page.locator(".toast-close").first.click()
    message.wait_for(state="hidden")


def test_upmix_players_plots_and_a_download_that_folds_down_to_the_input(page, clip, tmp_path):
    _upload(page, clip)
    page.fill("#m2s-width textarea", "-10")
    page.fill("#m2s-takes input[type=number]", "2")
    page.press("#m2s-takes input[type=number]", "Enter")
    started = time.monotonic()
    page.click("#m2s-run")
    page.locator("#m2s-downloads a").first.wait_for(timeout=UPMIX_TIMEOUT_MS)
    elapsed = time.monotonic() - started
    status = page.inner_text("#m2s-status")
    assert status.startswith(clip.name) and "stereo, folded to mono" in status and "2 take(s)" in status, status
    # players: input, 2 takes, baseline, original, fold-down; each loaded (its length shown)
    seconds = round(sf.info(str(clip)).duration)
    labels = []
    for k in range(7):
        player = page.locator(f"#m2s-player-{k}")
        if player.count() and player.is_visible():
            labels.append(player.locator("label").first.inner_text().strip())
            page.wait_for_function("([id, text]) => document.getElementById(id).innerText.includes(text)",
                                   arg=[f"m2s-player-{k}", f"0:{seconds:02d}"], timeout=20_000)
    assert labels == ["input", "take 1", "take 2", "baseline (freq_decorrelator)", "original",
                      "fold-down (L+R)/2 of take 1"], labels
    # plots: three images, loaded from the server
    for plot in ("#m2s-goniometer", "#m2s-band-widths", "#m2s-correlation"):
        image = page.locator(f"{plot} img").first
        image.wait_for()
        assert page.evaluate("(img) => img.complete && img.naturalWidth > 300", image.element_handle()), plot
    # downloads: WAV (float) folds down to the input exactly, FLAC to 24-bit precision
    audio, _ = sf.read(str(clip), dtype="float32", always_2d=True)
    mono = audio.mean(1, dtype=np.float64).astype(np.float32)
    wav = _download(page, "#m2s-downloads a", tmp_path)
    stereo, rate = sf.read(str(wav), dtype="float64")
    assert wav.name.endswith("_m2s_take1.wav") and rate == sf.info(str(clip)).samplerate
    fold = (stereo[:, 0] + stereo[:, 1]) / 2
    assert np.max(np.abs(fold - mono)) < FOLD_TOL
    side = (stereo[:, 0] - stereo[:, 1]) / 2
    assert 10 * np.log10(np.sum(side**2) / np.sum(fold**2)) == pytest.approx(-10.0, abs=0.1)  # the width asked for
    page.locator("#m2s-format").get_by_label("FLAC", exact=True).check()
    _wait_for_download_link(page, ".flac")
    flac = _download(page, "#m2s-downloads a", tmp_path)
    stereo, _ = sf.read(str(flac), dtype="float64")
    assert flac.suffix == ".flac" and np.max(np.abs((stereo[:, 0] + stereo[:, 1]) / 2 - mono)) < 2 ** -22
    print(f"upmix in the browser: {elapsed:.1f} s")
    if SCREENSHOT:
        page.locator("#m2s-format").get_by_label("WAV", exact=True).check()
        _wait_for_download_link(page, ".wav")
        page.locator("#m2s-status").scroll_into_view_if_needed()
        Path(SCREENSHOT).parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOT, full_page=True)


def test_blind_test_in_the_browser(page, server):
    page.get_by_role("tab", name="Blind test").click()
    page.click("#m2s-blind-add")
    for trial in (1, 2, 3, 4):  # 2 takes x (baseline, original)
        page.get_by_text(f"Trial {trial} of 4").first.wait_for(timeout=20_000)
        for player in ("#m2s-blind-a", "#m2s-blind-b"):
            assert page.locator(player).is_visible()
        assert "model" not in page.inner_text("#m2s-blind-line")
        page.click("#m2s-choose-A" if trial % 2 else "#m2s-choose-B")
    page.get_by_text("All 4 trials decided").first.wait_for(timeout=20_000)
    summary = page.inner_text("#m2s-blind-summary")
    assert "95% interval" in summary and "model" in summary and "original" in summary
    kept = sorted(server.results.glob("blind-*.json"))
    assert len(kept) == 1
    data = json.loads(kept[0].read_text())
    assert data["summary"]["decided"] == 4 and [t["choice"] for t in data["trials"]] == ["A", "B", "A", "B"]
    assert page.locator("#m2s-blind-results a").count() == 2


def test_the_page_asked_nothing_of_the_internet(page):
    hosts = {urlparse(url).netloc for url in page.requested if urlparse(url).scheme in ("http", "https", "ws", "wss")}
    assert hosts == {urlparse(page.url).netloc}, hosts


def test_no_server_path_is_taken_from_the_client(server, clip):
    # a file the server has but nobody uploaded: neither served nor accepted as an input
    for path in (clip, Path("/etc/passwd"), REPO / "README.md"):  # the latter in the server's own folder
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(f"{server.url}gradio_api/file={quote(str(path))}", timeout=10)
        assert info.value.code == 403
    body = json.dumps({"data": [{"path": str(clip), "meta": {"_type": "gradio.FileData"}}, [], "", "", 0, 1, None,
                                "", "", "", "", "WAV"]}).encode()
    request = urllib.request.Request(f"{server.url}gradio_api/call/upmix", body, {"Content-Type": "application/json"})
    event_id = json.load(urllib.request.urlopen(request, timeout=10))["event_id"]
    stream = urllib.request.urlopen(f"{server.url}gradio_api/call/upmix/{event_id}", timeout=30).read().decode()
    assert stream.startswith("event: error"), stream
    assert any("not uploaded by a user" in line for line in server.lines)


def test_stopping_the_server_removes_its_temporary_files(server):
    assert list(server.tmp.glob("m2s-web-*")), "the server keeps its files under its TMPDIR"
    assert server.stop() == 0, "".join(server.lines[-20:])
    assert list(server.tmp.iterdir()) == []
