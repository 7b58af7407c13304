"""The error a control-plane route raises to answer with a JSON error body.

It lives below ``control_app`` (which turns it into the response) so that the route modules the app
registers can raise it without importing the app back.
"""

from __future__ import annotations


class ControlError(Exception):
    """A control-plane request failed: ``status`` and ``code`` and ``message`` go into the response."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
