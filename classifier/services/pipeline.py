"""Classification pipeline: validate → hash → cache → cheap screenshot rule → remote chain (within the user's
quota) → local fallback → cache → log.

Inference (``_infer``) touches no database rows of its own except the AI call log, so batches can run it in
worker threads with ``ai.deferred_call_log`` and write everything else from the request's thread.
"""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import connection

from ai import services as ai
from ai.models import AICall
from billing import services as billing
from core.errors import ApiError
from core.uploads import ValidatedImage, validate_image
from geo import services as geo

from ..models import InferenceMethod, RequestLog
from . import cache
from .budget import reduced
from .logs import log_rows

MODES = ("auto", "local", "remote")


@dataclass
class Outcome:
    image_hash: str
    category: str
    confidence: float
    description: str
    from_cache: bool
    inference_method: str
    provider: str
    processing_time_ms: int = 0
    cost: Decimal = Decimal(0)
    labels: dict = field(default_factory=dict)
    quota: str | None = None
    request_id: str = ""
    location: dict | None = None
    model: str = ""

    def as_dict(self, *, with_labels: bool = False) -> dict:
        data = {
            "request_id": self.request_id,
            "image_hash": self.image_hash,
            "category": self.category,
            "category_label": ai.BY_CODE[self.category].name_zh,
            "confidence": self.confidence,
            "description": self.description,
            "from_cache": self.from_cache,
            "inference_method": self.inference_method,
            "provider": self.provider,
            "processing_time_ms": self.processing_time_ms,
        }
        if self.quota:
            data["quota"] = self.quota
        if self.location:
            data["location"] = self.location
        if with_labels:
            data["labels"] = self.labels
        return data


@dataclass
class _Pending:
    image: ValidatedImage
    mode: str
    use_remote: bool = False
    quota_used: str | None = None
    quota: str | None = None

    @property
    def quota_reference(self) -> str:
        return f"classify:{self.image.sha256[:16]}"


def city_location(image: ValidatedImage) -> dict | None:
    """City-level place of a photo with GPS EXIF; exact coordinates are neither returned nor stored."""
    point = geo.gps_from_exif(image.exif)
    if point is None:
        return None
    place = geo.locate(point).place
    if not place.country_code:
        return None
    return {
        "country_code": place.country_code,
        "country": place.country,
        "province": place.province,
        "city": place.city or place.province,
    }


def provider_unavailable() -> ApiError:
    return ApiError(503, "provider_unavailable", "没有可用的远程模型 (no remote provider available)")


def _from_entry(entry, started: float) -> Outcome:
    return Outcome(
        image_hash=entry.image_hash,
        category=entry.category,
        confidence=entry.confidence,
        description=entry.description,
        from_cache=True,
        inference_method=InferenceMethod.CACHE,
        provider=entry.provider,
        processing_time_ms=int((time.perf_counter() - started) * 1000),
    )


def _rule(image: ValidatedImage) -> Outcome | None:
    hit = ai.screenshot_rule(image.image, source_format=image.format, exif=dict(image.exif))
    if hit is None:
        return None
    return Outcome(
        image.sha256,
        hit.category,
        hit.confidence,
        hit.description,
        False,
        InferenceMethod.RULE,
        "rule",
        labels=hit.labels,
        model="screenshot-rule",
    )


def _infer(pending: _Pending, user) -> tuple[Outcome | None, ApiError | None]:
    """Remote when allowed, else (or on failure) local. Returns the outcome or the error for this image."""
    image = pending.image
    kwargs = {"user": user, "raw": image.raw, "source_format": image.format, "exif": dict(image.exif)}
    result, method = None, InferenceMethod.REMOTE
    if pending.use_remote:
        try:
            result = ai.classify_photo(image.image, chain=cache.remote_chain(), **kwargs)
        except ai.AIUnavailable:
            if pending.mode == "remote":
                return None, provider_unavailable()
    if result is None:
        method = InferenceMethod.LOCAL
        try:
            result = ai.classify_photo(image.image, chain=["local"], **kwargs)
        except ai.AIUnavailable:
            return None, ApiError(503, "classifier_unavailable", "本地模型不可用 (local model unavailable)")
    call = result.call
    outcome = Outcome(
        image.sha256,
        result.category,
        result.confidence,
        result.description,
        False,
        method,
        call.provider,
        cost=call.cost,
        labels=result.labels,
        quota=pending.quota,
        model=call.model,
    )
    return outcome, None


