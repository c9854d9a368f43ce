"""Classification pipeline, one path for every entry point: validate → hash → cache → cheap screenshot rule →
remote chain (within the user's quota) → local fallback → cache → log.

A single upload is a batch of one. The work has three steps, so that waiting on a remote model holds no thread
and no database connection:
- ``_prepare`` (synchronous): validation, cache lookup, decoding, the rule, quota reservations, the offline model
  for images that will not go remote; an image bound for a remote model keeps only its downscaled model input;
- ``_infer`` (asynchronous): the remote calls, concurrently (CLASSIFY_BATCH_CONCURRENCY at a time);
- ``_finish`` (synchronous): the AI layer's call rows, local fallbacks, quota settlement, the cache, and the one
  finishing helper (request id, city, log row).
``classify_*`` run the three steps in the caller's thread; ``aclassify_*`` await them from async views, the
synchronous steps in lanes (``core.lanes``).
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.conf import settings

from ai import services as ai
from billing import services as billing
from billing.services.quota import UsedBy
from core import lanes
from core.exceptions import ApplicationError, ClientClosed, Failed, Invalid, PaymentRequired, Unavailable
from core.uploads import ValidatedImage, validate_image
from geo import services as geo

from ..models import InferenceMethod, RequestLog
from . import cache, neardup
from .budget import reduced
from .checkcache import hits
from .logs import log_rows

logger = logging.getLogger(__name__)
MODES = ("auto", "local", "remote")


@dataclass(kw_only=True)
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
    reused_from: int | None = None  # the cache entry a near-duplicate's answer came from

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
        if self.reused_from is not None:
            data["reused"] = True
        if with_labels:
            data["labels"] = self.labels
        return data


def error_dict(exc: ApplicationError) -> dict:
    return {"error": {"code": exc.code, "message": exc.message, "details": exc.details}}


@dataclass
class _Item:
    """One distinct image of a batch on its way through the pipeline."""

    image: ValidatedImage  # its pixels and bytes are freed once a remote call is all that is left
    size: int = 0  # bytes of the upload
    outcome: Outcome | ApplicationError | None = None
    model_input: ai.ModelInput | None = None  # set while it waits on a remote model
    quota_used: UsedBy | None = None
    quota: str | None = None
    fingerprint: neardup.phash.Fingerprint | None = None  # of the decoded image, stored with its entry

    @property
    def quota_reference(self) -> str:
        return f"classify:{self.image.sha256[:16]}"


@dataclass
class _Batch:
    user: object
    mode: str
    started: float
    entries: list[ValidatedImage | ApplicationError]  # in upload order
    items: dict[str, _Item] = field(default_factory=dict)  # by hash; identical images are classified once
    calls: list = field(default_factory=list)  # the AI layer's deferred call rows

    def waiting(self) -> list[_Item]:
        return [item for item in self.items.values() if item.model_input is not None and item.outcome is None]


def city_location(exif) -> dict | None:
    """City-level place of a photo with GPS EXIF; exact coordinates are neither returned nor stored."""
    point = geo.gps_from_exif(exif)
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


def provider_unavailable() -> ApplicationError:
    return Unavailable("provider_unavailable", "没有可用的远程模型 (no remote provider available)")


def _item_failed(exc: Exception) -> ApplicationError:
    """An unexpected error inside one image: that image's error, the others go on."""
    logger.error("classification of one image failed", exc_info=exc)
    return Failed("classify_failed", "这张图片分类失败 (classification failed)")


def check_mode(mode: str) -> str:
    if mode not in MODES:
        raise Invalid("invalid_mode", "mode 只能是 auto、local 或 remote", {"mode": mode, "allowed": MODES})
    return mode


def validate_uploads(uploads: list) -> list[ValidatedImage | ApplicationError]:
    """Header checks only: a cache hit needs the hash, not the pixels (identical bytes decoded fine before)."""
    entries: list[ValidatedImage | ApplicationError] = []
    for upload in uploads:
        try:
            entries.append(validate_image(upload, decode=False))
        except ApplicationError as exc:
            entries.append(exc)
        finally:
            if upload is not None:
                upload.close()  # its bytes were copied: the parsed upload need not hold another copy
    return entries


def _check_declared_hash(image: ValidatedImage | ApplicationError, declared_hash: str | None) -> None:
    if isinstance(image, ApplicationError):
        raise image
    if declared_hash is not None and cache.normalise_hash(declared_hash) != image.sha256:
        raise Invalid(
            "hash_mismatch",
            "image_hash 与上传内容不一致 (hash does not match the upload)",
            {"computed": image.sha256},
        )


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
        image_hash=image.sha256,
        category=hit.category,
        confidence=hit.confidence,
        description=hit.description,
        from_cache=False,
        inference_method=InferenceMethod.RULE,
        provider="rule",
        labels=hit.labels,
        model="screenshot-rule",
    )


