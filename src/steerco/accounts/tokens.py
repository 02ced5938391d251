"""Personal API tokens: shown once, stored as a SHA-256 hash, revocable."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone

from steerco.accounts.models import ApiToken, User
from steerco.core.audit import audit_record
from steerco.core.errors import NotFound, ValidationFailed

TOKEN_PREFIX = "stc_"


def _hash(key: str) -> str:
    # Tokens are 256-bit random strings, so a fast hash is enough: there is no
    # dictionary to attack, and a slow hash would cost every API call.
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_create(*, acting_user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token for ``acting_user``; returns the row and the key (shown once)."""
    name = name.strip()
    if not name:
        raise ValidationFailed({"name": ["Give the token a name, e.g. 'reporting script'."]})
    if len(name) > 100:
        raise ValidationFailed({"name": ["At most 100 characters."]})
    key = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=acting_user, name=name, prefix=key[: len(TOKEN_PREFIX) + 6], key_hash=_hash(key)
    )
    audit_record(
        actor=acting_user,
        action="create",
        instance=token,
        organisation_id=acting_user.organisation_id,
        after={"name": name, "prefix": token.prefix},
    )
    return token, key


@transaction.atomic
def api_token_revoke(*, acting_user: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.select_for_update().filter(user=acting_user, pk=token_id).first()
    if token is None:
        raise NotFound(f"No token {token_id}.")
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
        audit_record(
            actor=acting_user,
            action="update",
            instance=token,
            organisation_id=acting_user.organisation_id,
            before={"revoked_at": None},
            after={"revoked_at": token.revoked_at},
        )
    return token


def api_token_authenticate(key: str) -> User | None:
    """The active user owning ``key``, or None."""
    if not key.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(key_hash=_hash(key), revoked_at__isnull=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.expires_at is not None and token.expires_at <= now:
        return None
    user = token.user
    if not user.is_active or user.organisation_id is None:
        return None
    # Only touch the row once a minute so that busy scripts do not write on every call.
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return user


def api_tokens_of(user: User) -> list[ApiToken]:
    return list(ApiToken.objects.filter(user=user))
