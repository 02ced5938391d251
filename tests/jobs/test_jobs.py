"""Background jobs: state, progress, result or error, visible to their owner's organisation only."""

from __future__ import annotations

import pytest

from steerco.core.errors import ValidationFailed
from steerco.jobs.models import Job
from steerco.jobs.registry import job_handler
from steerco.jobs.services import job_start


@job_handler("tests.square")
def _square(params, progress):
    progress(50, "half way")
    return {"square": params["n"] ** 2}


@job_handler("tests.broken")
def _broken(params, progress):
    raise ValueError("the input was not usable")


def test_a_job_runs_after_commit_and_records_its_result(org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(
            acting_user=org.user("pmo_analyst"),
            kind="tests.square",
            title="Square",
            params={"n": 7},
        )
    job.refresh_from_db()
    assert job.state == Job.State.SUCCEEDED
    assert job.progress == 100
    assert job.result == {"square": 49}
    assert job.started_at is not None and job.finished_at is not None


def test_a_failing_job_records_its_error(org, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(
            acting_user=org.user("pmo_analyst"), kind="tests.broken", title="Broken", params={}
        )
    job.refresh_from_db()
    assert job.state == Job.State.FAILED
    assert "the input was not usable" in job.error


def test_an_unknown_kind_is_a_field_error_and_writes_nothing(org):
    with pytest.raises(ValidationFailed) as failure:
        job_start(acting_user=org.user("pmo_analyst"), kind="nope", title="x", params={})
    assert "kind" in failure.value.errors
    assert not Job.objects.exists()


def test_jobs_are_visible_in_the_api_to_their_organisation_only(
    org, other_org, api_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        job = job_start(
            acting_user=org.user("pmo_analyst"),
            kind="tests.square",
            title="Square",
            params={"n": 3},
        )
    mine = api_client(org.user("pmo_analyst")).get(f"/api/v1/jobs/{job.pk}")
    assert mine.status_code == 200
    assert mine.json()["result"] == {"square": 9}
    listed = api_client(org.user("executive")).get("/api/v1/jobs")
    assert listed.json()["count"] == 1
    # A team member sees only their own jobs; another organisation sees nothing.
    assert api_client(org.user("team_member")).get(f"/api/v1/jobs/{job.pk}").status_code == 404
    assert (
        api_client(other_org.user("administrator")).get(f"/api/v1/jobs/{job.pk}").status_code == 404
    )
    assert api_client(other_org.user("administrator")).get("/api/v1/jobs").json()["count"] == 0
