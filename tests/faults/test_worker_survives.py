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
    """A throw-away redis-server with AOF (so the queue survives its restart) on a free port."""

    def __init__(self, directory):
        self.port, self.directory, self.proc = closed_port(), directory, None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                   "--appendonly", "yes", "--appendfsync", "everysec", "--dir", str(self.directory)]  # fmt: skip
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


@pytest.fixture
def own_redis(tmp_path):
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    if server.proc.poll() is None:
        server.stop()


@pytest.fixture
def worker_on(own_redis, tmp_path):
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


def test_it_survives_a_redis_restart_while_tasks_run(own_redis, worker_on):
    proc, app = worker_on
    assert app.send_task("core.tasks.ping", ("before",)).get(timeout=60)["pong"] == "before"
    naps = [app.send_task("tests.faults.slow_tasks.nap", (3,)) for _ in range(2)]
    time.sleep(1)  # both are running now
    own_redis.stop()
    time.sleep(4)  # the naps end while the broker is away
    own_redis.start()
    assert app.send_task("core.tasks.ping", ("after",)).get(timeout=60)["pong"] == "after"
    assert proc.poll() is None, "the worker exited"
    assert [nap.get(timeout=60) for nap in naps] == [3, 3]  # their results were stored once Redis was back
