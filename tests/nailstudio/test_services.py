from io import BytesIO

import pytest
from PIL import Image

from core.private_media import private_root
from nailstudio import services
from nailstudio.models import ComparisonResult, DesignPlan, ServiceRecord
from tests.images import upload

pytestmark = pytest.mark.django_db
COMPARISON = {
    "similarity": 82,
    "differences": {
        "color": "颜色略深",
        "pattern": "图案一致",
        "detail": "边缘略粗",
        "composition": "布局一致",
    },
    "suggestions": ["薄涂两层", "  "],
    "dimension_scores": {
        "color_matching": 75,  # a bare number is taken as a score without evidence
        "pattern_precision": {"score": 90, "evidence": "花瓣位置准确"},
        "detail_work": {"score": 70, "evidence": "边缘略粗"},
        "composition": {"score": 88, "evidence": "布局一致"},
    },
}


def _png(image: Image.Image) -> bytes:
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def record(owner, customer, design):
    return services.create_service(
        owner=owner, customer=customer, design_plan=design, service_date="2026-03-02"
    )


def _design_photo(design: DesignPlan, *, shift: int = 0) -> bytes:
    """A 'photo' of the finished nails: the design itself, slightly shifted and darkened."""
    image = Image.open(private_root() / design.image).convert("RGB")
    image = image.transform(
        image.size, Image.Transform.AFFINE, (1, 0, -shift, 0, 1, 0), fillcolor=(245, 240, 235)
    )
    return _png(image.point(lambda v: int(v * 0.95)))


def _complete(client, record, data: bytes, capture, *, run=True, **extra):
    with capture(execute=run):
        return client.post(
            f"/api/v1/services/{record.pk}/complete",
            {"actual_image": upload(data, "done.png", "image/png"), **extra},
            format="multipart",
        )


def test_it_creates_and_edits_service_records(owner_client, customer, design):
    body = {
        "customer": customer.pk,
        "design_plan": design.pk,
        "service_date": "2026-03-02",
        "notes": "首次到店",
    }
    response = owner_client.post("/api/v1/services", body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["status"], data["comparison_status"], data["actual_image_url"]) == ("pending", "", None)
    patched = owner_client.patch(f"/api/v1/services/{data['id']}", {"service_duration": 75}, format="json")
    assert patched.json()["service_duration"] == 75
    listed = owner_client.get(
        "/api/v1/services", {"customer": customer.pk, "service_date_after": "2026-03-01"}
    )
    assert listed.json()["count"] == 1
    assert owner_client.get("/api/v1/services", {"service_date_before": "2026-03-01"}).json()["count"] == 0


@pytest.mark.parametrize("name", ["service_date_before", "service_date_after", "customer", "design_plan"])
def test_it_refuses_an_empty_date_or_id_filter(owner_client, name):
    response = owner_client.get("/api/v1/services", {name: ""})
    assert response.status_code == 400, response.json()
    assert name in response.json()["error"]["details"]


def test_it_still_takes_an_empty_text_filter_as_absent(owner_client):
    assert owner_client.get("/api/v1/services", {"status": ""}).status_code == 200


def test_it_refuses_designs_of_another_customer_or_user(owner_client, owner, outsider, customer, design):
    other = services.create_customer(owner=owner, name="另一位")
    foreign = services.create_customer(owner=outsider, name="外人")
    for body in (
        {"customer": other.pk, "design_plan": design.pk, "service_date": "2026-03-02"},
        {"customer": foreign.pk, "service_date": "2026-03-02"},
    ):
        response = owner_client.post("/api/v1/services", body, format="json")
        assert response.status_code == 400, body
    assert not ServiceRecord.objects.exists()


def test_it_completes_a_service_and_compares_offline(
    offline, owner_client, record, design, django_capture_on_commit_callbacks
):
    photo = _design_photo(design, shift=6)
    response = _complete(owner_client, record, photo, django_capture_on_commit_callbacks, service_duration=80)
    assert response.status_code == 200, response.json()
    data = response.json()
    assert (data["status"], data["service_duration"]) == ("completed", 80)
    assert data["completed_at"]
    assert "/api/v1/media/" in data["actual_image_url"]

    result = owner_client.get(f"/api/v1/services/{record.pk}/comparison")
    assert result.status_code == 200
    body = result.json()
    assert body["status"] == "ready"
    assert body["provider"] == "local"
    assert 60 <= body["similarity_score"] <= 100  # the same design, barely moved
    assert set(body["differences"]) == {"color", "pattern", "detail", "composition"}
    assert {"color_matching", "pattern_precision", "detail_work", "composition"} <= set(
        body["dimension_scores"]
    )
    stored = ComparisonResult.objects.get(service=record)
    assert stored.similarity_score == body["similarity_score"]

    unrelated = _png(Image.new("RGB", (640, 480), (20, 160, 60)))
    other = services.create_service(
        owner=record.owner, customer=record.customer, design_plan=design, service_date="2026-03-03"
    )
    _complete(owner_client, other, unrelated, django_capture_on_commit_callbacks)
    worse = owner_client.get(f"/api/v1/services/{other.pk}/comparison").json()
    assert worse["similarity_score"] < body["similarity_score"]


