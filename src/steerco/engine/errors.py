"""Errors raised by the engine.

Each error carries enough structure for the web layer to point at the exact
input that is wrong (a task id, a constraint name), not just a message.
"""

from __future__ import annotations

from collections.abc import Sequence


class EngineError(ValueError):
    """Base class of every error the engine raises on bad input."""


class InputError(EngineError):
    """An input value is invalid.

    Parameters
    ----------
    message:
        What is wrong, in words a user can act on.
    field:
        The input field (or task id, row, ...) at fault, when there is one.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message if field is None else f"{field}: {message}")
        self.field = field
        self.detail = message


class CycleError(EngineError):
    """The precedence network has a cycle; ``tasks`` lists its tasks in order."""

    def __init__(self, tasks: Sequence[str]) -> None:
        self.tasks = list(tasks)
        path = " -> ".join([*self.tasks, self.tasks[0]]) if self.tasks else "?"
        super().__init__(f"the schedule has a dependency cycle: {path}")


class InfeasibleError(EngineError):
    """No solution satisfies the constraints; ``constraints`` names those in conflict."""

    def __init__(self, message: str, *, constraints: Sequence[str] = ()) -> None:
        self.constraints = list(constraints)
        text = message
        if self.constraints:
            text += " (conflicting: " + "; ".join(self.constraints) + ")"
        super().__init__(text)
