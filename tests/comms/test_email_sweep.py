"""E-mail of notifications: decided when written, claimed before sent, swept over a window."""

from __future__ import annotations

import datetime as dt
import smtplib
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from steerco.comms import services
from steerco.comms.models import Notification, NotificationKind
from tests.comms.conftest import World

pytestmark = pytest.mark.django_db


def _mention(world: World, django_capture_on_commit_callbacks: Any) -> Notification:
    with django_capture_on_commit_callbacks(execute=True):
        [row] = services.notification_send(
            recipients=[world.member],
            actor=world.manager,
            kind=NotificationKind.MENTION,
            title="Mentioned on PRJ-001",
            organisation_id=world.project.organisation_id,
        )
    row.refresh_from_db()
    return row


def _waiting(world: World, title: str, **fields: Any) -> Notification:
    """A row another app wrote without e-mailing it: the sweep's business."""
    return Notification.objects.create(
        organisation=world.org.organisation,
        recipient=world.member,
        kind=NotificationKind.GATE_REVIEW_REQUESTED,
        title=title,
        **fields,
    )


def test_email_off_when_written_is_never_mailed_after_email_is_switched_on(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    services.preference_set(
        acting_user=world.member, kind="mention", in_app=True, email=False, digest="none"
    )
    row = _mention(world, django_capture_on_commit_callbacks)
    assert (row.email_skipped, row.emailed_at) == (True, None)

    services.preference_set(
        acting_user=world.member, kind="mention", in_app=True, email=True, digest="none"
    )
    assert services.notification_email_pending() == 0
    assert mail.outbox == []


def test_no_address_when_written_is_never_mailed_after_one_is_added(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    world.member.email = ""
    world.member.save(update_fields=["email"])
    row = _mention(world, django_capture_on_commit_callbacks)
    assert row.email_skipped is True

    world.member.email = "member@acme.test"
    world.member.save(update_fields=["email"])
    assert services.notification_email_pending() == 0
    assert mail.outbox == []


def test_email_off_when_written_is_not_mailed_by_a_digest_switched_on_later(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    services.preference_set(
        acting_user=world.member, kind="mention", in_app=True, email=False, digest="none"
    )
    _mention(world, django_capture_on_commit_callbacks)
    services.preference_set(
        acting_user=world.member, kind="mention", in_app=True, email=True, digest="daily"
    )
    assert services.digest_send(period="daily") == 0
    assert mail.outbox == []


def test_digest_rows_are_left_to_the_digest(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    services.preference_set(
        acting_user=world.member, kind="mention", in_app=True, email=True, digest="daily"
    )
    row = _mention(world, django_capture_on_commit_callbacks)
    assert (row.email_skipped, row.emailed_at) == (False, None)
    assert services.notification_email_pending() == 0
    assert services.digest_send(period="daily") == 1


def test_email_switched_off_after_writing_marks_the_row_so_it_is_not_read_again(
    world: World,
) -> None:
    row = _waiting(world, "Gate G1 requested")
    services.preference_set(
        acting_user=world.member,
        kind=NotificationKind.GATE_REVIEW_REQUESTED,
        in_app=True,
        email=False,
        digest="none",
    )
    assert services.notification_email_pending() == 0
    row.refresh_from_db()
    assert (row.email_skipped, row.emailed_at) == (True, None)


def test_the_sweep_only_reads_the_last_two_days(world: World) -> None:
    now = timezone.now()
    old = _waiting(world, "Three days old")
    recent = _waiting(world, "Yesterday")
    Notification.objects.filter(pk=old.pk).update(created_at=now - dt.timedelta(days=3))
    Notification.objects.filter(pk=recent.pk).update(created_at=now - dt.timedelta(days=1))

    assert services.notification_email_pending(now=now) == 1
    assert [message.subject for message in mail.outbox] == ["[Steerco] Yesterday"]
    old.refresh_from_db()
    assert old.emailed_at is None


def test_a_sweep_running_while_a_row_is_being_sent_does_not_send_it_again(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _waiting(world, "Gate G1 requested")
    real_send_mail = services.send_mail
    inner_sent: list[int] = []

    def send_mail_while_another_sweep_runs(**kwargs: Any) -> int:
        if not inner_sent:
            inner_sent.append(-1)  # only one competitor
            inner_sent.append(services.notification_email_pending())
        return real_send_mail(**kwargs)

    monkeypatch.setattr(services, "send_mail", send_mail_while_another_sweep_runs)
    assert services.notification_email_pending() == 1
    assert inner_sent == [-1, 0]
    assert len(mail.outbox) == 1


def test_a_row_claimed_between_reading_and_sending_is_left_to_its_claimer(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    row = _waiting(world, "Gate G1 requested")
    now = timezone.now()
    real_now = timezone.now

    class ClockWithACompetitor:
        """The first reading of the clock is the claim's: another sender claims just before."""

        claimed = False

        @classmethod
        def now(cls) -> dt.datetime:
            if not cls.claimed:
                cls.claimed = True
                Notification.objects.filter(pk=row.pk).update(emailed_at=real_now())
            return real_now()

    monkeypatch.setattr(services, "timezone", ClockWithACompetitor)
    assert services.notification_email_pending(now=now) == 0
    assert mail.outbox == []


def test_a_failed_send_is_unclaimed_and_retried_by_the_next_sweep(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _waiting(world, "First")
    _waiting(world, "Second")
    real_send_mail = services.send_mail

    def refuse_the_first(**kwargs: Any) -> int:
        if kwargs["subject"] == "[Steerco] First":
            raise smtplib.SMTPException("mail server busy")
        return real_send_mail(**kwargs)

    monkeypatch.setattr(services, "send_mail", refuse_the_first)
    # The failure neither stops the others nor leaves the row marked as e-mailed.
    assert services.notification_email_pending() == 1
    first.refresh_from_db()
    assert first.emailed_at is None

    monkeypatch.setattr(services, "send_mail", real_send_mail)
    assert services.notification_email_pending() == 1
    assert [message.subject for message in mail.outbox] == ["[Steerco] Second", "[Steerco] First"]
    assert services.notification_email_pending() == 0