def test_it_compares_with_the_remote_model(
    vendors, owner_client, record, design, django_capture_on_commit_callbacks
):
    dashscope, _ = vendors
    dashscope.answer = COMPARISON
    _complete(owner_client, record, _design_photo(design), django_capture_on_commit_callbacks)
    body = owner_client.get(f"/api/v1/services/{record.pk}/comparison").json()
    assert (body["status"], body["provider"], body["similarity_score"]) == ("ready", "dashscope", 82)
    assert body["suggestions"] == ["薄涂两层"]
    assert body["dimension_scores"]["pattern_precision"] == {"score": 90, "evidence": "花瓣位置准确"}
    assert body["dimension_scores"]["color_matching"] == {"score": 75, "evidence": ""}
    sent = dashscope.received_images()
    assert len(sent) == 2
    assert sent[0].size == Image.open(private_root() / design.image).size


def test_it_answers_202_while_the_comparison_runs(
    offline, owner_client, record, design, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        owner_client.post(
            f"/api/v1/services/{record.pk}/complete",
            {"actual_image": upload(_design_photo(design), "p.png", "image/png")},
            format="multipart",
        )
    pending = owner_client.get(f"/api/v1/services/{record.pk}/comparison")
    assert pending.status_code == 202
    assert pending.json()["status"] == "pending"
    assert pending.json()["similarity_score"] is None
    for callback in callbacks:
        callback()
    assert owner_client.get(f"/api/v1/services/{record.pk}/comparison").status_code == 200


def test_it_records_a_failed_comparison(
    vendors, settings, owner_client, record, design, django_capture_on_commit_callbacks
):
    dashscope, _ = vendors
    settings.AI_CHAINS = {**settings.AI_CHAINS, "compare_images": ["dashscope"]}
    dashscope.answer = {"similarity": 140}
    _complete(owner_client, record, _design_photo(design), django_capture_on_commit_callbacks)
    body = owner_client.get(f"/api/v1/services/{record.pk}/comparison").json()
    assert body["status"] == "failed"
    assert body["error"]
    assert not ComparisonResult.objects.exists()


def test_it_has_no_comparison_without_a_design(
    owner_client, owner, customer, django_capture_on_commit_callbacks
):
    record = services.create_service(owner=owner, customer=customer, service_date="2026-03-02")
    assert owner_client.get(f"/api/v1/services/{record.pk}/comparison").status_code == 404
    response = _complete(
        owner_client, record, _png(Image.new("RGB", (30, 30))), django_capture_on_commit_callbacks
    )
    assert response.json()["comparison_status"] == ""
    assert owner_client.get(f"/api/v1/services/{record.pk}/comparison").status_code == 404


def test_it_completes_only_once(offline, owner_client, record, design, django_capture_on_commit_callbacks):
    photo = _design_photo(design)
    assert _complete(owner_client, record, photo, django_capture_on_commit_callbacks).status_code == 200
    again = _complete(owner_client, record, photo, django_capture_on_commit_callbacks)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "service_already_completed"


def test_it_hides_services_from_other_users(outsider_client, record, design):
    base = f"/api/v1/services/{record.pk}"
    for method, url, body, fmt in (
        ("get", base, None, "json"),
        ("patch", base, {"notes": "x"}, "json"),
        ("put", base, {"notes": "x"}, "json"),
        ("delete", base, None, "json"),
        (
            "post",
            f"{base}/complete",
            {"actual_image": upload(_design_photo(design), "p.png", "image/png")},
            "multipart",
        ),
        ("get", f"{base}/comparison", None, "json"),
    ):
        response = getattr(outsider_client, method)(url, body, format=fmt)
        assert response.status_code == 404, (method, url)
    assert outsider_client.get("/api/v1/services").json()["count"] == 0
    record.refresh_from_db()
    assert record.status == "pending"
    assert record.notes == ""


def test_it_keeps_similarity_within_0_to_100_in_the_database(owner, customer):
    from django.db import IntegrityError, transaction

    record = services.create_service(owner=owner, customer=customer, service_date="2026-03-02")
    with pytest.raises(IntegrityError), transaction.atomic():
        ComparisonResult.objects.create(
            service=record, similarity_score=101, analyzed_at="2026-03-02T10:00:00+08:00"
        )
    ComparisonResult.objects.create(
        service=record, similarity_score=100, analyzed_at="2026-03-02T10:00:00+08:00"
    )
