"""Typed requests and results of the AI layer. Every result carries a ``CallInfo``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from PIL import Image

from .images import ModelInput

CAPABILITIES = ("classify_photo", "analyze_image", "compare_images", "generate_image", "edit_image")


@dataclass(frozen=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    images: int = 0


@dataclass(frozen=True)
class CallInfo:
    provider: str
    model: str
    latency_ms: int
    usage: Usage
    cost: Decimal
    attempts: int = 1


@dataclass(frozen=True)
class Classification:
    category: str
    confidence: float
    description: str
    labels: dict
    call: CallInfo


@dataclass(frozen=True)
class JsonResult:
    data: dict
    call: CallInfo


@dataclass(frozen=True)
class ImageResult:
    data: bytes
    content_type: str
    call: CallInfo


# A provider's raw answer: the value (dict, or bytes for images), the model that produced it and its usage.
@dataclass(frozen=True)
class ProviderOutput:
    value: Any
    model: str
    usage: Usage = field(default_factory=Usage)


# ``local`` on a request is the caller's offline engine for this request (e.g. the nail renderer); the
# ``local`` provider runs it. ``validate`` checks and normalises a JSON answer, raising InvalidOutput.
@dataclass(frozen=True)
class ClassifyRequest:
    image: Image.Image | Any  # or an ai.images.ModelInput, prepared ahead of an asynchronous call
    source_format: str | None = None
    exif: dict | None = None


@dataclass(frozen=True)
class AnalyzeRequest:
    image: Image.Image | ModelInput
    instruction: str
    validate: Callable[[dict], dict] | None = None
    local: Callable[[], dict] | None = None
    analysis_type: str = ""  # one of ai.analysis.ANALYSIS_TYPES, or "" for a caller's own question


@dataclass(frozen=True)
class CompareRequest:
    reference: Image.Image
    actual: Image.Image
    instruction: str
    validate: Callable[[dict], dict] | None = None
    local: Callable[[], dict] | None = None


@dataclass(frozen=True)
class GenerateRequest:
    prompt: str
    reference_images: tuple[Image.Image, ...] = ()
    size: tuple[int, int] = (1024, 1024)
    local: Callable[[], bytes] | None = None


@dataclass(frozen=True)
class EditRequest:
    image: Image.Image
    instruction: str
    local: Callable[[], bytes] | None = None
