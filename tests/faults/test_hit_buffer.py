"""The check-cache hit buffer: a flusher crash loses nothing and writes nothing twice."""

import uuid

import pytest
from django.conf import settings

from classifier.models import ImageClassification, RequestLog
from classifier.services.checkcache import fastpath, hits
from core.models import DoneKey
from tests.faults.test_redis_down import cached

pytestmark = pytest.mark.django_db
CHECK = "/api/v1/classify/check-cache"
needs_redis = pytest.mark.skipif(not settings.CLASSIFIER_REDIS, reason="the buffer lives in Redis")


class Crash(BaseException):
    """A flusher killed mid-flush (BaseException: nothing on the way catches it)."""


def record(hashes, flags, user_id=None) -> dict:
    base = hits.new_record(
        user_id=user_id, ip="10.0.0.1", request_id=uuid.uuid4(), endpoint="check-cache", hashes=hashes
    )
    return {**base, "f": flags}


def test_a_buffered_record_is_applied_once_however_often_it_comes_round(owner):
    cached("a" * 64)
    again = record(["a" * 64, "b" * 64], "10", owner.pk)
    hits.apply_buffered([again])
    hits.apply_buffered([again, record(["a" * 64], "1")])
    assert RequestLog.objects.count() == 3
    assert ImageClassification.objects.get().hit_count == 2
    assert DoneKey.objects.count() == 2


@needs_redis
def test_a_crash_before_the_commit_loses_nothing(owner_client, monkeypatch):
    cached("a" * 64)
    for _ in range(hits.FLUSH_CHUNK + 3):
        owner_client.post(CHECK, {"image_hash": "a" * 64})
    real_apply, calls = hits.apply, []

    def crash_on_second_chunk(records, entries=None):
        calls.append(len(records))
        if len(calls) == 2:
            raise Crash
        real_apply(records, entries)

    monkeypatch.setattr(hits, "apply", crash_on_second_chunk)
    with pytest.raises(Crash):
        hits.flush()
    assert RequestLog.objects.count() == hits.FLUSH_CHUNK
    assert len(fastpath.in_processing()) == 3  # the chunk being written when it died
    monkeypatch.setattr(hits, "apply", real_apply)
    assert hits.flush() == 3
    assert RequestLog.objects.count() == hits.FLUSH_CHUNK + 3
    assert ImageClassification.objects.get().hit_count == hits.FLUSH_CHUNK + 3
    assert fastpath.in_processing() == []
    assert hits.pending() == 0


@needs_redis
def test_a_crash_after_the_commit_writes_nothing_twice(owner_client, monkeypatch):
    cached("a" * 64)
    for _ in range(4):
        owner_client.post(CHECK, {"image_hashes": ["a" * 64, "b" * 64]}, format="json")
    real_done = fastpath.done_processing

    def crash():
        raise Crash

    monkeypatch.setattr(fastpath, "done_processing", crash)
    with pytest.raises(Crash):
        hits.flush()
    assert RequestLog.objects.count() == 8
    assert len(fastpath.in_processing()) == 4
    monkeypatch.setattr(fastpath, "done_processing", real_done)
    hits.flush()
    assert RequestLog.objects.count() == 8  # the committed chunk was recognised, not written again
    assert ImageClassification.objects.get().hit_count == 4
    assert fastpath.in_processing() == []
    assert hits.pending() == 0


@needs_redis
def test_records_pushed_while_a_chunk_waits_in_processing_are_kept(owner_client, monkeypatch):
    cached("a" * 64)
    owner_client.post(CHECK, {"image_hash": "a" * 64})
    monkeypatch.setattr(hits, "apply", lambda records, entries=None: (_ for _ in ()).throw(Crash))
    with pytest.raises(Crash):
        hits.flush()
    monkeypatch.undo()
    owner_client.post(CHECK, {"image_hash": "a" * 64})
    assert hits.flush() == 2
    assert RequestLog.objects.count() == 2
