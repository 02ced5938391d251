"""Decision services: copy a scenario, change it, optimise it as a job, promote it, score."""

from __future__ import annotations

from decimal import Decimal

import pytest

from steerco.core.errors import AccessDenied, Conflict, NotFound, ValidationFailed
from steerco.core.models import AuditEntry
from steerco.jobs.models import Job
from steerco.portfolios import decision_selectors as selectors
from steerco.portfolios import decision_services as services
from steerco.portfolios.models import (
    AhpComparison,
    OptimiserRun,
    ProjectScore,
    Scenario,
    ScenarioProject,
    ScoringCriterion,
)
from steerco.resources.models import HiringPlan
from tests.portfolios.decision_support import build_small_portfolio, month

pytestmark = pytest.mark.django_db

EDITORS = ["administrator", "pmo_analyst", "portfolio_manager"]
READERS_ONLY = ["executive", "resource_manager"]
OUTSIDE_DECISIONS = ["project_manager", "team_member"]


def optimise(user, scenario, capture, **options):
    """Start a run and let the job run in-process when the transaction commits."""
    options.setdefault("time_limit_seconds", 2)
    with capture(execute=True):
        run = services.scenario_optimise(acting_user=user, scenario_id=scenario.pk, **options)
    run.refresh_from_db()
    return run


def test_a_new_scenario_copies_the_plan_with_its_overrides_and_hires(org):
    # Given the promoted plan with a budget override and a hire
    small = build_small_portfolio(org)
    small.plan.budget_overrides = {"2027-03": {"capex": "1000.00"}}
    small.plan.save()
    HiringPlan.objects.create(scenario=small.plan, role=small.role, month=month(2), fte_delta=2)
    manager = org.user("portfolio_manager")
    # When a portfolio manager creates a scenario without naming a source
    scenario = services.scenario_create(
        acting_user=manager, portfolio_id=small.portfolio.pk, name="  Faster  "
    )
    # Then it is a draft copy of the plan, with one audit row
    assert scenario.name == "Faster" and scenario.status == Scenario.Status.DRAFT
    assert scenario.based_on == small.plan
    assert (scenario.horizon_start, scenario.horizon_months) == (month(0), 12)
    assert scenario.budget_overrides == {"2027-03": {"capex": "1000.00"}}
    rows = {r.project.code: r for r in ScenarioProject.objects.filter(scenario=scenario)}
    assert set(rows) == {"RUN-1", "NEW-A", "NEW-B", "NEW-C"}
    assert rows["RUN-1"].mode == ScenarioProject.Mode.FORCED_IN
    assert rows["NEW-A"].included and rows["NEW-A"].selected_start_month == month(0)
    assert [(h.role, h.fte_delta) for h in HiringPlan.objects.filter(scenario=scenario)] == [
        (small.role, Decimal("2.00"))
    ]
    [entry] = AuditEntry.objects.filter(entity_type="portfolios.scenario", action="create")
    assert entry.actor == manager and "from Current plan" in entry.summary


def test_scenario_names_are_unique_per_portfolio_and_required(org):
    small = build_small_portfolio(org)
    manager = org.user("portfolio_manager")
    with pytest.raises(ValidationFailed) as failure:
        services.scenario_create(
            acting_user=manager, portfolio_id=small.portfolio.pk, name="Current plan"
        )
    assert "name" in failure.value.errors
    with pytest.raises(ValidationFailed):
        services.scenario_create(acting_user=manager, portfolio_id=small.portfolio.pk, name=" ")
    assert Scenario.objects.count() == 1


@pytest.mark.parametrize("role", READERS_ONLY + OUTSIDE_DECISIONS)
def test_only_portfolio_editors_create_scenarios(org, role):
    small = build_small_portfolio(org)
    with pytest.raises(AccessDenied):
        services.scenario_create(
            acting_user=org.user(role), portfolio_id=small.portfolio.pk, name="X"
        )


def test_another_organisation_does_not_find_the_scenario(org, other_org):
    small = build_small_portfolio(org)
    with pytest.raises(NotFound):
        services.scenario_update(
            acting_user=other_org.user("administrator"),
            scenario_id=small.plan.pk,
            changes={"name": "Mine"},
        )
    with pytest.raises(NotFound):
        services.scenario_create(
            acting_user=other_org.user("administrator"), portfolio_id=small.portfolio.pk, name="X"
        )


