"""Layouts for the ``ccsync`` command line that fit an 80-column terminal and never cut a value.

Tables whose columns cannot all fit are printed as stacked blocks (a heading line, then one
``name  value`` line per field). URLs, ids, secrets and paths are printed whole on their own line with
soft wrapping, so the terminal may wrap them visually but a copy and paste gets the whole value.
``--json`` output goes through :func:`print_json`: one JSON document, never wrapped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.padding import Padding
from rich.table import Table
from rich.text import Text


def print_json(console: Console, doc: Any) -> None:
    """One JSON document on stdout, unwrapped and uncoloured (for scripts and ``jq``)."""
    console.out(json.dumps(doc, indent=2, ensure_ascii=False, default=str), highlight=False)


def line(console: Console, text: str, *, style: str | None = None) -> None:
    """Prose wrapped between words (no markup is read from ``text``). A word that cannot fit beside
    the indent (an id, URL or path longer than the terminal) goes whole on a line of its own."""
    indent = text[: len(text) - len(text.lstrip())]
    room = console.width - len(indent)
    words = text.split()
    if all(len(w) <= room for w in words):
        console.print(escape(text), style=style, highlight=False)
        return
    pending: list[str] = []
    for word in words:
        if len(word) <= room:
            pending.append(word)
            continue
        if pending:
            console.print(escape(indent + " ".join(pending)), style=style, highlight=False)
            pending = []
        console.print(escape(indent + word), style=style, soft_wrap=True, highlight=False)
    if pending:
        console.print(escape(indent + " ".join(pending)), style=style, highlight=False)


def fields(console: Console, rows: Iterable[tuple[str, Any]], *, indent: int = 2) -> None:
    """``name  value`` lines with the names aligned; a value that would not fit beside its name
    goes whole on the next line."""
    rows = [(name, "" if value is None else str(value)) for name, value in rows]
    if not rows:
        return
    width = max(len(name) for name, _ in rows)
    pad = " " * indent
    for name, value in rows:
        text = f"{pad}{name.ljust(width)}  {value}"
        if len(text) <= console.width:
            console.print(escape(text), soft_wrap=True, highlight=False)
        else:
            console.print(escape(f"{pad}{name}"), soft_wrap=True, highlight=False)
            console.print(escape(f"{pad}  {value}"), soft_wrap=True, highlight=False)


def prose(console: Console, text: str, *, indent: int = 4, style: str | None = None) -> None:
    """A paragraph wrapped between words inside an indent (a reason, a warning)."""
    console.print(Padding(Text(text, style=style or ""), (0, 0, 0, indent)))


def heading(console: Console, text: str) -> None:
    console.print(f"[bold]{escape(text)}[/bold]", soft_wrap=True, highlight=False)


def table(title: str | None, columns: Sequence[str], *, right: Sequence[str] = ()) -> Table:
    """A table whose cells fold instead of ending in an ellipsis (headers included)."""
    t = Table(title=title, title_justify="left")
    for col in columns:
        t.add_column(col, overflow="fold", justify="right" if col in right else "left")
    return t


def vertical_table(
    title: str | None, names: Sequence[str], records: Sequence[tuple[str, Sequence[Any]]]
) -> Table:
    """Records as columns and their fields as rows: narrow where a wide record table would be cut.

    ``records`` is ``[(column heading, values in the order of names), ...]``.
    """
    t = Table(title=title, title_justify="left")
    t.add_column("", overflow="fold", style="bold")
    for header, _ in records:
        t.add_column(header, overflow="fold", justify="right")
    for i, name in enumerate(names):
        t.add_row(name, *("" if values[i] is None else str(values[i]) for _, values in records))
    return t
