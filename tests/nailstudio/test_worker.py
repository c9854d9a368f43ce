import time
from io import BytesIO

import pytest
from PIL import Image

from billing.services import balance
from nailstudio import services
from nailstudio.models import DesignPlan
from nailstudio.prompts import positive_part
from tests.images import image_bytes, upload


def _fetch(client, url: str) -> bytes:
    response = client.get(url.removeprefix("http://testserver"))
    assert response.status_code == 200
    return b"".join(response.streaming_content)


@pytest.mark.django_db(transaction=True)
def test_it_generates_through_a_celery_worker(worker_vendors, owner_client, owner, credits):
    """With a broker (the MariaDB CI run) a real worker process draws the design through the fake DashScope;
    without one the task runs eagerly. Either way the request only queues it."""
    dashscope, _ = worker_vendors
    customer = services.create_customer(
        owner=owner, name="worker", profile={"color_preferences": ["#7B1E2B"], "prohibitions": ["glitter"]}
    )
    inspiration = services.create_inspiration(owner=owner, upload=upload(image_bytes("PNG", (24, 24))))
    response = owner_client.post(
        "/api/v1/designs",
        {
            "customer": customer.pk,
            "inspiration_image_ids": [inspiration.pk],
            "custom_prompt": "glitter ombre",
        },
        format="json",
    )
    assert response.status_code == 202
    plan = DesignPlan.objects.get(pk=response.json()["id"])
    deadline = time.monotonic() + 30
    while plan.status in ("queued", "generating") and time.monotonic() < deadline:
        time.sleep(0.1)
        plan.refresh_from_db()
    assert plan.status == "ready", plan.error
    assert plan.provider == "dashscope"
    assert dashscope.received_prompts() == [plan.ai_prompt]
    assert "glitter" not in positive_part(plan.ai_prompt)
    assert "ombre" in plan.ai_prompt
    assert dashscope.received_images()[0].size == (24, 24)  # the worker read the inspiration the test stored
    data = _fetch(owner_client, owner_client.get(f"/api/v1/designs/{plan.pk}").json()["image_url"])
    assert Image.open(BytesIO(data)).size == (1024, 1024)  # and the test reads the image the worker stored
    assert balance(owner) == credits - 2
