"""The attribute-mapping expression language of the Entra provisioning service.

    compiled = compile('Join("@", NormalizeDiacritics([givenName]), "contoso.com")')
    compiled.attributes                      # ("givenName",): what to import from the source
    compiled.evaluate({"givenName": "Zoë"}, EvalContext())   # "Zoe@contoso.com"

Text is parsed into frozen syntax nodes (``parse``), checked against the function catalogue
(``compile``) and evaluated against Graph objects. IgnoreFlowIfNullOrEmpty yields ``IGNORE_FLOW``,
which means "leave this attribute out", as opposed to None, which is a null value.
"""

from .catalog import FUNCTIONS, KEYWORDS, MAX_EXPRESSION_LENGTH
from .context import EvalContext, seeded_guid_factory
from .errors import ExpressionError, ExpressionEvaluationError, ExpressionSyntaxError, UniqueValueUnavailable
from .evaluator import CompiledExpression, compile, evaluate
from .functions_identity import alternative_security_id
from .invocation import FunctionSpec, Param
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
from .parser import parse
from .values import IGNORE_FLOW, Flow

__all__ = [
    "FUNCTIONS",
    "IGNORE_FLOW",
    "KEYWORDS",
    "MAX_EXPRESSION_LENGTH",
    "Argument",
    "Attribute",
    "Comparison",
    "CompiledExpression",
    "Concat",
    "EvalContext",
    "Expr",
    "ExpressionError",
    "ExpressionEvaluationError",
    "ExpressionSyntaxError",
    "Flow",
    "FunctionCall",
    "FunctionSpec",
    "Keyword",
    "NumberLiteral",
    "Omitted",
    "Param",
    "StringLiteral",
    "UniqueValueUnavailable",
    "alternative_security_id",
    "compile",
    "evaluate",
    "parse",
    "seeded_guid_factory",
]
