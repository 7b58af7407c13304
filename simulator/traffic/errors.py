"""The one error type of the traffic package."""

from __future__ import annotations


class TrafficConfigError(ValueError):
    """A traffic profile, chaos setting or canned fault that cannot be used; the message says why."""
