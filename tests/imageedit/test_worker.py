"""Through a real Celery worker process when a broker is configured (the MariaDB run); inline otherwise.
The test process and the worker share the vendor fakes, the database and the private media folder."""

import time

import pytest
from django.utils import timezone

from billing.services import balance, grant_credits
from core.private_media import storage
from imageedit.models import ImageEditTask
from tests.images import upload

from .conftest import fetch, photo

pytestmark = pytest.mark.django_db(transaction=True)
URL = "/api/v1/image-edits"
Status = ImageEditTask.Status


def submit(client, seed: int, instruction: str) -> dict:
    response = client.post(
        URL, {"image": upload(photo(seed=seed)), "instruction": instruction}, format="multipart"
    )
    assert response.status_code == 202, response.content
    return response.json()


def wait(task_id, timeout: float = 30) -> ImageEditTask:
    deadline = time.monotonic() + timeout
    while True:
        task = ImageEditTask.objects.get(pk=task_id)
        if task.finished or time.monotonic() > deadline:
            return task
        time.sleep(0.05)


@pytest.fixture
def funded(owner):
    grant_credits(user=owner, amount=20)


def test_a_worker_edits_through_dashscope_task_polling(worker_vendors, owner, owner_client, funded):
    dashscope, openai = worker_vendors
    body = submit(owner_client, 11, "变成水彩风格")
    task = wait(body["id"])
    assert task.status == Status.SUCCEEDED, task.error_code
    assert task.provider == "dashscope"
    assert task.model == "wanx2.1-imageedit"
    assert dashscope.received_prompts() == ["变成水彩风格"]
    assert openai.requests == []
    polls = [r for r in dashscope.requests if r.method == "GET" and r.path.startswith("/api/v1/tasks/")]
    assert len(polls) >= 2  # RUNNING, then SUCCEEDED
    assert fetch(owner_client, owner_client.get(f"{URL}/{task.pk}").json()["result_url"]).size == (96, 64)
    assert task.source_name == ""
    assert balance(owner) == 15


def test_a_worker_edits_through_openai_images_edit(worker_vendors, owner, owner_client, funded):
    dashscope, openai = worker_vendors
    dashscope.task_failure = ("DataInspectionFailed", "Input data may contain inappropriate content.")
    try:
        task = wait(submit(owner_client, 12, "去掉背景里的路人")["id"])
    finally:
        dashscope.task_failure = None
    assert task.status == Status.SUCCEEDED, task.error_code
    assert task.provider == "openai", task.error_code
    assert openai.received_prompts() == ["去掉背景里的路人"]
    assert fetch(owner_client, owner_client.get(f"{URL}/{task.pk}").json()["result_url"]).size == (1024, 1024)
    assert balance(owner) == 15


def test_a_worker_keeps_to_the_per_user_limit(worker_vendors, celery_worker, owner, owner_client, funded):
    """One of the two default slots is held, so of two submissions only one runs; the other waits (even
    though the worker has a free process) until the first one finishes and dispatches it."""
    dashscope, _ = worker_vendors
    now = timezone.now()
    held = ImageEditTask.objects.create(
        user=owner,
        source_hash="3" * 64,
        preset="warm",
        edit_key="held",
        status=Status.RUNNING,
        started_at=now,
        updated_at=now,
    )
    dashscope.task_steps = ["RUNNING"] * 40  # each edit takes a while
    try:
        a = submit(owner_client, 21, "变成水彩风格")
        b = submit(owner_client, 22, "变成油画风格")
        seen_waiting = False
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            statuses = {
                str(pk): s for pk, s in ImageEditTask.objects.filter(user=owner).values_list("pk", "status")
            }
            running = sum(1 for s in statuses.values() if s == Status.RUNNING)
            assert running <= 2
            if (
                statuses[str(held.pk)] == Status.RUNNING
                and running == 2
                and statuses[a["id"]] == Status.RUNNING
            ):
                seen_waiting |= statuses[b["id"]] == Status.QUEUED
            if all(statuses[t["id"]] in ImageEditTask.FINISHED for t in (a, b)):
                break
            time.sleep(0.02)
    finally:
        dashscope.task_steps = ["RUNNING"]
    first, second = ImageEditTask.objects.get(pk=a["id"]), ImageEditTask.objects.get(pk=b["id"])
    assert first.status == second.status == Status.SUCCEEDED
    assert second.started_at >= first.finished_at
    if celery_worker is not None:
        assert seen_waiting
    assert not storage().exists(first.result_name.replace("results", "sources"))
    assert balance(owner) == 10
