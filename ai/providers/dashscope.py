"""DashScope (Qwen-VL for vision, Wanx image tasks) through the official SDK's asyncio API (aiohttp, one
pooled session per event loop): a call in flight holds no thread.

Images go as base64 data URIs, never ``file://`` (the SDK would upload those to its own storage host).
The SDK keeps its base URL in a module global, which we set from DASHSCOPE_BASE_URL before each call.
"""

import asyncio
import time
from contextlib import asynccontextmanager
from http import HTTPStatus

import aiohttp
import dashscope
from dashscope import AioMultiModalConversation
from dashscope.aigc.image_synthesis import AioImageSynthesis
from django.conf import settings

from .. import http
from ..errors import MODERATED, TRUNCATED, AnswerWithheld, ProviderError
from ..images import data_uri, downscaled_jpeg, png_bytes
from ..prompts import CLASSIFY_SYSTEM, CLASSIFY_USER, JSON_SYSTEM
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

# Refusals by DashScope's content moderation (input or output), as the native API words them.
_MODERATION_CODES = {"datainspectionfailed", "data_inspection_failed"}


def _raise_for(response) -> None:
    status = response.status_code
    if status == HTTPStatus.OK:
        return
    if str(getattr(response, "code", "") or "").lower() in _MODERATION_CODES:
        raise AnswerWithheld(MODERATED, getattr(response, "message", "") or "")
    code = f"http_{status}:{getattr(response, 'code', '') or ''}".rstrip(":")
    raise ProviderError(
        code, getattr(response, "message", "") or "", transient=status == 429 or status >= 500, status=status
    )


@asynccontextmanager
async def _session():
    """A session per call, closed with it (the SDK's default, one per event loop, is never closed)."""
    try:
        async with aiohttp.ClientSession(trust_env=True) as session:
            yield session
    except TimeoutError as exc:  # aiohttp's own request timeout (the router's deadline cancels instead)
        raise ProviderError("timeout", str(exc) or "read timeout", transient=True) from exc
    except aiohttp.ClientError as exc:
        raise ProviderError("connection_error", str(exc), transient=True) from exc


async def _fetch_task(task_id: str, api_key: str) -> tuple[dict, dict]:
    """One poll of an image task, ``GET {base}/tasks/{id}`` (the SDK's asyncio fetch opens a session per poll
    and appends a slash the service does not document): its ``output`` and ``usage``."""
    status, body = await http.get_json(
        f"{settings.DASHSCOPE_BASE_URL.rstrip('/')}/tasks/{task_id}", {"Authorization": f"Bearer {api_key}"}
    )
    if status != HTTPStatus.OK:
        code = f"http_{status}:{body.get('code') or ''}".rstrip(":")
        raise ProviderError(
            code, body.get("message") or "", transient=status == 429 or status >= 500, status=status
        )
    return body.get("output") or {}, body.get("usage") or {}


def _request_options() -> dict:
    """Every chat here wants one JSON object: JSON mode (the prompts say "JSON", which the mode requires)."""
    return {"response_format": {"type": "json_object"}}


def _answer_text(response) -> str:
    """The answer's text; an answer cut off at the token limit is no answer."""
    choice = response.output.choices[0]
    if choice.get("finish_reason") == "length":
        raise AnswerWithheld(TRUNCATED, "the answer reached the token limit")
    content = choice.message.content
    return "".join(part.get("text", "") for part in content) if isinstance(content, list) else str(content)


class DashScopeProvider(Provider):
    name = "dashscope"

    def configured(self) -> bool:
        return bool(settings.DASHSCOPE_API_KEY)

    def _prepare(self) -> dict:
        dashscope.base_http_api_url = settings.DASHSCOPE_BASE_URL
        return {"api_key": settings.DASHSCOPE_API_KEY}

    async def _chat(self, capability: str, system: str, parts: list[dict]) -> ProviderOutput:
        model = self.model_for(capability)
        messages = [{"role": "system", "content": [{"text": system}]}, {"role": "user", "content": parts}]
        async with _session() as session:
            response = await AioMultiModalConversation.call(
                model=model,
                messages=messages,
                request_timeout=settings.AI_READ_TIMEOUT,
                session=session,
                **_request_options(),
                **self._prepare(),
            )
        _raise_for(response)
        text = _answer_text(response)
        usage = response.usage or {}  # type: ignore[union-attr]  # not streamed: one response
        return ProviderOutput(
            parse_json_object(text),
            model,
            Usage(int(usage.get("input_tokens") or 0), int(usage.get("output_tokens") or 0)),
        )

    async def classify_photo(self, request: ClassifyRequest) -> ProviderOutput:
        image = data_uri(downscaled_jpeg(request.image))
        return await self._chat(
            "classify_photo", CLASSIFY_SYSTEM, [{"image": image}, {"text": CLASSIFY_USER}]
        )

    async def analyze_image(self, request: AnalyzeRequest) -> ProviderOutput:
        image = data_uri(downscaled_jpeg(request.image))
        return await self._chat(
            "analyze_image", JSON_SYSTEM, [{"image": image}, {"text": request.instruction}]
        )

    async def compare_images(self, request: CompareRequest) -> ProviderOutput:
        parts = [
            {"image": data_uri(downscaled_jpeg(request.reference))},
            {"image": data_uri(downscaled_jpeg(request.actual))},
            {"text": request.instruction},
        ]
        return await self._chat("compare_images", JSON_SYSTEM, parts)

    async def _task(self, capability: str, **kwargs) -> ProviderOutput:
        model = self.model_for(capability)
        auth = self._prepare()
        async with _session() as session:
            task = await AioImageSynthesis.async_call(
                model=model, n=1, request_timeout=settings.AI_READ_TIMEOUT, session=session, **auth, **kwargs
            )
            _raise_for(task)
            deadline = time.monotonic() + settings.AI_TASK_TIMEOUT
            while True:
                output, usage = await _fetch_task(task.output.task_id, auth["api_key"])
                state = output.get("task_status")
                if state == "SUCCEEDED":
                    break
                if state in ("FAILED", "CANCELED", "UNKNOWN"):
                    code = output.get("code") or state.lower()
                    raise ProviderError(f"task_{state.lower()}", f"{code}: {output.get('message', '')}")
                if time.monotonic() > deadline:
                    raise ProviderError("task_timeout", f"task {task.output.task_id}", transient=True)
                await asyncio.sleep(settings.AI_TASK_POLL_INTERVAL)
        results = output.get("results") or []
        if not results or not results[0].get("url"):
            raise ProviderError("invalid_output", "task succeeded without a result image")
        images = int((usage or {}).get("image_count") or 1)
        return ProviderOutput(await http.download(results[0]["url"]), model, Usage(images=images))

    async def generate_image(self, request: GenerateRequest) -> ProviderOutput:
        extra = {}
        if request.reference_images:
            extra["ref_img"] = data_uri(png_bytes(request.reference_images[0]), "image/png")
        width, height = request.size
        return await self._task("generate_image", prompt=request.prompt, size=f"{width}*{height}", **extra)

    async def edit_image(self, request: EditRequest) -> ProviderOutput:
        return await self._task(
            "edit_image",
            function="description_edit",
            prompt=request.instruction,
            base_image_url=data_uri(downscaled_jpeg(request.image)),
        )
