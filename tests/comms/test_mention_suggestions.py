"""Mention suggestions: who sees the project is decided in the query, in one query."""

from __future__ import annotations

from typing import Any

import pytest

from steerco.accounts.models import Role, User
from steerco.comms.access import access_comment_target, can_see_project, people_who_see_project
from steerco.comms.selectors import MENTION_SUGGESTIONS, mention_suggestions
from steerco.projects.models import ProjectMember
from tests.comms.conftest import World

pytestmark = pytest.mark.django_db


def _colleague(world: World, username: str, role: str = Role.TEAM_MEMBER, **fields: Any) -> User:
    return User.objects.create_user(
        username=username,
        password="x",
        organisation=world.org.organisation,
        role=role,
        **fields,
    )


def test_people_who_sort_first_but_do_not_see_the_project_do_not_hide_those_who_do(
    world: World, django_assert_num_queries: Any
) -> None:
    # More outsiders sort before the member than the old look-ahead of 24 candidates.
    for number in range(30):
        _colleague(world, f"aaa-outsider-{number:02}")
    target = access_comment_target(world.manager, "projects.project", world.project.pk)

    with django_assert_num_queries(1):
        suggestions = mention_suggestions(target, typed="", author=world.manager)

    names = [suggestion.username for suggestion in suggestions]
    assert world.member.username in names
    assert not any(name.startswith("aaa-outsider") for name in names)
    assert names == sorted(names) and len(names) <= MENTION_SUGGESTIONS


def test_suggestions_stop_at_eight_and_count_one_query_however_many_match(
    world: World, django_assert_num_queries: Any
) -> None:
    for number in range(12):
        member = _colleague(world, f"acme-crew-{number:02}", first_name="Crew")
        ProjectMember.objects.create(project=world.project, user=member)
    target = access_comment_target(world.manager, "projects.project", world.project.pk)

    with django_assert_num_queries(1):
        suggestions = mention_suggestions(target, typed="@acme-crew", author=world.manager)

    assert [s.username for s in suggestions] == [f"acme-crew-{n:02}" for n in range(8)]
    assert suggestions[0].name == "Crew"


def test_the_query_answers_as_the_project_access_rule_does(world: World) -> None:
    sponsor = _colleague(world, "acme-sponsor")
    world.project.sponsor = sponsor
    world.project.save(update_fields=["sponsor"])
    _colleague(world, "acme-gone-member", is_active=False)
    ProjectMember.objects.create(
        project=world.project, user=User.objects.get(username="acme-gone-member")
    )
    _colleague(world, "acme-chief", role=Role.EXECUTIVE)
    _colleague(world, "acme-gone-pmo", role=Role.PMO_ANALYST, is_active=False)
    world.project.refresh_from_db()

    everyone = User.objects.all()
    expected = {user.pk for user in everyone if can_see_project(user, world.project)}
    assert set(people_who_see_project(world.project).values_list("pk", flat=True)) == expected
    assert {sponsor.pk, world.manager.pk, world.member.pk, world.pmo.pk} <= expected
    assert world.bystander.pk not in expected and world.stranger.pk not in expected