def _outcome(item: _Item, result, method: str) -> Outcome:
    call = result.call
    return Outcome(
        image_hash=item.image.sha256,
        category=result.category,
        confidence=result.confidence,
        description=result.description,
        from_cache=False,
        inference_method=method,
        provider=call.provider,
        cost=call.cost,
        labels=result.labels,
        quota=item.quota,
        model=call.model,
    )


def _local(item: _Item, user, image) -> Outcome | ApplicationError:
    try:
        result = ai.classify_photo(
            image, chain=["local"], user=user, source_format=item.image.format, exif=dict(item.image.exif)
        )
    except ai.AIUnavailable:
        return Unavailable("classifier_unavailable", "本地模型不可用 (local model unavailable)")
    return _outcome(item, result, InferenceMethod.LOCAL)


def _reserve(item: _Item, mode: str, user) -> bool:
    """Decide remote or local for one miss and take the quota (member / free / credits) for a remote call."""
    if mode == "local":
        return False
    if not ai.remote_available("classify_photo", cache.remote_chain()):
        if mode == "remote":
            raise provider_unavailable()
        return False
    if user is None:  # an operator's command-line run: no user quota applies
        return True
    used = billing.consume_remote_classification(user=user, reference=item.quota_reference)
    if used == "exceeded":
        if mode == "remote":
            raise PaymentRequired(
                "insufficient_credits", "今日免费额度和积分已用完 (quota and credits exhausted)"
            )
        item.quota = "exceeded"
        return False
    item.quota_used = used
    return True


def _reused(item: _Item, user) -> Outcome | None:
    """A near-duplicate's paid answer, when the guards allow it (neardup.py)."""
    image = item.image
    assert item.fingerprint is not None  # set when the image was decoded, before any lookup
    reuse = neardup.find(item.fingerprint, user=user)
    if reuse is None or not neardup.agrees(
        reuse, image.image, user=user, source_format=image.format, exif=dict(image.exif)
    ):
        return None
    source = reuse.source
    return Outcome(
        image_hash=image.sha256,
        category=source.category,
        confidence=source.confidence,
        description=source.description,
        from_cache=False,
        inference_method=InferenceMethod.REUSE,
        provider=source.provider,
        model=source.model,
        reused_from=source.id,
    )


def _prepare_item(item: _Item, mode: str, user, *, use_cache: bool) -> None:
    # One full-size image in memory at a time: each is shrunk to what the models need before the next is decoded.
    image = item.image = reduced(item.image.decode(max_side=settings.CLASSIFY_BATCH_IMAGE_SIDE))
    if use_cache:
        item.fingerprint = neardup.fingerprint(image.image)
        item.outcome = _rule(image) if mode != "remote" else None
        if item.outcome is None and mode == "auto":
            item.outcome = _reused(item, user)
        if item.outcome is not None:
            return
        if _reserve(item, mode, user):
            item.model_input = ai.ModelInput.of(image.image)
            # A request waiting on a model holds its model input only: the decoded pixels and the bytes go.
            image.image.close()
            item.image = replace(image, raw=b"")
            return
    item.outcome = _local(item, user, image.image)


def _prepare(*, user, mode: str, entries: list, use_cache: bool = True) -> _Batch:
    batch = _Batch(user=user, mode=check_mode(mode), started=time.perf_counter(), entries=entries)
    images = {e.sha256: e for e in entries if isinstance(e, ValidatedImage)}
    found = cache.fresh_entries(list(images), mode=mode) if use_cache else {}
    hits.count_hits(Counter(found.keys()), dict.fromkeys(found, time.time()))
    for image_hash, image in images.items():
        item = batch.items[image_hash] = _Item(image, size=image.size)
        if image_hash in found:
            item.outcome = _from_entry(found[image_hash], batch.started)
            continue
        try:
            _prepare_item(item, mode, user, use_cache=use_cache)
        except ApplicationError as exc:
            item.outcome = exc
        except Exception as exc:  # one image's failure is that image's error
            item.outcome = _item_failed(exc)
    # What is left to finish needs each upload's hash and EXIF, not its bytes or pixels (in place: the
    # caller's references to the list see the light copies too).
    entries[:] = [
        replace(e, raw=b"", image=None) if isinstance(e, ValidatedImage) else e  # type: ignore[arg-type]  # light copy
        for e in entries
    ]
    return batch


