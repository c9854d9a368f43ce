"""Design plans: request, generate (in a Celery task), refine into new versions, estimate."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from django.db import IntegrityError, transaction
from django.utils import timezone
from PIL import Image

from ai import services as ai
from core import jobs, lanes
from core.exceptions import Conflict, Invalid, Unavailable
from core.private_media import delete_private
from core.tasks import send_on_commit

from .. import engines, validation
from ..models import Customer, CustomerProfile, DesignPlan, InspirationImage
from ..prompts import ESTIMATE_INSTRUCTION, DesignBrief, design_prompt
from . import credits, daily, design_cache
from .images import delete_after_commit, load_image, store_bytes

logger = logging.getLogger(__name__)
Status = DesignPlan.Status
GENERATE_SIZE = (1024, 1024)


def _enqueue(plan: DesignPlan) -> None:
    from ..tasks import generate_design

    send_on_commit(generate_design, plan.pk)


def request_design(
    *,
    owner,
    customer: Customer,
    inspiration_images: Sequence[InspirationImage] = (),
    custom_prompt: str = "",
    design_target: str = DesignPlan.Target.FIVE,
    regenerate: bool = False,
) -> DesignPlan:
    """A new design: a copy of the artist's identical earlier one (``ready`` at once, ``from_cache``, free) unless
    ``regenerate``; otherwise queued (status ``queued``), holding credits when a paid model may draw it."""
    daily.ensure_today()
    return _request_design(owner, customer, inspiration_images, custom_prompt, design_target, regenerate)


@transaction.atomic
def _request_design(
    owner, customer, inspiration_images, custom_prompt, design_target, regenerate
) -> DesignPlan:
    if customer.owner_id != owner.pk or any(i.owner_id != owner.pk for i in inspiration_images):
        raise Invalid("validation_error", "只能使用自己的顾客和灵感图 (not your customer or inspiration)")
    plan = DesignPlan.objects.create(
        owner=owner, customer=customer, custom_prompt=custom_prompt, design_target=design_target
    )
    plan.inspiration_images.set(inspiration_images)
    return _copy_or_queue(plan, regenerate)


def refine_design(plan: DesignPlan, refinement_prompt: str, *, regenerate: bool = False) -> DesignPlan:
    """A new version of a ready design: same customer, inspirations and request, plus the refinement; answered
    from the cache like a new design."""
    daily.ensure_today()
    return _refine_design(plan, refinement_prompt, regenerate)


@transaction.atomic
def _refine_design(plan: DesignPlan, refinement_prompt: str, regenerate: bool) -> DesignPlan:
    if plan.status != Status.READY:
        raise Conflict(
            "design_not_ready", "设计尚未完成，不能修改 (design is not ready)", {"status": plan.status}
        )
    # Lock the chain's versions so two refinements cannot take the same number.
    latest = max(
        DesignPlan.objects.select_for_update().filter(lineage=plan.lineage).values_list("version", flat=True)
    )
    try:
        with transaction.atomic():
            child = DesignPlan.objects.create(
                owner=plan.owner,
                customer=plan.customer,
                custom_prompt=plan.custom_prompt,
                design_target=plan.design_target,
                lineage=plan.lineage,
                parent_design=plan,
                refinement_prompt=refinement_prompt,
                version=latest + 1,
            )
    except IntegrityError as exc:
        raise Conflict("conflict", "该设计正在被修改，请重试 (concurrent refinement, retry)") from exc
    child.inspiration_images.set(plan.inspiration_images.all())
    return _copy_or_queue(child, regenerate)


def _copy_or_queue(plan: DesignPlan, regenerate: bool) -> DesignPlan:
    """Answer from the artist's cache (no provider call, no credits held), or hold credits and queue."""
    brief = brief_for(plan)
    plan.cache_key = design_cache.key_for(plan, brief)
    hit = None if regenerate else design_cache.lookup(plan.owner, plan.cache_key)
    name = design_cache.copy_image(hit.image) if hit is not None else None
    if name is None:  # a miss, or the stored image went away since the lookup
        plan.save(update_fields=["cache_key"])
        daily.record(requests=1)
        _charge(plan)
        _enqueue(plan)
        return plan
    try:
        DesignPlan.objects.filter(pk=plan.pk).update(
            **_copied_fields(plan, hit, name, design_prompt(brief)), updated_at=timezone.now()
        )
        daily.record(requests=1, cache_hits=1)
    except BaseException:
        delete_private(name)
        raise
    plan.refresh_from_db()
    return plan


