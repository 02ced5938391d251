"""A project seen by its manager and a member, and people who may not see it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from steerco.accounts.models import Role, User
from steerco.projects.models import Project
from tests.factories import PortfolioFactory, ProjectFactory, ProjectMemberFactory
from tests.fixtures_people import Org


@dataclass
class World:
    org: Org
    project: Project
    manager: User
    member: User
    bystander: User  # same organisation, not on the project, no organisation-wide role
    pmo: User
    stranger: User  # another organisation's administrator


@pytest.fixture
def world(org: Org, other_org: Org) -> World:
    portfolio = PortfolioFactory.create(organisation=org.organisation, code="CORE", name="Core")
    manager = org.user(Role.PROJECT_MANAGER)
    project = ProjectFactory.create(
        organisation=org.organisation,
        portfolio=portfolio,
        code="PRJ-001",
        name="Invoice automation",
        manager=manager,
    )
    member = ProjectMemberFactory.create(project=project, user=org.user(Role.TEAM_MEMBER)).user
    bystander = User.objects.create_user(
        username="acme-bystander",
        password="x",
        organisation=org.organisation,
        role=Role.TEAM_MEMBER,
        email="bystander@acme.test",
    )
    for user in org.users.values():
        user.email = f"{user.username}@acme.test"
        user.save(update_fields=["email"])
    return World(
        org=org,
        project=project,
        manager=manager,
        member=member,
        bystander=bystander,
        pmo=org.user(Role.PMO_ANALYST),
        stranger=other_org.user(Role.ADMINISTRATOR),
    )


@pytest.fixture
def page_client(client: Any) -> Any:
    def login(user: User) -> Any:
        client.force_login(user)
        return client

    return login
