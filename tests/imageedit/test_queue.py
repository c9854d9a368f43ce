"""The per-user queue (limit, order, races), cancel and delete of queued tasks, and the reaper."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from billing.models import CreditLedger
from billing.services import balance
from core import jobs
from imageedit import services
from imageedit.models import ImageEditTask
from imageedit.services import queue, running
from tests.images import upload

from .conftest import CREDITS, photo

URL = "/api/v1/image-edits"
Status = ImageEditTask.Status


def busy(user, count: int = 1) -> list[ImageEditTask]:
    """Rows that hold the user's running slots (as if a worker were busy with them)."""
    now = timezone.now()
    return [
        ImageEditTask.objects.create(
            user=user,
            source_hash="0" * 64,
            preset="warm",
            edit_key=f"busy{i}",
            status=Status.RUNNING,
            started_at=now,
            updated_at=now,
        )
        for i in range(count)
    ]


def post(client, seed: int, **fields):
    return client.post(URL, {"image": upload(photo(seed=seed)), **fields}, format="multipart")


@pytest.mark.django_db
def test_tasks_over_the_limit_wait_in_order_and_the_next_finishing_task_dispatches_them(
    offline, settings, owner, owner_client, django_capture_on_commit_callbacks
):
    settings.IMAGE_EDIT_MAX_RUNNING_PER_USER = 2
    first_busy, second_busy = busy(owner, 2)
    with django_capture_on_commit_callbacks(execute=True):
        a = post(owner_client, 1, preset="warm").json()
        b = post(owner_client, 2, preset="cool").json()
    # both messages were delivered (inline) and found the user at the limit
    assert [a["status"], a["position"], b["status"], b["position"]] == ["queued", 1, "queued", 2]
    assert owner_client.get(f"{URL}/{b['id']}").json()["position"] == 2
    assert services.run(b["id"]) is None  # a late duplicate delivery changes nothing

    with django_capture_on_commit_callbacks(execute=True):
        running.fail(first_busy, "stalled", "test")  # a slot frees: the oldest queued task starts
    a_task, b_task = ImageEditTask.objects.get(pk=a["id"]), ImageEditTask.objects.get(pk=b["id"])
    assert a_task.status == Status.SUCCEEDED
    # a's finish freed its slot again, so b ran after it
    assert b_task.status == Status.SUCCEEDED
    assert b_task.started_at >= a_task.finished_at
    assert ImageEditTask.objects.get(pk=second_busy.pk).status == Status.RUNNING


@pytest.mark.django_db
def test_a_free_slot_goes_to_the_oldest_queued_task_not_the_one_that_asked(
    offline, settings, owner, owner_client, django_capture_on_commit_callbacks
):
    settings.IMAGE_EDIT_MAX_RUNNING_PER_USER = 1
    (held,) = busy(owner)
    with django_capture_on_commit_callbacks(execute=True):
        a = post(owner_client, 1, preset="warm").json()
        b = post(owner_client, 2, preset="warm").json()
    ImageEditTask.objects.filter(pk=held.pk).update(status=Status.FAILED)  # freed without a dispatch
    with django_capture_on_commit_callbacks(execute=False) as sent:
        assert services.run(b["id"]) is None
    assert ImageEditTask.objects.get(pk=b["id"]).status == Status.QUEUED
    with django_capture_on_commit_callbacks(execute=True):
        for callback in sent:
            callback()  # the message claim() sent for a instead
    assert ImageEditTask.objects.get(pk=a["id"]).status == Status.SUCCEEDED


