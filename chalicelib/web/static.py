"""A page's static files (its script, its stylesheet) served from the package: only the names a
page lists, each with its media type and the page's headers, cached for an hour. Imports
Chalice and the standard library only.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from chalice.app import Response


def static_file(
    folder: Path, name: str, kinds: Mapping[str, str], headers: Mapping[str, str]
) -> Response:
    """``folder/name`` if ``name`` is one of ``kinds`` (name -> media type); else a 404."""
    if name not in kinds:
        return Response(body="not found", status_code=404, headers={"Content-Type": "text/plain"})
    return Response(
        body=(folder / name).read_text(encoding="utf-8"),
        status_code=200,
        headers={**headers, "Content-Type": kinds[name], "Cache-Control": "public, max-age=3600"},
    )
