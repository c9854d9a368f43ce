"""Peak memory of a real server process under a bomb batch stays within 400 MB of its idle size.

Six JPEGs of 7000 × 7000 (147 MB each once decoded) in one request, the pixel budget raised so that they all
get decoded: the server holds one full-size image at a time, so its peak stays far below the ~900 MB that
holding them all would take. Linux only (/proc); VmHWM is reset after warm-up through clear_refs."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.db import connection
from PIL import Image
from rest_framework_simplejwt.tokens import RefreshToken

from tests.conftest import _database_url
from tests.images import image_bytes

LIMIT_MB = 400
SERVE = (
    "import sys; from wsgiref.simple_server import make_server, WSGIRequestHandler\n"
    "class Quiet(WSGIRequestHandler):\n    def log_message(self, *args): pass\n"
    "import django; django.setup()\n"
    "from django.core.wsgi import get_wsgi_application\n"
    "make_server('127.0.0.1', int(sys.argv[1]), get_wsgi_application(), handler_class=Quiet).serve_forever()\n"
)


def _kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(field)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _multipart(files: list[bytes]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="images"; filename="p{i}.jpg"\r\n'
        f"Content-Type: image/jpeg\r\n\r\n".encode()
        + data
        + b"\r\n"
        for i, data in enumerate(files)
    ]
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _post(url: str, token: str, files: list[bytes]) -> int:
    body, content_type = _multipart(files)
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": content_type, "Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def _big_jpeg(shade: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (7000, 7000), (shade, 120, 200 - shade)).save(buffer, "JPEG", quality=10)
    return buffer.getvalue()


@pytest.mark.skipif(not Path("/proc/self/clear_refs").exists(), reason="needs Linux /proc")
@pytest.mark.django_db(transaction=True)
def test_a_bomb_batch_keeps_the_server_within_400_mb_of_idle(owner, tmp_path):
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(connection.settings_dict),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "MAX_BATCH_PIXELS": "300000000",
        "DASHSCOPE_API_KEY": "",
        "OPENAI_API_KEY": "",
        "CLASSIFY_BATCH_CONCURRENCY": "1",
        "DJANGO_SETTINGS_MODULE": "config.settings",
    }
    server = subprocess.Popen(
        [sys.executable, "-c", SERVE, str(port)], env=env, cwd=Path(__file__).parents[2]
    )
    try:
        url = f"http://127.0.0.1:{port}/api/v1/classify/batch"
        token = str(RefreshToken.for_user(owner).access_token)
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/health/live", timeout=2).read()
                break
            except OSError:
                assert server.poll() is None, "server did not start"
                assert time.monotonic() < deadline, "server did not start"
                time.sleep(0.3)
        assert _post(url, token, [image_bytes("JPEG", (640, 480))]) == 200  # warm: models loaded
        bombs = [_big_jpeg(shade) for shade in range(10, 70, 10)]
        idle = _kib(server.pid, "VmRSS")
        Path(f"/proc/{server.pid}/clear_refs").write_text("5")  # reset the peak to the current size
        assert _post(url, token, bombs) == 200
        peak = _kib(server.pid, "VmHWM")
        print(f"idle {idle / 1024:.0f} MB, peak {peak / 1024:.0f} MB, +{(peak - idle) / 1024:.0f} MB")
        assert (peak - idle) / 1024 <= LIMIT_MB
    finally:
        server.terminate()
        server.wait(timeout=20)
