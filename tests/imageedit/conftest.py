from io import BytesIO

import numpy as np
import pytest
from PIL import Image

from billing.services import grant_credits
from tests.images import upload

CREDITS = 20


@pytest.fixture(autouse=True)
def _no_retry_delay(settings):
    settings.IMAGE_EDIT_RETRY_DELAY = 0


@pytest.fixture
def credits(owner):
    grant_credits(user=owner, amount=CREDITS)
    return CREDITS


def photo(size=(96, 64), seed: int = 0) -> bytes:
    """A JPEG with structure (gradients, a bright block, noise), so edits have something to change."""
    rng = np.random.default_rng(seed)
    width, height = size
    x = np.linspace(0, 1, width)[None, :, None]
    y = np.linspace(0, 1, height)[:, None, None]
    pixels = 60 + 120 * x * np.array([1.0, 0.6, 0.3]) + 60 * y * np.array([0.2, 0.5, 1.0])
    pixels[height // 3 : 2 * height // 3, width // 3 : 2 * width // 3] = (230, 210, 190)
    pixels += rng.normal(0, 6, pixels.shape)
    buffer = BytesIO()
    Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(buffer, format="JPEG", quality=95)
    return buffer.getvalue()


@pytest.fixture
def submit(django_capture_on_commit_callbacks):
    """POST /api/v1/image-edits and run what it queued (inline, as without a worker); the response gets
    ``final``: the task as ``GET /image-edits/{id}`` shows it afterwards."""

    def post(client, data: bytes | None = None, **fields):
        body = {k: v for k, v in fields.items() if v is not None}
        body["image"] = upload(photo() if data is None else data)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post("/api/v1/image-edits", body, format="multipart")
        if response.status_code in (200, 202):
            response.final = client.get(f"/api/v1/image-edits/{response.json()['id']}").json()
        return response

    return post


def fetch(client, url: str) -> Image.Image:
    response = client.get(url)
    assert response.status_code == 200, response.content[:200]
    image = Image.open(BytesIO(b"".join(response.streaming_content)))
    image.load()
    return image