def _reserve(pending: _Pending, user) -> None:
    """Decide remote or local for one miss and take the quota (member / free / credits) for a remote call."""
    mode = pending.mode
    if mode == "local":
        return
    if not ai.remote_available("classify_photo", cache.remote_chain()):
        if mode == "remote":
            raise provider_unavailable()
        return
    if user is None:  # an operator's command-line run: no user quota applies
        pending.use_remote = True
        return
    used = billing.consume_remote_classification(user=user, reference=pending.quota_reference)
    if used == "exceeded":
        if mode == "remote":
            raise ApiError(
                402, "insufficient_credits", "今日免费额度和积分已用完 (quota and credits exhausted)"
            )
        pending.quota = "exceeded"
        return
    pending.use_remote, pending.quota_used = True, used


def _settle(pending: _Pending, outcome: Outcome | None, user) -> None:
    """Give the quota back when the remote call did not happen after all."""
    if pending.quota_used and (outcome is None or outcome.inference_method != InferenceMethod.REMOTE):
        billing.release_remote_classification(
            user=user, used=pending.quota_used, reference=pending.quota_reference
        )


def _store(outcome: Outcome, image: ValidatedImage) -> None:
    cache.store(
        image_hash=outcome.image_hash,
        category=outcome.category,
        confidence=outcome.confidence,
        description=outcome.description,
        method=outcome.inference_method,
        provider=outcome.provider,
        model=outcome.model,
        image_size=image.size,
    )
    outcome.description = cache.GENERIC_DESCRIPTIONS.get(outcome.category, outcome.description)


def log_row(
    outcome: Outcome | None,
    *,
    user,
    ip,
    endpoint,
    request_id,
    image_hash="",
    error: ApiError | None = None,
    elapsed_ms: int = 0,
) -> RequestLog:
    if outcome is None:
        return RequestLog(
            request_id=request_id,
            user=user,
            ip_address=ip,
            endpoint=endpoint,
            image_hash=image_hash,
            status=RequestLog.Status.ERROR,
            error_code=error.code if error else "",
            processing_time_ms=elapsed_ms,
        )
    return RequestLog(
        request_id=request_id,
        user=user,
        ip_address=ip,
        endpoint=endpoint,
        image_hash=outcome.image_hash,
        category=outcome.category,
        confidence=outcome.confidence,
        from_cache=outcome.from_cache,
        inference_method=outcome.inference_method,
        provider=outcome.provider,
        processing_time_ms=outcome.processing_time_ms,
        cost=outcome.cost,
        city=(outcome.location or {}).get("city") or "",
    )


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise ApiError(
            400, "invalid_mode", "mode 只能是 auto、local 或 remote", {"mode": mode, "allowed": MODES}
        )
    return mode


def classify_upload(
    *,
    user,
    upload,
    declared_hash: str | None = None,
    mode: str = "auto",
    ip: str | None = None,
    request_id=None,
) -> Outcome:
    started = time.perf_counter()
    mode = check_mode(mode)
    # Header checks only: a cache hit needs the hash, not the pixels (identical bytes decoded fine before).
    image = validate_image(upload, decode=False)
    if declared_hash is not None and cache.normalise_hash(declared_hash) != image.sha256:
        raise ApiError(
            400,
            "hash_mismatch",
            "image_hash 与上传内容不一致 (hash does not match the upload)",
            {"computed": image.sha256},
        )
    request_id = request_id or uuid.uuid4()
    outcome = classify_validated(image, user=user, mode=mode, started=started)
    outcome.request_id = str(request_id)
    outcome.location = city_location(image)
    log_rows([log_row(outcome, user=user, ip=ip, endpoint="classify", request_id=request_id)])
    return outcome


def classify_validated(image: ValidatedImage, *, user, mode: str, started: float) -> Outcome:
    entry = cache.fresh_entries([image.sha256], mode=mode).get(image.sha256)
    if entry is not None:
        cache.record_hits([image.sha256])
        return _from_entry(entry, started)
    image = image.decode()
    outcome = _rule(image) if mode != "remote" else None
    if outcome is None:
        pending = _Pending(image, mode)
        _reserve(pending, user)
        outcome, error = _infer(pending, user)
        _settle(pending, outcome, user)
        if error:
            raise error
    _store(outcome, image)
    outcome.processing_time_ms = int((time.perf_counter() - started) * 1000)
    return outcome