def _copied_fields(plan: DesignPlan, hit: DesignPlan, name: str, prompt: str) -> dict:
    return {
        "cache_key": plan.cache_key,
        "from_cache": True,
        "image": name,
        "ai_prompt": prompt,
        "design_description": hit.design_description,
        "provider": hit.provider,
        "status": Status.READY,
        "error": "",
        "generated_at": timezone.now(),
    }


def _charge(plan: DesignPlan) -> None:
    plan.credits_charged = credits.hold_for_generation(plan)
    if plan.credits_charged:
        plan.save(update_fields=["credits_charged"])


def release_unfinished(plans) -> None:
    """Give back the credits held for designs that will never be drawn (deleted while queued)."""
    for plan in plans:
        if plan.status in (Status.QUEUED, Status.GENERATING):
            credits.settle_generation(plan, charged=False)


@transaction.atomic
def delete_design(plan: DesignPlan) -> None:
    release_unfinished([plan])
    delete_after_commit(plan.image)
    plan.delete()


def _profile(customer: Customer) -> CustomerProfile:
    try:
        return customer.profile
    except CustomerProfile.DoesNotExist:
        return CustomerProfile(customer=customer)


def _refinements(plan: DesignPlan) -> tuple[str, ...]:
    steps: list[str] = []
    node: DesignPlan | None = plan
    while node is not None:
        if node.refinement_prompt:
            steps.append(node.refinement_prompt)
        node = node.parent_design
    return tuple(reversed(steps))


def brief_for(plan: DesignPlan) -> DesignBrief:
    """The design request as the customer's profile stands now, plus the chain's refinements."""
    profile = _profile(plan.customer)
    tags = sorted({tag.name for i in plan.inspiration_images.all() for tag in i.tags.all()})
    return DesignBrief(
        shape=profile.nail_shape,
        nail_size=profile.nail_size,
        target=plan.design_target,
        colours=tuple(profile.color_preferences),
        styles=tuple(profile.style_preferences),
        prohibitions=tuple(profile.prohibitions),
        custom_prompt=plan.custom_prompt,
        inspiration_tags=tuple(tags),
        inspiration_count=plan.inspiration_images.count(),
        refinements=_refinements(plan),
        nail_condition=profile.nail_condition,
    )


def _inspiration_images(plan: DesignPlan) -> tuple[Image.Image, ...]:
    return tuple(load_image(i.image) for i in plan.inspiration_images.all())


def generate(plan_id: int) -> DesignPlan | None:
    """The generation job: prompt from profile and inspirations, image from the AI layer, plan ``ready``.

    A message delivered twice draws once (``jobs.claim``: a live run makes the task retry later, a stalled
    one is taken over); a ready or failed plan is left as it is.
    """
    if jobs.claim(DesignPlan, plan_id, queued=Status.QUEUED, running=Status.GENERATING) is jobs.Claim.DONE:
        return None
    plan = DesignPlan.objects.select_related("customer", "owner", "parent_design").filter(pk=plan_id).first()
    if plan is None:
        return None
    with jobs.heartbeat(DesignPlan, plan.pk, running=Status.GENERATING):
        return _generate(plan)


def _generate(plan: DesignPlan) -> DesignPlan | None:
    daily.ensure_today()
    try:
        brief = brief_for(plan)
        plan.ai_prompt = design_prompt(brief)
        # The key of what is drawn now (the profile may have changed since the request).
        plan.cache_key = design_cache.key_for(plan, brief)
        inspirations = _inspiration_images(plan)
        # A refinement starts from the version it refines, then the inspirations.
        parent = (
            (load_image(plan.parent_design.image),) if plan.parent_design and plan.parent_design.image else ()
        )
        # Drawn again for the same key (regenerate): the offline renderer gives another variation.
        drawn = design_cache.originals(plan.owner, plan.cache_key).filter(status=Status.READY).count()
        seed = plan.version - 1 + drawn
        renderer = engines.DesignRenderer(engines.design_spec(brief, inspirations, seed=seed))
        result = ai.generate_image(
            plan.ai_prompt, parent + inspirations, GENERATE_SIZE, local=renderer, user=plan.owner
        )
        name = store_bytes(result.data, result.content_type, "nailstudio/designs")
    except ai.AIUnavailable as exc:
        logger.warning("design %s: no image provider answered: %s", plan.pk, exc.attempts)
        return _fail(plan, "图像生成服务暂不可用 (no image provider available)")
    except Exception:
        logger.exception("design %s: generation failed", plan.pk)
        return _fail(plan, "生成失败 (generation failed)")
    remote = result.call.provider != "local"
    finished = _finish(
        plan,
        charged=remote,
        image=name,
        provider=result.call.provider,
        cost=result.call.cost,
        design_description=renderer.description() or _describe(brief, result.call.provider),
        status=Status.READY,
        error="",
        generated_at=timezone.now(),
    )
    return plan if finished else None


