"""A real headless Chromium (Debian's package) driven by Playwright, for the page and dashboard tests.

Playwright runs in a child process (``python -m tests.support.browser`` reading one JSON job on
stdin): the test process is monkey-patched by eventlet for nameko, Playwright needs plain asyncio.
A job opens a URL (with headers, e.g. the token) or HTML at a viewport size, and returns what a test
checks: each selector's boxes and text as laid out, the page's width as laid out, a screenshot (PNG)
and a print to PDF (A4, portrait or landscape) with its page count. ``chromium()`` finds the binary
(``CHROMIUM`` or ``chromium`` on the path); with none, a test skips, and FAILS under ``CI=true``.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.support.infra import unavailable


def chromium() -> str:
    found = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        unavailable("Chromium is not installed (make test installs Debian's chromium where it can)",
                    "the page and dashboard are tested in a real browser")
    return found


def open_page(url: str | None = None, html: str | None = None, *, width: int = 1280, height: int = 900,
              headers: dict[str, str] | None = None, measure: dict[str, str] | None = None,
              screenshot: Path | None = None, pdf: Path | None = None, landscape: bool = False,
              wait_for: str | None = None, media: str | None = None) -> dict[str, Any]:
    """Open ``url`` (or ``html``) at ``width`` x ``height`` CSS pixels (laid out for ``media``,
    e.g. ``"print"``, when given) and report ``measure``'d
    selectors (``{name: [{x, y, width, height, text, visible}]}``), ``status``, ``scroll_width``
    (the page's laid-out width), and the ``pdf_pages`` printed when ``pdf`` is given."""
    job = {"url": url, "html": html, "width": width, "height": height, "headers": headers or {},
           "measure": measure or {}, "screenshot": str(screenshot) if screenshot else None,
           "pdf": str(pdf) if pdf else None, "landscape": landscape, "wait_for": wait_for,
           "media": media, "executable": chromium()}
    done = subprocess.run([sys.executable, "-m", "tests.support.browser"], input=json.dumps(job),
                          capture_output=True, text=True, timeout=120, check=False,
                          cwd=Path(__file__).resolve().parents[2])
    if done.returncode != 0:
        raise AssertionError(f"the browser failed: {done.stderr[-3000:]}")
    return json.loads(done.stdout)


def _boxes(page, selector: str) -> list[dict[str, Any]]:
    found = []
    for element in page.locator(selector).all():
        box = element.bounding_box() or {}
        found.append({**box, "text": element.inner_text(), "visible": element.is_visible()})
    return found


def _pdf_pages(path: str) -> int:
    """Pages of a PDF Chromium printed (its page objects; /Pages is the tree, not a page)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", Path(path).read_bytes()))


def run(job: dict[str, Any]) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=job["executable"], args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": job["width"], "height": job["height"]},
                                extra_http_headers=job["headers"])
        status = None
        if job.get("media"):
            page.emulate_media(media=job["media"])
        if job["url"]:
            status = page.goto(job["url"], wait_until="load").status
        else:
            page.set_content(job["html"], wait_until="load")
        if job["wait_for"]:
            page.wait_for_selector(job["wait_for"], timeout=30_000)
        result = {"status": status, "scroll_width": page.evaluate("document.documentElement.scrollWidth"),
                  "measured": {name: _boxes(page, selector) for name, selector in job["measure"].items()}}
        if job["screenshot"]:
            page.screenshot(path=job["screenshot"], full_page=True)
        if job["pdf"]:
            page.emulate_media(media="print")
            page.pdf(path=job["pdf"], format="A4", landscape=job["landscape"], print_background=True)
            result["pdf_pages"] = _pdf_pages(job["pdf"])
        browser.close()
    return result


if __name__ == "__main__":
    print(json.dumps(run(json.loads(sys.stdin.read()))))