def classify_local_only(*, user, upload, ip: str | None = None, request_id=None) -> Outcome:
    """The local engine alone (no cache, no quota): what it sees is returned in ``labels``."""
    started = time.perf_counter()
    image = validate_image(upload)
    outcome, error = _infer(_Pending(image, "local"), user)
    if error:
        raise error
    outcome.processing_time_ms = int((time.perf_counter() - started) * 1000)
    outcome.request_id = str(request_id or uuid.uuid4())
    log_rows([log_row(outcome, user=user, ip=ip, endpoint="local-classify", request_id=outcome.request_id)])
    return outcome


def _infer_in_thread(pending: _Pending, user):
    try:
        with ai.deferred_call_log() as calls:
            return (*_infer(pending, user), calls)
    finally:
        connection.close()  # each worker thread opened its own connection (if any)


def classify_batch(
    *, user, uploads: list, mode: str = "auto", ip: str | None = None, request_id=None
) -> list[dict]:
    """One result or one ``{"error": ...}`` per upload, in order. Misses are classified concurrently (bounded
    by CLASSIFY_BATCH_CONCURRENCY); identical images in one batch are classified once."""
    mode = check_mode(mode)
    request_id = request_id or uuid.uuid4()
    started = time.perf_counter()
    items: list[ValidatedImage | ApiError] = []
    for upload in uploads:
        try:
            items.append(validate_image(upload, decode=False))
        except ApiError as exc:
            items.append(exc)
    images = {item.sha256: item for item in items if isinstance(item, ValidatedImage)}
    entries = cache.fresh_entries(list(images), mode=mode)
    cache.record_hits(list(entries))

    outcomes: dict[str, Outcome | ApiError] = {h: _from_entry(e, started) for h, e in entries.items()}
    fresh: list[Outcome] = []
    pending: list[_Pending] = []
    for image_hash, image in list(images.items()):
        if image_hash in outcomes:
            continue
        try:
            # One full-size image in memory at a time, and a JPEG decoded no larger than it needs to be.
            image = images[image_hash] = reduced(image.decode(max_side=settings.CLASSIFY_BATCH_IMAGE_SIDE))
        except ApiError as exc:
            outcomes[image_hash] = exc
            continue
        rule = _rule(image) if mode != "remote" else None
        if rule is not None:
            outcomes[image_hash] = rule
            fresh.append(rule)
            continue
        item = _Pending(image, mode)
        try:
            _reserve(item, user)
        except ApiError as exc:
            outcomes[image_hash] = exc
            continue
        pending.append(item)

    workers = max(1, min(settings.CLASSIFY_BATCH_CONCURRENCY, len(pending)))
    with ThreadPoolExecutor(max_workers=workers) as pool:
        inferred = list(pool.map(lambda p: _infer_in_thread(p, user), pending))
    for item, (outcome, error, calls) in zip(pending, inferred, strict=True):
        AICall.objects.bulk_create(calls)
        _settle(item, outcome, user)
        outcomes[item.image.sha256] = outcome if outcome is not None else error
        if outcome is not None:
            fresh.append(outcome)

    elapsed = int((time.perf_counter() - started) * 1000)
    for outcome in fresh:
        _store(outcome, images[outcome.image_hash])
        outcome.processing_time_ms = elapsed
    results, rows = [], []
    for item in items:
        key = item.sha256 if isinstance(item, ValidatedImage) else None
        result = outcomes[key] if key else item
        if isinstance(result, ApiError):
            results.append(
                {"error": {"code": result.code, "message": result.message, "details": result.details}}
            )
            rows.append(
                log_row(
                    None,
                    user=user,
                    ip=ip,
                    endpoint="classify-batch",
                    request_id=request_id,
                    image_hash=key or "",
                    error=result,
                    elapsed_ms=elapsed,
                )
            )
            continue
        result.request_id = str(request_id)
        result.location = city_location(item)
        results.append(result.as_dict())
        rows.append(log_row(result, user=user, ip=ip, endpoint="classify-batch", request_id=request_id))
    log_rows(rows)
    return results
