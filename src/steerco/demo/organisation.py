"""The organisation, its logins, calendars, roles, skills and the ~120 people whose time is planned."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth.hashers import make_password

from steerco.accounts.models import BusinessUnit, Organisation, User
from steerco.core.money import quantize_money
from steerco.demo import catalogue, dates
from steerco.demo.bulk import insert_objects
from steerco.demo.context import DemoContext, PersonInfo, rng_for
from steerco.demo.names import ascii_slug, unique_names
from steerco.projects.models import Calendar, CalendarException, default_working_week
from steerco.resources.models import (
    Absence,
    CapacityPeriod,
    CostRate,
    Person,
    PersonSkill,
    Role,
    Skill,
)

EMAIL_DOMAIN = "northwind.example"
HOURS_PER_DAY = 8
CONTRACTOR_UPLIFT = Decimal("1.35")
RATE_REVIEW = dt.date(2026, 4, 1)
RATE_REVIEW_UPLIFT = Decimal("1.03")
LEAVING_DATA_ENGINEERS = 2
DATA_ENGINEERS_LEAVE = dt.date(2026, 12, 31)


def build_organisation(*, password: str) -> DemoContext:
    organisation = Organisation.objects.create(
        code=catalogue.ORGANISATION_CODE,
        name=catalogue.ORGANISATION_NAME,
        currency="EUR",
        discount_rate=Decimal("0.0800"),
        fiscal_year_start_month=1,
    )
    context = DemoContext(organisation=organisation)
    for code, name in catalogue.BUSINESS_UNITS:
        context.business_units[code] = BusinessUnit.objects.create(
            organisation=organisation, code=code, name=name
        )
    # Argon2 is slow on purpose; one hash copied to every demo login keeps the load fast.
    password_hash = make_password(password)
    _build_users(context, password_hash)
    _build_calendars(context)
    _build_roles_and_skills(context)
    _build_people(context, password_hash)
    _build_absences(context)
    _build_capacity(context)
    return context


def _new_user(
    context: DemoContext,
    *,
    username: str,
    first_name: str,
    last_name: str,
    role: str,
    title: str,
    business_unit: str,
    password_hash: str,
) -> User:
    return User(
        username=username,
        first_name=first_name,
        last_name=last_name,
        email=f"{ascii_slug(f'{first_name} {last_name}')}@{EMAIL_DOMAIN}",
        organisation=context.organisation,
        role=role,
        title=title,
        business_unit=context.business_units[business_unit],
        password=password_hash,
        is_staff=role == "administrator",
        is_superuser=role == "administrator",
        date_joined=dates.aware(dt.date(2025, 5, 12)),
    )


def _build_users(context: DemoContext, password_hash: str) -> None:
    users = [
        _new_user(
            context,
            username=username,
            first_name=first,
            last_name=last,
            role=role,
            title=title,
            business_unit=unit,
            password_hash=password_hash,
        )
        for username, first, last, role, title, unit in catalogue.MAIN_USERS
    ]
    users += [
        _new_user(
            context,
            username=username,
            first_name=first,
            last_name=last,
            role="executive",
            title=title,
            business_unit=unit,
            password_hash=password_hash,
        )
        for username, first, last, title, unit in catalogue.EXECUTIVES
    ]
    for user in User.objects.bulk_create(users):
        context.users[user.username] = user


def _build_calendars(context: DemoContext) -> None:
    uk = Calendar.objects.create(
        organisation=context.organisation,
        name="Standard (UK)",
        hours_per_day=Decimal("8.00"),
        working_week=default_working_week(),
        timezone="Europe/London",
        is_default=True,
    )
    netherlands = Calendar.objects.create(
        organisation=context.organisation,
        name="Tilburg and Venlo (NL)",
        hours_per_day=Decimal("8.00"),
        working_week=default_working_week(),
        timezone="Europe/Amsterdam",
    )
    exceptions = [
        CalendarException(calendar=uk, name=name, start_date=day, finish_date=day)
        for year in dates.HOLIDAY_YEARS
        for day, name in dates.uk_bank_holidays(year)
    ]
    exceptions += [
        CalendarException(calendar=netherlands, name=name, start_date=day, finish_date=day)
        for year in dates.HOLIDAY_YEARS
        for day, name in dates.dutch_public_holidays(year)
    ]
    CalendarException.objects.bulk_create(exceptions)
    context.calendars = {"uk": uk, "nl": netherlands}


def _build_roles_and_skills(context: DemoContext) -> None:
    organisation = context.organisation
    roles = Role.objects.bulk_create(
        [
            Role(
                organisation=organisation,
                code=code,
                name=name,
                description=description,
                default_cost_rate=Decimal(rate),
            )
            for code, name, _count, rate, description in catalogue.ROLES
        ]
    )
    context.roles = {role.code: role for role in roles}
    rates = []
    for role in roles:
        rates.append(
            CostRate(
                organisation=organisation,
                role=role,
                rate=role.default_cost_rate,
                currency="EUR",
                effective_from=dt.date(2025, 1, 1),
            )
        )
        rates.append(
            CostRate(
                organisation=organisation,
                role=role,
                rate=quantize_money(role.default_cost_rate * RATE_REVIEW_UPLIFT),
                currency="EUR",
                effective_from=RATE_REVIEW,
            )
        )
    CostRate.objects.bulk_create(rates)
    skill_names = sorted({name for names in catalogue.ROLE_SKILLS.values() for name in names})
    skills = Skill.objects.bulk_create(
        [Skill(organisation=organisation, name=name) for name in skill_names]
    )
    context.skills = {skill.name: skill for skill in skills}


def _business_unit_for(role_code: str, index: int) -> str:
    """Technology roles sit in Group Functions; business-facing roles in the units they serve."""
    if role_code in {"BA", "CM", "PO"}:
        return ("RET", "LOG", "WHS", "GRP")[index % 4]
    if role_code in {"DEVOPS", "TEST"} and index % 3 == 0:
        return "LOG"
    return "GRP"


def _build_people(context: DemoContext, password_hash: str) -> None:
    rng = rng_for("people")
    organisation = context.organisation
    taken = {ascii_slug(f"{first} {last}") for _u, first, last, *_rest in catalogue.MAIN_USERS}
    taken |= {ascii_slug(f"{first} {last}") for _u, first, last, *_rest in catalogue.EXECUTIVES}
    fixed = {"PM": ("pm", "Daniel Okafor"), "DE": ("member", "Emma de Vries")}
    people: list[Person] = []
    meta: list[tuple[str, str, float, bool]] = []  # role, calendar, fte, contractor
    users: list[User] = []
    for code, role_name, count, _rate, _description in catalogue.ROLES:
        names = unique_names(count - (1 if code in fixed else 0), rng, taken)
        if code in fixed:
            names.insert(0, fixed[code][1])
        for index, name in enumerate(names):
            unit = _business_unit_for(code, index)
            calendar_key = "nl" if unit == "LOG" else "uk"
            fte = rng.choices([1.0, 0.8, 0.6, 0.5], weights=[80, 12, 5, 3])[0]
            contractor = index > 0 and rng.random() < 0.12
            start = dt.date(2019, 1, 7) + dt.timedelta(days=rng.randrange(0, 2200))
            if contractor:
                start = dt.date(2025, 1, 6) + dt.timedelta(weeks=rng.randrange(0, 60))
            start = dates.monday_of(min(start, dt.date(2026, 3, 2)))
            end = dt.date(2027, 6, 30) if contractor and rng.random() < 0.6 else None
            if code == "DE" and index >= len(names) - LEAVING_DATA_ENGINEERS:
                # Two contract data engineers leave at the end of 2026: the demo's capacity gap.
                contractor, end = True, DATA_ENGINEERS_LEAVE
            username = fixed[code][0] if index == 0 and code in fixed else ascii_slug(name)
            first, _, last = name.partition(" ")
            permission_role = "project_manager" if code == "PM" else "team_member"
            title = f"{role_name} (contractor)" if contractor else role_name
            if username in context.users:
                # The ``pm`` and ``member`` logins are people whose time is planned too.
                users.append(context.users[username])
            else:
                users.append(
                    _new_user(
                        context,
                        username=username,
                        first_name=first,
                        last_name=last,
                        role=permission_role,
                        title=title,
                        business_unit=unit,
                        password_hash=password_hash,
                    )
                )
            people.append(
                Person(
                    organisation=organisation,
                    name=name,
                    email=f"{ascii_slug(name)}@{EMAIL_DOMAIN}",
                    role=context.roles[code],
                    business_unit=context.business_units[unit],
                    calendar=context.calendars[calendar_key],
                    fte=Decimal(str(fte)),
                    start_date=start,
                    end_date=end,
                    manager=context.users["resources"],
                )
            )
            meta.append((code, calendar_key, fte, contractor))
    User.objects.bulk_create([user for user in users if user.pk is None])
    created_users = users
    for user, person in zip(created_users, people, strict=True):
        person.user = user
        context.users[user.username] = user
    created = Person.objects.bulk_create(people)
    person_rates: list[CostRate] = []
    skills: list[PersonSkill] = []
    for person, user, (code, calendar_key, fte, contractor) in zip(
        created, created_users, meta, strict=True
    ):
        rate = context.roles[code].default_cost_rate
        if contractor:
            rate = quantize_money(rate * CONTRACTOR_UPLIFT)
            person_rates.append(
                CostRate(
                    organisation=organisation,
                    person=person,
                    rate=rate,
                    currency="EUR",
                    effective_from=person.start_date or RATE_REVIEW,
                )
            )
        info = PersonInfo(
            person=person, role_code=code, calendar_key=calendar_key, fte=fte, rate=rate
        )
        context.people[person.pk] = info
        context.people_by_role.setdefault(code, []).append(info)
        context.person_users[person.pk] = user
        role_skills = catalogue.ROLE_SKILLS[code]
        for skill_name in rng.sample(role_skills, k=min(len(role_skills), rng.randint(2, 5))):
            skills.append(
                PersonSkill(
                    person=person,
                    skill=context.skills[skill_name],
                    level=rng.choices([2, 3, 4, 5], weights=[15, 40, 30, 15])[0],
                )
            )
    CostRate.objects.bulk_create(person_rates)
    PersonSkill.objects.bulk_create(skills)


def _build_absences(context: DemoContext) -> None:
    """Summer and Christmas leave, a spring week, some sickness and training, per person."""
    rows: list[Absence] = []
    for info in context.people.values():
        rng = rng_for("absence", info.person.email)
        spans: list[tuple[dt.date, int, str, str]] = []
        for year in (2025, 2026, 2027):
            summer = dates.monday_of(dt.date(year, 7, 6) + dt.timedelta(weeks=rng.randrange(0, 7)))
            spans.append((summer, rng.choice([10, 10, 15]), "leave", "Summer holiday"))
            spring = dates.monday_of(
                dt.date(year, 2, 16) + dt.timedelta(weeks=rng.randrange(0, 12))
            )
            spans.append((spring, 5, "leave", "Holiday"))
            if rng.random() < 0.7:
                spans.append((dt.date(year, 12, 29), 3, "leave", "Between Christmas and New Year"))
        if rng.random() < 0.45:
            sick = dt.date(2026, 1, 5) + dt.timedelta(days=rng.randrange(0, 300))
            spans.append((sick, rng.randint(1, 4), "sick", ""))
        if rng.random() < 0.35:
            course = dt.date(2026, 3, 2) + dt.timedelta(days=rng.randrange(0, 420))
            spans.append((course, rng.randint(2, 3), "training", "External course"))
        for first_day, length, reason, note in sorted(spans):
            position = dates.working_day_on_or_after(info.calendar_key, first_day)
            days = dates.working_days(info.calendar_key)[position : position + length]
            if not days or any(day in info.absences for day in days):
                continue
            for day in days:
                info.absences[day] = reason
            rows.append(
                Absence(
                    person=info.person,
                    start_date=days[0],
                    finish_date=days[-1],
                    reason=reason,
                    note=note,
                )
            )
    Absence.objects.bulk_create(rows)


def _build_capacity(context: DemoContext) -> None:
    organisation = context.organisation
    months = list(dates.month_range(dates.CAPACITY_FIRST_MONTH, dates.CAPACITY_LAST_MONTH))
    rows: list[CapacityPeriod] = []
    role_totals: dict[tuple[str, dt.date], float] = {}
    for info in context.people.values():
        monthly = _monthly_hours(info, months)
        for month, hours in monthly.items():
            context.person_capacity[(info.person.pk, month)] = hours
            role_totals[(info.role_code, month)] = (
                role_totals.get((info.role_code, month), 0) + hours
            )
            rows.append(
                CapacityPeriod(
                    organisation=organisation,
                    role=info.person.role,
                    person=info.person,
                    month=month,
                    hours=Decimal(f"{hours:.2f}"),
                )
            )
    context.role_capacity = dict(role_totals)
    for (code, month), hours in sorted(role_totals.items()):
        rows.append(
            CapacityPeriod(
                organisation=organisation,
                role=context.roles[code],
                person=None,
                month=month,
                hours=Decimal(f"{hours:.2f}"),
            )
        )
    insert_objects(rows)


def _monthly_hours(info: PersonInfo, months: list[dt.date]) -> dict[dt.date, float]:
    person = info.person
    counts = dict.fromkeys(months, 0)
    first, last = months[0], dates.month_end(months[-1])
    for day in dates.working_days(info.calendar_key):
        if day < first or day > last:
            continue
        if person.start_date and day < person.start_date:
            continue
        if person.end_date and day > person.end_date:
            continue
        if day in info.absences:
            continue
        counts[day.replace(day=1)] += 1
    return {month: days * HOURS_PER_DAY * info.fte for month, days in counts.items()}
