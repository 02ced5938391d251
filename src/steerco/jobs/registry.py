"""Which function runs each kind of job.

Apps declare their handlers in a ``job_handlers.py`` module with the
:func:`job_handler` decorator; the jobs app imports those modules at start-up.
A handler receives the job's params and a ``progress(percent, message)``
callback and returns a JSON-safe result.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Progress = Callable[[int, str], None]
Handler = Callable[[dict[str, Any], Progress], Any]

_HANDLERS: dict[str, Handler] = {}


def job_handler(kind: str) -> Callable[[Handler], Handler]:
    def decorate(function: Handler) -> Handler:
        if kind in _HANDLERS and _HANDLERS[kind] is not function:
            raise RuntimeError(f"job kind {kind!r} registered twice")
        _HANDLERS[kind] = function
        return function

    return decorate


def handler_for(kind: str) -> Handler:
    try:
        return _HANDLERS[kind]
    except KeyError:
        raise LookupError(f"no handler for job kind {kind!r}") from None


def known_kinds() -> list[str]:
    return sorted(_HANDLERS)
