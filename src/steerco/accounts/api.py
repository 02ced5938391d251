"""API: who am I, and my personal tokens."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status

from steerco.accounts import tokens
from steerco.api.helpers import request_user

router = Router(tags=["accounts"])


class MeOut(Schema):
    id: int
    username: str
    name: str
    email: str
    role: str
    organisation: str
    currency: str


class TokenIn(Schema):
    name: str


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreatedOut(TokenOut):
    key: str


@router.get("/me", response=MeOut)
def me(request: HttpRequest) -> MeOut:
    user = request_user(request)
    organisation = user.organisation
    assert organisation is not None
    return MeOut(
        id=user.pk,
        username=user.username,
        name=str(user),
        email=user.email,
        role=user.role,
        organisation=organisation.name,
        currency=organisation.currency,
    )


@router.get("/tokens", response=list[TokenOut])
def token_list(request: HttpRequest) -> list[TokenOut]:
    return [
        TokenOut.model_validate(t, from_attributes=True)
        for t in tokens.api_tokens_of(request_user(request))
    ]


@router.post("/tokens", response={201: TokenCreatedOut})
def token_create(request: HttpRequest, payload: TokenIn) -> Status:
    token, key = tokens.api_token_create(acting_user=request_user(request), name=payload.name)
    out = TokenOut.model_validate(token, from_attributes=True)
    return Status(201, TokenCreatedOut(**out.model_dump(), key=key))


@router.delete("/tokens/{token_id}", response={204: None})
def token_revoke(request: HttpRequest, token_id: int) -> Status:
    tokens.api_token_revoke(acting_user=request_user(request), token_id=token_id)
    return Status(204, None)
