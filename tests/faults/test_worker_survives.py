"""A real worker on a real Redis that is restarted while tasks run: the worker stays alive and consumes."""

import os
import shutil
import subprocess
import sys
import time
import uuid

import pytest
from celery import Celery
from django.conf import settings

from tests.faults.conftest import closed_port

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server")


class OwnRedis:
    """A throw-away redis-server on a free port, with AOF (the queue survives its restart) or without."""

    def __init__(self, directory, aof: bool):
        self.port, self.directory, self.proc, self.aof = closed_port(), directory, None, aof

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                   "--appendonly", "yes" if self.aof else "no", "--dir", str(self.directory)]  # fmt: skip
        self.proc = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while (
            subprocess.run(["redis-cli", "-p", str(self.port), "ping"], capture_output=True).stdout
            != b"PONG\n"
        ):
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.1)

    def stop(self):
        self.proc.terminate()  # SIGTERM: a clean shutdown, the AOF is written
        self.proc.wait(timeout=20)


@pytest.fixture(params=[True, False], ids=["aof", "no-persistence"])
def own_redis(tmp_path, request):
    server = OwnRedis(tmp_path, aof=request.param)
    server.start()
    yield server
    if server.proc.poll() is None:
        server.stop()


@pytest.fixture
def worker_on(own_redis, tmp_path, monkeypatch):
    # Celery's own environment variables win over the app's arguments: point them at this Redis too.
    monkeypatch.setenv("CELERY_BROKER_URL", own_redis.url)
    monkeypatch.setenv("CELERY_RESULT_BACKEND", own_redis.url)
    queue = f"faults-{uuid.uuid4().hex[:8]}"
    env = dict(os.environ, CELERY_BROKER_URL=own_redis.url, CELERY_RESULT_BACKEND=own_redis.url,
               CELERY_TASK_DEFAULT_QUEUE=queue, REDIS_URL="")  # fmt: skip
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-n", f"{queue}@%h", "-Q", queue,
               "-c", "2", "-l", "warning", "-I", "tests.faults.slow_tasks"]  # fmt: skip
    with open(tmp_path / "worker.log", "w") as log:
        proc = subprocess.Popen(command, env=env, cwd=settings.BASE_DIR, stdout=log, stderr=subprocess.STDOUT)
        app = Celery("faults-client", broker=own_redis.url, backend=own_redis.url)
        app.conf.task_default_queue = queue
        yield proc, app
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


def result_of(app, task, timeout: float = 90):
    """Poll the stored result (plain reads: this client's own result subscription does not outlive a restart)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        meta = app.backend.get_task_meta(task.id)
        if meta["status"] == "SUCCESS":
            return meta["result"]
        time.sleep(0.5)
    raise AssertionError(f"no result for {task.id} within {timeout} s")


def test_it_survives_redis_restarts_while_tasks_run(own_redis, worker_on):
    # Each restart catches tasks running (unacked, acks_late); before core/worker.py the first one ended the
    # worker with AttributeError("'NoneType' object has no attribute 'hostname'").
    proc, app = worker_on
    assert result_of(app, app.send_task("core.tasks.ping", ("before",)))["pong"] == "before"
    for round_ in range(2):
        # Two run (concurrency 2), one waits prefetched, started a little apart: when Redis goes, the worker
        # holds unacked messages, and some tasks end (and ack) after it reconnected.
        naps = []
        for seconds in (5, 7, 9):
            naps.append(app.send_task("tests.faults.slow_tasks.nap", (seconds,)))
            time.sleep(2.5)
        time.sleep(2)
        own_redis.stop()
        time.sleep(3)
        own_redis.start()
        time.sleep(12)  # the tasks end and ack
        assert proc.poll() is None, "the worker exited"
        pong = result_of(app, app.send_task("core.tasks.ping", (f"after {round_}",)))
        assert pong["pong"] == f"after {round_}"
        if own_redis.aof:  # without persistence the prefetched one's message died with Redis's data
            assert sorted(result_of(app, nap) for nap in naps) == [5, 7, 9]  # stored once Redis was back
