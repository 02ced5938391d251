"""What the demo builders share while they load: the objects made so far and the randomness."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from steerco.accounts.models import BusinessUnit, Organisation, User
    from steerco.demo.catalogue import ProjectSpec
    from steerco.governance.models import Gate, LifecycleStage, MethodologyTemplate
    from steerco.portfolios.models import Portfolio, Program
    from steerco.projects.models import Calendar, Category, Project
    from steerco.resources.models import Person, Role, Skill

SEED = "northwind-2026-11-16"


def rng_for(*parts: object) -> random.Random:
    """A random stream of its own for each part of the demo.

    Seeding with a string is stable across runs and Python processes (it is
    hashed with SHA-512, not with the salted ``hash()``), and a stream per part
    keeps one builder's changes from reshuffling every other builder's data.
    """
    return random.Random(":".join([SEED, *map(str, parts)]))


@dataclass
class PersonInfo:
    person: Person
    role_code: str
    calendar_key: str
    fte: float
    rate: Decimal
    absences: dict[dt.date, str] = field(default_factory=dict)
    """Whole days away (working days only), with the reason."""


@dataclass
class TaskInfo:
    """A leaf task as the resourcing and reporting builders need it, without queries."""

    task_id: int
    project_code: str
    name: str
    group: str
    """The workstream or phase the task belongs to (its summary task)."""
    role_code: str
    person_id: int | None
    start: dt.date
    finish: dt.date
    actual_start: dt.date | None
    actual_finish: dt.date | None
    percent_complete: float
    is_milestone: bool
    baseline_start: dt.date
    baseline_finish: dt.date
    working_days: int


@dataclass
class ProjectPlan:
    """What the schedule builder learnt about a project, for the builders after it."""

    start: dt.date
    finish: dt.date
    baseline_finish: dt.date
    go_live: dt.date
    percent_complete: float
    tasks: list[TaskInfo] = field(default_factory=list)
    team: dict[str, list[int]] = field(default_factory=dict)
    """Role code -> person ids working on the project."""


@dataclass
class DemoContext:
    organisation: Organisation
    users: dict[str, User] = field(default_factory=dict)
    business_units: dict[str, BusinessUnit] = field(default_factory=dict)
    calendars: dict[str, Calendar] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)
    skills: dict[str, Skill] = field(default_factory=dict)
    people: dict[int, PersonInfo] = field(default_factory=dict)
    people_by_role: dict[str, list[PersonInfo]] = field(default_factory=dict)
    person_users: dict[int, User] = field(default_factory=dict)
    """Person id -> the user that person logs in as."""
    categories: dict[str, Category] = field(default_factory=dict)
    portfolios: dict[str, Portfolio] = field(default_factory=dict)
    programs: dict[str, Program] = field(default_factory=dict)
    methodology: MethodologyTemplate | None = None
    lifecycle_stages: dict[str, LifecycleStage] = field(default_factory=dict)
    gates: dict[str, Gate] = field(default_factory=dict)
    projects: dict[str, Project] = field(default_factory=dict)
    specs: dict[str, ProjectSpec] = field(default_factory=dict)
    plans: dict[str, ProjectPlan] = field(default_factory=dict)
    role_capacity: dict[tuple[str, dt.date], float] = field(default_factory=dict)
    person_capacity: dict[tuple[int, dt.date], float] = field(default_factory=dict)
    """(role code, month) -> hours the role's people can work."""
    managers: dict[str, User] = field(default_factory=dict)
    """Project code -> its project manager."""

    def user(self, username: str) -> User:
        return self.users[username]

    def manager_of(self, code: str) -> User:
        return self.managers[code]
