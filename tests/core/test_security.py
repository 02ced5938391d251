"""Account and transport security: deploy checks, throttling, CSP."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.test import Client

from tests.fixtures_people import PASSWORD


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    env = {
        **os.environ,
        "STEERCO_PRODUCTION": "1",
        "SECRET_KEY": "k" * 20 + "-production-secret-with-enough-entropy-0123456789",
        "ALLOWED_HOSTS": "steerco.example.org",
        "STEERCO_DATA_DIR": str(tmp_path),
        "DEBUG": "0",
    }
    env.pop("DATABASE_URL", None)
    # The browser tests set this for Playwright in the same test process; a server never would.
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "steerco.cli",
            "manage",
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {**os.environ, "STEERCO_PRODUCTION": "1", "STEERCO_DATA_DIR": str(tmp_path)}
    env.pop("SECRET_KEY", None)
    result = subprocess.run(
        [sys.executable, "-m", "steerco.cli", "manage", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


@pytest.mark.django_db
def test_login_is_throttled_after_repeated_failures(org, settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    client = Client()
    username = org.user("executive").username
    for _ in range(3):
        client.post("/login/", {"username": username, "password": "wrong"})
    # Even the right password is refused while locked out.
    response = client.post("/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 429
    assert b"Too many failed log-in attempts" in response.content


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(org):
    client = Client()
    client.force_login(org.user("executive"))
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_passwords_are_hashed_with_argon2_outside_tests(org):
    from django.conf import settings as django_settings
    from django.test import override_settings

    from steerco import settings as steerco_settings

    assert steerco_settings.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    with override_settings(PASSWORD_HASHERS=steerco_settings.PASSWORD_HASHERS):
        user = org.user("pmo_analyst")
        user.set_password("a-long-enough-passphrase")
        assert user.password.startswith("argon2")
    assert django_settings.AUTH_PASSWORD_VALIDATORS


def test_anonymous_pages_redirect_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
