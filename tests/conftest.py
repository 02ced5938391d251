"""Test-wide settings: a fast password hasher, jobs run in-process, no network."""

from __future__ import annotations

import os
import socket
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings

# CI explores the same examples on every run, so that a landing never depends on luck;
# locally each run explores new ones (and the database remembers failures).
hypothesis_settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings: Any) -> None:
    # Argon2 is deliberately slow; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.AXES_ENABLED = False
    # WhiteNoise would scan every static folder for each test client; the live server used by
    # the browser tests serves static files on its own.
    settings.WHITENOISE_USE_FINDERS = False


@pytest.fixture(autouse=True, scope="session")
def _no_network() -> Any:
    """Refuse connections to anything but this machine (the browser tests use loopback)."""
    real_connect = socket.socket.connect

    def guarded(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and not (
            host.startswith("127.") or host in {"localhost", "::1"} or host.startswith("/")
        ):
            raise RuntimeError(f"tests may not reach the network ({host})")
        return real_connect(self, address)

    socket.socket.connect = guarded  # type: ignore[method-assign]
    yield
    socket.socket.connect = real_connect  # type: ignore[method-assign]


@pytest.fixture
def org(db: Any) -> Any:
    from tests.fixtures_people import make_org

    return make_org()


@pytest.fixture
def other_org(db: Any) -> Any:
    from tests.fixtures_people import make_org

    return make_org("GLOBEX", "Globex")


@pytest.fixture
def api_client(db: Any) -> Any:
    """An API client that authenticates as a user with a personal token: api_client(user)."""
    from django.test import Client

    from steerco.accounts.tokens import api_token_create

    def make(user: Any) -> Client:
        _, key = api_token_create(acting_user=user, name="tests")
        return Client(HTTP_AUTHORIZATION=f"Bearer {key}")

    return make


pytest_plugins = ["tests.browser"]
