"""The recursive-descent parser: expression text to a syntax tree.

Grammar (whitespace may appear between any two tokens)::

    expression := concat [ compare-op concat ]          comparisons do not chain
    concat     := primary { "&" primary }
    primary    := NAME "(" [ argument { "," argument } ] ")"     function call
                | NAME                                           enumeration value (vbTextCompare)
                | "[" attribute "]" | STRING | NUMBER
    argument   := [ expression ]                                 may be left empty: Replace(x, , "a", , , , )

``Name()`` has no arguments; ``Name(,)`` has two empty ones. The parser checks syntax only: which
functions exist and how many arguments they take is checked when the tree is compiled.
"""

from __future__ import annotations

from .errors import ExpressionSyntaxError
from .lexer import Lexer, Token, TokenKind
from .nodes import (
    Argument,
    Attribute,
    Comparison,
    Concat,
    Expr,
    FunctionCall,
    Keyword,
    NumberLiteral,
    Omitted,
    StringLiteral,
)


def parse(text: str) -> Expr:
    """Parse ``text`` into a syntax tree; raises ExpressionSyntaxError for malformed text."""
    parser = _Parser(text)
    node = parser.expression()
    token = parser.lexer.peek()
    if token.kind is not TokenKind.END:
        raise parser.error("end of expression", token)
    return node


class _Parser:
    def __init__(self, text: str) -> None:
        self.lexer = Lexer(text)

    def error(self, expected: str, token: Token) -> ExpressionSyntaxError:
        return ExpressionSyntaxError(f"expected {expected}", text=self.lexer.text, offset=token.offset)

    def expression(self) -> Expr:
        left = self.concat()
        token = self.lexer.peek()
        if token.kind is not TokenKind.COMPARE:
            return left
        self.lexer.next()
        right = self.concat()
        return Comparison(str(token.value), left, right, offset=_offset(left))

    def concat(self) -> Expr:
        parts = [self.primary()]
        while self.lexer.peek().kind is TokenKind.AMPERSAND:
            self.lexer.next()
            parts.append(self.primary())
        if len(parts) == 1:
            return parts[0]
        return Concat(tuple(parts), offset=_offset(parts[0]))

    def primary(self) -> Expr:
        token = self.lexer.next()
        if token.kind is TokenKind.ATTRIBUTE:
            return Attribute(str(token.value), offset=token.offset)
        if token.kind is TokenKind.STRING:
            return StringLiteral(str(token.value), offset=token.offset)
        if token.kind is TokenKind.NUMBER:
            assert isinstance(token.value, int)
            return NumberLiteral(token.value, token.hexadecimal, offset=token.offset)
        if token.kind is TokenKind.NAME:
            if self.lexer.peek().kind is TokenKind.LPAREN:
                self.lexer.next()
                return FunctionCall(str(token.value), self.arguments(), offset=token.offset)
            return Keyword(str(token.value), offset=token.offset)
        raise self.error("an expression", token)

    def arguments(self) -> tuple[Argument, ...]:
        if self.lexer.peek().kind is TokenKind.RPAREN:
            self.lexer.next()
            return ()
        args: list[Argument] = []
        while True:
            token = self.lexer.peek()
            if token.kind in (TokenKind.COMMA, TokenKind.RPAREN):
                args.append(Omitted(offset=token.offset))
            else:
                args.append(self.expression())
            token = self.lexer.next()
            if token.kind is TokenKind.RPAREN:
                return tuple(args)
            if token.kind is TokenKind.END:
                raise self.error("')'", token)
            if token.kind is not TokenKind.COMMA:
                raise self.error("',' or ')'", token)


def _offset(node: Expr) -> int:
    return node.offset
