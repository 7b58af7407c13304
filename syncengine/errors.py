"""The engine's exceptions: one root, ``SyncEngineError``, and the typed Graph errors beneath it.

The Graph errors are the same classes whichever backend answered. Every exception the engine raises on
purpose derives from ``SyncEngineError``; the classes of a stage live beside it:

* SyncEngineError
  * GraphApiError (this module): BadRequestError, AuthenticationError, PermissionDeniedError,
    NotFoundError, ConflictError, ThrottledError, ServiceUnavailableError
  * TransportError, TokenError (this module)
  * ConfigError (``config.py``, also a ValueError), JobFileError (``job_file.py``, also a ValueError)
  * StateError (``state.py``, also a RuntimeError)
  * PreflightError (``preflight.py``)
  * MappingError (``mapping.py``), ScopeConfigError (``scoping_filters.py``, also a ValueError)
  * ExpressionError (``expressions/errors.py``): ExpressionSyntaxError, ExpressionEvaluationError
    (UniqueValueUnavailable)
"""

from __future__ import annotations


class SyncEngineError(Exception):
    """The root of every exception the engine raises on purpose: ``except SyncEngineError`` catches them all."""


class GraphApiError(SyncEngineError):
    """Graph answered with an error status (``status``, Graph ``code`` and ``message``)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        request_id: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.request_id = request_id
        self.retry_after = retry_after


class BadRequestError(GraphApiError):
    """400: the request itself is wrong; retrying will not help."""


class AuthenticationError(GraphApiError):
    """401: no valid token for this cloud and tenant."""


class PermissionDeniedError(GraphApiError):
    """403: the app lacks the application permission the endpoint needs."""


class NotFoundError(GraphApiError):
    """404: the object (or endpoint) does not exist."""


class ConflictError(GraphApiError):
    """409: a conflicting object exists."""


class ThrottledError(GraphApiError):
    """429 that was still throttled after the retries the client allows."""


class ServiceUnavailableError(GraphApiError):
    """5xx that persisted through the client's retries."""


class TransportError(SyncEngineError):
    """The connection failed or was dropped before Graph answered (no status)."""


class TokenError(SyncEngineError):
    """The login endpoint refused to issue a token (``error`` and ``error_description`` from Entra)."""

    def __init__(self, error: str, description: str) -> None:
        super().__init__(f"{error}: {description}")
        self.error = error
        self.description = description


_BY_STATUS: dict[int, type[GraphApiError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    429: ThrottledError,
}


def error_for(status: int, body: object, headers: dict[str, str]) -> GraphApiError:
    """The typed error for a Graph error answer (the only place the engine reads error bodies)."""
    code, message = "unknown", ""
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        code = str(body["error"].get("code") or code)
        message = str(body["error"].get("message") or "")
    elif isinstance(body, str):
        message = body[:500]
    retry = headers.get("retry-after")
    cls = _BY_STATUS.get(status) or (ServiceUnavailableError if status >= 500 else GraphApiError)
    return cls(
        status,
        code,
        message,
        request_id=headers.get("request-id"),
        retry_after=float(retry) if retry and retry.replace(".", "", 1).isdigit() else None,
    )
