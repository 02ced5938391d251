"""Benchmark: the portfolio capacity heatmap page on portfolios of growing size.

For each size the script seeds a fresh organisation (its own seeded generator,
``bulk_create``) into a temporary SQLite database: roles, people with a
capacity row per month, and a portfolio of projects whose role demand spans
3 to 12 months each (some from the business case, some entered by hand, some
rolled up from a schedule, so that the source rule is exercised). It then asks
for the heatmap page (``/resources/capacity/?portfolio=BENCH``, 12 months) with
Django's test client as a resource manager, and measures the server time
(median of ``--repeat`` requests after a warm-up) and the number of SQL queries.

Run ``.venv/bin/python benchmarks/capacity.py [--json] [--sizes 100,1000,5000,10000]``.
With ``--json`` one line per size: ``{"projects", "people", "server_ms", "queries"}``.
Targets: under 1 s at 10,000 projects and 2,000 people; the same number of
queries at every size.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import sys
import time
from decimal import Decimal
from typing import Any

from _django_setup import organisation_with_user, temporary_database

SEED = 20261125
ROLES = [
    ("BA", "Business analyst"),
    ("DE", "Data engineer"),
    ("DS", "Data scientist"),
    ("DEV", "Software developer"),
    ("QA", "Test engineer"),
    ("ARCH", "Solution architect"),
    ("PM", "Project manager"),
    ("UX", "User experience designer"),
    ("OPS", "Operations engineer"),
    ("SEC", "Security engineer"),
    ("CM", "Change manager"),
    ("TW", "Technical writer"),
]
STAGES = [
    ("in_execution", 40),
    ("approved", 25),
    ("proposal", 12),
    ("idea", 8),
    ("on_hold", 5),
    ("closed", 10),
]
FIRST_MONTH = dt.date(2026, 1, 1)
MONTHS_OF_DATA = 36
SHOWN_MONTHS = 12


def people_for(projects: int) -> int:
    return max(20, min(2000, projects // 5))


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


def seed(projects: int, people: int, index: int) -> Any:
    """One organisation with ``people`` people and a portfolio of ``projects`` projects."""
    from steerco.portfolios.models import Portfolio
    from steerco.projects.models import Project
    from steerco.resources.models import CapacityPeriod, Person, Role, RoleDemand

    rng = random.Random(SEED + projects)
    organisation, manager = organisation_with_user(
        code=f"BENCH{index}",
        name=f"Benchmark {projects}",
        username=f"rm{index}",
        role="resource_manager",
    )
    roles = Role.objects.bulk_create(
        Role(organisation=organisation, code=code, name=name, default_cost_rate=Decimal("90"))
        for code, name in ROLES
    )
    staff = Person.objects.bulk_create(
        (
            Person(
                organisation=organisation,
                name=f"Person {number}",
                email=f"person{number}@bench{index}.test",
                role=roles[number % len(roles)],
                fte=rng.choice([Decimal("1.00")] * 4 + [Decimal("0.80"), Decimal("0.50")]),
            )
            for number in range(people)
        ),
        batch_size=2000,
    )
    months = [add_months(FIRST_MONTH, offset) for offset in range(MONTHS_OF_DATA)]
    capacity: list[CapacityPeriod] = []
    role_totals: dict[tuple[int, dt.date], float] = {}
    for person in staff:
        for month in months:
            hours = 140.0 * float(person.fte)
            role_totals[(person.role_id, month)] = (
                role_totals.get((person.role_id, month), 0) + hours
            )
            capacity.append(
                CapacityPeriod(
                    organisation=organisation,
                    role_id=person.role_id,
                    person=person,
                    month=month,
                    hours=Decimal(f"{hours:.2f}"),
                )
            )
    capacity += [
        CapacityPeriod(
            organisation=organisation, role_id=role_id, month=month, hours=Decimal(f"{hours:.2f}")
        )
        for (role_id, month), hours in role_totals.items()
    ]
    CapacityPeriod.objects.bulk_create(capacity, batch_size=5000)

    portfolio = Portfolio.objects.create(organisation=organisation, code="BENCH", name="Benchmark")
    stage_names = [name for name, _ in STAGES]
    stage_weights = [weight for _, weight in STAGES]
    rows = Project.objects.bulk_create(
        (
            Project(
                organisation=organisation,
                portfolio=portfolio,
                code=f"P{number:05d}",
                name=f"Project {number}",
                stage=rng.choices(stage_names, stage_weights)[0],
                priority=rng.randint(1, 5),
            )
            for number in range(projects)
        ),
        batch_size=2000,
    )
    # Demand sized so that committed work fills about 95% of each role on average: the
    # random spread then over-allocates some role-months, as in a real portfolio.
    committed_share = 0.70
    concurrent_per_role = max(
        1.0, projects * committed_share * (7.5 / (MONTHS_OF_DATA - 1.5)) * (3 / len(roles))
    )
    role_capacity = 140.0 * 0.883 * people / len(roles)
    base_hours = 0.95 * role_capacity / concurrent_per_role
    demand: list[RoleDemand] = []
    for project in rows:
        start = rng.randrange(0, MONTHS_OF_DATA - 3)
        length = min(rng.randint(3, 12), MONTHS_OF_DATA - start)
        needed = rng.sample(roles, rng.randint(2, 4))
        draw = rng.random()
        sources = (
            ["business_case"]
            + (["manual"] if draw < 0.1 else [])
            + (["schedule"] if 0.1 <= draw < 0.25 else [])
        )
        for role in needed:
            base = base_hours * rng.uniform(0.4, 1.6)
            for offset in range(length):
                month = add_months(FIRST_MONTH, start + offset)
                for source in sources:
                    demand.append(
                        RoleDemand(
                            project=project,
                            role=role,
                            month=month,
                            hours=Decimal(f"{base * rng.uniform(0.8, 1.2):.2f}"),
                            source=source,
                        )
                    )
    RoleDemand.objects.bulk_create(demand, batch_size=5000)
    return manager, len(demand)


def measure(manager: Any, repeat: int) -> tuple[float, int, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    client.force_login(manager)
    url = "/resources/capacity/"
    params = {"portfolio": "BENCH", "from": "2026-07", "months": str(SHOWN_MONTHS)}
    response = client.get(url, params)  # warm-up: templates, caches, the session
    if response.status_code != 200:
        raise RuntimeError(f"heatmap answered {response.status_code}")
    timings = []
    queries = 0
    hot_spots = response.content.count(b'data-over="1"')
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url, params)
            timings.append((time.perf_counter() - started) * 1000)
        queries = len(captured)
    return statistics.median(timings), queries, hot_spots


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true", help="one JSON line per size")
    parser.add_argument(
        "--sizes", default="100,1000,5000,10000", help="numbers of projects, comma-separated"
    )
    parser.add_argument("--repeat", type=int, default=5, help="timed requests per size")
    parser.add_argument("--keep", action="store_true", help="keep the temporary database")
    args = parser.parse_args()
    sizes = [int(text) for text in args.sizes.split(",") if text.strip()]

    # The heatmap is asked for through the test client, which needs the test environment.
    with temporary_database("steerco-capacity-", keep=args.keep, test_environment=True):
        if not args.json:
            print(
                f"{'projects':>9} {'people':>7} {'demand rows':>12} {'seed s':>7} {'server ms':>10} {'queries':>8} {'hot spots':>9}"
            )
        for index, projects in enumerate(sizes):
            people = people_for(projects)
            started = time.perf_counter()
            manager, demand_rows = seed(projects, people, index)
            seeded = time.perf_counter() - started
            server_ms, queries, hot_spots = measure(manager, args.repeat)
            if args.json:
                print(
                    json.dumps(
                        {
                            "projects": projects,
                            "people": people,
                            "server_ms": round(server_ms, 1),
                            "queries": queries,
                        }
                    ),
                    flush=True,
                )
            else:
                print(
                    f"{projects:>9,} {people:>7,} {demand_rows:>12,} {seeded:>7.1f} "
                    f"{server_ms:>10.1f} {queries:>8} {hot_spots:>9}",
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())
