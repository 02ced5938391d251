"""Django set-up shared by the benchmarks that seed a temporary SQLite database.

The scripts run from this folder (``.venv/bin/python benchmarks/<name>.py``), so they import
this module by its bare name: ``from _django_setup import temporary_database``.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def setup_django(data_dir: Path, *, test_environment: bool = False) -> None:
    """Start Django on a fresh SQLite database in ``data_dir`` and migrate it.

    ``test_environment`` is for benchmarks that send requests through Django's test client
    (its host is allowed, and no real e-mail leaves); the others go without it because it
    also instruments every template render.
    """
    os.environ["STEERCO_DATA_DIR"] = str(data_dir)
    # A DATABASE_URL in the caller's shell must not point this throw-away run at a real database.
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "steerco.settings"
    os.environ.setdefault("DEBUG", "0")
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    if test_environment:
        from django.test.utils import setup_test_environment

        setup_test_environment()
    call_command("migrate", verbosity=0)


@contextmanager
def temporary_database(
    prefix: str, *, keep: bool = False, test_environment: bool = False
) -> Iterator[Path]:
    """Django set up on a database in a new temporary folder, removed afterwards.

    With ``keep`` the folder stays, and its path is printed on standard error, so that the
    seeded data can be looked at after the run.
    """
    data_dir = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        setup_django(data_dir, test_environment=test_environment)
        yield data_dir
    finally:
        if keep:
            print(f"database kept in {data_dir}", file=sys.stderr)
        else:
            shutil.rmtree(data_dir, ignore_errors=True)


def organisation_with_user(*, code: str, name: str, username: str, role: str) -> tuple[Any, Any]:
    """A new organisation and one active user of ``role`` in it.

    The user has no usable password: the benchmarks call services as this user or log the test
    client in with ``force_login``.
    """
    from steerco.accounts.models import Organisation, User

    organisation = Organisation.objects.create(code=code, name=name)
    user = User(username=username, organisation=organisation, role=role, is_active=True)
    user.set_unusable_password()
    user.save()
    return organisation, user
