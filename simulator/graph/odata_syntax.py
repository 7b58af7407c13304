"""OData ``$filter`` text to a syntax tree: tokenizer and recursive-descent parser.

Only syntax lives here; which properties and operators a collection accepts is decided when the
tree is compiled (``odata_filter``). Error messages follow Microsoft.OData.Core's wording, with
0-based positions, since that is the library behind Graph's URI parser.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from simulator.wire.errors import GraphError, bad_request

COMPARISON_OPERATORS = frozenset({"eq", "ne", "gt", "ge", "lt", "le"})
#: OData operators Graph's directory does not evaluate; parsed only to refuse them clearly.
UNSUPPORTED_OPERATORS = frozenset({"add", "sub", "mul", "div", "divby", "mod", "has"})

_GUID = re.compile(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}(?![\w-])")
_DATETIME = re.compile(
    r"(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}(?::\d{2}(?:\.\d{1,7})?)?)(Z|[+-]\d{2}:\d{2})(?![\w:.])", re.IGNORECASE
)
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?![\w:.-])")
_NUMBER = re.compile(r"-?\d+(\.\d+)?([eE][+-]?\d+)?(?![\w.])")
_IDENT = re.compile(r"\$?[A-Za-z_][A-Za-z0-9_]*")
_PUNCT = frozenset("(),/:")
_INT32 = range(-(2**31), 2**31)
#: Deepest nesting of parentheses, ``not``, calls and lambdas a filter may have.
MAX_DEPTH = 64


@dataclass(frozen=True, slots=True)
class Token:
    """One lexeme: ``kind`` is ``ident``, a literal kind, one of ``( ) , / :``, or ``end``."""

    kind: str
    text: str
    pos: int
    value: Any = None


def syntax_error(pos: int, text: str) -> GraphError:
    return bad_request(f"Syntax error at position {pos} in '{text}'.")


def _datetime_value(text: str) -> datetime:
    dt = datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
    return dt.astimezone(UTC)


def tokenize(text: str) -> list[Token]:
    """The tokens of ``text``; literals carry their decoded ``value``."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        if c in _PUNCT:
            tokens.append(Token(c, c, i))
            i += 1
            continue
        if c == "'":
            start, i, chars = i, i + 1, []
            while True:
                j = text.find("'", i)
                if j < 0:
                    raise bad_request(f"There is an unterminated string literal at position {n} in '{text}'.")
                chars.append(text[i:j])
                if j + 1 < n and text[j + 1] == "'":
                    chars.append("'")
                    i = j + 2
                    continue
                i = j + 1
                break
            tokens.append(Token("string", text[start:i], start, "".join(chars)))
            continue
        m = _GUID.match(text, i)
        if m:
            tokens.append(Token("guid", m.group(), i, m.group().lower()))
            i = m.end()
            continue
        m = _DATETIME.match(text, i)
        if m:
            try:
                value = _datetime_value(m.group())
            except ValueError:
                raise bad_request(
                    f"Unrecognized 'Edm.DateTimeOffset' literal '{m.group()}' at '{i}' in '{text}'."
                ) from None
            tokens.append(Token("datetime", m.group(), i, value))
            i = m.end()
            continue
        m = _DATE.match(text, i)
        if m:
            try:
                value = datetime.fromisoformat(m.group()).replace(tzinfo=UTC)
            except ValueError:
                raise bad_request(
                    f"Unrecognized 'Edm.Date' literal '{m.group()}' at '{i}' in '{text}'."
                ) from None
            tokens.append(Token("date", m.group(), i, value))
            i = m.end()
            continue
        m = _NUMBER.match(text, i)
        if m:
            raw = m.group()
            if m.group(1) or m.group(2):
                tokens.append(Token("double", raw, i, float(raw)))
            else:
                if len(raw) > 20:  # beyond Edm.Int64 (and Python's int-parsing limits)
                    raise bad_request(f"Unrecognized 'Edm.Int64' literal '{raw}' at '{i}' in '{text}'.")
                v = int(raw)
                tokens.append(Token("int" if v in _INT32 else "int64", raw, i, v))
            i = m.end()
            continue
        m = _IDENT.match(text, i)
        if m:
            tokens.append(Token("ident", m.group(), i))
            i = m.end()
            continue
        raise bad_request(f"Syntax error: character '{c}' is not valid at position {i} in '{text}'.")
    tokens.append(Token("end", "", n))
    return tokens


