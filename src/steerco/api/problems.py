"""One error format for the whole API: RFC 9457 problem details (application/problem+json)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from steerco.core.errors import ServiceError, ValidationFailed
from steerco.engine.errors import CycleError, EngineError, InfeasibleError, InputError

PROBLEM_TYPE_BASE = "https://steerco.org/problems/"


def problem(
    request: HttpRequest,
    *,
    status: int,
    title: str,
    detail: str = "",
    slug: str = "",
    **extra: Any,
) -> HttpResponse:
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + slug if slug else "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.path,
    }
    body.update(extra)
    return JsonResponse(body, status=status, content_type="application/problem+json")


def _location(loc: list[Any]) -> str:
    # Ninja prefixes locations with where the value came from ("body", "query", the argument name).
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "form")]
    if len(parts) > 1 and parts[0] in {"payload", "data", "filters", "params"}:
        parts = parts[1:]
    return ".".join(parts) or "__all__"


def install(api: NinjaAPI) -> None:
    @api.exception_handler(NinjaValidationError)
    def validation(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
        errors: dict[str, list[str]] = {}
        for error in exc.errors:
            errors.setdefault(_location(list(error.get("loc", []))), []).append(error["msg"])
        return problem(
            request,
            status=422,
            title="Validation failed",
            slug="validation",
            detail="Some fields are invalid.",
            errors=errors,
        )

    @api.exception_handler(ValidationFailed)
    def service_validation(request: HttpRequest, exc: ValidationFailed) -> HttpResponse:
        return problem(
            request,
            status=422,
            title="Validation failed",
            slug="validation",
            detail=str(exc),
            errors=exc.errors,
        )

    @api.exception_handler(ServiceError)
    def service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
        return problem(
            request,
            status=exc.status,
            title=exc.title,
            detail=str(exc),
            slug=exc.title.lower().replace(" ", "-"),
        )

    @api.exception_handler(CycleError)
    def cycle(request: HttpRequest, exc: CycleError) -> HttpResponse:
        return problem(
            request,
            status=422,
            title="Dependency cycle",
            slug="cycle",
            detail=str(exc),
            tasks=exc.tasks,
        )

    @api.exception_handler(InfeasibleError)
    def infeasible(request: HttpRequest, exc: InfeasibleError) -> HttpResponse:
        return problem(
            request,
            status=422,
            title="Infeasible",
            slug="infeasible",
            detail=str(exc),
            constraints=exc.constraints,
        )

    @api.exception_handler(EngineError)
    def engine_error(request: HttpRequest, exc: EngineError) -> HttpResponse:
        field = exc.field if isinstance(exc, InputError) else None
        errors = {field or "__all__": [exc.detail if isinstance(exc, InputError) else str(exc)]}
        return problem(
            request,
            status=422,
            title="Invalid input",
            slug="validation",
            detail=str(exc),
            errors=errors,
        )

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return problem(
            request,
            status=401,
            title="Unauthorized",
            slug="unauthorized",
            detail="Log in, or send 'Authorization: Bearer <token>'.",
        )

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return problem(request, status=404, title="Not found", slug="not-found", detail=str(exc))

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        return problem(request, status=exc.status_code, title="Error", detail=str(exc))
