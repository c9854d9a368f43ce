"""Purge (beat task and command), the admin (status filter, retry of failed edits), the beat schedule."""

from datetime import timedelta
from io import StringIO

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from billing.services import balance
from config.celery import app as celery_app
from core.private_media import save_private, storage
from imageedit.models import ImageEditTask
from imageedit.tasks import purge_expired
from tests.images import image_bytes

from .conftest import CREDITS

pytestmark = pytest.mark.django_db
Status = ImageEditTask.Status


def finished(user, *, status=Status.SUCCEEDED, age=timedelta(0), **fields) -> ImageEditTask:
    now = timezone.now() - age
    return ImageEditTask.objects.create(
        user=user,
        source_hash="2" * 64,
        preset="warm",
        edit_key="k",
        status=status,
        finished_at=now,
        expires_at=now + timedelta(days=django_settings.IMAGE_EDIT_RETENTION_DAYS),
        **fields,
    )


def stored(folder="image-edits/results") -> str:
    return save_private(image_bytes("JPEG", (8, 8)), "image/jpeg", folder)


def test_purge_removes_expired_tasks_with_their_files_and_old_kept_photos(owner):
    expired = finished(owner, age=timedelta(days=8), result_name=stored())
    kept = finished(owner, age=timedelta(days=6), result_name=stored())
    old_failure = finished(owner, status=Status.FAILED, age=timedelta(hours=25), source_name=stored("s"))
    new_failure = finished(owner, status=Status.FAILED, age=timedelta(hours=1), source_name=stored("s"))
    out = StringIO()
    call_command("purge_image_edits", stdout=out)
    assert out.getvalue().strip() == "Deleted 1 image edit(s) and 2 file(s)."
    assert not ImageEditTask.objects.filter(pk=expired.pk).exists()
    assert not storage().exists(expired.result_name)
    assert storage().exists(kept.result_name)
    assert ImageEditTask.objects.filter(pk=kept.pk).exists()
    old_failure.refresh_from_db()
    assert old_failure.source_name == ""
    assert ImageEditTask.objects.filter(pk=old_failure.pk).exists()
    assert storage().exists(new_failure.source_name)
    assert purge_expired.delay().get() == {"tasks": 0, "files": 0}  # the beat task; nothing left to do


def test_purged_results_are_no_longer_a_cache_hit(offline, owner_client, submit):
    first = submit(owner_client, preset="warm").final
    ImageEditTask.objects.filter(pk=first["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    call_command("purge_image_edits", stdout=StringIO())
    assert submit(owner_client, preset="warm").final["from_cache"] is False


def test_beat_runs_the_purge_and_the_reaper():
    tasks = {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert {"imageedit.tasks.purge_expired", "imageedit.tasks.recover_stalled"} <= tasks
    assert {"imageedit.tasks.purge_expired", "imageedit.tasks.recover_stalled"} <= set(celery_app.tasks)


@pytest.fixture
def admin_client(db):
    from django.contrib.auth import get_user_model

    client = Client()
    client.force_login(get_user_model().objects.create_superuser("root", "root@example.com", "pw"))
    return client


def test_admin_filters_by_status(admin_client, owner):
    finished(owner, status=Status.FAILED, error_code="provider_unavailable")
    finished(owner)
    page = admin_client.get("/admin/imageedit/imageedittask/", {"status__exact": "failed"})
    assert page.status_code == 200
    assert page.context["cl"].result_count == 1
    assert admin_client.get("/admin/imageedit/imageeditday/").status_code == 200


def test_admin_retries_failed_edits_whose_photo_is_kept(
    vendors, admin_client, owner, owner_client, credits, submit, django_capture_on_commit_callbacks
):
    dashscope, openai = vendors
    dashscope.task_failure = ("InternalError.Algo", "Algorithm failed.")
    openai.script(openai.error(400))
    failed = submit(owner_client, instruction="变成水彩风格").final
    assert failed["status"] == "failed"
    assert balance(owner) == CREDITS
    gone = finished(owner, status=Status.FAILED)  # its photo was already purged
    dashscope.task_failure = None
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/admin/imageedit/imageedittask/",
            {"action": "retry_failed", "_selected_action": [failed["id"], gone.pk]},
            follow=True,
        )
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert "已重试 1 个任务" in messages
    assert any("跳过" in m for m in messages)
    retried = owner_client.get(f"/api/v1/image-edits/{failed['id']}").json()
    assert retried["status"] == "succeeded"
    assert retried["credits_charged"] == 5
    assert balance(owner) == CREDITS - 5
    assert ImageEditTask.objects.get(pk=gone.pk).status == Status.FAILED
