"""Reporting pages: status reports and their history, post-implementation reviews, lessons."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from steerco.core.access import has_role, organisation_id_of
from steerco.core.errors import AccessDenied, Conflict, ValidationFailed
from steerco.governance import forms as governance_forms
from steerco.governance import selectors, services
from steerco.governance.access import (
    LESSON_CURATORS,
    QA_SCHEDULERS,
    access_governed_project,
    access_lesson_by_id,
    access_status_report_by_id,
)
from steerco.governance.models import StatusReport
from steerco.governance.pir_services import REVIEWABLE_STAGES
from steerco.governance.rag_suggestions import DIMENSIONS, rag_suggestion_for
from steerco.governance.status_services import (
    RAG_FIELDS,
    cadence_of,
    period_for,
    previous_period,
)
from steerco.governance.views import (
    Options,
    form_page,
    htmx_fragment,
    integer,
    people_options,
    post_action,
    said,
)
from steerco.jobs.services import job_start
from steerco.projects.access import can_edit_project
from steerco.projects.models import Category
from steerco.web.decorators import member_required, steerco_user

REPORTS_PER_PAGE = 25
LESSONS_PER_PAGE = 25


def _category_options(organisation_id: int) -> Options:
    return list(
        Category.objects.filter(organisation_id=organisation_id)
        .order_by("name")
        .values_list("pk", "name")
    )


# Status reports


@member_required
def status_report_overview(request: HttpRequest) -> HttpResponse:
    user = steerco_user(request)
    page = Paginator(selectors.status_report_list_all(user), REPORTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "governance/status_reports_all.html",
        {
            "page": page,
            "due": selectors.status_reports_due(user),
            "can_remind": has_role(user, QA_SCHEDULERS),
        },
    )


@require_POST
@member_required
def status_report_reminders(request: HttpRequest) -> HttpResponse:
    """Queue the reminder job now (it also runs on a schedule)."""
    user = steerco_user(request)
    if not has_role(user, QA_SCHEDULERS):
        raise AccessDenied("Only the PMO sends reminders.")
    job = job_start(
        acting_user=user,
        kind="governance.status_report_reminders",
        title="Status report reminders",
        params={"organisation_id": organisation_id_of(user)},
    )
    messages.success(request, "Reminders are being sent.")
    return redirect("web:job", job_id=job.pk)


@member_required
def status_report_history(request: HttpRequest, project_id: int) -> HttpResponse:
    user = steerco_user(request)
    project = access_governed_project(user, project_id)
    page = Paginator(selectors.status_report_list(user, project_id), REPORTS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    trend = sorted(page.object_list, key=lambda report: report.period_start)
    return render(
        request,
        "governance/status_reports.html",
        {
            "project": project,
            "tab": "reports",
            "page": page,
            "trend": trend,
            "dimensions": RAG_FIELDS,
            "can_edit": can_edit_project(user, project),
            "cadence": cadence_of(project),
        },
    )


@member_required
def status_report_new(request: HttpRequest, project_id: int) -> HttpResponse:
    """Choose the period (the one due by default) and start its report."""
    user = steerco_user(request)
    project = access_governed_project(user, project_id, for_edit=True)
    cadence = cadence_of(project)
    today = timezone.localdate()
    choices = [previous_period(cadence, today), period_for(cadence, today)]
    if request.method == "POST":
        text = request.POST.get("period_start", "")
        try:
            start = datetime.date.fromisoformat(text) if text else None
        except ValueError:
            start = None
            messages.error(request, "Choose a period.")
        else:
            try:
                report = services.status_report_create(
                    acting_user=user, project_id=project.pk, period_start=start
                )
            except (ValidationFailed, Conflict) as error:
                messages.error(request, said(error))
            else:
                messages.success(request, "Report started with the suggested RAG filled in.")
                return redirect("governance:status_report", report_id=report.pk)
    asked = request.GET.get("period", "")
    return render(
        request,
        "governance/status_report_new.html",
        {"project": project, "tab": "reports", "choices": choices, "asked": asked},
    )


@member_required
def status_report(request: HttpRequest, report_id: int) -> HttpResponse:
    user = steerco_user(request)
    report = access_status_report_by_id(user, report_id)
    editable = report.status == StatusReport.Status.DRAFT and can_edit_project(user, report.project)
    form = None
    if editable:
        initial = {name: getattr(report, name) for name in (*RAG_FIELDS, "narrative")}
        initial |= {"achievements": report.achievements, "next_steps": report.next_steps}
        initial["key_milestones"] = governance_forms.StatusReportForm.milestones_text(
            report.key_milestones or []
        )
        form = governance_forms.StatusReportForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                services.status_report_update(
                    acting_user=user,
                    report_id=report.pk,
                    changes=form.service_fields(),  # type: ignore[arg-type]
                )
                if "submit" in request.POST:
                    services.status_report_submit(acting_user=user, report_id=report.pk)
            except ValidationFailed as error:
                form.add_service_errors(error)
            except Conflict as error:
                form.add_error(None, str(error))
            else:
                done = "Report submitted." if "submit" in request.POST else "Draft saved."
                messages.success(request, done)
                return redirect("governance:status_report", report_id=report.pk)
    elif request.method == "POST":
        access_status_report_by_id(user, report_id, for_edit=True)
        messages.error(request, "This report has been submitted: it no longer changes.")
        return redirect("governance:status_report", report_id=report.pk)
    # A draft explains its suggestions with today's data (a submitted report keeps its colours).
    live = (
        dict(
            rag_suggestion_for(
                report.project, min(report.period_end, timezone.localdate())
            ).dimensions()
        )
        if editable
        else {}
    )
    dimensions = [
        {
            "name": name,
            "label": name.capitalize(),
            "call": getattr(report, name),
            "suggested": getattr(report, f"suggested_{name}"),
            "reasons": live[name].reasons if name in live else (),
            "field": form[name] if form is not None else None,
        }
        for name in ("overall", *DIMENSIONS)
    ]
    return render(
        request,
        "governance/status_report.html",
        {
            "report": report,
            "project": report.project,
            "tab": "reports",
            "form": form,
            "dimensions": dimensions,
            "editable": editable,
        },
    )


@require_POST
@member_required
def status_report_refresh(request: HttpRequest, report_id: int) -> HttpResponse:
    user = steerco_user(request)
    return post_action(
        request,
        lambda: services.status_report_refresh_suggestions(acting_user=user, report_id=report_id),
        done="Suggestions computed again from today's data.",
        back=reverse("governance:status_report", args=[report_id]),
    )


@require_POST
@member_required
def status_report_delete(request: HttpRequest, report_id: int) -> HttpResponse:
    user = steerco_user(request)
    report = access_status_report_by_id(user, report_id, for_edit=True)
    project_id = report.project_id
    try:
        services.status_report_delete(acting_user=user, report_id=report_id)
    except Conflict as error:
        messages.error(request, str(error))
        return redirect("governance:status_report", report_id=report_id)
    messages.success(request, "Draft deleted.")
    return redirect("governance:status_reports", project_id=project_id)


# Post-implementation reviews


@member_required
def pir(request: HttpRequest, project_id: int) -> HttpResponse:
    user = steerco_user(request)
    detail = selectors.pir_detail(user, project_id)
    review = detail.review
    people = people_options(user)
    form = None
    reviewable = detail.project.stage in REVIEWABLE_STAGES
    if detail.can_edit and (review is None or review.status != "completed"):
        if review is None and not reviewable:
            form = None
        elif review is None:
            form = governance_forms.PirForm(
                request.POST or None,
                people=people,
                scheduling=True,
                initial={"reviewer_id": user.pk},
            )
        else:
            names = [
                "scheduled_for",
                "reviewer_id",
                "summary",
                "went_well",
                "went_badly",
                "benefits_planned",
                "benefits_realised",
            ]
            form = governance_forms.PirForm(
                request.POST or None,
                people=people,
                initial={name: getattr(review, name) for name in names},
            )
    if request.method == "POST":
        if form is None:
            access_governed_project(user, project_id, for_edit=True)
            raise AccessDenied("This review can no longer change.")
        if form.is_valid():
            try:
                if review is None:
                    services.pir_schedule(
                        acting_user=user,
                        project_id=project_id,
                        fields=form.service_fields(),  # type: ignore[arg-type]
                    )
                else:
                    services.pir_update(
                        acting_user=user,
                        review_id=review.pk,
                        changes=form.service_fields(),  # type: ignore[arg-type]
                    )
                    if "complete" in request.POST:
                        services.pir_complete(acting_user=user, review_id=review.pk)
            except ValidationFailed as error:
                form.add_service_errors(error)
            except Conflict as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request, "Review completed." if "complete" in request.POST else "Saved."
                )
                return redirect("governance:pir", project_id=project_id)
    lesson_form = (
        governance_forms.LessonForm(
            categories=_category_options(detail.project.organisation_id),
            initial={"category_id": detail.project.category_id},
        )
        if detail.can_edit
        else None
    )
    return render(
        request,
        "governance/pir.html",
        {
            "detail": detail,
            "project": detail.project,
            "review": review,
            "tab": "pir",
            "form": form,
            "reviewable": reviewable,
            "lesson_form": lesson_form,
        },
    )


@require_POST
@member_required
def project_lesson_create(request: HttpRequest, project_id: int) -> HttpResponse:
    user = steerco_user(request)
    project = access_governed_project(user, project_id)
    form = governance_forms.LessonForm(
        request.POST, categories=_category_options(project.organisation_id)
    )
    back = reverse("governance:pir", args=[project_id]) + "#lessons"
    if not form.is_valid():
        messages.error(request, "Check the lesson's fields.")
        return redirect(back)
    return post_action(
        request,
        lambda: services.lesson_create(
            acting_user=user,
            project_id=project_id,
            fields=form.service_fields(),  # type: ignore[arg-type]
        ),
        done="Lesson recorded.",
        back=back,
    )


# Lessons library and benefits realisation


@member_required
def lessons(request: HttpRequest) -> HttpResponse:
    user = steerco_user(request)
    categories = _category_options(organisation_id_of(user))
    filter_form = governance_forms.LessonFilterForm(request.GET, categories=categories)
    filter_form.is_valid()
    data = getattr(filter_form, "cleaned_data", {})
    filters = selectors.LessonFilters(
        search=data.get("search") or "",
        category_id=data.get("category"),
        impact=data.get("impact") or "",
        tag=request.GET.get("tag", ""),
    )
    page = Paginator(selectors.lesson_search(user, filters), LESSONS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    context: dict[str, Any] = {
        "page": page,
        "filter_form": filter_form,
        "tag": filters.tag,
        "can_add": has_role(user, LESSON_CURATORS),
    }
    template = (
        "governance/_lesson_list.html" if htmx_fragment(request) else "governance/lessons.html"
    )
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@member_required
def lesson_create(request: HttpRequest) -> HttpResponse:
    user = steerco_user(request)
    if not has_role(user, LESSON_CURATORS):
        raise AccessDenied("Lessons not tied to a project are recorded by the PMO.")
    project_id = integer(request.GET.get("project")) or None
    form = governance_forms.LessonForm(
        request.POST or None, categories=_category_options(organisation_id_of(user))
    )

    def save(fields: dict[str, Any]) -> str:
        services.lesson_create(acting_user=user, fields=fields, project_id=project_id)  # type: ignore[arg-type]
        return reverse("governance:lessons")

    return form_page(
        request,
        form,
        title="New lesson",
        cancel_url=reverse("governance:lessons"),
        save=save,
        done="Lesson recorded.",
    )


@member_required
def lesson_edit(request: HttpRequest, lesson_id: int) -> HttpResponse:
    user = steerco_user(request)
    lesson = access_lesson_by_id(user, lesson_id, for_edit=True)
    initial: dict[str, Any] = {
        name: getattr(lesson, name)
        for name in ("title", "description", "impact", "recommendation", "category_id")
    }
    initial["tags"] = ", ".join(lesson.tags or [])
    form = governance_forms.LessonForm(
        request.POST or None,
        categories=_category_options(lesson.organisation_id),
        initial=initial,
    )

    def save(fields: dict[str, Any]) -> str:
        services.lesson_update(acting_user=user, lesson_id=lesson.pk, changes=fields)  # type: ignore[arg-type]
        return reverse("governance:lessons")

    return form_page(
        request,
        form,
        title=f"Edit lesson: {lesson.title}",
        cancel_url=reverse("governance:lessons"),
        save=save,
        done="Lesson saved.",
        extra={"delete_url": reverse("governance:lesson_delete", args=[lesson.pk])},
    )


@require_POST
@member_required
def lesson_delete(request: HttpRequest, lesson_id: int) -> HttpResponse:
    user = steerco_user(request)
    services.lesson_delete(acting_user=user, lesson_id=lesson_id)
    messages.success(request, "Lesson deleted.")
    return redirect("governance:lessons")


@member_required
def realisation(request: HttpRequest) -> HttpResponse:
    user = steerco_user(request)
    return render(
        request, "governance/realisation.html", {"summary": selectors.realisation_summary(user)}
    )
