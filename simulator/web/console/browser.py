"""A real headless Chromium for the console: find the system browser, shoot each blade.

Playwright drives the browser, but its own browser download is not used: the console's tests and
screenshots run the system Chromium (Debian's ``chromium`` package, or ``CCSYNC_CHROMIUM``).

``python -m ccsync.screenshots docs/img`` (``make screenshots``) uses it to write one PNG per blade.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
VIEWPORT = {"width": 1280, "height": 800}


def find_chromium() -> str | None:
    """The browser executable: ``CCSYNC_CHROMIUM`` if set, else the first Chromium on PATH."""
    given = os.environ.get("CCSYNC_CHROMIUM")
    if given:
        return given if Path(given).exists() else None
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def unavailable() -> str | None:
    """Why no browser test can run here, or None when Playwright and a Chromium are both present."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed (pip install -e '.[dev]')"
    if find_chromium() is None:
        return (
            "no Chromium found (install Debian's package: apt-get install chromium; or set CCSYNC_CHROMIUM "
            "to a Chromium executable)"
        )
    return None


@contextmanager
def chromium() -> Iterator[Any]:
    """A headless Chromium (Playwright ``Browser``) from the system executable."""
    from playwright.sync_api import sync_playwright

    path = find_chromium()
    if path is None:
        raise RuntimeError(unavailable() or "no Chromium")
    # root cannot use Chromium's sandbox (CI containers run as root)
    args = ["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=path, args=args, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@dataclass(frozen=True)
class Blade:
    """One console page to look at: a file name and the path under ``/console``."""

    name: str
    path: str


def blades(sps: dict[str, str], source_id: str) -> list[Blade]:
    """Every blade of the console on the demo activity's state."""
    gcch = sps["gcch"]
    return [
        Blade("console-tenants", "/"),
        Blade("console-tenant", f"/tenants/{source_id}"),
        Blade("console-configurations", f"/configurations?tenant={source_id}"),
        Blade("console-unlicensed", f"/configurations/{gcch}/unlicensed?tenant={source_id}"),
        Blade("console-provisioning-logs", f"/logs?tenant={source_id}"),
        Blade("console-audit-logs", f"/audit?tenant={source_id}&service=provisioning"),
        Blade("console-traffic", "/traffic"),
        Blade("console-time", "/time"),
    ]


def shoot(browser: Any, base: str, pages: list[Blade], out: Path) -> dict[str, list[str]]:
    """Open each page at 1280×800, save a full-page PNG to ``out``; returns the console errors per page."""
    out.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport=VIEWPORT)
    errors: dict[str, list[str]] = {}
    try:
        for blade in pages:
            seen: list[str] = []
            page = context.new_page()  # a page per blade: its own console listener
            page.on("console", lambda m, seen=seen: seen.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e, seen=seen: seen.append(str(e)))
            resp = page.goto(f"{base}/console{blade.path}")
            if resp is None or resp.status != 200:
                seen.append(f"HTTP {resp.status if resp else 'no response'} for {blade.path}")
            page.screenshot(path=str(out / f"{blade.name}.png"), full_page=True)
            page.close()
            errors[blade.name] = seen
    finally:
        context.close()
    return errors
