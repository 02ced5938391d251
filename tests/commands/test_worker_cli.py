"""``steerco worker``: runs queued jobs and the periodic schedule; SIGTERM stops both."""

from __future__ import annotations

import datetime as dt
import os
import signal
import threading
import time
from typing import Any

import pytest

from steerco.cli import main
from steerco.jobs import periodic
from steerco.jobs.models import Job, PeriodicSchedule
from steerco.jobs.periodic import periodic_task
from steerco.jobs.registry import job_handler
from steerco.jobs.scheduler import THREAD_NAME

RUNS: list[dict[str, Any]] = []


@job_handler("tests.worker_echo")
def _echo(params: dict[str, Any], progress: Any) -> str:
    RUNS.append(params)
    return "done"


@pytest.fixture
def echo_every_minute(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(periodic, "_PERIODIC", {})
    RUNS.clear()
    periodic_task("tests.worker_echo", title="Echo", every=dt.timedelta(minutes=1))


@pytest.fixture
def restored_signals() -> Any:
    # The worker installs its own SIGTERM and SIGINT handlers; pytest needs its own back.
    saved = {number: signal.getsignal(number) for number in (signal.SIGTERM, signal.SIGINT)}
    yield
    for number, handler in saved.items():
        signal.signal(number, handler)


def _terminate_when(condition: Any, seconds: float) -> threading.Thread:
    def watch() -> None:
        deadline = time.monotonic() + seconds
        while not condition() and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(os.getpid(), signal.SIGTERM)

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def _run_worker(*argv: str) -> Any:
    try:
        return main(["worker", "--interval", "0.1", *argv])
    except SystemExit as exit:  # SIGTERM while the worker waited for work
        return exit.code


@pytest.mark.django_db(transaction=True)
def test_the_worker_runs_due_periodic_tasks_and_sigterm_stops_it_and_its_scheduler(
    settings, echo_every_minute, restored_signals
):
    from tests.fixtures_people import make_org

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    organisation = make_org().organisation
    watcher = _terminate_when(lambda: bool(RUNS), seconds=20)

    code = _run_worker("--tick", "0.2")
    watcher.join(5)

    assert code in (0, None)
    assert [params["organisation_id"] for params in RUNS] == [organisation.pk]
    job = Job.objects.get(kind="tests.worker_echo")
    assert job.state == Job.State.SUCCEEDED and job.result == "done"
    assert PeriodicSchedule.objects.get().last_job_id == job.pk
    assert THREAD_NAME not in {thread.name for thread in threading.enumerate()}


@pytest.mark.django_db(transaction=True)
def test_without_the_scheduler_the_worker_starts_nothing_by_itself(
    settings, echo_every_minute, restored_signals
):
    from tests.fixtures_people import make_org

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    make_org()

    assert _run_worker("--batch", "--no-scheduler") in (0, None)
    assert RUNS == [] and not PeriodicSchedule.objects.exists()

    # --batch with the scheduler starts what is due, runs it and exits.
    assert _run_worker("--batch") in (0, None)
    assert len(RUNS) == 1
    assert Job.objects.get().state == Job.State.SUCCEEDED


def test_the_tick_must_be_positive(capsys):
    with pytest.raises(SystemExit):
        main(["worker", "--tick", "0"])
    assert "positive" in capsys.readouterr().err
