"""Sub-commands of the ``steerco`` command line.

Every module in this package (and in :mod:`steerco.commands.bench`) defines
``register(subparsers)`` which adds its parser and sets ``func`` to the
callable that runs it. Discovery keeps ``cli.py`` free of a hand-kept list,
so adding a command never touches a shared file.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
from types import ModuleType


def discover(package: ModuleType, subparsers: argparse._SubParsersAction) -> None:
    """Call ``register`` of every module (and sub-package) of ``package``."""
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        register = getattr(module, "register", None)
        if register is not None:
            register(subparsers)
