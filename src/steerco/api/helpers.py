"""Small helpers shared by every app's API module."""

from __future__ import annotations

from django.http import HttpRequest

from steerco.accounts.models import User
from steerco.core.errors import AccessDenied


def request_user(request: HttpRequest) -> User:
    """The authenticated Steerco user of an API request (auth has already run)."""
    user = request.user
    if not isinstance(user, User) or user.organisation_id is None:
        raise AccessDenied("This account belongs to no organisation.")
    return user