async def _infer(batch: _Batch) -> None:
    """The remote calls of the batch, at most CLASSIFY_BATCH_CONCURRENCY at a time. An image whose chain fails
    is left for the local fallback in ``_finish`` (or fails, in remote mode)."""
    gate = asyncio.Semaphore(max(1, settings.CLASSIFY_BATCH_CONCURRENCY))

    async def one(item: _Item) -> None:
        async with gate:
            try:
                result = await ai.aclassify_photo(
                    item.model_input,
                    chain=cache.remote_chain(),
                    user=batch.user,
                    source_format=item.image.format,
                    exif=dict(item.image.exif),
                )
            except ai.AIUnavailable:
                if batch.mode == "remote":
                    item.outcome = provider_unavailable()
                return
            except Exception as exc:  # one image's failure is that image's error
                item.outcome = _item_failed(exc)
                return
            item.outcome = _outcome(item, result, InferenceMethod.REMOTE)

    with ai.deferred_call_log() as calls:
        try:
            await asyncio.gather(*(one(item) for item in batch.waiting()))
        finally:
            batch.calls.extend(calls)


def _settle(batch: _Batch) -> None:
    """Save the AI layer's call rows; give back the quota of remote calls that did not happen after all."""
    ai.save_calls(batch.calls)
    batch.calls = []
    for item in batch.items.values():
        outcome = item.outcome
        remote = isinstance(outcome, Outcome) and outcome.inference_method == InferenceMethod.REMOTE
        if item.quota_used and not remote:
            billing.release_remote_classification(
                user=batch.user, used=item.quota_used, reference=item.quota_reference
            )
            item.quota_used = None


def _abandon(batch: _Batch) -> None:
    """The client went away while the batch waited on a model: settle what was taken, store nothing."""
    for item in batch.waiting():
        item.outcome = ClientClosed("client_closed_request", "client disconnected")
    _settle(batch)


def _abandon_when_prepared(done: asyncio.Future) -> None:
    if not done.cancelled() and done.exception() is None:
        lanes.submit(_abandon, done.result())


def _store(outcome: Outcome, item: _Item, user) -> None:
    cache.store(
        image_hash=outcome.image_hash,
        category=outcome.category,
        confidence=outcome.confidence,
        description=outcome.description,
        method=outcome.inference_method,
        provider=outcome.provider,
        model=outcome.model,
        image_size=item.size,
        user=user,
        reused_from=outcome.reused_from,
        **neardup.columns(item.fingerprint),
    )
    outcome.description = cache.GENERIC_DESCRIPTIONS.get(outcome.category, outcome.description)


def _finish(
    batch: _Batch, *, ip, endpoint: str, request_id, use_cache: bool = True
) -> list[Outcome | ApplicationError]:
    """Local fallbacks, settlement, the cache, then the finishing helper: one result per upload, in order."""
    ai.save_calls(batch.calls)  # first: the remote attempts came before any local fallback
    batch.calls = []
    for item in batch.waiting():  # every remote provider failed: the offline model answers
        try:
            assert item.model_input is not None  # every waiting item holds its model input
            item.outcome = _local(item, batch.user, item.model_input.pil())
        except Exception as exc:
            item.outcome = _item_failed(exc)
        item.model_input = None
    _settle(batch)
    elapsed = int((time.perf_counter() - batch.started) * 1000)
    for item in batch.items.values():
        outcome = item.outcome
        if isinstance(outcome, Outcome) and not outcome.from_cache:
            if use_cache:
                _store(outcome, item, batch.user)
            outcome.processing_time_ms = elapsed
    results = [batch.items[e.sha256].outcome if isinstance(e, ValidatedImage) else e for e in batch.entries]
    return finish_results(
        batch.entries,
        results,
        user=batch.user,
        ip=ip,
        endpoint=endpoint,
        request_id=request_id,
        elapsed_ms=elapsed,
    )


def finish_results(entries, results, *, user, ip, endpoint: str, request_id, elapsed_ms: int = 0):
    """The one finishing step of every classification: request id, city and a log row per result."""
    request_id = str(request_id or uuid.uuid4())
    rows = []
    for entry, result in zip(entries, results, strict=True):
        image_hash = entry.sha256 if isinstance(entry, ValidatedImage) else ""
        if isinstance(result, ApplicationError):
            rows.append(
                RequestLog(
                    request_id=request_id,
                    user=user,
                    ip_address=ip,
                    endpoint=endpoint,
                    image_hash=image_hash,
                    status=RequestLog.Status.ERROR,
                    error_code=result.code,
                    processing_time_ms=elapsed_ms,
                )
            )
            continue
        result.request_id = request_id
        result.location = city_location(entry.exif)
        rows.append(
            RequestLog(
                request_id=request_id,
                user=user,
                ip_address=ip,
                endpoint=endpoint,
                image_hash=result.image_hash,
                category=result.category,
                confidence=result.confidence,
                from_cache=result.from_cache,
                inference_method=result.inference_method,
                provider=result.provider,
                processing_time_ms=result.processing_time_ms,
                cost=result.cost,
                city=(result.location or {}).get("city") or "",
            )
        )
    log_rows(rows)
    return results