def test_update_moves_starts_forces_projects_and_replaces_hires(org):
    small = build_small_portfolio(org)
    manager = org.user("pmo_analyst")
    scenario = services.scenario_create(
        acting_user=manager, portfolio_id=small.portfolio.pk, name="What-if"
    )
    services.scenario_update(
        acting_user=manager,
        scenario_id=scenario.pk,
        changes={
            "projects": [
                {"project_id": small.projects["NEW-B"].pk, "start_month": "2027-08"},
                {"project_id": small.projects["NEW-C"].pk, "mode": "forced_out"},
            ],
            "hires": [{"role_id": small.role.pk, "month": "2027-05", "fte_delta": "1.5"}],
            "capacity_overrides": {"DE": {"2027-02": 200}},
        },
    )
    rows = {r.project.code: r for r in ScenarioProject.objects.filter(scenario=scenario)}
    assert rows["NEW-B"].start_month_override == month(7)
    assert rows["NEW-C"].mode == ScenarioProject.Mode.FORCED_OUT
    [hire] = HiringPlan.objects.filter(scenario=scenario)
    assert (hire.month, hire.fte_delta) == (month(4), Decimal("1.50"))
    scenario.refresh_from_db()
    assert scenario.capacity_overrides == {"DE": {"2027-02": 200.0}}
    entry = AuditEntry.objects.filter(entity_type="portfolios.scenario", action="update").get()
    assert entry.before["hires"] == [] and entry.after["hires"][0]["fte_delta"] == "1.50"


def test_update_names_every_invalid_field_and_writes_nothing(org):
    small = build_small_portfolio(org)
    manager = org.user("portfolio_manager")
    scenario = services.scenario_create(
        acting_user=manager, portfolio_id=small.portfolio.pk, name="What-if"
    )
    with pytest.raises(ValidationFailed) as failure:
        services.scenario_update(
            acting_user=manager,
            scenario_id=scenario.pk,
            changes={
                "projects": [{"project_id": small.projects["NEW-B"].pk, "mode": "maybe"}],
                "capacity_overrides": {"NOPE": {"2027-01": 10}},
                "hires": [{"role_id": small.role.pk, "month": "soon", "fte_delta": 0}],
            },
        )
    assert set(failure.value.errors) == {
        "projects[0].mode",
        "capacity_overrides.NOPE",
        "hires[0].month",
        "hires[0].fte_delta",
    }
    assert not HiringPlan.objects.filter(scenario=scenario).exists()


def test_the_promoted_plan_cannot_change(org):
    small = build_small_portfolio(org)
    with pytest.raises(Conflict):
        services.scenario_update(
            acting_user=org.user("portfolio_manager"),
            scenario_id=small.plan.pk,
            changes={"name": "Edited"},
        )


def test_optimise_runs_as_a_job_and_stores_the_plan_with_its_inputs(
    org, django_capture_on_commit_callbacks
):
    # Given a scenario copied from the plan
    small = build_small_portfolio(org)
    manager = org.user("portfolio_manager")
    scenario = services.scenario_create(
        acting_user=manager, portfolio_id=small.portfolio.pk, name="Optimised"
    )
    # When it is optimised (the job runs in-process on commit)
    run = optimise(manager, scenario, django_capture_on_commit_callbacks)
    # Then the job succeeded and the run holds the proven plan
    job = Job.objects.get(pk=run.job_id)
    assert job.state == Job.State.SUCCEEDED and job.progress == 100
    assert job.result is not None and job.result["run_id"] == run.pk
    assert run.status == OptimiserRun.Status.OPTIMAL
    assert run.gap is not None and run.gap <= 1e-4 and run.bound >= run.value
    starts = {item["project"]: item["start_month"] for item in run.result["plan"]}
    # NEW-C loses money; NEW-B waits for NEW-A to end (a RAID dependency).
    assert starts == {"RUN-1": "2027-01", "NEW-A": "2027-01", "NEW-B": "2027-04"}
    assert run.result["inputs"]["portfolio"]["months"] == 12
    assert run.result["summary"]["count"] == 3
    scenario.refresh_from_db()
    assert scenario.status == Scenario.Status.SOLVED
    assert scenario.inputs_snapshot == run.result["inputs"]
    rows = {r.project.code: r for r in ScenarioProject.objects.filter(scenario=scenario)}
    assert rows["NEW-B"].included and rows["NEW-B"].selected_start_month == month(3)
    assert rows["NEW-C"].included is False
    # And the optimiser never does worse than the ranked cut line
    assert run.value >= run.result["cutline_value"] - 1e-6


