"""Role and person services: permissions, validation before any write, audit rows."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from steerco.core.errors import AccessDenied, Conflict, NotFound, ValidationFailed
from steerco.core.models import AuditEntry
from steerco.resources import services
from steerco.resources.models import Person, PersonSkill, Role
from tests.factories import (
    BookingFactory,
    BusinessUnitFactory,
    PersonFactory,
    PersonSkillFactory,
    ProjectFactory,
    RoleDemandFactory,
    RoleFactory,
    SkillFactory,
)

pytestmark = pytest.mark.django_db

EDITORS = ["administrator", "resource_manager", "pmo_analyst"]
NON_EDITORS = ["portfolio_manager", "project_manager", "team_member", "executive"]


def audit_rows(entity_type: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(entity_type=entity_type).order_by("id"))


# Roles


@pytest.mark.parametrize("role", EDITORS)
def test_resource_editors_create_roles_with_one_audit_row(org, role):
    user = org.user(role)
    created = services.role_create(
        acting_user=user, code="DATA-ENG", name="Data engineer", default_cost_rate=Decimal("95.50")
    )
    assert created.organisation_id == org.organisation.pk
    [row] = audit_rows("resources.role")
    assert (row.action, row.actor, row.after["default_cost_rate"]) == ("create", user, "95.50")


@pytest.mark.parametrize("role", NON_EDITORS)
def test_other_roles_may_not_change_roles_or_people(org, role):
    job_role = RoleFactory(organisation=org.organisation)
    person = PersonFactory(role=job_role)
    user = org.user(role)
    with pytest.raises(AccessDenied):
        services.role_create(acting_user=user, code="X", name="X")
    with pytest.raises(AccessDenied):
        services.role_update(acting_user=user, role_id=job_role.pk, name="X")
    with pytest.raises(AccessDenied):
        services.role_delete(acting_user=user, role_id=job_role.pk)
    with pytest.raises(AccessDenied):
        services.person_create(acting_user=user, name="X", role_id=job_role.pk)
    with pytest.raises(AccessDenied):
        services.person_update(acting_user=user, person_id=person.pk, fte=Decimal("0.5"))
    with pytest.raises(AccessDenied):
        services.person_deactivate(acting_user=user, person_id=person.pk)
    assert AuditEntry.objects.count() == 0
    assert Person.objects.get().is_active


def test_role_validation_reports_every_field_and_writes_nothing(org):
    RoleFactory(organisation=org.organisation, code="BA")
    with pytest.raises(ValidationFailed) as failure:
        services.role_create(
            acting_user=org.user("resource_manager"),
            code="ba",
            name="",
            default_cost_rate=Decimal("-1"),
        )
    assert failure.value.errors == {
        "code": ["Another role already uses the code ba."],
        "name": ["This field cannot be blank."],
        "default_cost_rate": ["A cost rate cannot be negative."],
    }
    assert Role.objects.count() == 1
    assert AuditEntry.objects.count() == 0


def test_a_rate_with_fractions_of_a_cent_is_refused(org):
    with pytest.raises(ValidationFailed) as failure:
        services.role_create(
            acting_user=org.user("administrator"),
            code="QA",
            name="Tester",
            default_cost_rate=Decimal("80.005"),
        )
    assert failure.value.errors["default_cost_rate"] == [
        "Use at most 2 decimal places: 80.005 would have to be rounded."
    ]


def test_a_role_with_active_people_cannot_be_deactivated(org):
    job_role = RoleFactory(organisation=org.organisation)
    PersonFactory(role=job_role)
    with pytest.raises(ValidationFailed) as failure:
        services.role_update(
            acting_user=org.user("resource_manager"), role_id=job_role.pk, is_active=False
        )
    assert failure.value.errors["is_active"][0].startswith("1 active people have this role")


def test_a_role_is_deleted_only_while_unused(org):
    user = org.user("resource_manager")
    used = RoleFactory(organisation=org.organisation, code="USED")
    RoleDemandFactory(project=ProjectFactory(organisation=org.organisation), role=used)
    with pytest.raises(Conflict) as conflict:
        services.role_delete(acting_user=user, role_id=used.pk)
    assert "1 month of demand" in str(conflict.value)

    unused = RoleFactory(organisation=org.organisation, code="UNUSED")
    services.role_delete(acting_user=user, role_id=unused.pk)
    assert list(Role.objects.values_list("code", flat=True)) == ["USED"]
    [row] = audit_rows("resources.role")
    assert (row.action, row.before["code"]) == ("delete", "UNUSED")


def test_another_organisations_role_and_person_are_not_found(org, other_org):
    foreign_role = RoleFactory(organisation=other_org.organisation)
    foreign_person = PersonFactory(role=foreign_role)
    admin = org.user("administrator")
    with pytest.raises(NotFound):
        services.role_update(acting_user=admin, role_id=foreign_role.pk, name="Mine")
    with pytest.raises(NotFound):
        services.person_update(acting_user=admin, person_id=foreign_person.pk, name="Mine")
    with pytest.raises(NotFound):
        services.person_deactivate(acting_user=admin, person_id=foreign_person.pk)


# People


def test_person_create_validates_every_reference_and_range_before_writing(org, other_org):
    foreign_role = RoleFactory(organisation=other_org.organisation)
    foreign_unit = BusinessUnitFactory(organisation=other_org.organisation)
    PersonFactory(role=RoleFactory(organisation=org.organisation), email="ada@example.com")
    with pytest.raises(ValidationFailed) as failure:
        services.person_create(
            acting_user=org.user("resource_manager"),
            name="Ada",
            email="ADA@example.com",
            role_id=foreign_role.pk,
            business_unit_id=foreign_unit.pk,
            fte=Decimal("1.6"),
            start_date=datetime.date(2026, 6, 1),
            end_date=datetime.date(2026, 5, 1),
            manager_id=other_org.user("administrator").pk,
            skills=[(SkillFactory(organisation=other_org.organisation).pk, 3)],
        )
    errors = failure.value.errors
    assert errors["email"] == ["Another person already has the email address ADA@example.com."]
    assert errors["role_id"] == ["Choose a role of your organisation."]
    assert errors["business_unit_id"] == ["Choose a business unit of your organisation."]
    assert errors["fte"] == ["Full-time equivalent runs from 0 to 1.5."]
    assert errors["end_date"] == ["The end date cannot be before the start date."]
    assert errors["manager_id"] == ["Choose an active user of your organisation."]
    assert errors["skills"][0].startswith("No skill")
    assert Person.objects.count() == 1
    assert AuditEntry.objects.count() == 0


@pytest.mark.parametrize("fte", [Decimal("0"), Decimal("1.5")])
def test_fte_bounds_are_inclusive(org, fte):
    person = services.person_create(
        acting_user=org.user("resource_manager"),
        name="Grace",
        role_id=RoleFactory(organisation=org.organisation).pk,
        fte=fte,
    )
    assert person.fte == fte


def test_person_create_records_skills_in_its_audit_row(org):
    python, sql = (
        SkillFactory(organisation=org.organisation),
        SkillFactory(organisation=org.organisation),
    )
    login = org.user("team_member")
    person = services.person_create(
        acting_user=org.user("resource_manager"),
        name="Grace Hopper",
        email="grace@example.com",
        role_id=RoleFactory(organisation=org.organisation).pk,
        user_id=login.pk,
        skills=[(python.pk, 5), (sql.pk, 2)],
    )
    assert dict(person.skills.values_list("skill_id", "level")) == {python.pk: 5, sql.pk: 2}
    [row] = audit_rows("resources.person")
    assert row.after["skills"] == {str(python.pk): 5, str(sql.pk): 2}
    assert row.after["user_id"] == login.pk


def test_a_login_belongs_to_one_person_only(org):
    job_role = RoleFactory(organisation=org.organisation)
    login = org.user("team_member")
    PersonFactory(role=job_role, user=login, name="First")
    with pytest.raises(ValidationFailed) as failure:
        services.person_create(
            acting_user=org.user("administrator"),
            name="Second",
            role_id=job_role.pk,
            user_id=login.pk,
        )
    assert failure.value.errors == {"user_id": ["This login already belongs to First."]}


def test_person_update_replaces_skills_and_audits_before_and_after(org):
    person = PersonFactory(role=RoleFactory(organisation=org.organisation), fte=Decimal("1.00"))
    kept = PersonSkillFactory(person=person, level=2)
    dropped = PersonSkillFactory(person=person)
    added = SkillFactory(organisation=org.organisation)
    services.person_update(
        acting_user=org.user("resource_manager"),
        person_id=person.pk,
        fte=Decimal("0.8"),
        skills=[(kept.skill_id, 4), (added.pk, 1)],
    )
    assert dict(PersonSkill.objects.filter(person=person).values_list("skill_id", "level")) == {
        kept.skill_id: 4,
        added.pk: 1,
    }
    [row] = audit_rows("resources.person")
    assert row.before["fte"] == "1.00"
    assert row.after["fte"] == "0.80"
    assert row.before["skills"] == {str(kept.skill_id): 2, str(dropped.skill_id): 3}
    assert row.after["skills"] == {str(kept.skill_id): 4, str(added.pk): 1}


def test_moving_someone_to_an_inactive_role_is_refused(org):
    person = PersonFactory(role=RoleFactory(organisation=org.organisation))
    retired = RoleFactory(organisation=org.organisation, is_active=False, name="Mainframe operator")
    with pytest.raises(ValidationFailed) as failure:
        services.person_update(
            acting_user=org.user("resource_manager"), person_id=person.pk, role_id=retired.pk
        )
    assert failure.value.errors == {"role_id": ["The role Mainframe operator is no longer in use."]}


def test_people_with_history_are_deactivated_not_deleted(org):
    user = org.user("resource_manager")
    person = PersonFactory(role=RoleFactory(organisation=org.organisation))
    BookingFactory(project=ProjectFactory(organisation=org.organisation), person=person)
    with pytest.raises(Conflict) as conflict:
        services.person_delete(acting_user=user, person_id=person.pk)
    assert "deactivate them instead" in str(conflict.value)

    services.person_deactivate(
        acting_user=user, person_id=person.pk, end_date=datetime.date(2026, 9, 30)
    )
    person.refresh_from_db()
    assert (person.is_active, person.end_date) == (False, datetime.date(2026, 9, 30))
    [row] = audit_rows("resources.person")
    assert row.action == "update"
    assert row.after == {"is_active": False, "end_date": "2026-09-30"}
    assert row.summary.startswith("Deactivated")


def test_deactivating_an_inactive_person_changes_nothing(org):
    person = PersonFactory(
        role=RoleFactory(organisation=org.organisation),
        is_active=False,
        end_date=datetime.date(2026, 1, 31),
    )
    services.person_deactivate(acting_user=org.user("administrator"), person_id=person.pk)
    person.refresh_from_db()
    assert person.end_date == datetime.date(2026, 1, 31)
    assert AuditEntry.objects.count() == 0


def test_a_person_without_history_can_be_deleted(org):
    person = PersonFactory(role=RoleFactory(organisation=org.organisation))
    PersonSkillFactory(person=person)
    services.person_delete(acting_user=org.user("administrator"), person_id=person.pk)
    assert not Person.objects.exists()
    [row] = audit_rows("resources.person")
    assert row.action == "delete"
    assert len(row.before["skills"]) == 1
