"""User corrections: a user's own category for a hash they were answered, overlaid on their answers only.

- ``overlay(user, answers)`` is the one place a correction reaches an answer: check-cache (single, batch, Redis
  or database), classify, batch and job results all pass through it where the response is built.
- Users without corrections must not pay for the feature on check-cache, the hottest path: a per-user flag says
  whether they have any (in Redis with CLASSIFIER_REDIS, read by check-cache's one-round-trip script; else in
  the Django cache); only then is the database asked, for the hashes of that request (the unique
  (user, image_hash) key).
- "Answered for" is the user's request log: a successful row for (user, hash), found through its
  (user, image_hash) index. Check-cache hits wait up to CLASSIFIER_HIT_FLUSH_SECONDS in the Redis buffer, so a
  miss there flushes the buffer once (about a second at most) and asks again.
- When CLASSIFIER_REVIEW_THRESHOLD distinct users corrected one hash to one category it enters the staff review
  queue (admin 纠错审核). Accepting changes the shared entry (inference_method ``staff``) for everyone.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Mapping
from typing import Any

import redis
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache as django_cache
from django.db import connection, transaction
from django.utils import timezone

from ai import services as ai
from core import redis as core_redis
from core.exceptions import Invalid, NotFound

from ..models import Correction, CorrectionReview, ImageClassification, InferenceMethod, RequestLog
from . import cache, neardup
from .checkcache import copies, fastpath, hits

logger = logging.getLogger(__name__)

FLAG_SECONDS = 3600  # bounds how long a flag written while Redis failed can be wrong


def flag_key(user_id) -> str:
    """The user's "has corrections" flag: b"1" / b"0" in Redis (check-cache reads it in its own round trip);
    absent means unknown, and the database is asked."""
    return core_redis.key(f"classifier:has-corrections:{user_id}")


def _read_flag(user_id) -> bool | None:
    if fastpath.enabled():
        value = fastpath.client().get(flag_key(user_id))
        return None if value is None else value == b"1"
    return django_cache.get(flag_key(user_id))


def _write_flag(user_id, flag: bool, *, only_if_absent: bool = False) -> None:
    if fastpath.enabled():
        fastpath.client().set(flag_key(user_id), b"1" if flag else b"0", ex=FLAG_SECONDS, nx=only_if_absent)
    elif only_if_absent:
        django_cache.add(flag_key(user_id), flag, FLAG_SECONDS)
    else:
        django_cache.set(flag_key(user_id), flag, FLAG_SECONDS)


def _has_corrections(user_id, known: bytes | None = None) -> bool:
    """``known``: the flag's value as check-cache already read it from Redis."""
    if known is not None:
        return known == b"1"
    try:
        flag = _read_flag(user_id)
    except redis.RedisError:  # the flag is an optimisation: without Redis the database answers
        return Correction.objects.filter(user_id=user_id).exists()
    if flag is None:
        flag = Correction.objects.filter(user_id=user_id).exists()
        # only if absent: a concurrent correction's fresh flag must win over this older read
        with contextlib.suppress(redis.RedisError):
            _write_flag(user_id, flag, only_if_absent=True)
    return flag


def _set_flag(user_id, flag: bool) -> None:
    try:
        _write_flag(user_id, flag)
    except redis.RedisError:
        logger.warning("could not set the corrections flag of user %s", user_id, exc_info=True)


def _refresh_flag(user_id) -> None:
    _set_flag(user_id, Correction.objects.filter(user_id=user_id).exists())


def overlay(user, answers: list, *, flag: bytes | None = None) -> list:
    """``answers`` to ``user`` with the user's corrections applied (new dicts; the others unchanged). An answer
    is a classification result (``image_hash``, ``category``, …), a check-cache item (``image_hash``, ``hit``,
    ``result``), an ``{"error": …}`` or None (a job item not done yet). ``flag``: see ``flag_key``."""
    user_id = getattr(user, "pk", user)
    if user_id is None or not answers or not _has_corrections(user_id, flag):
        return answers  # nearly every request: nothing more to do
    mine = _categories(user_id, list({a["image_hash"] for a in answers if a and "image_hash" in a}))
    if not mine:
        return answers
    return [_corrected(a, mine.get(a.get("image_hash"))) if a else a for a in answers]


