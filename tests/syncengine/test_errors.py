"""Every exception class of the engine derives from one root, ``SyncEngineError``, and says what it is for."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import syncengine
from syncengine.errors import SyncEngineError, error_for
from syncengine.expressions.values import FlowIgnored

#: Exceptions used as signals inside one module, never raised to a caller.
SIGNALS = {FlowIgnored}


def engine_exceptions() -> set[type[BaseException]]:
    found: set[type[BaseException]] = set()
    for info in pkgutil.walk_packages(syncengine.__path__, "syncengine."):
        module = importlib.import_module(info.name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, BaseException) and value.__module__.startswith("syncengine."):
                found.add(value)
    return found


def test_every_engine_exception_derives_from_sync_engine_error_and_has_a_docstring() -> None:
    classes = engine_exceptions()
    assert len(classes) > 15, "the walk found the engine's exceptions"
    strays = sorted(c.__qualname__ for c in classes - SIGNALS if not issubclass(c, SyncEngineError))
    assert strays == []
    undocumented = sorted(c.__qualname__ for c in classes if not (c.__doc__ or "").strip())
    assert undocumented == []


def test_a_graph_error_answer_is_caught_by_the_root() -> None:
    body = {"error": {"code": "Request_ResourceNotFound", "message": "gone"}}
    err = error_for(404, body, {"request-id": "r1"})
    assert isinstance(err, SyncEngineError)
    assert (err.status, err.code, err.message, str(err)) == (
        404,
        "Request_ResourceNotFound",
        "gone",
        "404 Request_ResourceNotFound: gone",
    )
