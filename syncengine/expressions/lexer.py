"""The tokenizer: expression text to tokens, one at a time, on the parser's demand.

Lexical rules (Microsoft's expression reference, plus VBA details it relies on):
* ``[name]`` attribute references; names hold letters, digits and ``_ . - : $ @ / #``.
* ``"..."`` string constants; a backslash escapes a backslash or a double quote, nothing else.
* integers: ``123``, ``-10``, and VBA hexadecimal ``&HF7``.
* names (functions and enumeration values), ``( ) ,``, ``&`` and the comparisons ``= <> < <= > >=``.
A character that starts no token becomes an INVALID token, so the parser can say what it expected there.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from .errors import ExpressionSyntaxError, line_and_column

_NAME_START = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_")
_NAME_CHARS = _NAME_START | frozenset("0123456789")
_ATTRIBUTE_CHARS = _NAME_CHARS | frozenset(".-:$@/#")
_DIGITS = frozenset("0123456789")
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
_WHITESPACE = frozenset(" \t\r\n")


class TokenKind(enum.Enum):
    NAME = "name"
    ATTRIBUTE = "attribute"
    STRING = "string"
    NUMBER = "number"
    LPAREN = "'('"
    RPAREN = "')'"
    COMMA = "','"
    AMPERSAND = "'&'"
    COMPARE = "comparison"
    END = "end of expression"
    INVALID = "invalid character"


@dataclass(frozen=True)
class Token:
    """One token: its kind, its decoded value and where it starts (0-based offset)."""

    kind: TokenKind
    value: str | int
    offset: int
    hexadecimal: bool = False


class Lexer:
    """Cuts ``text`` into tokens; ``peek`` looks ahead one token, ``next`` consumes it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._pos = 0
        self._peeked: Token | None = None

    def peek(self) -> Token:
        if self._peeked is None:
            self._peeked = self._scan()
        return self._peeked

    def next(self) -> Token:
        token = self.peek()
        self._peeked = None
        return token

    def _error(self, expected: str, offset: int, hint: str | None = None) -> ExpressionSyntaxError:
        return ExpressionSyntaxError(f"expected {expected}", text=self.text, offset=offset, hint=hint)

    def _scan(self) -> Token:
        text = self.text
        while self._pos < len(text) and text[self._pos] in _WHITESPACE:
            self._pos += 1
        start = self._pos
        if start >= len(text):
            return Token(TokenKind.END, "", start)
        char = text[start]
        simple = {"(": TokenKind.LPAREN, ")": TokenKind.RPAREN, ",": TokenKind.COMMA}
        if char in simple:
            self._pos += 1
            return Token(simple[char], char, start)
        if char == "[":
            return self._attribute(start)
        if char == '"':
            return self._string(start)
        if char == "&":
            if text.startswith(("&H", "&h"), start):
                return self._hexadecimal(start)
            self._pos += 1
            return Token(TokenKind.AMPERSAND, "&", start)
        if char in _DIGITS or char == "-":
            return self._decimal(start)
        if char in "=<>":
            for op in ("<>", "<=", ">=", "=", "<", ">"):
                if text.startswith(op, start):
                    self._pos += len(op)
                    return Token(TokenKind.COMPARE, op, start)
        if char in _NAME_START:
            end = start
            while end < len(text) and text[end] in _NAME_CHARS:
                end += 1
            self._pos = end
            return Token(TokenKind.NAME, text[start:end], start)
        self._pos += 1
        return Token(TokenKind.INVALID, char, start)

    def _attribute(self, start: int) -> Token:
        text = self.text
        end = start + 1
        while end < len(text) and text[end] in _ATTRIBUTE_CHARS:
            end += 1
        if end == start + 1:
            raise self._error("an attribute name", end)
        if end >= len(text) or text[end] != "]":
            raise self._error("']'", end)
        self._pos = end + 1
        return Token(TokenKind.ATTRIBUTE, text[start + 1 : end], start)

    def _string(self, start: int) -> Token:
        text = self.text
        chars: list[str] = []
        pos = start + 1
        while pos < len(text):
            char = text[pos]
            if char == '"':
                self._pos = pos + 1
                return Token(TokenKind.STRING, "".join(chars), start)
            if char == "\\":
                if pos + 1 >= len(text) or text[pos + 1] not in '\\"':
                    raise self._error("'\\' or '\"' after a backslash", pos + 1)
                chars.append(text[pos + 1])
                pos += 2
                continue
            chars.append(char)
            pos += 1
        line, column = line_and_column(text, start)
        where = f"column {column}" if "\n" not in text else f"line {line}, column {column}"
        raise self._error("'\"'", len(text), hint=f"the string that opens at {where} is not closed")

    def _hexadecimal(self, start: int) -> Token:
        text = self.text
        end = start + 2
        while end < len(text) and text[end] in _HEX_DIGITS:
            end += 1
        if end == start + 2:
            raise self._error("a hexadecimal digit after '&H'", end)
        self._pos = end
        return Token(TokenKind.NUMBER, int(text[start + 2 : end], 16), start, hexadecimal=True)

    def _decimal(self, start: int) -> Token:
        text = self.text
        end = start + 1 if text[start] == "-" else start
        digits_start = end
        while end < len(text) and text[end] in _DIGITS:
            end += 1
        if end == digits_start:
            raise self._error("a digit after '-'", end)
        self._pos = end
        return Token(TokenKind.NUMBER, int(text[start:end]), start)
