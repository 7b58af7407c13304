""".NET regular expressions on Python's ``re``: the pattern dialect and ``$``-substitutions.

Replace passes patterns written for .NET (``(?<name>...)``, ``\\k<name>``, ``${name}`` in the
replacement). Constructs Python lacks (``\\p{...}`` categories, balancing groups) raise ValueError.
"""

from __future__ import annotations

import re
from collections.abc import Callable

_GROUP_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _name_at(pattern: str, start: int, close: str) -> tuple[str, int]:
    end = pattern.find(close, start)
    if end < 0:
        raise ValueError(f"unterminated group name in {pattern!r}")
    name = pattern[start:end]
    if not _GROUP_NAME.fullmatch(name):
        raise ValueError(f"group name {name!r} is not supported (balancing or numbered groups)")
    return name, end + 1


def to_python_pattern(pattern: str) -> str:
    """The Python equivalent of a .NET pattern."""
    out: list[str] = []
    i = 0
    in_class = False
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            escaped = pattern[i + 1 : i + 2]
            if escaped in ("p", "P") and pattern[i + 2 : i + 3] == "{":
                raise ValueError("Unicode category escapes (\\p{...}) are not supported")
            if not in_class and escaped == "k" and pattern[i + 2 : i + 3] in ("<", "'"):
                name, i = _name_at(pattern, i + 3, ">" if pattern[i + 2] == "<" else "'")
                out.append(f"(?P={name})")
                continue
            if not in_class and escaped == "Z":
                out.append(r"(?=\n?\Z)")
            elif not in_class and escaped == "z":
                out.append(r"\Z")
            else:
                out.append(pattern[i : i + 2])
            i += 2
            continue
        if in_class:
            in_class = char != "]"
            out.append(char)
            i += 1
        elif char == "[":
            in_class = True
            end = i + 1
            end += pattern.startswith("^", end)
            end += pattern.startswith("]", end)  # a leading ']' is a member, not the end
            out.append(pattern[i:end])
            i = end
        elif pattern.startswith("(?<", i) and pattern[i + 3 : i + 4] not in ("=", "!"):
            name, i = _name_at(pattern, i + 3, ">")
            out.append(f"(?P<{name}>")
        elif pattern.startswith("(?'", i):
            name, i = _name_at(pattern, i + 3, "'")
            out.append(f"(?P<{name}>")
        else:
            out.append(char)
            i += 1
    return "".join(out)


def compile_pattern(pattern: str) -> re.Pattern[str]:
    """Compile a .NET pattern; raises ValueError when it is invalid or unsupported."""
    try:
        return re.compile(to_python_pattern(pattern))
    except re.error as exc:
        raise ValueError(f"invalid regular expression {pattern!r}: {exc}") from None


_SUBSTITUTION = re.compile(r"\$(?:(\$)|\{([A-Za-z_][A-Za-z0-9_]*|\d+)\}|(\d+)|([&`'+_]))")


def substitution(replacement: str) -> Callable[[re.Match[str]], str]:
    """A function giving a match's replacement for a .NET replacement pattern (``$1``, ``${name}``, ``$$``)."""

    def group(match: re.Match[str], ref: str) -> str | None:
        key: int | str = int(ref) if ref.isdigit() else ref
        try:
            return match.group(key) or ""
        except IndexError:  # no such group number or name
            return None

    def expand(match: re.Match[str]) -> str:
        out: list[str] = []
        position = 0
        for sub in _SUBSTITUTION.finditer(replacement):
            out.append(replacement[position : sub.start()])
            position = sub.end()
            dollar, braced, numbered, special = sub.groups()
            if dollar:
                out.append("$")
            elif braced or numbered:
                value = group(match, braced or numbered)
                out.append(sub.group(0) if value is None else value)
            else:
                text = match.string
                last = match.lastindex
                out.append(
                    {
                        "&": match.group(0),
                        "`": text[: match.start()],
                        "'": text[match.end() :],
                        "+": (match.group(last) or "") if last else "",
                        "_": text,
                    }[special]
                )
        out.append(replacement[position:])
        return "".join(out)

    return expand
