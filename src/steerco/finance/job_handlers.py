"""Background jobs of the finance app: imports of files too large to check while the page waits."""

from __future__ import annotations

from typing import Any

from steerco.accounts.models import User
from steerco.finance.imports import (
    IMPORT_JOB_KIND,
    ImportRejected,
    drop_stash,
    import_file,
    stashed_file,
)
from steerco.jobs.registry import Progress, job_handler


@job_handler(IMPORT_JOB_KIND)
def run_import(params: dict[str, Any], progress: Progress) -> dict[str, Any]:
    """Check the stashed file and, when every row is good, import it (all or nothing).

    The result is the import report: ``written`` says whether anything was written,
    ``errors`` lists every bad row.
    """
    user = User.objects.get(pk=int(params["user_id"]))
    stash = stashed_file(acting_user=user, token=str(params["token"]))
    dry_run = bool(params.get("dry_run", False))
    try:
        report = import_file(
            acting_user=user,
            kind=stash.kind,
            filename=stash.filename,
            content=stash.content,
            dry_run=dry_run,
            progress=progress,
        )
    except ImportRejected as rejected:
        report = rejected.report
    finally:
        if not dry_run:
            drop_stash(stash.path)
    progress(100, "Imported" if report.written else f"{report.bad_rows} bad rows: nothing written")
    return report.as_dict()