# -- syntax tree ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Literal:
    kind: str  # string, guid, datetime, date, int, int64, double, bool, null
    value: Any
    pos: int


@dataclass(frozen=True, slots=True)
class Path:
    """``a/b/c`` as typed by the client; the first segment may be a lambda range variable."""

    segments: tuple[str, ...]
    pos: int


@dataclass(frozen=True, slots=True)
class CountOf:
    """``path/$count``."""

    path: Path


@dataclass(frozen=True, slots=True)
class Lambda:
    """``path/any(var: body)`` or ``path/all(...)``; ``var``/``body`` None for ``any()``."""

    path: Path
    kind: str
    var: str | None
    body: Node | None


@dataclass(frozen=True, slots=True)
class Call:
    name: str  # lower-cased
    raw_name: str
    args: tuple[Node, ...]
    pos: int


@dataclass(frozen=True, slots=True)
class Compare:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class In:
    left: Node
    items: tuple[Literal, ...]


@dataclass(frozen=True, slots=True)
class BinaryOp:
    """An arithmetic or ``has`` operator: parsed so it can be refused as unsupported."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class And:
    """Two or more operands (kept flat so long chains need no deep recursion)."""

    operands: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    operands: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    operand: Node


Node = Literal | Path | CountOf | Lambda | Call | Compare | In | BinaryOp | And | Or | Not

_LITERAL_KINDS = frozenset({"string", "guid", "datetime", "date", "int", "int64", "double"})


class _Parser:
    """Precedence, loosest first: or, and, not, comparison/in; parentheses group."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def next(self) -> Token:
        t = self.tokens[self.i]
        if t.kind != "end":
            self.i += 1
        return t

    def keyword(self, word: str, ahead: int = 0) -> bool:
        t = self.peek(ahead)
        return t.kind == "ident" and t.text.lower() == word

    def expect(self, kind: str) -> Token:
        t = self.peek()
        if t.kind != kind:
            if t.kind == "end":
                raise bad_request(f"Expression expected at position {t.pos} in '{self.text}'.")
            raise syntax_error(t.pos, self.text)
        return self.next()

    def parse(self) -> Node:
        node = self.or_expr()
        t = self.peek()
        if t.kind != "end":
            raise syntax_error(t.pos, self.text)
        return node

    def or_expr(self) -> Node:
        nodes = [self.and_expr()]
        while self.keyword("or"):
            self.next()
            nodes.append(self.and_expr())
        return nodes[0] if len(nodes) == 1 else Or(tuple(nodes))

    def and_expr(self) -> Node:
        nodes = [self.unary()]
        while self.keyword("and"):
            self.next()
            nodes.append(self.unary())
        return nodes[0] if len(nodes) == 1 else And(tuple(nodes))

    def unary(self) -> Node:
        if self.keyword("not") and self.peek(1).kind != "end":
            t = self.next()
            self.enter(t)
            node = Not(self.unary())
            self.depth -= 1
            return node
        return self.comparison()

    def enter(self, t: Token) -> None:
        """One more level of nesting; refuses what would exhaust the parser's recursion."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise bad_request(
                f"The $filter expression is nested too deeply at position {t.pos} (more than {MAX_DEPTH} levels)."
            )

    def comparison(self) -> Node:
        if self.peek().kind == "(":
            self.enter(self.next())
            left = self.or_expr()
            self.expect(")")
            self.depth -= 1
        else:
            left = self.arithmetic()
        t = self.peek()
        if t.kind != "ident":
            return left
        word = t.text.lower()
        if word in COMPARISON_OPERATORS:
            self.next()
            return Compare(word, left, self.arithmetic())
        if word == "in":
            self.next()
            return In(left, self.literal_list())
        return left

    def arithmetic(self) -> Node:
        """An operand, possibly joined by arithmetic operators (which bind tighter than comparisons)."""
        node = self.operand()
        while self.peek().kind == "ident" and self.peek().text.lower() in UNSUPPORTED_OPERATORS:
            op = self.next().text.lower()
            node = BinaryOp(op, node, self.operand())
        return node

    def literal_list(self) -> tuple[Literal, ...]:
        self.expect("(")
        items: list[Literal] = []
        if self.peek().kind == ")":
            self.next()
            return ()
        while True:
            node = self.operand()
            if not isinstance(node, Literal):
                raise syntax_error(_pos(node), self.text)
            items.append(node)
            t = self.next()
            if t.kind == ")":
                return tuple(items)
            if t.kind != ",":
                raise bad_request(f"')' or ',' expected at position {t.pos} in '{self.text}'.")

    def operand(self) -> Node:
        t = self.peek()
        if t.kind in _LITERAL_KINDS:
            self.next()
            return Literal(t.kind, t.value, t.pos)
        if t.kind == "(":
            self.enter(self.next())
            node = self.or_expr()
            self.expect(")")
            self.depth -= 1
            return node
        if t.kind != "ident":
            if t.kind == "end":
                raise bad_request(f"Expression expected at position {t.pos} in '{self.text}'.")
            raise syntax_error(t.pos, self.text)
        word = t.text.lower()
        if word in ("true", "false"):
            self.next()
            return Literal("bool", word == "true", t.pos)
        if word == "null":
            self.next()
            return Literal("null", None, t.pos)
        if self.peek(1).kind == "(":
            return self.call()
        return self.path()

    def call(self) -> Call:
        name = self.next()
        self.enter(name)
        self.expect("(")
        args: list[Node] = []
        if self.peek().kind == ")":
            self.next()
        else:
            while True:
                args.append(self.or_expr())
                t = self.next()
                if t.kind == ")":
                    break
                if t.kind != ",":
                    raise bad_request(f"')' or ',' expected at position {t.pos} in '{self.text}'.")
        self.depth -= 1
        return Call(name.text.lower(), name.text, tuple(args), name.pos)

    def path(self) -> Node:
        first = self.next()
        if first.text.startswith("$"):
            raise syntax_error(first.pos, self.text)
        segments = [first.text]
        while self.peek().kind == "/":
            self.next()
            t = self.peek()
            if t.kind != "ident":
                raise syntax_error(t.pos, self.text)
            word = t.text.lower()
            path = Path(tuple(segments), first.pos)
            if word == "$count":
                self.next()
                return CountOf(path)
            if word in ("any", "all") and self.peek(1).kind == "(":
                self.next()
                return self.lambda_(path, word)
            if t.text.startswith("$"):
                raise syntax_error(t.pos, self.text)
            segments.append(self.next().text)
        return Path(tuple(segments), first.pos)

    def lambda_(self, path: Path, kind: str) -> Lambda:
        self.enter(self.expect("("))
        if self.peek().kind == ")":
            self.next()
            if kind == "all":
                raise syntax_error(self.peek().pos, self.text)
            self.depth -= 1
            return Lambda(path, kind, None, None)
        var = self.expect("ident")
        self.expect(":")
        body = self.or_expr()
        self.expect(")")
        self.depth -= 1
        return Lambda(path, kind, var.text, body)


def _pos(node: Node) -> int:
    if isinstance(node, Literal | Path | Call):
        return node.pos
    if isinstance(node, CountOf | Lambda):
        return node.path.pos
    if isinstance(node, And | Or):
        return _pos(node.operands[0])
    if isinstance(node, Compare | In | BinaryOp):
        return _pos(node.left)
    return _pos(node.operand)


def parse_filter(text: str) -> Node:
    """The syntax tree of a ``$filter`` value; 400 ``Request_BadRequest`` on malformed text."""
    return _Parser(text).parse()
