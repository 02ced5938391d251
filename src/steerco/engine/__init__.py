"""Steerco's pure computational engine.

Nothing under this package may import Django or another Steerco app (an
import-linter contract checks it): inputs are frozen dataclasses, outputs are
result objects, and every entry point can be used from a notebook or a script.
"""
