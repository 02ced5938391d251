"""API authentication: personal tokens (Bearer) or the browser session (with CSRF)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer, SessionAuth

from steerco.accounts.tokens import api_token_authenticate


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = api_token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class ActiveSession(SessionAuth):
    """The logged-in browser session; Ninja checks the CSRF token for unsafe methods."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is not None and getattr(user, "organisation_id", None) is None:
            return None
        return user


API_AUTH = [BearerToken(), ActiveSession()]
