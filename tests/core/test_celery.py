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
