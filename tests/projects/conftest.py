"""Fixtures for the project tests: one portfolio per organisation and a way to make projects."""

from __future__ import annotations

from typing import Any

import pytest

from steerco.accounts.models import Role
from steerco.projects import schedule_cache
from steerco.projects import schedule_selectors as selectors
from steerco.projects.models import Project
from tests.factories import PortfolioFactory, ProjectFactory, UserFactory


@pytest.fixture
def portfolio(org: Any) -> Any:
    return PortfolioFactory(
        organisation=org.organisation, owner=org.user("portfolio_manager"), name="Digital"
    )


@pytest.fixture
def other_portfolio(other_org: Any) -> Any:
    return PortfolioFactory(organisation=other_org.organisation, owner=other_org.user("executive"))


@pytest.fixture
def make_project(org: Any, portfolio: Any) -> Any:
    """make_project(**fields): a project of ``org`` managed by its project manager."""

    def make(**fields: Any) -> Project:
        fields.setdefault("portfolio", portfolio)
        fields.setdefault("manager", org.user("project_manager"))
        return ProjectFactory(**fields)

    return make


@pytest.fixture
def project(make_project: Any) -> Project:
    return make_project(code="FIN-001", name="Invoice automation", stage=Project.Stage.IDEA)


@pytest.fixture
def second_manager(org: Any) -> Any:
    return UserFactory(organisation=org.organisation, role=Role.PROJECT_MANAGER)


@pytest.fixture
def no_kept_schedules() -> Any:
    """Forget the networks and checks kept per process, before and after the test.

    Both are keyed by project id: another test's project may have had the same id.
    """
    schedule_cache.forget()
    selectors.forget_checks()
    yield
    schedule_cache.forget()
    selectors.forget_checks()
