"""Comments, mentions, notifications, e-mail per preference and digests."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from steerco.comms import services
from steerco.comms.models import Comment, Mention, Notification, NotificationKind, Subscription
from steerco.core.errors import AccessDenied, NotFound, ValidationFailed
from tests.comms.conftest import World
from tests.factories import TaskFactory

pytestmark = pytest.mark.django_db


def test_mentioned_usernames_finds_each_name_once_and_ignores_email_addresses() -> None:
    body = "Thanks @ana.lopez, and @bob-2. Mail me at x@y.org; @ana.lopez again, @Bob_3."
    assert services.mentioned_usernames(body) == ["ana.lopez", "bob-2", "Bob_3"]


def test_mentioned_usernames_is_empty_without_mentions() -> None:
    assert services.mentioned_usernames("no one @ all, a@b.c") == []
    assert services.mentioned_usernames("nothing here") == []


def test_a_mention_notifies_and_emails_after_commit(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        comment = services.comment_create(
            acting_user=world.manager,
            content_type="projects.project",
            object_id=world.project.pk,
            body=f"@{world.member.username} please check the forecast",
            url="/projects/1/",
        )
    assert comment.project == world.project
    assert list(Mention.objects.values_list("user", flat=True)) == [world.member.pk]
    notification = Notification.objects.get(recipient=world.member)
    assert notification.kind == NotificationKind.MENTION
    assert "PRJ-001" in notification.title
    assert notification.actor == world.manager
    assert notification.emailed_at is not None
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [world.member.email]
    assert "please check the forecast" in mail.outbox[0].body
    # The author follows what they commented on, and is never notified of their own words.
    assert Subscription.objects.filter(user=world.manager, object_id=world.project.pk).exists()
    assert not Notification.objects.filter(recipient=world.manager).exists()


def test_no_email_leaves_before_commit(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.comment_create(
            acting_user=world.manager,
            content_type="projects.project",
            object_id=world.project.pk,
            body=f"@{world.member.username} hi",
        )
    assert callbacks
    assert mail.outbox == []


def test_email_off_keeps_the_in_app_notification(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    services.preference_set(
        acting_user=world.member, kind="mention", in_app=True, email=False, digest="none"
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_create(
            acting_user=world.manager,
            content_type="projects.project",
            object_id=world.project.pk,
            body=f"@{world.member.username} fyi",
        )
    assert Notification.objects.filter(recipient=world.member, read_at__isnull=True).count() == 1
    assert mail.outbox == []


def test_both_channels_off_means_nothing(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    services.preference_set(
        acting_user=world.member, kind="mention", in_app=False, email=False, digest="none"
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_create(
            acting_user=world.manager,
            content_type="projects.project",
            object_id=world.project.pk,
            body=f"@{world.member.username} fyi",
        )
    assert not Notification.objects.filter(recipient=world.member).exists()
    assert mail.outbox == []


def test_a_mention_of_someone_who_cannot_see_the_target_notifies_no_one(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_create(
            acting_user=world.manager,
            content_type="projects.project",
            object_id=world.project.pk,
            body=f"@{world.bystander.username} and @{world.stranger.username} look",
        )
    assert not Mention.objects.exists()
    assert not Notification.objects.exists()
    assert mail.outbox == []


def test_followers_hear_of_new_comments(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    task = TaskFactory.create(project=world.project, name="Design")
    with django_capture_on_commit_callbacks(execute=True):
        services.comment_create(
            acting_user=world.member,
            content_type="projects.task",
            object_id=task.pk,
            body="Started.",
        )
        services.comment_create(
            acting_user=world.manager,
            content_type="projects.task",
            object_id=task.pk,
            body="Good.",
        )
    notification = Notification.objects.get(recipient=world.member)
    assert notification.kind == NotificationKind.COMMENT
    assert "Design" in notification.title


def test_outsiders_cannot_comment_and_empty_comments_are_refused(world: World) -> None:
    for user in (world.bystander, world.stranger):
        with pytest.raises(NotFound):
            services.comment_create(
                acting_user=user,
                content_type="projects.project",
                object_id=world.project.pk,
                body="hello",
            )
    with pytest.raises(NotFound):
        services.comment_create(
            acting_user=world.manager,
            content_type="accounts.user",
            object_id=world.manager.pk,
            body="hello",
        )
    with pytest.raises(ValidationFailed):
        services.comment_create(
            acting_user=world.manager,
            content_type="projects.project",
            object_id=world.project.pk,
            body="   ",
        )


def test_only_the_author_edits_or_deletes_and_edits_notify_only_new_mentions(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    comment = services.comment_create(
        acting_user=world.manager,
        content_type="projects.project",
        object_id=world.project.pk,
        body=f"@{world.member.username} draft",
    )
    with pytest.raises(AccessDenied):
        services.comment_update(acting_user=world.pmo, comment_id=comment.pk, body="mine now")
    with pytest.raises(AccessDenied):
        services.comment_delete(acting_user=world.member, comment_id=comment.pk)
    with django_capture_on_commit_callbacks(execute=True):
        edited = services.comment_update(
            acting_user=world.manager,
            comment_id=comment.pk,
            body=f"@{world.member.username} @{world.pmo.username} final",
        )
    assert edited.edited_at is not None
    assert Notification.objects.filter(recipient=world.member).count() == 1
    assert Notification.objects.filter(recipient=world.pmo).count() == 1
    services.comment_delete(acting_user=world.manager, comment_id=comment.pk)
    assert not Comment.objects.exists()


def test_notifications_are_private_and_marked_read(world: World) -> None:
    services.comment_create(
        acting_user=world.manager,
        content_type="projects.project",
        object_id=world.project.pk,
        body=f"@{world.member.username} hi",
    )
    notification = Notification.objects.get()
    with pytest.raises(NotFound):
        services.notification_mark_read(acting_user=world.pmo, notification_id=notification.pk)
    read = services.notification_mark_read(
        acting_user=world.member, notification_id=notification.pk
    )
    assert read.read_at is not None
    assert services.notification_mark_all_read(acting_user=world.member) == 0


def test_digest_collects_what_waited_and_sends_one_email(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    services.preference_set(
        acting_user=world.member, kind="mention", in_app=True, email=True, digest="daily"
    )
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(3):
            services.comment_create(
                acting_user=world.manager,
                content_type="projects.project",
                object_id=world.project.pk,
                body=f"@{world.member.username} point {n}",
            )
    assert mail.outbox == []
    assert services.digest_send(period="weekly") == 0
    assert services.digest_send(period="daily") == 1
    assert len(mail.outbox) == 1
    assert "3 notification(s)" in mail.outbox[0].subject
    assert mail.outbox[0].body.count("mentioned you on PRJ-001") == 3
    # Nothing is sent twice.
    assert services.digest_send(period="daily") == 0
    with pytest.raises(ValidationFailed):
        services.digest_send(period="hourly")


def test_rows_not_yet_emailed_are_emailed_by_the_sweep(world: World) -> None:
    # A row whose after-commit e-mail never left (a crash between commit and send).
    Notification.objects.create(
        organisation=world.org.organisation,
        recipient=world.member,
        actor=world.manager,
        kind=NotificationKind.GATE_REVIEW_REQUESTED,
        title="Gate G1 requested",
    )
    assert services.notification_email_pending() == 1
    assert mail.outbox[0].subject == "[Steerco] Gate G1 requested"
    assert services.notification_email_pending() == 0


def test_a_raid_item_takes_comments_under_its_project_rule(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    from steerco.governance.models import RaidItem

    item = RaidItem.objects.create(
        organisation=world.org.organisation,
        project=world.project,
        kind=RaidItem.Kind.RISK,
        ref="R-001",
        title="Vendor late",
    )
    with django_capture_on_commit_callbacks(execute=True):
        comment = services.comment_create(
            acting_user=world.member,
            content_type="governance.raiditem",
            object_id=item.pk,
            body=f"@{world.manager.username} escalate?",
        )
    assert comment.target == item
    assert comment.project == world.project
    assert Notification.objects.get().recipient == world.manager
    with pytest.raises(NotFound):
        services.comment_create(
            acting_user=world.bystander,
            content_type="governance.raiditem",
            object_id=item.pk,
            body="hello",
        )
