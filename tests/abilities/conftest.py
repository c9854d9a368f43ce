from datetime import datetime
from io import BytesIO

import pytest
from django.utils import timezone
from PIL import Image

from abilities import services as abilities
from core.private_media import private_root
from nailstudio import services
from nailstudio.models import ComparisonResult
from tests.images import upload


@pytest.fixture
def customer(owner):
    return services.create_customer(owner=owner, name="王小姐", profile={"color_preferences": ["#F4A6B8"]})


def design_photo(design) -> bytes:
    """A 'photo' of the finished nails: the design itself, slightly darkened."""
    image = Image.open(private_root() / design.image).convert("RGB").point(lambda v: int(v * 0.93))
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def complete(owner_client, owner, customer, design, django_capture_on_commit_callbacks):
    """Complete a new service of the design through the API (its comparison runs inline); returns it."""

    def run(photo: bytes | None = None):
        record = services.create_service(
            owner=owner, customer=customer, design_plan=design, service_date="2026-03-02"
        )
        with django_capture_on_commit_callbacks(execute=True):
            response = owner_client.post(
                f"/api/v1/services/{record.pk}/complete",
                {"actual_image": upload(photo or design_photo(design), "done.png", "image/png")},
                format="multipart",
            )
        assert response.status_code == 200, response.json()
        record.refresh_from_db()
        assert record.comparison_status == "ready", record.comparison_error
        return record

    return run


@pytest.fixture
def scored(django_capture_on_commit_callbacks):
    """A completed service of ``user`` at ``at`` with a stored comparison giving ``scores``, recorded through
    ``record_from_comparison`` as a finished comparison is: fast, no images."""

    def run(user, at: datetime, scores: dict[str, int], suggestions: tuple[str, ...] = ()):
        customer = services.create_customer(owner=user, name=f"{user.username} 的顾客")
        record = services.create_service(owner=user, customer=customer, service_date=at.date())
        record.status, record.completed_at = "completed", at
        record.comparison_status = "ready"
        record.save()
        comparison = ComparisonResult.objects.create(
            service=record,
            similarity_score=80,
            suggestions=list(suggestions),
            dimension_scores={code: {"score": s, "evidence": f"{code} {s}"} for code, s in scores.items()},
            provider="dashscope",
            analyzed_at=timezone.now(),
        )
        with django_capture_on_commit_callbacks(execute=True):
            abilities.record_from_comparison(comparison)
        return record

    return run