def test_a_mandatory_project_that_cannot_fit_is_named(org, django_capture_on_commit_callbacks):
    # Given NEW-C forced in from January while the running project takes the only free FTE
    small = build_small_portfolio(org)
    manager = org.user("portfolio_manager")
    scenario = services.scenario_create(
        acting_user=manager, portfolio_id=small.portfolio.pk, name="Impossible"
    )
    services.scenario_update(
        acting_user=manager,
        scenario_id=scenario.pk,
        changes={
            "projects": [
                {
                    "project_id": small.projects["NEW-C"].pk,
                    "mode": "forced_in",
                    "start_month": "2027-01",
                }
            ],
            "capacity_overrides": {"DE": {"2027-01": 160}},
        },
    )
    # When it is optimised
    run = optimise(manager, scenario, django_capture_on_commit_callbacks)
    # Then the run is infeasible and names the project and the capacity that conflict
    assert run.status == OptimiserRun.Status.INFEASIBLE
    conflicting = " ".join(run.result["conflicting"])
    assert "NEW-C" in conflicting and "capacity" in conflicting
    assert "NEW-C" in run.error
    result = Job.objects.get(pk=run.job_id).result
    assert result is not None and result["status"] == "infeasible"


def test_one_run_at_a_time(org):
    small = build_small_portfolio(org)
    manager = org.user("portfolio_manager")
    OptimiserRun.objects.create(
        organisation=org.organisation, scenario=small.plan, status=OptimiserRun.Status.RUNNING
    )
    with pytest.raises(Conflict):
        services.scenario_optimise(acting_user=manager, scenario_id=small.plan.pk)


def test_invalid_options_are_refused_before_anything_runs(org):
    small = build_small_portfolio(org)
    with pytest.raises(ValidationFailed) as failure:
        services.scenario_optimise(
            acting_user=org.user("portfolio_manager"),
            scenario_id=small.plan.pk,
            objective="luck",
            time_limit_seconds=0,
        )
    assert set(failure.value.errors) == {"objective", "time_limit_seconds"}
    assert not OptimiserRun.objects.exists()


def test_promote_archives_the_old_plan_and_records_who_and_why(
    org, django_capture_on_commit_callbacks
):
    small = build_small_portfolio(org)
    manager = org.user("portfolio_manager")
    scenario = services.scenario_create(
        acting_user=manager, portfolio_id=small.portfolio.pk, name="Better"
    )
    with pytest.raises(Conflict):  # not solved yet
        services.scenario_promote(acting_user=manager, scenario_id=scenario.pk, reason="Why not")
    optimise(manager, scenario, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationFailed):
        services.scenario_promote(acting_user=manager, scenario_id=scenario.pk, reason=" ")
    with pytest.raises(AccessDenied):
        services.scenario_promote(
            acting_user=org.user("executive"), scenario_id=scenario.pk, reason="Board"
        )
    promoted = services.scenario_promote(
        acting_user=manager, scenario_id=scenario.pk, reason="Adds NEW-B at no extra risk"
    )
    assert promoted.status == Scenario.Status.PROMOTED and promoted.promoted_by == manager
    small.plan.refresh_from_db()
    assert small.plan.status == Scenario.Status.ARCHIVED
    entry = AuditEntry.objects.filter(entity_id=str(scenario.pk), action="action").latest("id")
    assert entry.actor == manager
    assert entry.after["promotion_reason"] == "Adds NEW-B at no extra risk"
    assert "Promoted Better" in entry.summary
    assert selectors.promoted_scenario(small.portfolio.pk) == promoted


def test_scores_agreed_and_per_rater_with_range_checks(org):
    small = build_small_portfolio(org)
    analyst = org.user("pmo_analyst")
    criterion = small.criterion
    new_c = small.projects["NEW-C"]
    changed = services.project_scores_set(
        acting_user=analyst,
        scores=[{"project_id": new_c.pk, "criterion_id": criterion.pk, "value": "3"}],
    )
    assert changed == 1
    assert ProjectScore.objects.get(project=new_c, rater=None).value == Decimal("3")
    services.project_score_set(
        acting_user=analyst, project_id=new_c.pk, criterion_id=criterion.pk, value=2, as_rater=True
    )
    assert ProjectScore.objects.get(project=new_c, rater=analyst).value == Decimal("2")
    with pytest.raises(ValidationFailed):
        services.project_score_set(
            acting_user=analyst, project_id=new_c.pk, criterion_id=criterion.pk, value=9
        )
    with pytest.raises(AccessDenied):
        services.project_score_set(
            acting_user=org.user("executive"),
            project_id=new_c.pk,
            criterion_id=criterion.pk,
            value=1,
        )


