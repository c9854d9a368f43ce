"""Objects behind every path of the schema, so a request reaches the view's validation instead of a 404."""

import re

import pytest

from core.private_media import sign
from nailstudio import services as nail
from tests.images import image_bytes, upload


@pytest.fixture
def paths(owner, offline, django_capture_on_commit_callbacks):
    customer = nail.create_customer(owner=owner, name="语料")
    photo = nail.add_profile_photo(customer, upload(image_bytes()))
    inspiration = nail.create_inspiration(owner=owner, upload=upload(image_bytes()), tags=["x"])
    with django_capture_on_commit_callbacks(execute=True):
        design = nail.request_design(owner=owner, customer=customer)
    service = nail.create_service(
        owner=owner, customer=customer, design_plan=design, service_date="2026-03-02"
    )
    ids = {
        "customers": customer.pk,
        "inspirations": inspiration.pk,
        "designs": design.pk,
        "services": service.pk,
    }

    def fill(path: str) -> str:
        resource = path.split("/")[3]
        values = {
            "id": ids.get(resource, "00000000-0000-0000-0000-000000000000"),
            "photo_id": photo.pk,
            "job_id": "00000000-0000-0000-0000-000000000000",
            "out_trade_no": "nope",
            "token": sign(photo.image),
        }
        return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)

    return fill
