"""Comments on each kind of object: a task, a RAID item, a gate review, a status report.

Through the API and the pages that embed the panel: who may read and write, mentions that
notify, edits and deletions by the author only, 404 across organisations.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db.models import Model

from steerco.comms.models import Comment, Mention, Notification
from steerco.projects.models import Project
from tests.comms.conftest import World
from tests.factories import (
    GateReviewFactory,
    ProjectFactory,
    RaidItemFactory,
    StatusReportFactory,
    TaskFactory,
)

pytestmark = pytest.mark.django_db

API = "/api/v1"

MAKERS: dict[str, Callable[[Project], Any]] = {
    "projects.task": lambda project: TaskFactory.create(project=project, name="Design the ledger"),
    "governance.raiditem": lambda project: RaidItemFactory.create(
        project=project, organisation=project.organisation, title="Vendor late"
    ),
    "governance.gatereview": lambda project: GateReviewFactory.create(project=project),
    "governance.statusreport": lambda project: StatusReportFactory.create(project=project),
}

TARGETS = sorted(MAKERS)

LABELS: dict[str, Callable[[Any], str]] = {
    "projects.task": lambda task: "Design the ledger",
    "governance.raiditem": lambda item: f"{item.ref} Vendor late",
    "governance.gatereview": lambda review: f"gate {review.gate.code} {review.gate.name}",
    "governance.statusreport": lambda report: f"status report of {report.period_start:%d %b %Y}",
}


def _page_of(content_type: str, target: Any) -> str:
    """The page that embeds the panel of ``target``."""
    return {
        "projects.task": f"/projects/{target.project_id}/schedule/?task={target.pk}",
        "governance.raiditem": f"/governance/raid/{target.pk}/",
        "governance.gatereview": f"/governance/gate-reviews/{target.pk}/",
        "governance.statusreport": f"/governance/status-reports/{target.pk}/",
    }[content_type]


@pytest.mark.parametrize("content_type", TARGETS)
def test_comment_round_trip_on_each_target(
    world: World, api_client: Any, content_type: str
) -> None:
    target = MAKERS[content_type](world.project)
    member = api_client(world.member)
    created = member.post(
        f"{API}/comments",
        {
            "content_type": content_type,
            "object_id": target.pk,
            "body": f"@{world.manager.username} can you look at this?",
        },
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["content_type"], body["object_id"]) == (content_type, target.pk)
    assert body["project_id"] == world.project.pk
    assert body["mentions"] == [world.manager.username]
    note = Notification.objects.get(recipient=world.manager, kind="mention")
    assert note.title.startswith("Team Acme mentioned you on PRJ-001: ")
    assert note.title.endswith(LABELS[content_type](target))
    # Written through the API, the notification leads to the object's own page.
    assert note.url == _page_of(content_type, target)
    listed = api_client(world.manager).get(
        f"{API}/comments", {"content_type": content_type, "object_id": target.pk}
    )
    assert [c["body"] for c in listed.json()["items"]] == [
        f"@{world.manager.username} can you look at this?"
    ]
    comment_id = body["id"]
    # Only the author edits; an edit that mentions someone new tells them only.
    refused = api_client(world.manager).patch(
        f"{API}/comments/{comment_id}", {"body": "mine now"}, content_type="application/json"
    )
    assert refused.status_code == 403
    edited = member.patch(
        f"{API}/comments/{comment_id}",
        {"body": f"@{world.manager.username} @{world.pmo.username} please"},
        content_type="application/json",
    )
    assert edited.status_code == 200
    assert sorted(edited.json()["mentions"]) == sorted([world.manager.username, world.pmo.username])
    assert Notification.objects.filter(recipient=world.manager).count() == 1
    newcomer = Notification.objects.get(recipient=world.pmo, kind="mention")
    assert newcomer.title.endswith(LABELS[content_type](target))
    assert newcomer.url == _page_of(content_type, target)
    assert api_client(world.manager).delete(f"{API}/comments/{comment_id}").status_code == 403
    assert member.delete(f"{API}/comments/{comment_id}").status_code == 204
    assert not Comment.objects.exists() and not Mention.objects.exists()


@pytest.mark.parametrize("content_type", TARGETS)
def test_outsiders_and_other_organisations_get_not_found(
    world: World, api_client: Any, content_type: str
) -> None:
    target = MAKERS[content_type](world.project)
    query = {"content_type": content_type, "object_id": target.pk}
    comment = Comment.objects.create(
        organisation=world.org.organisation,
        author=world.manager,
        content_type_id=_content_type_id(target),
        object_id=target.pk,
        project=world.project,
        body="Internal",
    )
    for outsider in (world.bystander, world.stranger):
        client = api_client(outsider)
        assert client.get(f"{API}/comments", query).status_code == 404
        created = client.post(
            f"{API}/comments", {**query, "body": "x"}, content_type="application/json"
        )
        assert created.status_code == 404
        edited = client.patch(
            f"{API}/comments/{comment.pk}", {"body": "x"}, content_type="application/json"
        )
        assert edited.status_code == 404
    # An object of another organisation is not found even by its administrator's peers here.
    foreign = MAKERS[content_type](ProjectFactory.create(organisation=world.stranger.organisation))
    assert (
        api_client(world.pmo)
        .get(f"{API}/comments", {"content_type": content_type, "object_id": foreign.pk})
        .status_code
        == 404
    )
    # A mention of someone who may not see the project tells them nothing.
    api_client(world.member).post(
        f"{API}/comments",
        {**query, "body": f"@{world.bystander.username} @{world.stranger.username} hi"},
        content_type="application/json",
    )
    assert not Notification.objects.filter(recipient__in=[world.bystander, world.stranger])


def _content_type_id(target: Model) -> int:
    from django.contrib.contenttypes.models import ContentType

    return ContentType.objects.get_for_model(target).pk


@pytest.mark.parametrize("content_type", TARGETS)
def test_pages_embed_the_panel_and_the_panel_posts(
    world: World, page_client: Any, content_type: str, django_assert_max_num_queries: Any
) -> None:
    target = MAKERS[content_type](world.project)
    client = page_client(world.member)
    page = client.get(_page_of(content_type, target))
    assert page.status_code == 200
    panel_url = f"/comms/comments/{content_type}/{target.pk}/"
    assert f'hx-get="{panel_url}"'.encode() in page.content
    posted = client.post(
        panel_url,
        {"body": f"@{world.manager.username} have a look"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_CURRENT_URL=f"http://testserver{_page_of(content_type, target)}",
    )
    assert b"have a look" in posted.content
    note = Notification.objects.get(recipient=world.manager, kind="mention")
    assert note.url == _page_of(content_type, target)
    comment = Comment.objects.get()
    edited = client.post(
        f"/comms/comments/{comment.pk}/edit/", {"body": "Rewritten"}, HTTP_HX_REQUEST="true"
    )
    assert edited.status_code == 200 and b"Rewritten" in edited.content
    assert b"edited" in edited.content
    # Another user sees the comment but has no edit or delete form for it.
    other = page_client(world.manager).get(panel_url, HTTP_HX_REQUEST="true")
    assert b"Rewritten" in other.content
    assert f"/comms/comments/{comment.pk}/edit/".encode() not in other.content
    assert page_client(world.manager).post(f"/comms/comments/{comment.pk}/edit/").status_code == 403
    # The panel's query count does not grow with the number of comments.
    for n in range(5):
        Comment.objects.create(
            organisation=world.org.organisation,
            author=world.pmo,
            content_type_id=_content_type_id(target),
            object_id=target.pk,
            project=world.project,
            body=f"Note {n}",
        )
    reader = page_client(world.member)
    with django_assert_max_num_queries(10):
        panel = reader.get(panel_url, HTTP_HX_REQUEST="true")
    assert panel.content.count(b'class="comment"') == 6
    assert page_client(world.bystander).get(panel_url).status_code == 404


def test_mention_suggestions_offer_only_people_who_see_the_object(
    world: World, page_client: Any, django_assert_max_num_queries: Any
) -> None:
    risk = MAKERS["governance.raiditem"](world.project)
    url = f"/comms/mentions/governance.raiditem/{risk.pk}/"
    client = page_client(world.member)
    with django_assert_max_num_queries(35):
        everyone = client.get(url).json()["people"]
    names = [person["username"] for person in everyone]
    # The project's manager and the organisation-wide roles; never the author, a bystander
    # who is not on the project, or another organisation.
    assert world.manager.username in names and world.pmo.username in names
    assert world.member.username not in names
    assert world.bystander.username not in names
    assert world.stranger.username not in names
    assert len(names) <= 8
    typed = client.get(url, {"q": "@acme-proj"}).json()["people"]
    assert typed == [{"username": world.manager.username, "name": "Project Acme"}]
    by_name = client.get(url, {"q": "proj"}).json()["people"]
    assert [person["username"] for person in by_name] == [world.manager.username]
    assert page_client(world.bystander).get(url).status_code == 404
    assert page_client(world.stranger).get(url).status_code == 404
