import os
import socket
import subprocess
import sys
import time
import uuid

import pytest
from django.conf import settings
from django.core.cache import cache
from rest_framework.test import APIClient

from config.celery import app as celery_app
from core import redis as core_redis
from tests.factories import UserFactory
from tests.nailstudio.helpers import offline_ready_design

pytest_plugins = ["tests.fakes.fixtures", "tests.fakes.wechat_fixtures"]


@pytest.fixture(autouse=True)
def _loopback_only(no_internet):
    """No test reaches beyond 127.0.0.1: vendors are local fakes; a stray connection fails the test."""


@pytest.fixture(autouse=True)
def _isolated_state(settings, tmp_path):
    """Each test: empty cache (throttles, breakers), its own media folders (private ones next to MEDIA_ROOT),
    tasks inline unless it asks for a worker, and a fast password hash (users are made in most tests)."""
    cache.clear()
    core_redis.mark_up()  # a test that pointed the app at a dead Redis leaves no "down" state behind
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.PRIVATE_MEDIA_ROOT = ""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    celery_app.conf.task_always_eager = True
    yield
    cache.clear()


@pytest.fixture
def vendors(settings, fake_dashscope, fake_openai):
    """Both vendors configured and pointed at their local fakes, with fast retries and polls."""
    settings.DASHSCOPE_API_KEY = "sk-test-dashscope"
    settings.DASHSCOPE_BASE_URL = fake_dashscope.base_http_api_url
    settings.OPENAI_API_KEY = "sk-test-openai"
    settings.OPENAI_BASE_URL = fake_openai.base_url
    settings.AI_RETRY_BASE_DELAY = 0.01
    settings.AI_RETRY_MAX_DELAY = 0.02
    settings.AI_TASK_POLL_INTERVAL = 0.01
    settings.AI_READ_TIMEOUT = 2.0
    return fake_dashscope, fake_openai


@pytest.fixture
def offline(settings):
    """No remote provider configured: only the local engines can answer."""
    settings.DASHSCOPE_API_KEY = settings.OPENAI_API_KEY = ""


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


def _client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def owner(db):
    return UserFactory(username="owner")


@pytest.fixture
def teammate(db):
    return UserFactory(username="teammate")


@pytest.fixture
def outsider(db):
    return UserFactory(username="outsider")


@pytest.fixture
def staff(db):
    return UserFactory(username="staff", is_staff=True)


@pytest.fixture
def design(owner, customer, settings, django_capture_on_commit_callbacks):
    """A ready offline design of ``customer`` (the nail studio's and the abilities' tests each have their own
    customer fixture)."""
    return offline_ready_design(
        owner=owner,
        customer=customer,
        settings=settings,
        capture_on_commit=django_capture_on_commit_callbacks,
    )


@pytest.fixture
def owner_client(owner):
    return _client_for(owner)


@pytest.fixture
def outsider_client(outsider):
    return _client_for(outsider)


@pytest.fixture
def staff_client(staff):
    return _client_for(staff)


def _database_url(settings_dict: dict) -> str:
    if settings_dict["ENGINE"].endswith("mysql"):
        user = settings_dict.get("USER") or "root"
        password = settings_dict.get("PASSWORD") or ""
        auth = f"{user}:{password}@" if password else f"{user}@"
        host = settings_dict.get("HOST") or "127.0.0.1"
        port = settings_dict.get("PORT") or 3306
        return f"mysql://{auth}{host}:{port}/{settings_dict['NAME']}"
    return f"sqlite:///{settings_dict['NAME']}"


@pytest.fixture(scope="session")
def worker_fakes():
    """Vendor fakes for the whole session, so a worker process started once can be pointed at them."""
    from tests.fakes.dashscope import FakeDashScope
    from tests.fakes.openai import FakeOpenAI

    with FakeDashScope() as dashscope, FakeOpenAI() as openai:
        yield dashscope, openai


def _vendor_settings(fakes) -> dict[str, str]:
    dashscope, openai = fakes
    return {
        "DASHSCOPE_API_KEY": "sk-test-dashscope",
        "DASHSCOPE_BASE_URL": dashscope.base_http_api_url,
        "OPENAI_API_KEY": "sk-test-openai",
        "OPENAI_BASE_URL": openai.base_url,
        "AI_RETRY_BASE_DELAY": "0.01",
        "AI_RETRY_MAX_DELAY": "0.02",
        "AI_TASK_POLL_INTERVAL": "0.01",
    }


@pytest.fixture(scope="session")
def celery_worker_process(django_db_setup, django_db_blocker, tmp_path_factory, worker_fakes):
    """A real ``celery worker`` process on the test database, when a broker is configured.

    Without a broker (the embedded SQLite run) tasks run eagerly; ``XINTU_REQUIRE_WORKER=1`` (set by CI for the
    MariaDB run) turns a missing broker into a failure rather than a silent eager run.
    """
    if settings.CELERY_BROKER_URL == "memory://":
        if os.environ.get("XINTU_REQUIRE_WORKER") == "1":
            pytest.fail("XINTU_REQUIRE_WORKER=1 but CELERY_BROKER_URL is not set")
        yield None
        return
    from django.db import connection

    # The worker serves this session's queues (settings.CELERY_TASK_DEFAULT_QUEUE and the AI queue named after it)
    # under a unique node name, so a stray worker on the same broker can neither take our tasks nor answer our ping.
    node = f"xintu-test-{uuid.uuid4().hex[:8]}@{socket.gethostname()}"
    media = tmp_path_factory.mktemp("worker-media")
    env = dict(
        os.environ,
        DATABASE_URL=_database_url(connection.settings_dict),
        MEDIA_ROOT=str(media),
        **_vendor_settings(worker_fakes),
    )
    queue = f"{settings.CELERY_TASK_DEFAULT_QUEUE},{settings.CELERY_AI_QUEUE}"
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "-n", node, "-Q", queue, "-c", "2"]
    proc = subprocess.Popen([*command, "-l", "warning"], env=env, cwd=settings.BASE_DIR)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"celery worker exited with {proc.returncode}")
            try:
                if celery_app.control.ping(destination=[node], timeout=1.0):
                    break
            except Exception:  # the broker may still be starting
                pass
            if time.monotonic() > deadline:
                pytest.fail("celery worker did not answer a ping within 60 s")
        proc.media_root = media
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def celery_worker(celery_worker_process, settings):
    """Send tasks through the broker to the real worker (or run them eagerly when there is no broker).
    With a worker, this test's MEDIA_ROOT is the worker's, so files pass between the two processes."""
    celery_app.conf.task_always_eager = celery_worker_process is None
    if celery_worker_process is not None:
        settings.MEDIA_ROOT = str(celery_worker_process.media_root)
    yield celery_worker_process
    celery_app.conf.task_always_eager = True


@pytest.fixture
def worker_vendors(celery_worker, worker_fakes, settings):
    """The session's vendor fakes, configured the same in this process and in the worker."""
    for fake in worker_fakes:
        fake.reset()
    for name, value in _vendor_settings(worker_fakes).items():
        setattr(settings, name, float(value) if name.startswith("AI_") else value)
    return worker_fakes
