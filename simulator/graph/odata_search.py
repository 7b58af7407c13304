"""``$search`` on directory objects: ``"property:term"`` clauses, tokenized prefix matching.

A term matches a value when each of the term's words starts some word of the value; words are
split on spaces and punctuation (``.``, ``_``, ``-``, ``@``, ...), case-insensitively. Clauses
combine with ``AND`` / ``OR`` (AND binds tighter; adjacent clauses mean AND) and parentheses.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from simulator.graph.odata_specs import ResourceSpec
from simulator.wire.errors import GraphError, bad_request

_SEPARATORS = str.maketrans({c: " " for c in string.punctuation + string.whitespace})

_MAX_DEPTH = 32

Predicate = Callable[[dict[str, Any]], bool]


@dataclass(frozen=True)
class Search:
    """A compiled ``$search``: ``matches(obj)`` is the predicate; ``clauses`` the (property, term) pairs."""

    text: str
    matches: Predicate
    clauses: tuple[tuple[str, str], ...]


def words(text: str) -> list[str]:
    """``text`` lower-cased and split into the words $search matches against."""
    return text.lower().translate(_SEPARATORS).split()


def _term_matcher(prop: str, tokens: tuple[str, ...]) -> Predicate:
    def hit(value: str) -> bool:
        low = value.lower()
        for t in tokens:  # a word prefix is a substring: cheap rejection before splitting
            if t not in low:
                return False
        ws = low.translate(_SEPARATORS).split()
        return all(any(w.startswith(t) for w in ws) for t in tokens)

    def matches(obj: dict[str, Any]) -> bool:
        v = obj.get(prop)
        if v.__class__ is str:
            return hit(v)
        if v.__class__ is list:
            return any(e.__class__ is str and hit(e) for e in v)
        return False

    return matches


def _invalid(text: str, why: str) -> GraphError:
    return bad_request(f"Invalid $search value '{text}': {why}.")


class _SearchParser:
    def __init__(self, text: str, spec: ResourceSpec) -> None:
        self.text = text
        self.spec = spec
        self.tokens = self._lex(text)
        self.i = 0
        self.depth = 0
        self.clauses: list[tuple[str, str]] = []

    def _lex(self, text: str) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        i, n = 0, len(text)
        while i < n:
            c = text[i]
            if c.isspace():
                i += 1
            elif c == '"':
                j = text.find('"', i + 1)
                if j < 0:
                    raise _invalid(text, "unterminated quoted clause")
                out.append(("clause", text[i + 1 : j]))
                i = j + 1
            elif c in "()":
                out.append((c, c))
                i += 1
            else:
                j = i
                while j < n and not text[j].isspace() and text[j] not in '"()':
                    j += 1
                word = text[i:j]
                if word.upper() not in ("AND", "OR"):
                    raise _invalid(text, 'each clause must be quoted, as in "displayName:term"')
                out.append((word.upper(), word))
                i = j
        return out

    def peek(self) -> str | None:
        return self.tokens[self.i][0] if self.i < len(self.tokens) else None

    def parse(self) -> Predicate:
        if not self.tokens:
            raise _invalid(self.text, "empty search")
        pred = self.or_()
        if self.i != len(self.tokens):
            raise _invalid(self.text, f"unexpected '{self.tokens[self.i][1]}'")
        return pred

    def or_(self) -> Predicate:
        preds = [self.and_()]
        while self.peek() == "OR":
            self.i += 1
            preds.append(self.and_())
        return preds[0] if len(preds) == 1 else (lambda o: any(p(o) for p in preds))

    def and_(self) -> Predicate:
        preds = [self.atom()]
        while self.peek() in ("AND", "clause", "("):
            if self.peek() == "AND":
                self.i += 1
            preds.append(self.atom())
        return preds[0] if len(preds) == 1 else (lambda o: all(p(o) for p in preds))

    def atom(self) -> Predicate:
        kind = self.peek()
        if kind == "(":
            self.i += 1
            self.depth += 1
            if self.depth > _MAX_DEPTH:
                raise _invalid(self.text, f"more than {_MAX_DEPTH} nested parentheses")
            pred = self.or_()
            if self.peek() != ")":
                raise _invalid(self.text, "missing ')'")
            self.i += 1
            self.depth -= 1
            return pred
        if kind != "clause":
            raise _invalid(self.text, 'a quoted "property:term" clause was expected')
        clause = self.tokens[self.i][1]
        self.i += 1
        return self.clause(clause)

    def clause(self, clause: str) -> Predicate:
        prop, sep, term = clause.partition(":")
        prop = prop.strip()
        if not sep or not prop:
            raise _invalid(self.text, f'clause "{clause}" must name a property, as in "displayName:{clause}"')
        spec = self.spec
        canon = spec.canonical(prop)
        if canon is None:
            raise spec.unknown_property(prop)
        if not spec.permissive and canon not in spec.searchable:
            raise spec.unsupported_filter(canon)
        tokens = tuple(words(term))
        if not tokens:
            raise _invalid(self.text, f'clause "{clause}" has no term')
        self.clauses.append((canon, term.strip()))
        return _term_matcher(canon, tokens)


def parse_search(text: str, spec: ResourceSpec) -> Search:
    """The compiled ``$search`` value (the ConsistencyLevel check is the caller's)."""
    parser = _SearchParser(text, spec)
    pred = parser.parse()
    return Search(text, pred, tuple(parser.clauses))
