"""Headless Chromium (Debian's `chromium`, which `.ci/run` installs) driven by Playwright: the
kit's pages are checked as a reader sees them. Playwright's own browser downloads are never used."""
import contextlib
import os
import shutil

import pytest

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-dev-shm-usage"]


def _missing(reason):
    # CI installs chromium: there a missing browser is a broken set-up, not a reason to skip.
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (CI must run the browser tests: .ci/run installs chromium)")
    pytest.skip(f"{reason}; install it (apt-get install chromium) to run the browser tests")


@contextlib.contextmanager
def browser_page(width=1100, height=900):
    """A fresh page of a headless Chromium, `width` CSS pixels wide."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        _missing("no chromium on PATH")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright package is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=ARGS)
        try:
            yield browser.new_page(viewport={"width": width, "height": height})
        finally:
            browser.close()


# Every element whose content is wider than its box and that scrolls (or would be cut off).
OVERFLOWING = """() => {
  const out = [];
  const root = document.scrollingElement || document.documentElement;
  if (root.scrollWidth > root.clientWidth + 1) out.push(`page: ${root.scrollWidth} > ${root.clientWidth}`);
  for (const el of document.querySelectorAll('pre, div.output_area, div.output_subarea, table')) {
    if (el.scrollWidth > el.clientWidth + 1) {
      out.push(`${el.tagName.toLowerCase()}.${el.className}: ${el.scrollWidth} px of content in ${el.clientWidth} px: `
               + el.textContent.trim().slice(0, 80));
    }
  }
  return out;
}"""


def overflowing(page):
    """What in the page scrolls sideways: a list of descriptions, empty when nothing does."""
    return page.evaluate(OVERFLOWING)
