"""Who and what a command acts on: the organisation, the acting user, by code or username.

Shared by the commands so that every one of them finds an organisation the same way (the only
one there is, or the one named) and says the same thing when it cannot.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from steerco.commands._django import setup_django

if TYPE_CHECKING:
    from steerco.accounts.models import Organisation, User


class CommandFailed(Exception):
    """A problem with the command's arguments, reported without a traceback."""


def organisation_named(code: str | None, *, username: str | None = None) -> Organisation:
    """The organisation ``code``; else the user's; else the only organisation there is."""
    from steerco.accounts.models import Organisation, User

    if code:
        organisation = Organisation.objects.filter(code=code).first()
        if organisation is None:
            raise CommandFailed(f"No organisation {code}.")
        return organisation
    if username:
        user = User.objects.filter(username=username).select_related("organisation").first()
        if user is not None and user.organisation is not None:
            return user.organisation
    organisations = list(Organisation.objects.order_by("pk")[:2])
    if len(organisations) != 1:
        raise CommandFailed(
            "Name the organisation with --organisation CODE."
            if organisations
            else "There is no organisation yet."
        )
    return organisations[0]


def acting_user(organisation: Organisation, username: str | None) -> User:
    """The active user ``username`` of the organisation, or its first administrator.

    Commands act as a real user so that the services check permissions and audit the change
    exactly as they do for the pages and the API.
    """
    from steerco.accounts.models import Role, User

    users = User.objects.filter(organisation=organisation, is_active=True)
    if username:
        user = users.filter(username=username).first()
        if user is None:
            raise CommandFailed(f"No active user {username} in {organisation.code}.")
        return user
    user = users.filter(role=Role.ADMINISTRATOR).order_by("pk").first()
    if user is None:
        raise CommandFailed(f"{organisation.code} has no administrator: give --user USERNAME.")
    return user


def organisation_ids(code: str | None) -> list[int] | None:
    """The organisation ``code`` as a one-id list, or ``None`` (every organisation)."""
    from steerco.accounts.models import Organisation

    if code is None:
        return None
    found = list(Organisation.objects.filter(code=code).values_list("pk", flat=True))
    if not found:
        raise CommandFailed(f"No organisation {code}.")
    return found


def run_acting(
    args: argparse.Namespace, action: Callable[[argparse.Namespace, Organisation, User], int]
) -> int:
    """Run ``action`` as the user of ``--organisation``/``--user``; print errors, exit 1.

    Argument problems and the services' refusals print as ``error: ...`` lines (a field's
    name before its message) rather than tracebacks.
    """
    setup_django()
    from steerco.core.errors import ServiceError, ValidationFailed

    try:
        organisation = organisation_named(args.organisation, username=args.user)
        user = acting_user(organisation, args.user)
        return int(action(args, organisation, user))
    except CommandFailed as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except ValidationFailed as error:
        for field, messages in error.errors.items():
            for message in messages:
                prefix = "" if field in ("__all__", "file") else f"{field}: "
                print(f"error: {prefix}{message}", file=sys.stderr)
        return 1
    except ServiceError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
