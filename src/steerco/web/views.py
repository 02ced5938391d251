"""The web shell: log in and out, the home page of each role, profile and tokens, jobs."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from steerco.accounts import tokens
from steerco.core.errors import ServiceError
from steerco.jobs.selectors import access_job_by_id, jobs_visible_to
from steerco.web.decorators import member_required, steerco_user
from steerco.web.home import home_context


class SteercoLoginView(LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    logout(request)
    return redirect("web:login")


@member_required
def home(request: HttpRequest) -> HttpResponse:
    user = steerco_user(request)
    context = home_context(user)
    return render(request, f"web/home/{context['template']}.html", context)


@member_required
def profile(request: HttpRequest) -> HttpResponse:
    user = steerco_user(request)
    new_key = None
    error = None
    if request.method == "POST":
        try:
            _, new_key = tokens.api_token_create(
                acting_user=user, name=request.POST.get("name", "")
            )
        except ServiceError as failure:
            error = str(failure)
    return render(
        request,
        "web/profile.html",
        {"tokens": tokens.api_tokens_of(user), "new_key": new_key, "error": error},
    )


@require_POST
@login_required
def token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    tokens.api_token_revoke(acting_user=steerco_user(request), token_id=token_id)
    messages.success(request, "Token revoked.")
    return redirect("web:profile")


@member_required
def job_list(request: HttpRequest) -> HttpResponse:
    jobs = jobs_visible_to(steerco_user(request))[:100]
    return render(request, "web/jobs.html", {"jobs": jobs})


@member_required
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    job = access_job_by_id(steerco_user(request), job_id)
    template = "web/job_status.html" if request.htmx else "web/job.html"  # type: ignore[attr-defined]
    return render(request, template, {"job": job})
