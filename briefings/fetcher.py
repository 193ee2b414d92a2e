"""Fetching: a URL WeasyPrint asks for → bytes, only from ``data:`` or files inside allowed roots.

No network, no redirects, no file outside the project's template and asset folders (a symlink
that resolves outside is refused). Every refusal is recorded as a warning so the build can report
it, and fail on it under ``--strict``. Imported only by rendering, when a PDF is laid out.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse

MAX_RESOURCE_BYTES = 16 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000  # 8000 × 5000: more than a page at 600 dpi; 160 MB decoded
_FONT_SIGNATURES = (b"\x00\x01\x00\x00", b"OTTO", b"true", b"wOFF", b"wOF2", b"ttcf")


class ConfinedFetcher(URLFetcher):
    """A WeasyPrint fetcher that reads ``data:`` URLs and files under ``roots``, nothing else."""

    def __init__(self, roots: list[Path], warnings: list[str]) -> None:
        super().__init__(allowed_protocols={"data", "file"}, allow_redirects=False, timeout=1)
        self.roots = [r.resolve() for r in roots]
        self.warnings = warnings

    def fetch(self, url: str, headers: object = None) -> URLFetcherResponse:
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            if len(url) > MAX_RESOURCE_BYTES * 2:
                return self._refuse(url, "data: URL too large")
            response = super().fetch(url, headers)
            return self._bounded(url, response.read(), response)
        if scheme != "file":
            return self._refuse(url, "only files inside the project are allowed")
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost"):
            return self._refuse(url, "remote file hosts are not allowed")
        path = Path(unquote(parts.path))
        try:
            resolved = path.resolve(strict=True)
        except (OSError, RuntimeError):
            return self._refuse(url, "file not found")
        if not any(resolved.is_relative_to(root) for root in self.roots):
            return self._refuse(url, "outside the project's template and asset folders")
        if not resolved.is_file():
            return self._refuse(url, "not a regular file")
        if resolved.stat().st_size > MAX_RESOURCE_BYTES:
            return self._refuse(url, f"larger than {MAX_RESOURCE_BYTES:,} bytes")
        mime = mimetypes.guess_type(resolved.name)[0] or "application/octet-stream"
        data = resolved.read_bytes()
        return self._bounded(
            url, data, URLFetcherResponse(resolved.as_uri(), data, {"Content-Type": mime})
        )

    def _bounded(self, url: str, data: bytes, response: URLFetcherResponse) -> URLFetcherResponse:
        """Refuse a raster image that would decode to more pixels than a page can use."""
        pixels = _pixels(data)
        if pixels > MAX_IMAGE_PIXELS:
            return self._refuse(
                url, f"an image of {pixels:,} pixels (limit {MAX_IMAGE_PIXELS:,}); scale it down"
            )
        return response

    def _refuse(self, url: str, why: str) -> URLFetcherResponse:
        shown = url if len(url) < 120 else url[:117] + "..."
        self.warnings.append(f"blocked resource {shown}: {why}")
        raise ValueError(f"blocked: {why}")


def _pixels(data: bytes) -> int:
    """Width × height of a raster image in any format Pillow reads (as WeasyPrint decodes with
    it), from its header alone; 0 if Pillow does not take it for an image (an SVG, a font)."""
    if data.startswith(_FONT_SIGNATURES):  # the common case: no need to ask every decoder
        return 0
    import io
    import warnings

    from PIL import Image

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the size is all we read; the decision is ours
        try:
            with Image.open(io.BytesIO(data)) as image:  # reads the header, decodes nothing
                width, height = image.size
        except Image.DecompressionBombError:
            return MAX_IMAGE_PIXELS + 1
        except Exception:  # not an image after all: WeasyPrint will say so
            return 0
    return width * height


def make_fetcher(roots: list[Path], warnings: list[str]) -> ConfinedFetcher:
    """Return a fetcher confined to ``roots`` that records refusals in ``warnings``."""
    return ConfinedFetcher(roots, warnings)
