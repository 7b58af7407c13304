"""String functions: Append, CStr, ConvertToBase64, ConvertToUTF8Hex, InStr, Join, Left, Mid,
NormalizeDiacritics, PCase, Split, StripSpaces, ToLower, ToUpper, Word.

Unless the reference says otherwise, a null source gives null, and a multi-valued source with more
than one value is an error (the reference defines these functions on single strings).
"""

from __future__ import annotations

import base64
import re
import unicodedata

from .invocation import FunctionSpec, Invocation, Param
from .values import as_text, flatten, is_null_or_empty


def _append(inv: Invocation) -> str | None:
    source = inv.text(0)
    if source is None:
        return None
    return source + (inv.text(1) or "")


def _cstr(inv: Invocation) -> str | None:
    return inv.text(0)


def _to_base64(inv: Invocation) -> str | None:
    source = inv.text(0)
    return None if source is None else base64.b64encode(source.encode("utf-16-le")).decode("ascii")


def _to_utf8_hex(inv: Invocation) -> str | None:
    source = inv.text(0)
    return None if source is None else source.encode("utf-8").hex().upper()


_COMPARE_MODES = ("vbBinaryCompare", "vbTextCompare")


def _instr(inv: Invocation) -> int | None:
    haystack, needle = inv.text(0), inv.text(1)
    if haystack is None or needle is None:
        return None
    start = inv.integer(2) if inv.provided(2) else 1
    assert start is not None
    if start < 1:
        raise inv.fail(f"start must be 1 or more, got {start}")
    mode = inv.text(3) if inv.provided(3) else "vbBinaryCompare"
    if mode not in _COMPARE_MODES:
        raise inv.fail(f"compareType must be vbTextCompare or vbBinaryCompare, got {mode!r}")
    if start > len(haystack):
        return 0
    if mode == "vbTextCompare":
        haystack, needle = haystack.casefold(), needle.casefold()
    return haystack.find(needle, start - 1) + 1


def _join(inv: Invocation) -> str:
    separator = inv.text(0) or ""
    values = flatten([inv.value(i) for i in range(1, len(inv))])
    texts = [as_text(v, f"{inv.name}: source") for v in values if not is_null_or_empty(v)]
    return separator.join(t for t in texts if t)


def _left(inv: Invocation) -> str:
    source = inv.text(0)
    count = inv.integer(1)
    if source is None:
        return ""
    if count is None or count < 0:
        return source
    return source[:count]


def _mid(inv: Invocation) -> str | None:
    source, start, length = inv.text(0), inv.integer(1), inv.integer(2)
    if source is None or start is None or length is None:
        return None
    if start < 1:
        raise inv.fail(f"start must be 1 or more, got {start}")
    if length < 0:
        raise inv.fail(f"length must not be negative, got {length}")
    return source[start - 1 : start - 1 + length]


# Letters the reference's table maps to something other than their base letter; every other
# diacritic goes by dropping the combining marks of the canonical decomposition.
_DIACRITIC_LETTERS = str.maketrans(
    {
        "æ": "ae",
        "Æ": "AE",
        "ø": "oe",
        "Ø": "OE",
        "œ": "oe",
        "Œ": "OE",
        "ß": "ss",
        "ł": "l",
        "Ł": "L",
        "ı": "i",
    }
)


def _normalize_diacritics(inv: Invocation) -> str | None:
    source = inv.text(0)
    if source is None:
        return None
    decomposed = unicodedata.normalize("NFD", source)
    stripped = "".join(char for char in decomposed if not unicodedata.combining(char))
    return unicodedata.normalize("NFC", stripped.translate(_DIACRITIC_LETTERS))


