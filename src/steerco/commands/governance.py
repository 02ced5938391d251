"""``steerco governance ...``: status report reminders and a project's gates.

- ``steerco governance remind-status-reports [--date D] [--organisation CODE] [--dry-run]``
  reminds each running project's manager, once per period, of a missing status report;
  run it daily from cron (or let the worker run the ``governance.status_report_reminders``
  job). Prints one line per report due.
- ``steerco governance remind-qa-findings [--date D] [--organisation CODE] [--dry-run]``
  reminds each owner, once, of an open QA finding whose action is past its due date (or let
  the worker run the ``governance.qa_finding_reminders`` job).
- ``steerco governance gates --project CODE [--organisation CODE] [--json]`` lists the gates
  of the project's methodology and where the project stands at each; for the next gate it
  shows what the automatic criteria say today.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
from typing import Any

from steerco.commands._django import setup_django
from steerco.commands._lookup import CommandFailed, organisation_ids


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("governance", help="gate status and status report reminders")
    sub = parser.add_subparsers(dest="governance_command", metavar="ACTION", required=True)

    remind = sub.add_parser(
        "remind-status-reports", help="remind managers of status reports that are due"
    )
    remind.add_argument("--date", type=datetime.date.fromisoformat, help="today (YYYY-MM-DD)")
    remind.add_argument("--organisation", help="organisation code (default: all)")
    remind.add_argument("--dry-run", action="store_true", help="list what is due, send nothing")
    remind.set_defaults(func=run_remind)

    findings = sub.add_parser(
        "remind-qa-findings", help="remind owners of QA finding actions past their due date"
    )
    findings.add_argument("--date", type=datetime.date.fromisoformat, help="today (YYYY-MM-DD)")
    findings.add_argument("--organisation", help="organisation code (default: all)")
    findings.add_argument("--dry-run", action="store_true", help="list what is overdue only")
    findings.set_defaults(func=run_remind_findings)

    gates = sub.add_parser("gates", help="list a project's gates and where it stands")
    gates.add_argument("--project", required=True, help="project code")
    gates.add_argument("--organisation", help="organisation code, when codes repeat")
    gates.add_argument("--json", action="store_true", help="one JSON object")
    gates.set_defaults(func=run_gates)


def _organisation_ids(code: str | None) -> list[int] | None:
    try:
        return organisation_ids(code)
    except CommandFailed as error:
        raise SystemExit(f"steerco governance: {error}") from None


def run_remind(args: argparse.Namespace) -> int:
    setup_django()
    from steerco.governance.status_services import status_report_reminders

    run = status_report_reminders(
        today=args.date,
        organisation_ids=_organisation_ids(args.organisation),
        dry_run=args.dry_run,
    )
    reminded = {report.project.pk for report in run.notified}
    for report in run.due:
        manager = report.project.manager
        state = "overdue" if report.overdue else "due"
        if args.dry_run:
            action = "would remind"
        elif report.project.pk in reminded:
            action = "reminded"
        else:
            action = "already reminded"
        print(
            f"{report.project.code}\t{report.period.start}..{report.period.end}\t{state} "
            f"{report.period.due}\t{action} {manager or '(no manager)'}"
        )
    print(f"{len(run.due)} reports due, {len(run.notified)} reminders sent.")
    return 0


def run_remind_findings(args: argparse.Namespace) -> int:
    setup_django()
    from steerco.governance.gate_services import qa_finding_reminders

    run = qa_finding_reminders(
        today=args.date,
        organisation_ids=_organisation_ids(args.organisation),
        dry_run=args.dry_run,
    )
    reminded = {finding.pk for finding in run.notified}
    for finding in run.overdue:
        if args.dry_run:
            action = "would remind"
        elif finding.pk in reminded:
            action = "reminded"
        else:
            action = "already reminded"
        print(
            f"{finding.review.project.code}\tfinding {finding.pk}\t{finding.severity}\t"
            f"due {finding.due_date}\t{action} {finding.owner}"
        )
    print(f"{len(run.overdue)} finding actions overdue, {len(run.notified)} reminders sent.")
    return 0


def run_gates(args: argparse.Namespace) -> int:
    setup_django()
    from django.utils import timezone

    from steerco.governance import criteria
    from steerco.governance.gate_services import current_stage
    from steerco.governance.methodology_services import methodology_of
    from steerco.governance.selectors import GATE_STATE_LABELS, gate_overview
    from steerco.projects.models import Project

    projects = Project.objects.filter(code=args.project).select_related(
        "organisation", "methodology", "lifecycle_stage"
    )
    ids = _organisation_ids(args.organisation)
    if ids is not None:
        projects = projects.filter(organisation_id__in=ids)
    found = list(projects)
    if not found:
        print(f"steerco governance: no project {args.project!r}", file=sys.stderr)
        return 2
    if len(found) > 1:
        print(
            f"steerco governance: {args.project!r} exists in several organisations; "
            "give --organisation",
            file=sys.stderr,
        )
        return 2
    project = found[0]
    methodology = methodology_of(project)
    stage = current_stage(project)
    statuses = gate_overview(project)
    now = timezone.now()
    rows: list[dict[str, Any]] = []
    for status in statuses:
        row: dict[str, Any] = {
            "gate": status.gate.code,
            "name": status.gate.name,
            "from": status.gate.from_stage.code,
            "to": status.gate.to_stage.code,
            "state": status.state,
            "review_id": status.review.pk if status.review else None,
            "decided_at": status.review.decided_at.isoformat()
            if status.review and status.review.decided_at
            else None,
        }
        if status.state in ("next", "requested", "rejected"):
            row["criteria"] = [
                {
                    "item": item.text,
                    "rule": item.automatic_rule,
                    **_outcome(criteria.evaluate(item.automatic_rule, project, item.params, now)),
                }
                for item in status.gate.checklist_items.filter(kind="automatic").order_by("order")
            ]
        rows.append(row)
    if args.json:
        print(
            json.dumps(
                {
                    "project": project.code,
                    "stage": project.stage,
                    "methodology": methodology.code if methodology else None,
                    "lifecycle_stage": stage.code if stage else None,
                    "gates": rows,
                }
            )
        )
        return 0
    where = f"{stage.code} {stage.name}" if stage else project.get_stage_display()
    print(f"{project.code} {project.name} · {where}")
    if methodology is None:
        print("No methodology applies to this project.")
        return 0
    for row in rows:
        decided = f" ({row['decided_at'][:10]})" if row["decided_at"] else ""
        label = GATE_STATE_LABELS[row["state"]]
        path = f"{row['from']} → {row['to']}"
        print(f"{row['gate']:<6}{row['name']:<32}{path:<24}{label}{decided}")
        for check in row.get("criteria", []):
            mark = "✔" if check["satisfied"] else "✘"
            print(f"        {mark} {check['item']}: {check['evidence']}")
    return 0


def _outcome(outcome: Any) -> dict[str, Any]:
    return {"satisfied": outcome.satisfied, "evidence": outcome.evidence}
