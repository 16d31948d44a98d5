"""An HTML page printed to PDF by headless Chromium (its print stylesheet applies), offline."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from .errors import InputError

BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def find_browser() -> str:
    """The Chromium binary: ``$GDPRGRAPH_CHROMIUM`` or the first of BROWSERS on the PATH."""
    given = os.environ.get("GDPRGRAPH_CHROMIUM")
    found = given or next((path for name in BROWSERS if (path := shutil.which(name))), None)
    if not found:
        raise InputError("--format pdf needs Chromium (apt-get install chromium, or set GDPRGRAPH_CHROMIUM)")
    return found


def html_to_pdf(html: str, timeout: float = 180) -> bytes:
    """The PDF Chromium prints of ``html`` (no header or footer, backgrounds as the stylesheet says)."""
    browser = find_browser()
    with tempfile.TemporaryDirectory(prefix="gdprgraph-pdf-") as folder:
        page, pdf = Path(folder) / "page.html", Path(folder) / "page.pdf"
        page.write_text(html, encoding="utf-8")
        command = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={Path(folder) / 'profile'}",
            "--no-pdf-header-footer",
            f"--print-to-pdf={pdf}",
            page.as_uri(),
        ]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
        except (OSError, subprocess.TimeoutExpired) as err:
            raise InputError(f"{browser}: could not print the report to PDF: {err}") from err
        if not pdf.is_file() or pdf.stat().st_size == 0:
            tail = (done.stderr or "").strip().splitlines()[-1:] or ["no output"]
            raise InputError(f"{browser}: could not print the report to PDF: {tail[0]}")
        return pdf.read_bytes()