@pytest.mark.django_db(transaction=True)
def test_racing_claims_start_no_more_than_the_limit(settings, owner, monkeypatch):
    settings.IMAGE_EDIT_MAX_RUNNING_PER_USER = 2
    monkeypatch.setattr(queue, "enqueue", lambda ids: None)
    base = timezone.now()
    tasks = [
        ImageEditTask.objects.create(
            user=owner,
            source_hash="1" * 64,
            preset="warm",
            edit_key=f"k{i}",
            created_at=base + timedelta(seconds=i),
        )
        for i in range(6)
    ]
    barrier = threading.Barrier(len(tasks))
    claimed: list = [None] * len(tasks)

    def claim(i: int) -> None:
        try:
            barrier.wait()
            claimed[i] = queue.claim(tasks[i].pk) is not None
        finally:
            connection.close()

    threads = [threading.Thread(target=claim, args=(i,)) for i in range(len(tasks))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert claimed == [True, True, False, False, False, False]
    assert ImageEditTask.objects.filter(status=Status.RUNNING).count() == 2


@pytest.mark.django_db
def test_cancel_of_a_queued_task_refunds_and_deletes_its_photo(
    vendors, settings, owner, owner_client, credits, django_capture_on_commit_callbacks
):
    settings.IMAGE_EDIT_MAX_RUNNING_PER_USER = 1
    busy(owner)
    with django_capture_on_commit_callbacks(execute=True):
        body = post(owner_client, 1, instruction="变成水彩风格").json()
    assert body["status"] == "queued"
    assert balance(owner) == CREDITS - 5
    source = ImageEditTask.objects.get(pk=body["id"]).source_name
    from core.private_media import storage

    assert storage().exists(source)
    with django_capture_on_commit_callbacks(execute=True):
        response = owner_client.post(f"{URL}/{body['id']}/cancel")
    assert response.status_code == 200
    assert response.json()["status"] == "canceled"
    assert response.json()["position"] is None
    assert balance(owner) == CREDITS
    assert not storage().exists(source)
    deltas = list(CreditLedger.objects.filter(user=owner).order_by("id").values_list("delta", "reason"))
    assert deltas == [(CREDITS, "grant"), (-5, "spend"), (5, "refund")]
    again = owner_client.post(f"{URL}/{body['id']}/cancel")
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "not_cancelable"
    assert services.run(body["id"]) is None
    assert vendors[0].requests == []


@pytest.mark.django_db
def test_delete_of_a_queued_task_refunds_and_a_running_one_is_409(
    vendors, settings, owner, owner_client, credits, django_capture_on_commit_callbacks
):
    settings.IMAGE_EDIT_MAX_RUNNING_PER_USER = 1
    (held,) = busy(owner)
    with django_capture_on_commit_callbacks(execute=True):
        body = post(owner_client, 1, instruction="变成水彩风格").json()
    assert owner_client.delete(f"{URL}/{body['id']}").status_code == 204
    assert balance(owner) == CREDITS
    assert not ImageEditTask.objects.filter(pk=body["id"]).exists()
    refused = owner_client.delete(f"{URL}/{held.pk}")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "edit_running"
    assert owner_client.post(f"{URL}/{held.pk}/cancel").status_code == 409


@pytest.mark.django_db
def test_the_reaper_requeues_a_stalled_task_once_then_fails_it_and_resends_waiting_ones(
    vendors, settings, owner, owner_client, credits, django_capture_on_commit_callbacks
):
    settings.IMAGE_EDIT_MAX_RUNNING_PER_USER = 1
    with django_capture_on_commit_callbacks(execute=False):  # the messages are lost
        stalled = post(owner_client, 1, instruction="变成水彩风格").json()
        waiting = post(owner_client, 2, instruction="变成油画风格").json()
    long_ago = jobs.stale_before() - timedelta(seconds=1)
    for _ in range(2):  # its worker dies, twice
        assert queue.claim(stalled["id"]) is not None
        ImageEditTask.objects.filter(pk=stalled["id"]).update(updated_at=long_ago)
        with django_capture_on_commit_callbacks(execute=False):
            result = services.recover_stalled()
    assert result.reaped == 1  # the first stall re-queued it, the second failed it
    ImageEditTask.objects.filter(pk=waiting["id"]).update(created_at=long_ago)
    assert balance(owner) == CREDITS - 5  # the failed one's credits are back

    with django_capture_on_commit_callbacks(execute=True):
        services.recover_stalled()
    reaped = ImageEditTask.objects.get(pk=stalled["id"])
    assert reaped.status == Status.FAILED
    assert reaped.error_code == "stalled"
    assert reaped.credits_charged == 0
    assert reaped.attempts == 2
    assert ImageEditTask.objects.get(pk=waiting["id"]).status == Status.SUCCEEDED
    assert balance(owner) == CREDITS - 5
    # a recent running task is left alone
    fresh = busy(owner)[0]
    assert services.recover_stalled().reaped == 0
    assert ImageEditTask.objects.get(pk=fresh.pk).status == Status.RUNNING
