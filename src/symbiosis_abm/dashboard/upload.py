"""A region file uploaded on the page: saved to the session's own folder, checked with the
region loader, and either offered as a region or answered with the loader's problems (one
line each, naming the field and what is allowed) on the page.

Examples
--------
>>> import tempfile
>>> session = tempfile.TemporaryDirectory()
>>> folder = Path(session.name)
>>> accept_region_upload("notes.txt", b"x", folder)
(None, ['notes.txt: a region file must be a .toml file'])
>>> path, problems = accept_region_upload("mine.toml", b"x = [", folder)
>>> path, problems[0].split(":")[0]
(None, 'mine.toml')
>>> session.cleanup()
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import SymbiosisInputError
from ..region import load_region

__all__ = ["accept_region_upload", "MAX_UPLOAD_BYTES", "UPLOAD_PREFIX"]

#: a region file is text of some kilobytes; a larger upload is refused before parsing
MAX_UPLOAD_BYTES = 2_000_000
#: how an uploaded region appears in the region list
UPLOAD_PREFIX = "upload: "


def accept_region_upload(name: str, data: bytes, folder: Path) -> tuple[str | None,
                                                                         list[str]]:
    """``(path, [])`` for a region file that loads, else ``(None, problems)``; the file is
    kept in ``folder`` (the session's) only when it loads. Problems name the uploaded
    file, never the server's folder."""
    base = Path(name).name
    if not base.endswith(".toml"):
        return None, [f"{base}: a region file must be a .toml file"]
    if len(data) > MAX_UPLOAD_BYTES:
        return None, [f"{base}: {len(data):,} bytes; at most {MAX_UPLOAD_BYTES:,} allowed"]
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, [f"{base}: not UTF-8 text (byte {exc.start})"]
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", base)
    path = Path(folder) / safe
    path.write_bytes(data)
    try:
        load_region(path)
    except SymbiosisInputError as exc:
        path.unlink(missing_ok=True)
        return None, [line.replace(str(path), base) for line in str(exc).splitlines()]
    return str(path), []