def _categories(user_id, hashes: list[str]) -> dict[str, str]:
    """hash → the user's category. Plain SQL through the unique (user, image_hash) key: for a batch of 500 the
    ORM took twice as long to build the query as the database took to answer it."""
    if not hashes:
        return {}
    meta, quote = Correction._meta, connection.ops.quote_name
    sql = (
        f"SELECT {quote('image_hash')}, {quote('category')} FROM {quote(meta.db_table)} "
        f"WHERE {quote(meta.get_field('user').column)} = %s AND {quote('image_hash')} IN ({', '.join(['%s'] * len(hashes))})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [get_user_model()._meta.pk.to_python(user_id), *hashes])
        return dict(cursor.fetchall())


def _corrected(answer: dict | None, category: str | None) -> dict | None:
    if category is None or answer is None or "error" in answer:
        return answer
    if "result" in answer:  # a check-cache item: the result inside it
        return {**answer, "result": _corrected(answer["result"], category)}
    return {
        **answer,
        "category": category,
        "category_label": ai.BY_CODE[category].name_zh,
        # the model described what it saw as another category; ID documents keep their fixed text
        "description": cache.GENERIC_DESCRIPTIONS.get(category, ""),
        "corrected": True,
    }


def _answered(user, image_hash: str) -> RequestLog | None:
    rows = RequestLog.objects.filter(user=user, image_hash=image_hash, status=RequestLog.Status.OK)
    return rows.exclude(category="").only("category", "provider").order_by("-created_at").first()


def _answer_given(user, image_hash: str) -> RequestLog | None:
    row = _answered(user, image_hash)
    if row is None and fastpath.enabled():
        hits.flush(
            wait_seconds=1, budget_seconds=1
        )  # a check-cache hit of a moment ago may still be buffered
        row = _answered(user, image_hash)
    return row


def correction_create(*, user, image_hash: str, category: str) -> tuple[Correction, bool]:
    """The user's category for a hash they were answered (404 otherwise). Returns (correction, created)."""
    if category not in ai.CODES:
        raise Invalid(
            "invalid_category",
            "category 不是有效的分类代码 (not a category code)",
            {"category": category, "allowed": sorted(ai.CODES)},
        )
    answered = _answer_given(user, image_hash)
    if answered is None:
        raise NotFound("没有给你回答过这张图片 (no answer was given to you for this hash)")
    entry = ImageClassification.objects.filter(image_hash=image_hash).values("category", "provider", "model")
    shared = entry.first() or {"category": answered.category, "provider": answered.provider, "model": ""}
    if category == shared["category"]:
        raise Invalid(
            "same_category",
            "这已经是共享的分类；撤回纠错请用 DELETE (already the shared category; DELETE withdraws a correction)",
            {"category": category},
        )
    return _save(user, image_hash, category, shared)


@transaction.atomic
def _save(user, image_hash: str, category: str, shared: Mapping[str, Any]) -> tuple[Correction, bool]:
    correction, created = Correction.objects.update_or_create(
        user=user,
        image_hash=image_hash,
        defaults={"category": category, "created_at": timezone.now()},
        create_defaults={
            "category": category,
            "original_category": shared["category"],
            "provider": shared["provider"],
            "model": shared["model"],
        },
    )
    _queue_for_review(image_hash, category)
    # At once, not on commit: a flag that is true too early only costs a query; false too long would hide it.
    _set_flag(user.pk, True)
    return correction, created


def _queue_for_review(image_hash: str, category: str) -> None:
    users = Correction.objects.filter(image_hash=image_hash, category=category).count()  # one row per user
    if users < settings.CLASSIFIER_REVIEW_THRESHOLD:
        return
    review, created = CorrectionReview.objects.get_or_create(
        image_hash=image_hash, category=category, defaults={"users": users}
    )
    if not created and review.status == CorrectionReview.Status.PENDING:
        CorrectionReview.objects.filter(pk=review.pk).update(users=users)


@transaction.atomic
def correction_delete(*, user, image_hash: str) -> None:
    deleted, _ = Correction.objects.filter(user=user, image_hash=image_hash).delete()
    if not deleted:
        raise NotFound("没有这条纠错 (no such correction)")
    user_id = user.pk
    transaction.on_commit(lambda: _refresh_flag(user_id))  # after commit: the other way round from _save


@transaction.atomic
def review_decide(*, review_id: int, accept: bool, staff_user) -> bool:
    """Accept (the shared entry takes the category, for everyone) or reject (corrections stay personal) a pending
    review. False when it was already decided."""
    review = CorrectionReview.objects.select_for_update().filter(pk=review_id).first()
    if review is None or review.status != CorrectionReview.Status.PENDING:
        return False
    if accept:
        entry, _ = ImageClassification.objects.update_or_create(
            image_hash=review.image_hash,
            defaults={
                "category": review.category,
                "confidence": 1.0,
                "description": cache.GENERIC_DESCRIPTIONS.get(review.category, ""),
                "inference_method": InferenceMethod.STAFF,
                "provider": "staff",
                "model": "",
                "prompt_version": ai.PROMPT_VERSION,
            },
        )
        neardup.propagate_from(entry)  # entries reused from it follow the staff decision
        image_hash = review.image_hash
        transaction.on_commit(lambda: copies.forget([image_hash]))
    review.status = CorrectionReview.Status.ACCEPTED if accept else CorrectionReview.Status.REJECTED
    review.decided_at = timezone.now()
    review.decided_by = staff_user
    review.save(update_fields=["status", "decided_at", "decided_by"])
    return True
