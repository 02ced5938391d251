"""The Northwind Holdings demo organisation, and large generated portfolios for benchmarks.

``load_demo()`` builds a deterministic, realistic organisation so that every
page of Steerco has something to show; ``seed_portfolio()`` (in
:mod:`steerco.demo.seed`) bulk-inserts thousands of projects for benchmarks.
"""

from __future__ import annotations

from steerco.demo.catalogue import DEMO_PASSWORD, ORGANISATION_CODE
from steerco.demo.dates import STATUS_DATE
from steerco.demo.loader import DemoSummary, load_demo

__all__ = ["DEMO_PASSWORD", "ORGANISATION_CODE", "STATUS_DATE", "DemoSummary", "load_demo"]
