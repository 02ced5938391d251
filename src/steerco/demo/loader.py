"""Load the demo organisation once, in one transaction, and say what is in it."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from steerco.demo import catalogue

if TYPE_CHECKING:
    from steerco.accounts.models import Organisation

LOGIN_ORDER = ["admin", "pmo", "portfolio", "resources", "pm", "member", "exec"]


@dataclass(frozen=True)
class DemoSummary:
    """What the demo organisation holds, and how to log in to it."""

    organisation: str
    code: str
    created: bool
    """False when the organisation was already there and nothing was loaded."""
    seconds: float
    counts: dict[str, int] = field(default_factory=dict)
    logins: list[tuple[str, str, str]] = field(default_factory=list)
    """(role label, username, password), one per role."""


def load_demo() -> DemoSummary:
    """Build the Northwind Holdings demo organisation, unless it exists already.

    Returns
    -------
    DemoSummary
        Row counts and one login per role. ``created`` is false (and nothing
        is written) when an organisation with the demo's code exists.
    """
    from django.db import IntegrityError, transaction

    from steerco.accounts.models import Organisation

    existing = Organisation.objects.filter(code=catalogue.ORGANISATION_CODE).first()
    if existing is not None:
        return summarise(existing, created=False, seconds=0.0)
    started = time.perf_counter()
    try:
        with transaction.atomic():
            organisation = _build()
    except IntegrityError:
        # Another process loaded it at the same moment: theirs stands.
        existing = Organisation.objects.filter(code=catalogue.ORGANISATION_CODE).first()
        if existing is None:
            raise
        return summarise(existing, created=False, seconds=0.0)
    return summarise(organisation, created=True, seconds=time.perf_counter() - started)


def _build() -> Organisation:
    from steerco.demo.comms import build_comms
    from steerco.demo.governance import build_governance
    from steerco.demo.history import build_audit_trail
    from steerco.demo.methodology import build_methodology
    from steerco.demo.money import build_money
    from steerco.demo.organisation import build_organisation
    from steerco.demo.portfolio import (
        build_portfolios,
        build_projects,
        build_scenarios,
        update_project_dates,
    )
    from steerco.demo.resourcing import build_resourcing, build_timesheets
    from steerco.demo.schedules import build_schedules

    context = build_organisation(password=catalogue.DEMO_PASSWORD)
    build_methodology(context)
    build_portfolios(context)
    build_projects(context)
    build_schedules(context)
    update_project_dates(context)
    build_resourcing(context)
    build_money(context, build_timesheets(context))
    build_governance(context)
    build_comms(context)
    build_scenarios(context)
    build_audit_trail(context)
    return context.organisation


def summarise(organisation: Organisation, *, created: bool, seconds: float) -> DemoSummary:
    from steerco.accounts.models import User
    from steerco.demo.counts import count_rows

    logins: list[tuple[str, str, str]] = []
    users = {
        user.username: user
        for user in User.objects.filter(organisation=organisation, username__in=LOGIN_ORDER)
    }
    for username in LOGIN_ORDER:
        user = users.get(username)
        if user is not None:
            logins.append((user.get_role_display(), username, catalogue.DEMO_PASSWORD))
    return DemoSummary(
        organisation=organisation.name,
        code=organisation.code,
        created=created,
        seconds=round(seconds, 2),
        counts=count_rows(organisation),
        logins=logins,
    )
