"""A self-contained HTML page of figures (:class:`HtmlPage`), shared by every report.

The page needs no network (figures are PNGs inlined as ``data:`` URIs) and is
written atomically, with each figure also as a PNG on request
(:meth:`HtmlPage.write`). :func:`number_text` and :func:`config_rows` format
the cells the reports share.
"""

from __future__ import annotations

import base64
import html
import math
import os
from collections.abc import Iterable
from typing import Any

from ..config import EnvConfig
from ..files import atomic_writer, write_bytes_atomically

__all__ = ["HtmlPage", "config_rows", "number_text"]

_STYLE = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 24px auto; max-width: 1160px;
       color: #1e2024; background: #fbfbfa; padding: 0 16px; }
h1 { font-size: 1.5em; margin-bottom: 4px; } h2 { font-size: 1.15em; margin-top: 28px; }
.meta { color: #555; margin-top: 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(150px, 1fr)); gap: 10px; margin: 16px 0; }
.card { background: white; border: 1px solid #ddd; border-radius: 6px; padding: 8px 12px; }
.card .value { font-size: 1.45em; font-weight: 600; } .card .label { color: #666; font-size: 0.85em; }
table { border-collapse: collapse; font-size: 0.9em; margin: 8px 0; background: white; }
th, td { border: 1px solid #ddd; padding: 3px 9px; text-align: right; } th { background: #f0f0ee; }
td:first-child, th:first-child { text-align: left; }
figure { margin: 18px 0; background: white; border: 1px solid #e2e2e2; border-radius: 6px; padding: 8px; }
figure img { width: 100%; height: auto; display: block; }
figcaption { color: #444; font-size: 0.9em; margin-top: 6px; }
details { margin: 8px 0; } code { font-size: 0.95em; }
.note { color: #8a5a00; }
"""

_CHECK_SCRIPT = """
window.addEventListener("load", function () {
  var images = Array.prototype.slice.call(document.querySelectorAll("figure img"));
  var drawn = images.filter(function (img) { return img.complete && img.naturalWidth > 0; }).length;
  document.body.setAttribute("data-figures", String(images.length));
  document.body.setAttribute("data-figures-rendered", String(drawn));
});
"""


class HtmlPage:
    """A self-contained HTML page: headings, paragraphs, number cards, tables and PNG figures inlined.

    The page needs no network: no external scripts, styles or images. After
    loading, ``<body>`` carries ``data-figures`` (how many figures) and
    ``data-figures-rendered`` (how many the browser decoded), so a headless
    browser can check that the figures show.

    Args:
        title: the page's ``<title>`` and first heading.
    """

    def __init__(self, title: str) -> None:
        self.title = title
        self._parts: list[str] = [f"<h1>{html.escape(title)}</h1>"]
        self.figures: dict[str, bytes] = {}

    def paragraph(self, text: str, css_class: str | None = None) -> None:
        """A paragraph of plain text (escaped)."""
        attribute = f' class="{css_class}"' if css_class else ""
        self._parts.append(f"<p{attribute}>{html.escape(text)}</p>")

    def heading(self, text: str) -> None:
        """A section heading."""
        self._parts.append(f"<h2>{html.escape(text)}</h2>")

    def cards(self, items: Iterable[tuple[str, str]]) -> None:
        """A grid of headline numbers: ``(label, value)`` pairs."""
        cells = "".join(
            f'<div class="card"><div class="value">{html.escape(value)}</div>'
            f'<div class="label">{html.escape(label)}</div></div>'
            for label, value in items
        )
        self._parts.append(f'<div class="cards">{cells}</div>')

    def table(self, headers: list[str], rows: Iterable[list[Any]], summary: str | None = None) -> None:
        """A table of text cells; inside a collapsed ``<details>`` when ``summary`` is given."""
        head = "".join(f"<th>{html.escape(str(cell))}</th>" for cell in headers)
        body = "".join("<tr>" + "".join(f"<td>{html.escape(str(cell))}</td>" for cell in row) + "</tr>" for row in rows)
        table = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        if summary is not None:
            table = f"<details><summary>{html.escape(summary)}</summary>{table}</details>"
        self._parts.append(table)

    def figure(self, name: str, png: bytes, caption: str, alt: str) -> None:
        """A PNG figure, inlined as a ``data:`` URI, with a caption; ``name`` is its file stem."""
        if name in self.figures:
            raise ValueError(f"figure {name!r} added twice")
        self.figures[name] = png
        data = base64.b64encode(png).decode("ascii")
        self._parts.append(
            f'<figure id="{html.escape(name)}"><img src="data:image/png;base64,{data}" alt="{html.escape(alt)}">'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        )

    def render(self) -> str:
        """The whole page as one HTML string."""
        return (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{html.escape(self.title)}</title><style>{_STYLE}</style>"
            f"<script>{_CHECK_SCRIPT}</script></head>\n<body>\n" + "\n".join(self._parts) + "\n</body></html>\n"
        )

    def write(self, out_path: str | os.PathLike[str], figures_dir: str | os.PathLike[str] | None = None) -> None:
        """Write the page (atomically) and, with ``figures_dir``, each figure as ``<name>.png`` there.

        Raises:
            FileNotFoundError: the output directory does not exist (nothing is written).
        """
        if figures_dir is not None:
            os.makedirs(figures_dir, exist_ok=True)
        directory = os.path.dirname(os.path.abspath(os.fspath(out_path)))
        if not os.path.isdir(directory):
            raise FileNotFoundError(f"output directory does not exist: {directory}")
        if figures_dir is not None:
            for name, png in self.figures.items():
                write_bytes_atomically(os.path.join(figures_dir, f"{name}.png"), png)
        with atomic_writer(out_path) as handle:
            handle.write(self.render())


def number_text(value: float, digits: int = 1) -> str:
    """``value`` with ``digits`` decimals, or ``-`` for None and NaN."""
    return "-" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def config_rows(config: EnvConfig) -> list[list[str]]:
    """One ``[field, value]`` row per config field."""
    return [[key, str(value)] for key, value in config.to_dict().items()]
