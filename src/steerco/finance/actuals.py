"""Actual cost from timesheets: approved hours times the cost rate in effect, converted.

Actual cost has two sources. Cost lines (``CostLine``) come from the ledger
import, from manual entry, or from timesheet cost posted at month end
(``source="timesheet"``). Approved timesheet hours that have not been posted
yet are priced here, live: each day's hours times the person's own rate in
effect that day, else their role's rate in effect, else the role's default
rate, the rule of ``steerco.resources.timesheet_services.CostRates`` (whose
``actual_cost_from_timesheets(project)`` gives the same figure for one project
when every rate is in the organisation's currency; the tests hold the two
together). A rate in another currency converts at the month's exchange rate.

Posting never double counts: a posted timesheet cost line of a project month
covers every timesheet of that month approved before the line was recorded
(and every one with no approval time, such as history loaded in bulk). Hours
approved after the posting are priced live on top, so that a week approved
today shows in the actuals today even in a month already posted.

Everything here runs a fixed number of queries whatever the number of
projects: the project set is passed as a sub-query, never as a list of ids.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import DateTimeField, Exists, OuterRef, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, TruncMonth

from steerco.core.money import quantize_money
from steerco.finance.estimates import ZERO, RateTable, first_of_month
from steerco.finance.models import CostLine, ExchangeRate
from steerco.projects.models import Project
from steerco.resources.models import CostRate, Person, Role, TimesheetEntry, approved_entry

RateHistory = list[tuple[dt.date, Decimal, str]]
LONG_AGO = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


class RateBook:
    """Each person's hourly rate (and its currency) on any day."""

    def __init__(
        self,
        organisation_currency: str,
        person_role: dict[int, int],
        person_rates: dict[int, RateHistory],
        role_rates: dict[int, RateHistory],
        role_defaults: dict[int, Decimal],
    ) -> None:
        self.organisation_currency = organisation_currency
        self.person_role = person_role
        self.person_rates = person_rates
        self.role_rates = role_rates
        self.role_defaults = role_defaults

    @classmethod
    def load(cls, organisation_currency: str, people: QuerySet[Person]) -> RateBook:
        """Rates of ``people`` (a queryset, kept as a sub-query) and of their roles: 3 queries."""
        person_role = dict(people.values_list("pk", "role_id"))
        roles = Role.objects.filter(pk__in=people.values("role_id"))
        role_defaults = dict(roles.values_list("pk", "default_cost_rate"))
        person_rates: dict[int, RateHistory] = defaultdict(list)
        role_rates: dict[int, RateHistory] = defaultdict(list)
        for person_id, role_id, effective, rate, currency in (
            CostRate.objects.filter(Q(person__in=people) | Q(role__in=roles))
            .order_by("effective_from", "pk")
            .values_list("person_id", "role_id", "effective_from", "rate", "currency")
        ):
            if person_id is not None:
                person_rates[person_id].append((effective, rate, currency))
            elif role_id is not None:
                role_rates[role_id].append((effective, rate, currency))
        return cls(
            organisation_currency,
            person_role,
            dict(person_rates),
            dict(role_rates),
            role_defaults,
        )

    @staticmethod
    def _in_effect(history: RateHistory, day: dt.date) -> tuple[Decimal, str] | None:
        index = bisect.bisect_right([start for start, _, _ in history], day) - 1
        if index < 0:
            return None
        _, rate, currency = history[index]
        return rate, currency

    def rate_on(self, person_id: int, day: dt.date) -> tuple[Decimal, str]:
        own = self._in_effect(self.person_rates.get(person_id, []), day)
        if own is not None:
            return own
        role_id = self.person_role.get(person_id)
        if role_id is None:
            return ZERO, self.organisation_currency
        role = self._in_effect(self.role_rates.get(role_id, []), day)
        if role is not None:
            return role
        # A role's default rate has no currency of its own: it is the organisation's.
        return self.role_defaults.get(role_id, ZERO), self.organisation_currency


@dataclass(frozen=True, slots=True)
class TimesheetCost:
    """Unposted approved timesheet cost, in organisation currency, by project and month."""

    cost: dict[tuple[int, dt.date], Decimal]
    hours: dict[tuple[int, dt.date], Decimal]
    warnings: list[str]


def unposted_entries(projects: QuerySet[Project], as_of: dt.date) -> QuerySet[TimesheetEntry]:
    """Approved entries on ``projects`` up to ``as_of`` that no posted timesheet cost covers."""
    posted = CostLine.objects.filter(
        project_id=OuterRef("project_id"),
        source=CostLine.Source.TIMESHEET,
        month=OuterRef("entry_month"),
        created_at__gte=OuterRef("counted_from"),
    )
    return (
        TimesheetEntry.objects.filter(approved_entry(), project__in=projects, date__lte=as_of)
        .annotate(
            entry_month=TruncMonth("date"),
            # Lines approved one by one carry their own time; older weeks only the week's.
            counted_from=Coalesce(
                "approved_at",
                "timesheet__decided_at",
                Value(LONG_AGO, output_field=DateTimeField()),
            ),
        )
        .exclude(Exists(posted))
    )


def timesheet_cost(
    projects: QuerySet[Project], *, as_of: dt.date, rates: RateTable
) -> TimesheetCost:
    """Live cost of unposted approved hours: 4 queries for any number of projects."""
    entries = unposted_entries(projects, as_of)
    rows = list(
        entries.values("project_id", "timesheet__person_id", "date")
        .annotate(total=Sum("hours"))
        .order_by()
    )
    people = Person.objects.filter(pk__in=entries.values("timesheet__person_id"))
    book = RateBook.load(rates.organisation_currency, people)
    cost: dict[tuple[int, dt.date], Decimal] = defaultdict(lambda: ZERO)
    hours: dict[tuple[int, dt.date], Decimal] = defaultdict(lambda: ZERO)
    warnings: set[str] = set()
    for row in rows:
        month = first_of_month(row["date"])
        key = (row["project_id"], month)
        rate, currency = book.rate_on(row["timesheet__person_id"], row["date"])
        conversion = rates.convert(row["total"] * rate, currency, month)
        if conversion.warning:
            warnings.add(conversion.warning)
        cost[key] += conversion.amount
        hours[key] += row["total"]
    return TimesheetCost(
        {key: quantize_money(value) for key, value in cost.items()},
        dict(hours),
        sorted(warnings),
    )


def rate_table(organisation_id: int, organisation_currency: str) -> RateTable:
    """The organisation's exchange rates (1 query)."""
    return RateTable(
        organisation_currency,
        ExchangeRate.objects.filter(organisation_id=organisation_id).values_list(
            "currency", "effective_date", "rate_to_org_currency"
        ),
    )


def project_timesheet_cost(project: Project, *, as_of: dt.date) -> TimesheetCost:
    """:func:`timesheet_cost` of one project, for callers that hold the project."""
    organisation = project.organisation
    rates = rate_table(organisation.pk, organisation.currency)
    return timesheet_cost(Project.objects.filter(pk=project.pk), as_of=as_of, rates=rates)


def summed(values: Iterable[Any]) -> Decimal:
    return sum((Decimal(value) for value in values), ZERO)
