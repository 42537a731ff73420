"""The report's HTML index page: sections of plots and tables, every file named relative."""

from __future__ import annotations

import html
import html.parser
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Section:
    title: str
    text: str = ""
    images: list[str] = field(default_factory=list)  # paths relative to the report folder
    tables: list[tuple[str, list[dict]]] = field(default_factory=list)  # (caption, rows)
    links: list[str] = field(default_factory=list)  # other files (CSV, JSON, workspaces)


def _table(caption: str, rows: list[dict]) -> str:
    if not rows:
        return f"<p><em>{html.escape(caption)}: empty</em></p>"
    cols = list(rows[0])
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in cols)
    body = "".join(
        "<tr>" + "".join(f"<td>{_fmt(r.get(c))}</td>" for c in cols) + "</tr>" for r in rows)
    return f"<table><caption>{html.escape(caption)}</caption><tr>{head}</tr>{body}</table>"


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    return html.escape(str(v))


def write_index(folder: str | Path, title: str, sections: Sequence[Section], summary: str = "") -> Path:
    """Write ``folder/index.html``; refuses to name a file that does not exist in the folder."""
    folder = Path(folder)
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>",
             "<style>body{font-family:sans-serif;max-width:1100px;margin:auto}"
             "img{max-width:520px;margin:4px}table{border-collapse:collapse;margin:8px 0}"
             "td,th{border:1px solid #999;padding:2px 6px;text-align:right}"
             "caption{font-weight:bold;text-align:left}</style></head><body>",
             f"<h1>{html.escape(title)}</h1>"]
    if summary:
        parts.append(f"<pre>{html.escape(summary)}</pre>")
    for s in sections:
        parts.append(f"<h2>{html.escape(s.title)}</h2>")
        if s.text:
            parts.append(f"<p>{html.escape(s.text)}</p>")
        for rel in s.images + s.links:
            if not (folder / rel).is_file():
                raise FileNotFoundError(f"report section {s.title!r} names {rel}, which was not written")
        parts.extend(f"<a href='{html.escape(r)}'><img src='{html.escape(r)}' alt='{html.escape(r)}'></a>"
                     for r in s.images)
        parts.extend(_table(c, rows) for c, rows in s.tables)
        if s.links:
            parts.append("<ul>" + "".join(f"<li><a href='{html.escape(r)}'>{html.escape(r)}</a></li>"
                                          for r in s.links) + "</ul>")
    parts.append("</body></html>")
    out = folder / "index.html"
    out.write_text("\n".join(parts))
    return out


class _Refs(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.refs: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.refs += [v for k, v in attrs if k in ("src", "href") and v]


def referenced_files(index: str | Path) -> list[Path]:
    """Every file an index page shows or links (``src`` and ``href``), as paths next to it; a
    report is complete when each of them exists."""
    index = Path(index)
    parser = _Refs()
    parser.feed(index.read_text())
    return [index.parent / r for r in dict.fromkeys(parser.refs)]
