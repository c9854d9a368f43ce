import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from classifier.models import ImageClassification, RequestLog
from tests.classifier.conftest import photo_bytes, sha

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_classify_images_uses_the_pipeline_and_the_cache(tmp_path, settings):
    settings.DASHSCOPE_API_KEY = settings.OPENAI_API_KEY = ""
    (tmp_path / "sub").mkdir()
    (tmp_path / "a.jpg").write_bytes(photo_bytes(1))
    (tmp_path / "sub" / "b.jpg").write_bytes(photo_bytes(2))
    (tmp_path / "broken.jpg").write_bytes(b"nope")
    out, err = run("classify_images", str(tmp_path), "--recursive", "--json")
    rows = json.loads(out)
    assert len(rows) == 3
    assert {r.get("error") for r in rows} == {None, "image_invalid"}
    assert "3/3" in err, "a progress bar on stderr"
    assert ImageClassification.objects.filter(image_hash=sha(photo_bytes(1))).exists()

    again = json.loads(run("classify_images", str(tmp_path / "a.jpg"), "--json")[0])
    assert again[0]["from_cache"] is True


def test_classify_images_prints_csv_and_a_summary(tmp_path, settings):
    settings.DASHSCOPE_API_KEY = settings.OPENAI_API_KEY = ""
    (tmp_path / "a.jpg").write_bytes(photo_bytes(1))
    csv_out, _ = run("classify_images", str(tmp_path), "--csv", "--mode", "local")
    assert csv_out.splitlines()[0].startswith("path,image_hash,category")
    table, _ = run("classify_images", str(tmp_path))
    assert "Summary" in table
    with pytest.raises(CommandError):
        run("classify_images", str(tmp_path / "missing"))


def test_purge_request_logs_keeps_recent_ones(settings):
    old = RequestLog.objects.create(endpoint="classify")
    RequestLog.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=100))
    recent = RequestLog.objects.create(endpoint="classify")
    out, _ = run("purge_request_logs")
    assert "Deleted 1" in out
    assert list(RequestLog.objects.values_list("pk", flat=True)) == [recent.pk]
    run("purge_request_logs", "--days", "0")
    assert RequestLog.objects.count() == 0


def test_stats_report_prints_the_day(owner):
    RequestLog.objects.create(endpoint="classify", user=owner, category="pets", inference_method="remote")
    out, _ = run("stats_report")
    assert "requests" in out
    assert "pets" in out
    with pytest.raises(CommandError):
        run("stats_report", "--date", "yesterday")