def classify_images(
    *,
    user,
    entries: list,
    mode: str = "auto",
    ip=None,
    endpoint: str,
    request_id=None,
    use_cache: bool = True,
) -> list[Outcome | ApplicationError]:
    """The pipeline in the caller's thread (commands, Celery tasks, the embedded server)."""
    batch = _prepare(user=user, mode=mode, entries=entries, use_cache=use_cache)
    if batch.waiting():
        ai.wait_on(_infer(batch))
    return _finish(batch, ip=ip, endpoint=endpoint, request_id=request_id, use_cache=use_cache)


async def aclassify_images(
    *, user, entries: list, mode: str = "auto", ip=None, endpoint: str, request_id=None
) -> list[Outcome | ApplicationError]:
    """The pipeline for async views: synchronous steps in lanes, remote models awaited with no lane held. A
    cancelled request (the client went away) cancels its remote calls and settles its quota."""
    preparing = asyncio.ensure_future(
        lanes.run(_prepare, user=user, mode=mode, entries=entries, lane="upload")
    )
    try:
        batch = await asyncio.shield(preparing)
    except asyncio.CancelledError:  # the step goes on in its lane: settle what it reserves once it is done
        preparing.add_done_callback(_abandon_when_prepared)
        raise
    try:
        await _infer(batch)
    except asyncio.CancelledError:
        lanes.submit(_abandon, batch)
        raise
    return await lanes.run(_finish, batch, ip=ip, endpoint=endpoint, request_id=request_id, lane="upload")


def _single(results: list[Outcome | ApplicationError]) -> Outcome:
    (result,) = results
    if isinstance(result, ApplicationError):
        raise result
    return result


def classify_upload(
    *, user, upload, declared_hash: str | None = None, mode: str = "auto", ip=None, request_id=None
) -> Outcome:
    check_mode(mode)
    (image,) = entries = validate_uploads([upload])
    _check_declared_hash(image, declared_hash)
    return _single(
        classify_images(
            user=user, entries=entries, mode=mode, ip=ip, endpoint="classify", request_id=request_id
        )
    )


async def aclassify_upload(
    *, user, upload, declared_hash: str | None = None, mode: str = "auto", ip=None, request_id=None
) -> Outcome:
    check_mode(mode)
    entries = await lanes.run(validate_uploads, [upload], lane="upload")
    _check_declared_hash(entries[0], declared_hash)
    results = await aclassify_images(
        user=user, entries=entries, mode=mode, ip=ip, endpoint="classify", request_id=request_id
    )
    return _single(results)


def classify_local_only(*, user, upload, ip=None, request_id=None) -> Outcome:
    """The local engine alone (no cache, no quota): what it sees is returned in ``labels``."""
    image = validate_image(upload)
    results = classify_images(
        user=user,
        entries=[image],
        mode="local",
        ip=ip,
        endpoint="local-classify",
        request_id=request_id,
        use_cache=False,
    )
    return _single(results)


def _as_dicts(results: list[Outcome | ApplicationError]) -> list[dict]:
    return [error_dict(r) if isinstance(r, ApplicationError) else r.as_dict() for r in results]


def classify_batch(*, user, uploads: list, mode: str = "auto", ip=None, request_id=None) -> list[dict]:
    """One result or one ``{"error": ...}`` per upload, in order; identical images are classified once."""
    check_mode(mode)
    results = classify_images(
        user=user,
        entries=validate_uploads(uploads),
        mode=mode,
        ip=ip,
        endpoint="classify-batch",
        request_id=request_id,
    )
    return _as_dicts(results)


async def aclassify_batch(*, user, uploads: list, mode: str = "auto", ip=None, request_id=None) -> list[dict]:
    check_mode(mode)
    entries = await lanes.run(validate_uploads, uploads, lane="upload")
    results = await aclassify_images(
        user=user, entries=entries, mode=mode, ip=ip, endpoint="classify-batch", request_id=request_id
    )
    return _as_dicts(results)
