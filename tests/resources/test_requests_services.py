"""Resource requests: created by project managers, approved (fully or partly) or rejected by
resource managers, withdrawn by the requester; approval books the person; skills matching."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from steerco.comms.models import Notification
from steerco.core.errors import AccessDenied, Conflict, NotFound, ValidationFailed
from steerco.resources import request_services as services
from steerco.resources.models import Booking, ResourceRequest
from steerco.resources.skills_matching import rank_people_for_request
from tests.factories import (
    BookingFactory,
    CapacityPeriodFactory,
    PersonFactory,
    PersonSkillFactory,
    ProjectFactory,
    RoleFactory,
    SkillFactory,
)

pytestmark = pytest.mark.django_db

MARCH, APRIL, MAY = datetime.date(2026, 3, 1), datetime.date(2026, 4, 1), datetime.date(2026, 5, 1)


@pytest.fixture
def setting(org):
    o = org.organisation
    de = RoleFactory(organisation=o, code="DE", name="Data engineer")
    ba = RoleFactory(organisation=o, code="BA", name="Business analyst")
    python = SkillFactory(organisation=o, name="Python")
    pm = org.user("project_manager")
    project = ProjectFactory(organisation=o, code="ALPHA", manager=pm)
    ada = PersonFactory(role=de, name="Ada", user=org.user("team_member"))
    return {"de": de, "ba": ba, "python": python, "project": project, "pm": pm, "ada": ada}


def create(setting, **changes):
    values = {
        "acting_user": setting["pm"],
        "project_id": setting["project"].pk,
        "role_id": setting["de"].pk,
        "start_date": MARCH,
        "finish_date": datetime.date(2026, 5, 31),
        "hours": Decimal("200"),
        "reason": "Data migration",
    }
    values.update(changes)
    return services.resource_request_create(**values)


def test_project_manager_asks_and_resource_managers_are_notified(
    org, setting, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        request = create(setting)
    assert (request.status, request.requested_by, request.hours) == (
        "pending",
        setting["pm"],
        Decimal("200.00"),
    )
    [notification] = Notification.objects.all()
    assert notification.recipient == org.user("resource_manager")
    assert notification.kind == "resource_request_submitted"


def test_who_may_ask(org, setting, other_org):
    with pytest.raises(AccessDenied):
        create(setting, acting_user=org.user("executive"))
    with pytest.raises(NotFound):  # a team member does not see the project
        create(setting, acting_user=org.user("team_member"))
    with pytest.raises(NotFound):
        create(setting, acting_user=other_org.user("administrator"))
    assert create(setting, acting_user=org.user("resource_manager")).pk


def test_a_request_must_ask_for_something_sensible(setting):
    with pytest.raises(ValidationFailed) as failure:
        create(setting, role_id=None, finish_date=datetime.date(2026, 2, 1), hours=Decimal("0"))
    assert set(failure.value.errors) == {"role_id", "finish_date", "hours"}


def test_approval_books_the_person_over_the_months_by_working_days(
    org, setting, django_capture_on_commit_callbacks
):
    request = create(setting)
    with django_capture_on_commit_callbacks(execute=True):
        decision = services.resource_request_approve(
            acting_user=org.user("resource_manager"),
            request_id=request.pk,
            person_id=setting["ada"].pk,
        )
    request.refresh_from_db()
    assert (request.status, request.approved_person, request.approved_hours) == (
        "approved",
        setting["ada"],
        Decimal("200.00"),
    )
    bookings = {b.month: b.hours for b in Booking.objects.filter(person=setting["ada"])}
    # 22, 22 and 21 weekdays in March, April and May 2026.
    assert bookings == {MARCH: Decimal("67.70"), APRIL: Decimal("67.69"), MAY: Decimal("64.61")}
    assert sum(bookings.values()) == Decimal("200.00")
    assert {b.kind for b in decision.bookings} == {"hard"}
    recipients = set(
        Notification.objects.filter(kind="resource_request_decided").values_list(
            "recipient", flat=True
        )
    )
    assert recipients == {setting["pm"].pk, org.user("team_member").pk}
    with pytest.raises(Conflict):
        services.resource_request_reject(
            acting_user=org.user("resource_manager"), request_id=request.pk, reason="Too late"
        )


def test_partial_approval_needs_a_note_and_adds_to_existing_bookings(org, setting):
    request = create(setting, start_date=APRIL, finish_date=datetime.date(2026, 4, 30))
    BookingFactory(
        project=setting["project"],
        person=setting["ada"],
        month=APRIL,
        hours=Decimal("10"),
        kind="soft",
    )
    manager = org.user("resource_manager")
    with pytest.raises(ValidationFailed) as failure:
        services.resource_request_approve(
            acting_user=manager,
            request_id=request.pk,
            person_id=setting["ada"].pk,
            hours=Decimal("120"),
        )
    assert "note" in failure.value.errors
    with pytest.raises(ValidationFailed):
        services.resource_request_approve(
            acting_user=manager,
            request_id=request.pk,
            person_id=setting["ada"].pk,
            hours=Decimal("201"),
        )
    services.resource_request_approve(
        acting_user=manager,
        request_id=request.pk,
        person_id=setting["ada"].pk,
        hours=Decimal("120"),
        kind="soft",
        note="Ada is half on the ledger upgrade",
    )
    request.refresh_from_db()
    assert (request.status, request.approved_hours) == ("partially_approved", Decimal("120.00"))
    assert Booking.objects.get(person=setting["ada"], month=APRIL, kind="soft").hours == Decimal(
        "130.00"
    )


def test_rejection_needs_a_reason_and_only_resource_editors_decide(org, setting):
    request = create(setting)
    with pytest.raises(AccessDenied):
        services.resource_request_reject(
            acting_user=setting["pm"], request_id=request.pk, reason="x"
        )
    with pytest.raises(ValidationFailed):
        services.resource_request_reject(
            acting_user=org.user("resource_manager"), request_id=request.pk, reason="  "
        )
    services.resource_request_reject(
        acting_user=org.user("pmo_analyst"), request_id=request.pk, reason="No budget this quarter"
    )
    request.refresh_from_db()
    assert (request.status, request.decision_note, request.decided_by) == (
        "rejected",
        "No budget this quarter",
        org.user("pmo_analyst"),
    )
    assert not Booking.objects.exists()


def test_requester_withdraws_a_pending_request(org, setting):
    request = create(setting)
    with pytest.raises(AccessDenied):
        services.resource_request_withdraw(acting_user=org.user("executive"), request_id=request.pk)
    services.resource_request_withdraw(acting_user=setting["pm"], request_id=request.pk)
    assert ResourceRequest.objects.get(pk=request.pk).status == "withdrawn"


def test_skills_matching_ranks_by_skill_fit_and_free_capacity(org, setting):
    request = create(setting, skill_id=setting["python"].pk)
    ada = setting["ada"]
    grace = PersonFactory(role=setting["de"], name="Grace")
    bob = PersonFactory(role=setting["de"], name="Bob")
    alan = PersonFactory(role=setting["ba"], name="Alan")
    PersonFactory(role=setting["ba"], name="Barbara")  # neither the role nor the skill
    PersonSkillFactory(person=ada, skill=setting["python"], level=5)
    PersonSkillFactory(person=grace, skill=setting["python"], level=3)
    PersonSkillFactory(person=alan, skill=setting["python"], level=5)
    for person in (ada, grace, bob, alan):
        for month in (MARCH, APRIL, MAY):
            CapacityPeriodFactory(
                role=person.role, person=person, month=month, hours=Decimal("160")
            )
    for month in (MARCH, APRIL, MAY):
        BookingFactory(person=ada, project=setting["project"], month=month, hours=Decimal("160"))

    match = rank_people_for_request(user=org.user("resource_manager"), request_id=request.pk)

    ranked = [(c.name, c.score_percent, round(c.free_hours)) for c in match.candidates]
    assert ranked == [("Alan", 85, 480), ("Grace", 80, 480), ("Bob", 50, 480), ("Ada", 50, 0)]
    assert match.candidates[0].role_match is False
    with pytest.raises(AccessDenied):
        rank_people_for_request(user=setting["pm"], request_id=request.pk)
