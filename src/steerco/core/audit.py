"""Audit rows: who changed what, when, before and after."""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Iterable
from typing import Any

from django.db import models

from steerco.core.models import AuditEntry


def json_safe(value: Any) -> Any:
    """Turn a field value into something JSONField stores without loss of meaning."""
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    return value


def snapshot(instance: models.Model, fields: Iterable[str] | None = None) -> dict[str, Any]:
    """The concrete field values of ``instance`` (foreign keys by id)."""
    result: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if fields is not None and field.name not in fields:
            continue
        if field.name in {"created_at", "updated_at", "password"}:
            continue
        result[field.attname] = json_safe(getattr(instance, field.attname))
    return result


def changed(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Keep only the keys whose values differ."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def audit_record(
    *,
    actor: Any,
    action: str,
    instance: models.Model | None = None,
    entity_type: str | None = None,
    entity_id: object = None,
    organisation_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    summary: str = "",
) -> AuditEntry:
    """Add one audit row. Call it inside the service's transaction."""
    if instance is not None:
        entity_type = entity_type or instance._meta.label_lower
        entity_id = instance.pk if entity_id is None else entity_id
        if organisation_id is None:
            organisation_id = _organisation_id_of(instance)
    if organisation_id is None and actor is not None:
        organisation_id = getattr(actor, "organisation_id", None)
    before = before or {}
    after = after or {}
    if action == AuditEntry.Action.UPDATE:
        before, after = changed(before, after)
    return AuditEntry.objects.create(
        organisation_id=organisation_id,
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        entity_type=entity_type or "",
        entity_id=str(entity_id),
        summary=summary[:300],
        before=json_safe(before),
        after=json_safe(after),
    )


def _organisation_id_of(instance: models.Model) -> int | None:
    for attname in ("organisation_id",):
        if hasattr(instance, attname):
            value = getattr(instance, attname)
            return int(value) if value is not None else None
    if instance._meta.label_lower == "accounts.organisation":
        return int(instance.pk)
    return None