def test_ahp_judgments_give_weights_with_the_group_geometric_mean(org):
    build_small_portfolio(org)
    cost = ScoringCriterion.objects.create(
        organisation=org.organisation, code="COST", name="Cost", scale_type="numeric"
    )
    risk = ScoringCriterion.objects.create(
        organisation=org.organisation, code="RISK", name="Risk", scale_type="numeric"
    )
    value = ScoringCriterion.objects.get(code="VALUE")
    for user, judgments in (
        (org.user("portfolio_manager"), (3, 5, 3)),
        (org.user("pmo_analyst"), (1 / 3, 5, 7)),
    ):
        services.ahp_comparison_set(
            acting_user=user,
            set_name="2027",
            judgments=[
                {"criterion_a_id": value.pk, "criterion_b_id": cost.pk, "value": judgments[0]},
                {"criterion_a_id": value.pk, "criterion_b_id": risk.pk, "value": judgments[1]},
                {"criterion_a_id": cost.pk, "criterion_b_id": risk.pk, "value": judgments[2]},
            ],
        )
    view = selectors.ahp_view(org.user("portfolio_manager"), "2027")
    assert view.mine is not None and view.mine.consistency_ratio < 0.1
    assert len(view.raters) == 2 and view.group is not None
    # The group matrix is the element-wise geometric mean: VALUE vs COST = sqrt(3 x 1/3) = 1.
    weights = view.group.weight_of()
    assert weights["VALUE"] == pytest.approx(weights["COST"], rel=0.1)
    assert weights["RISK"] < weights["COST"] / 3
    group = services.criterion_weights_from_ahp(
        acting_user=org.user("pmo_analyst"), set_name="2027"
    )
    value.refresh_from_db()
    assert float(value.weight) == pytest.approx(group.weight_of()["VALUE"], abs=1e-4)
    with pytest.raises(ValidationFailed):
        services.ahp_comparison_set(
            acting_user=org.user("pmo_analyst"),
            set_name="2027",
            judgments=[{"criterion_a_id": value.pk, "criterion_b_id": cost.pk, "value": 12}],
        )
    assert AhpComparison.objects.filter(rater=org.user("pmo_analyst")).count() == 3


def test_inconsistent_judgments_flag_the_worst_pairs(org):
    build_small_portfolio(org)
    a = ScoringCriterion.objects.get(code="VALUE")
    b = ScoringCriterion.objects.create(organisation=org.organisation, code="B", name="B")
    c = ScoringCriterion.objects.create(organisation=org.organisation, code="C", name="C")
    d = ScoringCriterion.objects.create(organisation=org.organisation, code="D", name="D")
    manager = org.user("portfolio_manager")
    pairs = [(a, b, 9), (b, c, 9), (a, c, 1 / 9), (a, d, 1), (b, d, 1), (c, d, 1)]
    services.ahp_comparison_set(
        acting_user=manager,
        set_name="bad",
        judgments=[
            {"criterion_a_id": x.pk, "criterion_b_id": y.pk, "value": round(v, 6)}
            for x, y, v in pairs
        ],
    )
    view = selectors.ahp_view(manager, "bad")
    assert view.mine is not None and not view.mine.is_consistent
    assert view.mine.consistency_ratio > 0.1
    assert ("VALUE", "C") in view.flagged() or ("B", "C") in view.flagged()


def test_frontier_job_gives_at_least_twenty_points_with_the_plan_and_cut_line(
    org, django_capture_on_commit_callbacks
):
    small = build_small_portfolio(org)
    with django_capture_on_commit_callbacks(execute=True):
        job = services.frontier_start(
            acting_user=org.user("executive"),
            portfolio_id=small.portfolio.pk,
            points=20,
            time_limit_per_point=0.5,
        )
    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED, job.error
    points = job.result["points"]
    assert len(points) == 20
    values = [p["value"] for p in points]
    assert values == sorted(values)
    assert all(p["value"] >= (p["cutline"] or 0) - 1e-6 for p in points)
    assert job.result["current"]["count"] == 2
    view = selectors.frontier_latest(org.user("executive"), small.portfolio.pk)
    assert view.spec is not None and view.result is not None


def test_a_budget_override_finer_than_cents_is_refused_not_rounded(org):
    small = build_small_portfolio(org)
    manager = org.user("pmo_analyst")
    scenario = services.scenario_create(
        acting_user=manager, portfolio_id=small.portfolio.pk, name="What-if"
    )
    with pytest.raises(ValidationFailed) as failure:
        services.scenario_update(
            acting_user=manager,
            scenario_id=scenario.pk,
            changes={"budget_overrides": {"2027-02": {"capex": "5000.005", "opex": "10"}}},
        )
    assert failure.value.errors == {
        "budget_overrides.2027-02.capex": [
            "Use at most 2 decimal places: 5000.005 would have to be rounded."
        ]
    }
    scenario.refresh_from_db()
    assert scenario.budget_overrides == {}
