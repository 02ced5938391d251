"""Each role logs in through a real browser and sees its home page."""

from __future__ import annotations

import pytest

from steerco.accounts.models import Role
from tests.browser import login
from tests.fixtures_people import PASSWORD, make_org

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("role", [r.value for r in Role])
def test_each_role_logs_in_and_sees_its_home(live_server, page, role):
    org = make_org()
    user = org.user(role)
    login(page, live_server.url, user.username, PASSWORD)
    assert page.inner_text("[data-testid=home-title]").startswith("Welcome")
    assert Role(role).label in page.inner_text("[data-testid=current-user]")
    assert page.console_errors == []


def test_wrong_password_is_refused(live_server, page):
    org = make_org()
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", org.user("executive").username)
    page.fill("input[name=password]", "not-the-password")
    page.click("button[type=submit]")
    assert "correct username and password" in page.inner_text("[role=alert]")