# Unicode categories .NET's TextInfo.ToTitleCase treats as word separators (per the PCase reference).
_TITLE_SEPARATORS = frozenset(
    {"Zs", "Zl", "Zp", "Cc", "Cf", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Sm", "Sc", "Sk", "So"}
)


def _pcase(inv: Invocation) -> str | None:
    source = inv.text(0)
    if source is None:
        return None
    separators = inv.text(1) if inv.provided(1) else None

    def is_separator(char: str) -> bool:
        if separators is not None:
            return char in separators
        return unicodedata.category(char) in _TITLE_SEPARATORS

    out: list[str] = []
    at_word_start = True
    for char in _lower(source, None):
        if is_separator(char):
            out.append(char)
            at_word_start = True
        else:
            titled = char.title()
            out.append(titled if at_word_start and len(titled) == 1 else char)
            at_word_start = False
    return "".join(out)


def _split(inv: Invocation) -> list[str] | None:
    source, delimiter = inv.text(0), inv.text(1)
    if source is None:
        return None
    if not delimiter:
        return [source]
    # The reference's example shows "a, b" split on "," as ["a", "b"]: items come back trimmed.
    return [item.strip() for item in source.split(delimiter)]


def _strip_spaces(inv: Invocation) -> str | None:
    source = inv.text(0)
    return None if source is None else source.replace(" ", "")


_CULTURE = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")


def _culture(inv: Invocation) -> str | None:
    if not inv.provided(1):
        return None
    culture = inv.text(1)
    if culture is None or not _CULTURE.fullmatch(culture):
        raise inv.fail(f"culture must be a name such as en-US or tr-TR, got {culture!r}")
    return culture.split("-")[0].lower()


def _lower(text: str, language: str | None) -> str:
    if language in ("tr", "az"):
        text = text.replace("I", "ı").replace("İ", "i")
    # Like .NET, one character maps to one character: no expansion such as "İ" -> "i̇".
    return "".join(low if len(low := char.lower()) == 1 else char for char in text)


def _upper(text: str, language: str | None) -> str:
    if language in ("tr", "az"):
        text = text.replace("i", "İ").replace("ı", "I")
    return "".join(up if len(up := char.upper()) == 1 else char for char in text)


def _to_lower(inv: Invocation) -> str | None:
    source = inv.text(0)
    language = _culture(inv)
    return None if source is None else _lower(source, language)


def _to_upper(inv: Invocation) -> str | None:
    source = inv.text(0)
    language = _culture(inv)
    return None if source is None else _upper(source, language)


def _word(inv: Invocation) -> str:
    source, number, delimiters = inv.text(0), inv.integer(1), inv.text(2) or ""
    if source is None or number is None or number < 1:
        return ""
    words = [w for w in re.split("[" + re.escape(delimiters) + "]", source) if w] if delimiters else [source]
    return words[number - 1] if number <= len(words) else ""


def _specs() -> list[FunctionSpec]:
    source = Param("source")
    return [
        FunctionSpec("Append", "Append(source, suffix)", (source, Param("suffix")), _append),
        FunctionSpec("CStr", "CStr(value)", (Param("value"),), _cstr),
        FunctionSpec("ConvertToBase64", "ConvertToBase64(source)", (source,), _to_base64),
        FunctionSpec("ConvertToUTF8Hex", "ConvertToUTF8Hex(source)", (source,), _to_utf8_hex),
        FunctionSpec(
            "InStr",
            "InStr(value1, value2, start, compareType)",
            (Param("value1"), Param("value2"), Param("start", True), Param("compareType", True)),
            _instr,
        ),
        FunctionSpec(
            "Join",
            "Join(separator, source1, source2, ...)",
            (Param("separator"),),
            _join,
            repeating=(Param("source"),),
            min_args=2,
        ),
        FunctionSpec("Left", "Left(String, NumChars)", (Param("String"), Param("NumChars")), _left),
        FunctionSpec("Mid", "Mid(source, start, length)", (source, Param("start"), Param("length")), _mid),
        FunctionSpec("NormalizeDiacritics", "NormalizeDiacritics(source)", (source,), _normalize_diacritics),
        FunctionSpec(
            "PCase", "PCase(source, wordSeparators)", (source, Param("wordSeparators", True)), _pcase
        ),
        FunctionSpec("Split", "Split(source, delimiter)", (source, Param("delimiter")), _split),
        FunctionSpec("StripSpaces", "StripSpaces(source)", (source,), _strip_spaces),
        FunctionSpec("ToLower", "ToLower(source, culture)", (source, Param("culture", True)), _to_lower),
        FunctionSpec("ToUpper", "ToUpper(source, culture)", (source, Param("culture", True)), _to_upper),
        FunctionSpec(
            "Word",
            "Word(String, WordNumber, Delimiters)",
            (Param("String"), Param("WordNumber"), Param("Delimiters")),
            _word,
        ),
    ]


SPECS: tuple[FunctionSpec, ...] = tuple(_specs())
