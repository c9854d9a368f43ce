"""OpenAI (a vision chat model, gpt-image-1) through the official SDK's asyncio client, with its own retries
off: the router is the only retry loop."""

import base64
from io import BytesIO

import httpx
import openai
from django.conf import settings

from ..errors import MODERATED, REFUSED, TRUNCATED, AnswerWithheld, ProviderError
from ..http import ssl_context
from ..images import data_uri, downscaled_jpeg, png_bytes
from ..prompts import CLASSIFY_SCHEMA, CLASSIFY_SYSTEM, CLASSIFY_USER, JSON_SYSTEM
from ..types import (
    AnalyzeRequest,
    ClassifyRequest,
    CompareRequest,
    EditRequest,
    GenerateRequest,
    ProviderOutput,
    Usage,
)
from ..validation import parse_json_object
from .base import Provider

# gpt-image-1 accepts these sizes only; others are mapped to the nearest aspect.
_IMAGE_SIZES = {"square": "1024x1024", "landscape": "1536x1024", "portrait": "1024x1536"}


def _image_size(width: int, height: int) -> str:
    if width > height * 1.2:
        return _IMAGE_SIZES["landscape"]
    if height > width * 1.2:
        return _IMAGE_SIZES["portrait"]
    return _IMAGE_SIZES["square"]


# 400 codes of inputs the safety system refused (an image it will not look at).
_MODERATION_CODES = {"content_policy_violation", "content_filter"}


def _response_format(capability: str) -> dict:
    """Classification: a strict JSON schema whose category is an enum of the codes; other chats: JSON mode."""
    if capability == "classify_photo":
        return {"type": "json_schema", "json_schema": CLASSIFY_SCHEMA}
    return {"type": "json_object"}


def _answer_text(choice) -> str:
    """The answer's text, or why there is none: the model refused, the content filter stopped it, or the token
    limit cut it off (half a JSON object)."""
    if getattr(choice.message, "refusal", None):
        raise AnswerWithheld(REFUSED, choice.message.refusal)
    if choice.finish_reason == "content_filter":
        raise AnswerWithheld(MODERATED, "the answer was stopped by the content filter")
    if choice.finish_reason == "length":
        raise AnswerWithheld(TRUNCATED, "the answer reached the token limit")
    return choice.message.content or ""


def _translate(exc: openai.OpenAIError) -> ProviderError:
    if isinstance(exc, openai.APITimeoutError):
        return ProviderError("timeout", str(exc), transient=True)
    if isinstance(exc, openai.APIConnectionError):
        return ProviderError("connection_error", str(exc), transient=True)
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        if status == 400 and exc.code in _MODERATION_CODES:
            return AnswerWithheld(MODERATED, str(exc))
        return ProviderError(
            f"http_{status}", str(exc), transient=status == 429 or status >= 500, status=status
        )
    return ProviderError("openai_error", str(exc))


class OpenAIProvider(Provider):
    name = "openai"

    def configured(self) -> bool:
        return bool(settings.OPENAI_API_KEY)

    def _client(self) -> openai.AsyncOpenAI:
        return openai.AsyncOpenAI(
            api_key=settings.OPENAI_API_KEY,
            base_url=settings.OPENAI_BASE_URL,
            max_retries=0,
            # openai 3 types its own copy of httpx (httpx2); httpx's Timeout works as one.
            timeout=httpx.Timeout(settings.AI_READ_TIMEOUT, connect=settings.AI_CONNECT_TIMEOUT),  # type: ignore[arg-type]
            http_client=openai.DefaultAsyncHttpxClient(verify=ssl_context()),  # not a CA bundle load per call
        )

    async def _chat(self, capability: str, system: str, text: str, images: list) -> ProviderOutput:
        model = self.model_for(capability)
        content = [{"type": "text", "text": text}] + [
            {"type": "image_url", "image_url": {"url": data_uri(downscaled_jpeg(image))}} for image in images
        ]
        try:
            async with self._client() as client:
                response = await client.chat.completions.create(  # type: ignore[call-overload]  # plain-dict messages
                    model=model,
                    messages=[{"role": "system", "content": system}, {"role": "user", "content": content}],
                    response_format=_response_format(capability),
                )
        except openai.OpenAIError as exc:
            raise _translate(exc) from exc
        usage = response.usage
        return ProviderOutput(
            parse_json_object(_answer_text(response.choices[0])),
            model,
            Usage(usage.prompt_tokens if usage else 0, usage.completion_tokens if usage else 0),
        )

    async def classify_photo(self, request: ClassifyRequest) -> ProviderOutput:
        return await self._chat("classify_photo", CLASSIFY_SYSTEM, CLASSIFY_USER, [request.image])

    async def analyze_image(self, request: AnalyzeRequest) -> ProviderOutput:
        return await self._chat("analyze_image", JSON_SYSTEM, request.instruction, [request.image])

    async def compare_images(self, request: CompareRequest) -> ProviderOutput:
        return await self._chat(
            "compare_images", JSON_SYSTEM, request.instruction, [request.reference, request.actual]
        )

    async def _images(self, capability: str, call) -> ProviderOutput:
        model = self.model_for(capability)
        try:
            async with self._client() as client:
                response = await call(client, model)
        except openai.OpenAIError as exc:
            raise _translate(exc) from exc
        if not response.data or not response.data[0].b64_json:
            raise ProviderError("invalid_output", "no image in the answer")
        usage = response.usage
        return ProviderOutput(
            base64.b64decode(response.data[0].b64_json),
            model,
            Usage(
                usage.input_tokens if usage else 0,
                usage.output_tokens if usage else 0,
                images=len(response.data),
            ),
        )

    async def generate_image(self, request: GenerateRequest) -> ProviderOutput:
        size = _image_size(*request.size)
        if request.reference_images:
            files = [
                (f"ref{i}.png", BytesIO(png_bytes(img)), "image/png")
                for i, img in enumerate(request.reference_images)
            ]
            return await self._images(
                "generate_image",
                lambda client, model: client.images.edit(
                    model=model, image=files, prompt=request.prompt, size=size
                ),
            )
        return await self._images(
            "generate_image",
            lambda client, model: client.images.generate(model=model, prompt=request.prompt, size=size),
        )

    async def edit_image(self, request: EditRequest) -> ProviderOutput:
        source = ("image.jpg", BytesIO(downscaled_jpeg(request.image)), "image/jpeg")
        return await self._images(
            "edit_image",
            lambda client, model: client.images.edit(model=model, image=source, prompt=request.instruction),
        )
