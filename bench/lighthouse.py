"""Lighthouse (mobile) scores of the screener's pages, against gunicorn on loopback.

Run: .venv/bin/python bench/lighthouse.py [PATH ...]   (default: / /privacy /about)

Uses Debian's chromium (headless) and the ``lighthouse`` npm package: from PATH, or
installed once with npm into ``.lighthouse/`` (ignored by git). Prints performance,
accessibility, best practices and SEO for each page and fails below 100, with the audits
that cost points.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from wrk import serve  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
LOCAL = ROOT / ".lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")


def lighthouse() -> str:
    found = shutil.which("lighthouse") or LOCAL / "node_modules" / ".bin" / "lighthouse"
    if not Path(found).exists():
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(LOCAL),
                        "lighthouse"], check=True)
    return str(found)


def scores(tool: str, url: str, out: Path) -> dict[str, object]:
    subprocess.run(
        [tool, url, "--quiet", "--output=json", f"--output-path={out}",
         f"--only-categories={','.join(CATEGORIES)}",
         "--chrome-flags=--headless=new --no-sandbox --disable-gpu"],
        check=True, env=os.environ | {"CHROME_PATH": shutil.which("chromium") or
                                      "/usr/bin/chromium"})
    report = json.loads(out.read_text())
    result: dict[str, object] = {c: round(report["categories"][c]["score"] * 100)
                                 for c in CATEGORIES}
    result["lost"] = sorted(
        audit for category in CATEGORIES
        for ref in report["categories"][category]["auditRefs"] if ref["weight"]
        if (audit := ref["id"]) and (report["audits"][audit]["score"] or 0) < 1
        and report["audits"][audit]["scoreDisplayMode"] not in ("notApplicable", "manual",
                                                                "informative"))
    return result


def main() -> int:
    paths = sys.argv[1:] or ["/", "/privacy", "/about"]
    tool = lighthouse()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        process, base = serve("screener.wsgi:app", folder, "screener")
        failed = 0
        try:
            print(f"{'page':<16}" + "".join(f"{c:>16}" for c in CATEGORIES))
            for path in paths:
                found = scores(tool, base + path, folder / "report.json")
                failed += any(found[c] != 100 for c in CATEGORIES)
                lost = ", ".join(found["lost"])  # type: ignore[arg-type]
                print(f"{path:<16}" + "".join(f"{found[c]:>16}" for c in CATEGORIES)
                      + (f"   audits not at full marks: {lost}" if lost else ""))
        finally:
            process.terminate()
            process.wait(timeout=10)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
