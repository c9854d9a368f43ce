"""Ad-hoc analysis of one image and comparison of two, answered at once: nothing is stored or scored.

Images are the artist's own: an upload (checked like every upload), one of their inspirations, a profile photo of
one of their customers or, for comparisons, one of their ready designs; anyone else's id is 404.
"""

from __future__ import annotations

from django.http import Http404
from PIL import Image

from ai import services as ai
from core.exceptions import Conflict, Invalid, Unavailable
from core.uploads import validate_image

from ..models import CustomerPhoto, DesignPlan, InspirationImage
from .images import load_image
from .records import compare_pictures, comparison_fields


def check_analysis_type(analysis_type: str) -> None:
    if analysis_type not in ai.ANALYSIS_TYPES:
        raise Invalid(
            "invalid_analysis_type",
            "未知的分析类型 (unknown analysis type)",
            {"analysis_type": analysis_type, "allowed": list(ai.ANALYSIS_TYPES)},
        )


def _owned(queryset, pk) -> object:
    row = queryset.filter(pk=pk).first()
    if row is None:
        raise Http404
    return row


def _uploaded(upload) -> Image.Image:
    return validate_image(upload).image.convert("RGB")


def _one_source(owner, *, upload, inspiration_id, photo_id) -> Image.Image:
    given = [source for source in (upload, inspiration_id, photo_id) if source is not None]
    if len(given) != 1:
        raise Invalid(
            "validation_error",
            "请只提供 image、inspiration_id、photo_id 之一 (give exactly one image source)",
            {"image": ["give exactly one of image, inspiration_id, photo_id"]},
        )
    if upload is not None:
        return _uploaded(upload)
    if inspiration_id is not None:
        return load_image(_owned(InspirationImage.objects.filter(owner=owner), inspiration_id).image)
    return load_image(_owned(CustomerPhoto.objects.filter(customer__owner=owner), photo_id).image)


def analyse(
    *, owner, analysis_type: str, upload=None, inspiration_id: int | None = None, photo_id: int | None = None
) -> dict:
    """One analysis: remote vision models first (an AICall per attempt), the offline engine otherwise."""
    check_analysis_type(analysis_type)
    image = _one_source(owner, upload=upload, inspiration_id=inspiration_id, photo_id=photo_id)
    try:
        result = ai.analyze_image(image, analysis_type=analysis_type, user=owner)
    except ai.AIUnavailable as exc:
        raise Unavailable("ai_unavailable", "分析服务暂不可用 (analysis unavailable)") from exc
    return {
        "analysis_type": analysis_type,
        "result": result.data,
        "provider": result.call.provider,
        "model": result.call.model,
    }


def compare(*, owner, actual_image, reference=None, design_id: int | None = None) -> dict:
    """A photo against an uploaded reference or one of the artist's ready designs, in the answer shape of a
    service comparison; not stored and not scored into abilities."""
    if (reference is None) == (design_id is None):
        raise Invalid(
            "validation_error",
            "请只提供 reference 或 design_id 之一 (give a reference image or a design_id)",
            {"reference": ["give exactly one of reference, design_id"]},
        )
    actual = _uploaded(actual_image)
    inspirations: tuple[Image.Image, ...] = ()
    if design_id is not None:
        design = _owned(DesignPlan.objects.filter(owner=owner), design_id)
        if design.status != DesignPlan.Status.READY or not design.image:
            raise Conflict(
                "design_not_ready", "设计尚未完成 (design is not ready)", {"status": design.status}
            )
        source = load_image(design.image)
        inspirations = tuple(load_image(i.image) for i in design.inspiration_images.all())
    else:
        source = _uploaded(reference)
    try:
        result = compare_pictures(source, actual, inspirations, user=owner)
    except ai.AIUnavailable as exc:
        raise Unavailable("ai_unavailable", "对比服务暂不可用 (comparison unavailable)") from exc
    return {"status": "ready", **comparison_fields(result), "error": ""}
