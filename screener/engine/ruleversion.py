"""The version of a rule set: the clinic's own label plus a hash of what was loaded.

``rules/VERSION`` holds a human label (say ``2026.12``) that content owners bump; the hash
covers every rule file's bytes, so an edit without a new label still shows. Stored with
every handoff and printed in every export, it says which guidance a patient saw.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from pathlib import Path

VERSION_FILE = "VERSION"
UNLABELLED = "unlabelled"


def ruleset_version(directory: Path, files: Iterable[Path]) -> str:
    """``<label>+<first 12 hex digits of the SHA-256 over the files>``."""
    content = hashlib.sha256()
    for path in sorted(files):
        content.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    label_file = directory / VERSION_FILE
    label = label_file.read_text(encoding="utf-8").strip() if label_file.is_file() else ""
    label = "".join(ch for ch in label.splitlines()[0] if ch.isprintable())[:40] if label else ""
    return f"{label or UNLABELLED}+{content.hexdigest()[:12]}"
