import pytest

from core.tasks import ping


@pytest.mark.django_db(transaction=True)
def test_it_round_trips_a_task_through_the_broker(celery_worker):
    import os

    result = ping.delay("hello").get(timeout=30)
    assert result["pong"] == "hello"
    if celery_worker is not None:
        # A real worker answered: the task ran in another process.
        assert result["worker_pid"] != os.getpid()


def test_every_task_retries_transient_errors_with_backoff_by_default():
    from config.celery import app

    app.loader.import_default_modules()
    tasks = [task for name, task in app.tasks.items() if not name.startswith("celery.")]
    assert len(tasks) >= 5
    for task in tasks:
        assert task.autoretry_for, f"{task.name} retries nothing"
        assert task.retry_backoff, task.name
        assert task.retry_jitter, task.name
