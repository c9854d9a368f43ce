"""Edits whose worker died, and edit messages delivered again."""

from datetime import timedelta

import pytest

from billing.models import CreditLedger
from billing.services import balance
from core import jobs
from imageedit import services
from imageedit.models import ImageEditTask
from imageedit.services import queue
from imageedit.tasks import run_image_edit
from tests.imageedit.conftest import photo
from tests.images import upload

pytestmark = pytest.mark.django_db


def submit(client, capture, execute):
    with capture(execute=execute):
        response = client.post(
            "/api/v1/image-edits",
            {"image": upload(photo()), "instruction": "变成水彩风格"},
            format="multipart",
        )
    return response.json()["id"]


def test_a_redelivered_message_of_a_finished_edit_changes_nothing(
    vendors, owner_client, owner, credits, django_capture_on_commit_callbacks
):
    pk = submit(owner_client, django_capture_on_commit_callbacks, execute=True)
    assert ImageEditTask.objects.get(pk=pk).status == "succeeded"
    ledger = CreditLedger.objects.count()
    assert run_image_edit.apply(args=[pk]).get() is None  # the same message again
    assert ImageEditTask.objects.get(pk=pk).status == "succeeded"
    assert (balance(owner), CreditLedger.objects.count()) == (credits - 5, ledger)


def test_a_redelivered_message_of_a_running_edit_waits_or_takes_over(
    vendors, owner_client, owner, credits, django_capture_on_commit_callbacks
):
    pk = submit(owner_client, django_capture_on_commit_callbacks, execute=False)
    assert queue.claim(pk) is not None  # a worker started it
    with pytest.raises(jobs.Busy):  # it still beats: the redelivery is retried later, not dropped
        services.run(pk)
    ImageEditTask.objects.filter(pk=pk).update(updated_at=jobs.stale_before() - timedelta(seconds=1))
    assert services.run(pk) == "succeeded"  # that worker died: taken over
    task = ImageEditTask.objects.get(pk=pk)
    assert (task.status, task.attempts) == ("succeeded", 2)
    assert balance(owner) == credits - 5


def test_a_stalled_edit_is_requeued_and_then_runs(
    vendors, owner_client, owner, credits, django_capture_on_commit_callbacks
):
    pk = submit(owner_client, django_capture_on_commit_callbacks, execute=False)
    queue.claim(pk)
    ImageEditTask.objects.filter(pk=pk).update(updated_at=jobs.stale_before() - timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        services.recover_stalled()
    assert ImageEditTask.objects.get(pk=pk).status == "succeeded"
    assert balance(owner) == credits - 5
