"""Page guards: every page needs a logged-in member of an organisation."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseForbidden
from django.shortcuts import render

from steerco.accounts.models import User
from steerco.core.errors import AccessDenied, NotFound

View = Callable[..., HttpResponse]


def steerco_user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def member_required(view: View) -> View:
    """Log-in required, organisation membership required; service errors become 403/404 pages."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not isinstance(user, User) or user.organisation_id is None or not user.is_active:
            return HttpResponseForbidden("This account belongs to no organisation.")
        try:
            return view(request, *args, **kwargs)
        except NotFound as error:
            raise Http404(str(error)) from error
        except AccessDenied as error:
            return render(request, "web/forbidden.html", {"reason": str(error)}, status=403)

    return wrapped
