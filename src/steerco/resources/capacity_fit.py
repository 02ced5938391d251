"""The "fit" preview: which project starts to move so that demand fits capacity.

Nothing is saved. Projects that may move are those of the scope (a portfolio,
or all) that have not started: approved projects (and ideas and proposals when
the pipeline is shown) whose demand begins inside the window. They may move
later by up to ``max_shift`` months. Everything else (running projects, other
portfolios) stays where it is and uses capacity first. The optimiser (or the
greedy fallback, see ``capacity_engine_io``) picks the moves; the preview shows
them, the projects that fit nowhere in the window, and the heatmap after.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
from django.db.models import Sum

from steerco.accounts.models import User
from steerco.projects.models import Project
from steerco.resources.capacity_access import require_capacity_reader
from steerco.resources.capacity_engine_io import (
    FitProblem,
    FitProject,
    add_months,
    fit,
    months_between,
    profiles_by_project,
)
from steerco.resources.capacity_selectors import (
    Heatmap,
    HeatmapQuery,
    MovedProject,
    build_heatmap,
    effective_demand,
    heatmap_matrices,
    organisation_roles,
    scope_objects,
)

Stage = Project.Stage
MOVABLE_STAGES = (Stage.APPROVED,)
MOVABLE_PIPELINE_STAGES = (Stage.IDEA, Stage.PROPOSAL)
MAX_FIT_SHIFT = 12


@dataclass(frozen=True, slots=True)
class FitMove:
    project_id: int
    code: str
    name: str
    shift: int
    from_month: str
    to_month: str


@dataclass(frozen=True, slots=True)
class LeftOut:
    project_id: int
    code: str
    name: str


@dataclass(frozen=True)
class FitPreview:
    method: str
    note: str
    seconds: float
    movable: int
    moves: list[FitMove]
    left_out: list[LeftOut]
    before: Heatmap
    after: Heatmap

    @property
    def excess_before(self) -> float:
        return self.before.excess

    @property
    def excess_after(self) -> float:
        return self.after.excess


def capacity_fit_preview(
    *, user: User, query: HeatmapQuery, max_shift: int = 6, time_limit: float = 5.0
) -> FitPreview:
    """Preview the start moves that relieve over-allocation (starting from the saved plan)."""
    require_capacity_reader(user)
    max_shift = max(0, min(MAX_FIT_SHIFT, max_shift))
    query = replace(query, moves=())
    organisation_id, portfolio, scenario, _, _ = scope_objects(user, query)
    roles = organisation_roles(organisation_id)
    grid, capacity, hiring, scope, other = heatmap_matrices(
        organisation_id=organisation_id, query=query, roles=roles
    )
    before = build_heatmap(
        query=query,
        roles=roles,
        capacity=capacity,
        hiring=hiring,
        scope=scope,
        other=other,
        portfolio=portfolio,
        scenario=scenario,
    )

    stages = MOVABLE_STAGES + (MOVABLE_PIPELINE_STAGES if query.include_pipeline else ())
    candidates = effective_demand(organisation_id).filter(project__stage__in=stages)
    if query.portfolio_id is not None:
        candidates = candidates.filter(project__portfolio_id=query.portfolio_id)
    rows = candidates.values("project_id", "role_id", "month").annotate(total=Sum("hours"))
    profiles = profiles_by_project(
        (row["project_id"], row["role_id"], row["month"], float(row["total"])) for row in rows
    )
    movable = {
        project_id: (first, profile)
        for project_id, (first, profile) in profiles.items()
        if query.first_month <= first <= query.last_month
    }
    details = {
        row["pk"]: row
        for row in Project.objects.filter(pk__in=list(movable)).values(
            "pk", "code", "name", "priority", "mandatory"
        )
    }
    # What cannot move uses capacity first: free = capacity - (all demand - movable demand).
    movable_load = grid.zeros()
    fit_projects = []
    for project_id, (first, profile) in movable.items():
        offset = months_between(query.first_month, first)
        for role_id, values in profile.items():
            for index, hours in enumerate(values):
                grid.add(movable_load, role_id, add_months(first, index), hours)
        fit_projects.append(
            FitProject(
                project_id=project_id,
                offset=offset,
                profile=profile,
                priority=details[project_id]["priority"],
                mandatory=details[project_id]["mandatory"],
            )
        )
    fixed = scope + other - movable_load
    free = np.maximum(0.0, capacity - fixed)
    demanded_roles = {role_id for project in fit_projects for role_id in project.profile}
    problem = FitProblem(
        months=query.months,
        free={
            role_id: [float(value) for value in free[grid.role_index[role_id]]]
            for role_id in demanded_roles
            if role_id in grid.role_index
        },
        projects=sorted(fit_projects, key=lambda project: project.project_id),
        max_shift=max_shift,
    )
    answer = fit(problem, time_limit=time_limit)

    moves = []
    for project_id, shift in sorted(
        answer.shifts.items(), key=lambda item: details[item[0]]["code"]
    ):
        first = movable[project_id][0]
        moves.append(
            FitMove(
                project_id,
                details[project_id]["code"],
                details[project_id]["name"],
                shift,
                f"{first:%Y-%m}",
                f"{add_months(first, shift):%Y-%m}",
            )
        )
    left_out = [
        LeftOut(project_id, details[project_id]["code"], details[project_id]["name"])
        for project_id in sorted(answer.left_out, key=lambda pk: details[pk]["code"])
    ]
    after_query = replace(query, moves=tuple((move.project_id, move.shift) for move in moves))
    _, capacity_after, hiring_after, scope_after, other_after = heatmap_matrices(
        organisation_id=organisation_id,
        query=after_query,
        roles=roles,
        scope_of_moved=dict.fromkeys(answer.shifts, True),
    )
    after = build_heatmap(
        query=after_query,
        roles=roles,
        capacity=capacity_after,
        hiring=hiring_after,
        scope=scope_after,
        other=other_after,
        portfolio=portfolio,
        scenario=scenario,
        moved=[MovedProject(m.project_id, m.code, m.name, m.shift) for m in moves],
    )
    return FitPreview(
        answer.method,
        answer.note,
        answer.seconds,
        len(fit_projects),
        moves,
        left_out,
        before,
        after,
    )
