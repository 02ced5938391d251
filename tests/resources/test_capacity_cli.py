"""``steerco capacity heatmap`` and ``steerco capacity refresh``."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest

from steerco.cli import main
from steerco.resources.models import CapacityPeriod, RoleDemand
from tests.factories import (
    CapacityPeriodFactory,
    PersonFactory,
    PortfolioFactory,
    ProjectFactory,
    RoleFactory,
)

pytestmark = pytest.mark.django_db

MAY = datetime.date(2026, 5, 1)


@pytest.fixture
def plan(org):
    de = RoleFactory(organisation=org.organisation, code="DE", name="Data engineer")
    CapacityPeriodFactory(role=de, person=None, month=MAY, hours=Decimal("100"))
    portfolio = PortfolioFactory(organisation=org.organisation, code="P1")
    project = ProjectFactory(portfolio=portfolio)
    RoleDemand.objects.create(project=project, role=de, month=MAY, hours=Decimal("150"))
    return {"de": de}


def test_heatmap_as_json(org, plan, capsys):
    assert (
        main(
            [
                "capacity",
                "heatmap",
                "--portfolio",
                "P1",
                "--from",
                "2026-05",
                "--months",
                "2",
                "--json",
            ]
        )
        == 0
    )
    body = json.loads(capsys.readouterr().out)
    assert body["portfolio"] == "P1" and body["months"] == ["2026-05", "2026-06"]
    assert body["rows"][0]["cells"][0] == {
        "month": "2026-05",
        "capacity": 100.0,
        "demand": 150.0,
        "other": 0.0,
        "percent": 150,
        "over": True,
    }
    assert body["hot_spots"] == 1


def test_heatmap_as_a_table_and_errors(org, plan, capsys):
    assert (
        main(["capacity", "heatmap", "--portfolio", "P1", "--from", "2026-05", "--months", "1"])
        == 0
    )
    out = capsys.readouterr().out
    assert "Data engineer" in out and "150%*" in out
    assert main(["capacity", "heatmap", "--portfolio", "NOPE"]) == 2
    assert "no portfolio NOPE" in capsys.readouterr().err


def test_refresh(org, plan, capsys):
    PersonFactory(role=plan["de"])
    assert (
        main(
            ["capacity", "refresh", "--organisation", "ACME", "--from", "2026-05", "--months", "2"]
        )
        == 0
    )
    assert "1 people, 2 months from 2026-05" in capsys.readouterr().out
    assert CapacityPeriod.objects.filter(person__isnull=False).count() == 2
