"""The AI layer's public interface: one function per capability, typed results.

Callers (classifier, image editing, nail studio) use only these functions and the types in ``ai.types``.
Each raises ``AIUnavailable`` when no provider of the chain produced a valid answer.
"""

from __future__ import annotations

from collections.abc import Callable

from PIL import Image

from . import analysis, router, validation
from .errors import AIUnavailable, InvalidOutput
from .images import ModelInput, sniff_content_type
from .prompts import PROMPT_VERSION
from .providers import PROVIDERS
from .router import deferred_call_log, save_calls
from .taxonomy import BY_CODE, CATEGORIES, CODES
from .types import (
    AnalyzeRequest,
    Classification,
    ClassifyRequest,
    CompareRequest,
    EditRequest,
    GenerateRequest,
    ImageResult,
    JsonResult,
)

__all__ = [
    "ANALYSIS_TYPES",
    "BY_CODE",
    "CATEGORIES",
    "CODES",
    "PROMPT_VERSION",
    "AIUnavailable",
    "InvalidOutput",
    "ModelInput",
    "aanalyze_image",
    "aclassify_photo",
    "analyze_image",
    "chain_models",
    "classify_photo",
    "compare_images",
    "deferred_call_log",
    "edit_image",
    "generate_image",
    "remote_available",
    "require_fields",
    "save_calls",
    "screenshot_rule",
    "wait_on",
]

require_fields = validation.require_fields
wait_on = router.wait_on
ANALYSIS_TYPES = analysis.ANALYSIS_TYPES


def remote_available(capability: str = "classify_photo", chain: list[str] | None = None) -> bool:
    """True when some non-local provider of the chain would be tried now."""
    return any(name != "local" for name in router.usable_providers(capability, chain))


def chain_models(capability: str, chain: list[str] | None = None) -> list[str]:
    """``provider:model`` of each configured provider of the chain, in order (breakers aside): what a stored
    result depends on, so a cache keyed on it misses when a key or a model changes."""
    names = router.chain_for(capability, chain)
    usable = [
        name for name in names if (p := PROVIDERS.get(name)) and p.supports(capability) and p.configured()
    ]
    return [f"{name}:{PROVIDERS[name].model_for(capability)}" for name in usable]


def screenshot_rule(image: Image.Image, *, source_format: str | None = None, exif: dict | None = None):
    """The local engine's cheap screenshot check (no models, no provider call): a result or None."""
    from .local import photo

    return photo.screenshot_rule(image, source_format=source_format, exif=exif)


def classify_photo(
    image: Image.Image,
    *,
    user=None,
    chain: list[str] | None = None,
    source_format: str | None = None,
    exif: dict | None = None,
) -> Classification:
    request = ClassifyRequest(image=image, source_format=source_format, exif=exif)
    value, call = router.run(
        "classify_photo", request, user=user, chain=chain, validate=validation.classification
    )
    return Classification(call=call, **value)


async def aclassify_photo(
    image,
    *,
    user=None,
    chain: list[str] | None = None,
    source_format: str | None = None,
    exif: dict | None = None,
) -> Classification:
    """``classify_photo`` awaited on the running event loop (no thread held while the model answers). Needs
    ``deferred_call_log()`` around it; the rows go to ``save_calls`` afterwards, from synchronous code."""
    request = ClassifyRequest(image=image, source_format=source_format, exif=exif)
    value, call = await router.arun(
        "classify_photo", request, user=user, chain=chain, validate=validation.classification
    )
    return Classification(call=call, **value)


def _json(capability: str, request, validate: Callable[[dict], dict] | None, user, chain) -> JsonResult:
    value, call = router.run(capability, request, user=user, chain=chain, validate=validate)
    return JsonResult(data=value, call=call)


def analyze_image(
    image: Image.Image,
    instruction: str = "",
    *,
    analysis_type: str = "",
    validate: Callable[[dict], dict] | None = None,
    local: Callable[[], dict] | None = None,
    user=None,
    chain: list[str] | None = None,
) -> JsonResult:
    """Ask a question about an image. With ``analysis_type`` (one of ANALYSIS_TYPES) the question, the answer
    check and the offline engine default to that type's (``ai.analysis``); ValueError for an unknown type."""
    if analysis_type:
        if analysis_type not in analysis.ANALYSIS_TYPES:
            raise ValueError(f"unknown analysis type {analysis_type!r}")
        instruction = instruction or analysis.INSTRUCTIONS[analysis_type]
        validate = validate or analysis.VALIDATORS[analysis_type]
        local = local or analysis.offline(image, analysis_type)
    request = AnalyzeRequest(image, instruction, validate, local, analysis_type)
    return _json("analyze_image", request, validate, user, chain)


async def aanalyze_image(
    image: Image.Image | ModelInput,
    instruction: str,
    *,
    validate: Callable[[dict], dict] | None = None,
    local: Callable[[], dict] | None = None,
    user=None,
    chain: list[str] | None = None,
) -> JsonResult:
    """``analyze_image`` with the caller's own question, awaited on the running event loop as
    ``aclassify_photo`` is (``deferred_call_log()`` around it; an offline engine runs in a thread)."""
    request = AnalyzeRequest(image, instruction, validate, local)
    value, call = await router.arun("analyze_image", request, user=user, chain=chain, validate=validate)
    return JsonResult(data=value, call=call)


def compare_images(
    reference: Image.Image,
    actual: Image.Image,
    instruction: str,
    *,
    validate: Callable[[dict], dict] | None = None,
    local: Callable[[], dict] | None = None,
    user=None,
    chain: list[str] | None = None,
) -> JsonResult:
    request = CompareRequest(reference, actual, instruction, validate, local)
    return _json("compare_images", request, validate, user, chain)


def _image(capability: str, request, user, chain) -> ImageResult:
    (data, content_type), call = router.run(
        capability, request, user=user, chain=chain, validate=_image_bytes
    )
    return ImageResult(data=data, content_type=content_type, call=call)


def _image_bytes(value) -> tuple[bytes, str]:
    """The answer must be real image bytes; returns them with their content type (sniffed once)."""
    if not isinstance(value, bytes | bytearray) or not value:
        raise InvalidOutput("no image bytes")
    try:
        return bytes(value), sniff_content_type(bytes(value))
    except OSError as exc:
        raise InvalidOutput(f"answer is not an image: {exc}") from exc


def generate_image(
    prompt: str,
    reference_images: tuple[Image.Image, ...] | list[Image.Image] = (),
    size: tuple[int, int] = (1024, 1024),
    *,
    local: Callable[[], bytes] | None = None,
    user=None,
    chain: list[str] | None = None,
) -> ImageResult:
    return _image(
        "generate_image", GenerateRequest(prompt, tuple(reference_images), size, local), user, chain
    )


def edit_image(
    image: Image.Image,
    instruction: str,
    *,
    local: Callable[[], bytes] | None = None,
    user=None,
    chain: list[str] | None = None,
) -> ImageResult:
    return _image("edit_image", EditRequest(image, instruction, local), user, chain)
