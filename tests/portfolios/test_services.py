"""Portfolio and program services: permissions, validation before any write, audit rows."""

from __future__ import annotations

import pytest

from steerco.core.errors import AccessDenied, Conflict, NotFound, ValidationFailed
from steerco.core.models import AuditEntry
from steerco.portfolios import services
from steerco.portfolios.models import Portfolio, Program
from tests.factories import (
    PortfolioFactory,
    ProgramFactory,
    ProjectFactory,
    ScenarioFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

EDITORS = ["administrator", "pmo_analyst", "portfolio_manager"]
NON_EDITORS = ["resource_manager", "project_manager", "team_member", "executive"]


def audit_rows(entity_type: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(entity_type=entity_type).order_by("id"))


@pytest.mark.parametrize("role", EDITORS)
def test_editors_create_a_portfolio_with_one_audit_row(org, role):
    # Given a portfolio editor
    user = org.user(role)
    # When they create a portfolio
    portfolio = services.portfolio_create(
        acting_user=user, code=" DIGITAL ", name="Digital", owner_id=user.pk
    )
    # Then it belongs to their organisation, trimmed, and one audit row says who did it
    assert portfolio.organisation_id == org.organisation.pk
    assert portfolio.code == "DIGITAL"
    [row] = audit_rows("portfolios.portfolio")
    assert row.action == "create"
    assert row.actor == user
    assert row.organisation_id == org.organisation.pk
    assert row.after["code"] == "DIGITAL"
    assert row.after["owner_id"] == user.pk


@pytest.mark.parametrize("role", NON_EDITORS)
def test_other_roles_may_not_create_portfolios_or_programs(org, role):
    portfolio = PortfolioFactory(organisation=org.organisation)
    with pytest.raises(AccessDenied):
        services.portfolio_create(acting_user=org.user(role), code="X", name="X")
    with pytest.raises(AccessDenied):
        services.program_create(
            acting_user=org.user(role), portfolio_id=portfolio.pk, code="Y", name="Y"
        )
    with pytest.raises(AccessDenied):
        services.portfolio_update(acting_user=org.user(role), portfolio_id=portfolio.pk, name="Z")
    with pytest.raises(AccessDenied):
        services.portfolio_delete(acting_user=org.user(role), portfolio_id=portfolio.pk)
    assert Portfolio.objects.get().name == portfolio.name
    assert AuditEntry.objects.count() == 0


def test_invalid_fields_are_all_reported_and_nothing_is_written(org, other_org):
    PortfolioFactory(organisation=org.organisation, code="DIGITAL")
    outsider = other_org.user("administrator")
    before = Portfolio.objects.count()
    with pytest.raises(ValidationFailed) as failure:
        services.portfolio_create(
            acting_user=org.user("pmo_analyst"),
            code="digital",  # taken, whatever the case
            name="  ",
            owner_id=outsider.pk,
        )
    assert failure.value.errors == {
        "code": ["Another portfolio already uses the code digital."],
        "name": ["This field cannot be blank."],
        "owner_id": ["Choose an active user of your organisation."],
    }
    assert Portfolio.objects.count() == before
    assert AuditEntry.objects.count() == 0


def test_code_format_and_length_are_checked(org):
    with pytest.raises(ValidationFailed) as failure:
        services.portfolio_create(acting_user=org.user("administrator"), code="no spaces", name="x")
    assert list(failure.value.errors) == ["code"]
    with pytest.raises(ValidationFailed) as failure:
        services.portfolio_create(acting_user=org.user("administrator"), code="A" * 41, name="x")
    assert "at most 40 characters" in failure.value.errors["code"][0]


def test_the_same_code_is_fine_in_another_organisation(org, other_org):
    PortfolioFactory(organisation=other_org.organisation, code="DIGITAL")
    portfolio = services.portfolio_create(
        acting_user=org.user("administrator"), code="DIGITAL", name="Digital"
    )
    assert portfolio.pk


def test_partial_update_changes_only_what_is_given_and_audits_the_difference(org):
    portfolio = PortfolioFactory(organisation=org.organisation, code="OPS", name="Operations")
    user = org.user("portfolio_manager")
    services.portfolio_update(acting_user=user, portfolio_id=portfolio.pk, name="Run the bank")
    portfolio.refresh_from_db()
    assert (portfolio.code, portfolio.name) == ("OPS", "Run the bank")
    [row] = audit_rows("portfolios.portfolio")
    assert row.action == "update"
    assert row.before == {"name": "Operations"}
    assert row.after == {"name": "Run the bank"}


def test_an_update_that_changes_nothing_writes_no_audit_row(org):
    portfolio = PortfolioFactory(organisation=org.organisation, name="Same")
    services.portfolio_update(
        acting_user=org.user("administrator"), portfolio_id=portfolio.pk, name="Same"
    )
    assert AuditEntry.objects.count() == 0


def test_a_portfolio_keeps_its_own_code_under_another_case(org):
    portfolio = PortfolioFactory(organisation=org.organisation, code="ops")
    services.portfolio_update(
        acting_user=org.user("administrator"), portfolio_id=portfolio.pk, code="OPS"
    )
    portfolio.refresh_from_db()
    assert portfolio.code == "OPS"


def test_another_organisations_portfolio_is_not_found_even_for_its_administrator(org, other_org):
    portfolio = PortfolioFactory(organisation=other_org.organisation)
    with pytest.raises(NotFound):
        services.portfolio_update(
            acting_user=org.user("administrator"), portfolio_id=portfolio.pk, name="Mine"
        )
    with pytest.raises(NotFound):
        services.portfolio_delete(acting_user=org.user("administrator"), portfolio_id=portfolio.pk)
    with pytest.raises(NotFound):
        services.program_update(
            acting_user=org.user("administrator"),
            program_id=ProgramFactory(portfolio=portfolio).pk,
            name="Mine",
        )


def test_only_an_empty_portfolio_can_be_deleted(org):
    user = org.user("administrator")
    portfolio = PortfolioFactory(organisation=org.organisation, code="FULL")
    ProgramFactory(portfolio=portfolio)
    ProjectFactory(portfolio=portfolio)
    ScenarioFactory(portfolio=portfolio)
    with pytest.raises(Conflict) as conflict:
        services.portfolio_delete(acting_user=user, portfolio_id=portfolio.pk)
    assert "1 program, 1 project, 1 scenario" in str(conflict.value)
    assert Portfolio.objects.filter(pk=portfolio.pk).exists()

    empty = PortfolioFactory(organisation=org.organisation, code="EMPTY")
    services.portfolio_delete(acting_user=user, portfolio_id=empty.pk)
    assert not Portfolio.objects.filter(pk=empty.pk).exists()
    [row] = audit_rows("portfolios.portfolio")
    assert row.action == "delete"
    assert row.entity_id == str(empty.pk)
    assert row.before["code"] == "EMPTY"


def test_program_create_checks_the_portfolio_belongs_to_the_organisation(org, other_org):
    foreign = PortfolioFactory(organisation=other_org.organisation)
    with pytest.raises(ValidationFailed) as failure:
        services.program_create(
            acting_user=org.user("portfolio_manager"),
            portfolio_id=foreign.pk,
            code="CLOUD",
            name="Cloud",
        )
    assert failure.value.errors == {"portfolio_id": ["Choose a portfolio of your organisation."]}
    assert Program.objects.count() == 0


def test_program_create_and_update_are_audited(org):
    portfolio = PortfolioFactory(organisation=org.organisation)
    manager = org.user("project_manager")
    user = org.user("portfolio_manager")
    program = services.program_create(
        acting_user=user,
        portfolio_id=portfolio.pk,
        code="CLOUD",
        name="Cloud",
        manager_id=manager.pk,
    )
    services.program_update(acting_user=user, program_id=program.pk, manager_id=None)
    program.refresh_from_db()
    assert program.manager_id is None
    create, update = audit_rows("portfolios.program")
    assert (create.action, create.after["portfolio_id"]) == ("create", portfolio.pk)
    assert (update.before, update.after) == ({"manager_id": manager.pk}, {"manager_id": None})


def test_program_codes_are_unique_in_the_organisation(org):
    program = ProgramFactory(
        portfolio=PortfolioFactory(organisation=org.organisation), code="CLOUD"
    )
    with pytest.raises(ValidationFailed) as failure:
        services.program_create(
            acting_user=org.user("administrator"),
            portfolio_id=program.portfolio_id,
            code="Cloud",
            name="Another cloud",
        )
    assert failure.value.errors == {"code": ["Another program already uses the code Cloud."]}


def test_a_program_with_projects_cannot_move_portfolio_or_be_deleted(org):
    user = org.user("pmo_analyst")
    program = ProgramFactory(portfolio=PortfolioFactory(organisation=org.organisation))
    ProjectFactory(portfolio=program.portfolio, program=program)
    elsewhere = PortfolioFactory(organisation=org.organisation)
    with pytest.raises(ValidationFailed) as failure:
        services.program_update(acting_user=user, program_id=program.pk, portfolio_id=elsewhere.pk)
    assert "move them to the other portfolio first" in failure.value.errors["portfolio_id"][0]
    with pytest.raises(Conflict):
        services.program_delete(acting_user=user, program_id=program.pk)
    assert Program.objects.filter(pk=program.pk, portfolio=program.portfolio).exists()
    assert AuditEntry.objects.count() == 0


def test_an_empty_program_is_deleted_with_an_audit_row(org):
    program = ProgramFactory(portfolio=PortfolioFactory(organisation=org.organisation))
    services.program_delete(acting_user=org.user("administrator"), program_id=program.pk)
    assert not Program.objects.exists()
    assert [row.action for row in audit_rows("portfolios.program")] == ["delete"]


def test_an_owner_who_has_left_stays_until_replaced_but_cannot_be_chosen_anew(org):
    departed = UserFactory(organisation=org.organisation, is_active=False)
    portfolio = PortfolioFactory(organisation=org.organisation, owner=departed)
    admin = org.user("administrator")
    services.portfolio_update(
        acting_user=admin, portfolio_id=portfolio.pk, owner_id=departed.pk, name="Renamed"
    )
    portfolio.refresh_from_db()
    assert (portfolio.name, portfolio.owner_id) == ("Renamed", departed.pk)
    other = PortfolioFactory(organisation=org.organisation)
    with pytest.raises(ValidationFailed) as failure:
        services.portfolio_update(acting_user=admin, portfolio_id=other.pk, owner_id=departed.pk)
    assert failure.value.errors == {"owner_id": ["Choose an active user of your organisation."]}
