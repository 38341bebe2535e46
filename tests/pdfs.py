"""PDFs the suite makes from real report text, with Debian's Chromium (print to PDF).

Each line of the text becomes a paragraph in a narrow column, so long lines wrap mid-sentence,
and a page ends after every sixth paragraph;
every page carries a running header ("HMICFRS – " and the report's first line) and a page
number in its footer ("Page 2 of 5"). The PDFs are made once per test session.
"""

from __future__ import annotations

import hashlib
import html
import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(), reason="needs Chromium at /usr/bin/chromium to print PDFs"
)


def page_html(text: str, *, header: str) -> str:
    paragraphs = "\n".join(
        f"<p>{html.escape(line.strip())}</p>" for line in text.split("\n") if line.strip()
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>report</title><style>
@page {{
  size: A4; margin: 20mm 18mm;
  @top-center {{ content: "{header}"; font: 8pt sans-serif }}
  @bottom-center {{ content: "Page " counter(page) " of " counter(pages); font: 8pt sans-serif }}
}}
body {{ font: 11pt serif; margin: 0; width: 95mm }}
p {{ margin: 0 0 7pt }}
p:nth-child(6n) {{ break-after: page }}
</style></head><body>
{paragraphs}
</body></html>
"""


def make_pdf(text: str, folder: Path, *, header: str | None = None) -> bytes:
    """The PDF of `text` (cached in `folder` by content)."""
    header = header or "HMICFRS – " + text.strip().split("\n", 1)[0][:60].replace('"', "")
    source = page_html(text, header=html.escape(header))
    key = hashlib.sha256(source.encode()).hexdigest()[:16]
    out = folder / f"{key}.pdf"
    if not out.exists():
        page = folder / f"{key}.html"
        page.write_text(source, encoding="utf-8")
        profile = folder / f"profile-{key}"
        subprocess.run(
            [
                str(CHROMIUM),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-pdf-header-footer",
                f"--user-data-dir={profile}",
                f"--print-to-pdf={out}",
                page.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        shutil.rmtree(profile, ignore_errors=True)
    return out.read_bytes()