def fail_stalled(plan: DesignPlan) -> None:
    """A design whose worker died twice: failed, its credits released."""
    _fail(plan, "生成中断 (generation was interrupted)")


def _fail(plan: DesignPlan, message: str) -> DesignPlan:
    _finish(plan, charged=False, status=Status.FAILED, error=message[:255])
    return plan


@transaction.atomic
def _finish(plan: DesignPlan, *, charged: bool, **fields) -> bool:
    """Store the outcome and settle the credits; False when the plan was deleted while it was being drawn."""
    fields.update(ai_prompt=plan.ai_prompt, cache_key=plan.cache_key, updated_at=timezone.now())
    if not charged:
        fields["credits_charged"] = 0
    updated = DesignPlan.objects.filter(pk=plan.pk).update(**fields)
    credits.settle_generation(plan, charged=charged and bool(updated))
    if not updated:
        delete_after_commit(fields.get("image", ""))
        return False
    if fields["status"] == Status.READY:
        daily.record(generated=1, cost=fields["cost"], credits=plan.credits_charged if charged else 0)
    else:
        daily.record(failed=1)
    for field, value in fields.items():
        setattr(plan, field, value)
    return True


def _describe(brief: DesignBrief, provider: str) -> str:
    parts = [f"由 {provider} 生成", f"{brief.shape} / {brief.nail_size} / {brief.target}"]
    if brief.colours:
        parts.append(f"配色 {' '.join(brief.colours)}")
    if brief.styles:
        parts.append(f"风格 {'、'.join(brief.styles)}")
    return "；".join(parts)


def _estimate_input(plan: DesignPlan) -> tuple[ai.ModelInput, engines.DesignSpec]:
    if plan.status != Status.READY or not plan.image:
        raise Conflict("design_not_ready", "设计尚未完成 (design is not ready)", {"status": plan.status})
    spec = engines.design_spec(brief_for(plan), _inspiration_images(plan), seed=plan.version - 1)
    return ai.ModelInput.of(load_image(plan.image)), spec


def _store_estimate(plan: DesignPlan, data: dict, calls: list) -> None:
    ai.save_calls(calls)
    DesignPlan.objects.filter(pk=plan.pk).update(
        estimated_duration_min=data["duration_min"],
        estimated_duration_max=data["duration_max"],
        material_list=data["materials"],
        complexity=data["complexity"],
        updated_at=timezone.now(),
    )


async def aestimate(*, user, plan: DesignPlan) -> dict:
    """Minutes, materials and complexity of a ready design, from a vision model or the offline estimator.

    Stored on the plan (``estimated_duration_min/max``, ``material_list``, ``complexity``); the answer is
    ``{duration_min, duration_max, materials, complexity, notes}``. Awaited from an async view: the model is
    waited on with no lane held, the reads and writes around it run in lanes (docs/async.md)."""
    model_input, spec = await lanes.run(_estimate_input, plan, lane="upload")
    with ai.deferred_call_log() as calls:
        try:
            result = await ai.aanalyze_image(
                model_input,
                ESTIMATE_INSTRUCTION,
                validate=validation.estimate,
                local=engines.estimator(spec),
                user=user,
            )
        except asyncio.CancelledError:  # the client went away: its attempts are still recorded
            lanes.submit(ai.save_calls, calls)
            raise
        except ai.AIUnavailable as exc:
            await lanes.run(ai.save_calls, calls)
            raise Unavailable("ai_unavailable", "分析服务暂不可用 (analysis unavailable)") from exc
    await lanes.run(_store_estimate, plan, result.data, calls)
    return result.data
