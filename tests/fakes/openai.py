"""A fake of the OpenAI REST API (chat completions with vision, GPT image generation and edits) on 127.0.0.1.

Paths under ``fake.base_url`` (``{fake.url}/v1``), as openai==3.54.0 sends them:

    POST /v1/chat/completions    client.chat.completions.create (content parts with image_url data URIs)
    POST /v1/images/generations  client.images.generate -> data[].b64_json
    POST /v1/images/edits        client.images.edit, multipart/form-data: image or image[] files, mask, fields

What client code must do: ``OpenAI(base_url="<base>/v1", api_key=..., max_retries=0, timeout=...)``.
Without ``base_url`` the SDK reads OPENAI_BASE_URL (the ``fake_openai`` fixture points it at the fake);
without ``api_key`` it reads OPENAI_API_KEY. The SDK retries 408/409/429/5xx and connection errors
``max_retries`` times (default 2, backoff from 0.5 s, honouring ``retry-after(-ms)`` and ``x-should-retry``)
and raises on the last failure: 400 BadRequestError, 401 AuthenticationError, 403 PermissionDeniedError,
404 NotFoundError, 429 RateLimitError, >=500 InternalServerError, a read timeout APITimeoutError. Errors
carry ``.status_code``, ``.code``, ``.type``, ``.body`` (the inner error object) and ``.request_id``
(this fake's ``x-request-id`` header, as the real API sends it); successes expose it as ``._request_id``.

Structured output: chats must ask for it (``response_format``, this project always does) unless
``require_structured_output`` is turned off; a request without it gets a 400 that names this check. As the real
API does, ``json_object`` is refused unless a message contains the word "json", and a ``json_schema`` must be a
valid strict schema when ``strict`` is set (additionalProperties false, every property required).

Behaviour knobs, all per instance: ``answer`` (str sent verbatim, anything else JSON-encoded),
``answers_by_text`` ({text: answer}: a chat whose messages contain that text gets that answer instead), ``usage``
(chat), ``image_usage`` (images), ``api_key`` (when set, other keys get 401 invalid_api_key) and
``result_image`` (bytes returned for every generated/edited image; default: a generated image of the
requested size and output_format). Scripted replies pre-empt whatever request comes next.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from dataclasses import replace
from itertools import count

from PIL import Image

from tests.fakes.images import (
    FormPart,
    decode_data_uri,
    is_image,
    is_image_data_uri,
    make_image,
    open_image,
    parse_form,
)
from tests.fakes.server import FakeServer, Reply, Request, answer_for

CHAT_PATH = "/v1/chat/completions"
GENERATIONS_PATH = "/v1/images/generations"
EDITS_PATH = "/v1/images/edits"
IMAGE_FIELDS = ("image", "image[]")  # one file is sent as "image", a list as repeated "image[]"
FORMATS = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}

# status -> (type, code, message) as the real API words them
ERRORS: dict[int, tuple[str, str | None, str]] = {
    400: ("invalid_request_error", None, "Invalid request."),
    401: (
        "invalid_request_error",
        "invalid_api_key",
        "Incorrect API key provided. You can find your API key at https://platform.openai.com/account/api-keys.",
    ),
    403: (
        "invalid_request_error",
        "unsupported_country_region_territory",
        "Country, region, or territory not supported",
    ),
    404: ("invalid_request_error", None, "Not found."),
    429: ("requests", "rate_limit_exceeded", "Rate limit reached for requests. Please try again in 1s."),
    500: ("server_error", None, "The server had an error while processing your request. Sorry about that!"),
    503: ("server_error", None, "The engine is currently overloaded, please try again later."),
}


class FakeOpenAI(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        self.answer: object = "这是一张测试图片。"
        self.answers_by_text: dict[str, object] = {}
        self.usage: dict = {"prompt_tokens": 850, "completion_tokens": 42}
        self.image_usage: dict = {"input_tokens": 50, "output_tokens": 1056}
        self.api_key: str | None = None
        self.result_image: bytes | None = None
        self.require_structured_output = True
        self._colors = count()

    @property
    def base_url(self) -> str:
        return f"{self.url}/v1"

    # ---- reply builders (script them with fake.script(...)) ----

    def error(
        self,
        status: int,
        code: str | None = None,
        message: str | None = None,
        type: str | None = None,
        param: str | None = None,
    ) -> Reply:
        """An OpenAI-formatted error: ``{"error": {"message", "type", "param", "code"}}``."""
        default_type, default_code, default_message = ERRORS.get(status, ("server_error", None, "Error."))
        error = {
            "message": message or default_message,
            "type": type or default_type,
            "param": param,
            "code": code or default_code,
        }
        return Reply(status, {"error": error})

    def refusal_reply(self, refusal: str = "I'm sorry, I can't help with that.") -> Reply:
        """What structured outputs answer when the model refuses: ``message.refusal`` set, content null."""
        return self.answer_reply(None, refusal=refusal)

    def answer_reply(
        self,
        answer: object,
        usage: dict | None = None,
        *,
        model: str = "gpt-4o",
        n: int = 1,
        finish_reason: str = "stop",
        refusal: str | None = None,
    ) -> Reply:
        """A chat completion carrying ``answer`` (e.g. script garbage first, then a valid answer);
        ``finish_reason`` "length" (cut off at max_tokens) or "content_filter" (stopped by the filter)."""
        if answer is None:
            text = None
        else:
            text = answer if isinstance(answer, str) else json.dumps(answer, ensure_ascii=False)
        usage = dict(usage if usage is not None else self.usage)
        usage.setdefault("total_tokens", usage.get("prompt_tokens", 0) + usage.get("completion_tokens", 0))
        usage.setdefault("prompt_tokens_details", {"cached_tokens": 0, "audio_tokens": 0})
        usage.setdefault("completion_tokens_details", {"reasoning_tokens": 0, "audio_tokens": 0})
        message = {"role": "assistant", "content": text, "refusal": refusal, "annotations": []}
        choices = [
            {"index": i, "message": message, "logprobs": None, "finish_reason": finish_reason}
            for i in range(n)
        ]
        body = {
            "id": f"chatcmpl-{uuid.uuid4().hex[:24]}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": choices,
            "usage": usage,
            "service_tier": "default",
            "system_fingerprint": "fp_fake",
        }
        return Reply(200, body)

    # ---- what the client sent ----

    def chat_requests(self) -> list[dict]:
        return [r.json() for r in self.requests if r.method == "POST" and r.path == CHAT_PATH]

    def edit_requests(self) -> list[list[FormPart]]:
        return [parse_form(r) for r in self.requests if r.method == "POST" and r.path == EDITS_PATH]

    def received_texts(self) -> list[str]:
        """Every text of every chat message sent, system prompts included, in order."""
        return [text for body in self.chat_requests() for text in _texts(body)]

    def received_prompts(self) -> list[str]:
        """Prompts of image generations and edits, in order."""
        prompts = []
        for request in self.requests:
            if request.method == "POST" and request.path == GENERATIONS_PATH:
                prompts.append(request.json()["prompt"])
            elif request.method == "POST" and request.path == EDITS_PATH:
                prompts += [part.text for part in parse_form(request) if part.name == "prompt"]
        return prompts

    def received_images(self) -> list[Image.Image]:
        """Images sent as chat image_url data URIs and as edit uploads (masks excluded), in order.
        An image_url that is not a data URI raises ValueError."""
        images = []
        for request in self.requests:
            if request.method == "POST" and request.path == CHAT_PATH:
                images += [open_image(decode_data_uri(url)[1]) for url in _chat_image_urls(request.json())]
            elif request.method == "POST" and request.path == EDITS_PATH:
                images += [open_image(part.data) for part in parse_form(request) if part.name in IMAGE_FIELDS]
        return images

    # ---- the service ----

    def finish(self, request: Request, reply: Reply) -> Reply:
        # the real API sends these on every answer, errors included; the SDK surfaces x-request-id
        headers = {
            "x-request-id": f"req_{uuid.uuid4().hex}",
            "openai-version": "2020-10-01",
            "openai-processing-ms": "42",
            **reply.headers,
        }
        return replace(reply, headers=headers)

    def handle(self, request: Request) -> Reply:
        if self.api_key is not None and request.headers.get("authorization") != f"Bearer {self.api_key}":
            return self.error(401)
        if request.method == "POST" and request.path == CHAT_PATH:
            return self._chat(request)
        if request.method == "POST" and request.path == GENERATIONS_PATH:
            return self._generate(request)
        if request.method == "POST" and request.path == EDITS_PATH:
            return self._edit(request)
        return self.error(404, message=f"Invalid URL ({request.method} {request.path})")

    def _missing(self, param: str) -> Reply:
        return self.error(
            400, "missing_required_parameter", f"Missing required parameter: '{param}'.", param=param
        )

    def _chat(self, request: Request) -> Reply:
        try:
            body = request.json()
        except ValueError:
            return self.error(400, message="We could not parse the JSON body of your request.")
        if not body.get("model"):
            return self.error(400, message="you must provide a model parameter")
        if not isinstance(body.get("messages"), list) or not body["messages"]:
            return self._missing("messages")
        for url in _chat_image_urls(body):
            if url.startswith("data:") and not is_image_data_uri(url):
                message = "You uploaded an unsupported image. Please make sure your image is valid."
                return self.error(400, "invalid_image_format", message)
        refused = self._check_response_format(body)
        answer = answer_for(_texts(body), self.answers_by_text, self.answer)
        return refused or self.answer_reply(answer, model=body["model"], n=int(body.get("n") or 1))

    def _check_response_format(self, body: dict) -> Reply | None:
        response_format = body.get("response_format")
        if response_format is None:
            if self.require_structured_output:
                return self.error(400, message="fake: structured output (response_format) not requested")
            return None
        kind = response_format.get("type")
        if kind == "json_object":
            if not any("json" in text.lower() for text in _texts(body)):
                message = "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'."
                return self.error(400, message=message, param="messages")
            return None
        if kind == "json_schema":
            problem = _schema_problem(response_format.get("json_schema") or {})
            return self.error(400, "invalid_value", problem, param="response_format") if problem else None
        if kind != "text":
            return self.error(400, "invalid_value", f"Invalid value: '{kind}'.", param="response_format.type")
        return None

    def _generate(self, request: Request) -> Reply:
        try:
            body = request.json()
        except ValueError:
            return self.error(400, message="We could not parse the JSON body of your request.")
        if not body.get("prompt"):
            return self._missing("prompt")
        return self._images_reply(body)

    def _edit(self, request: Request) -> Reply:
        try:
            parts = parse_form(request)
        except ValueError:
            return self.error(400, message="Invalid Content-Type header, expected multipart/form-data.")
        fields = {part.name: part.text for part in parts if part.filename is None}
        images = [part for part in parts if part.name in IMAGE_FIELDS]
        if not images:
            return self._missing("image")
        if not fields.get("prompt"):
            return self._missing("prompt")
        for i, part in enumerate(images, start=1):
            if not is_image(part.data):
                message = f"Invalid image file or mode for image {i}, please check your image file."
                return self.error(400, "invalid_image_file", message, param="image")
        return self._images_reply(fields)

    def _images_reply(self, params: dict) -> Reply:
        n = int(params.get("n") or 1)
        output_format = params.get("output_format") or "png"
        if output_format not in FORMATS:
            return self.error(
                400, "invalid_value", f"Invalid value: '{output_format}'.", param="output_format"
            )
        size = params.get("size") or "auto"
        try:
            width, height = (1024, 1024) if size == "auto" else map(int, size.split("x"))
        except ValueError:
            return self.error(400, "invalid_value", f"Invalid value: '{size}'.", param="size")
        data = []
        for _ in range(n):
            index = next(self._colors)
            color = ((60 + 71 * index) % 256, (120 + 37 * index) % 256, (200 + 13 * index) % 256)
            image = self.result_image or make_image((width, height), color, FORMATS[output_format])
            data.append({"b64_json": base64.b64encode(image).decode()})
        usage = dict(self.image_usage)
        usage.setdefault("total_tokens", usage.get("input_tokens", 0) + usage.get("output_tokens", 0))
        text_tokens = usage.get("input_tokens", 0)
        usage.setdefault("input_tokens_details", {"text_tokens": text_tokens, "image_tokens": 0})
        quality = params.get("quality")
        body = {
            "created": int(time.time()),
            "background": "opaque",
            "data": data,
            "output_format": output_format,
            "quality": quality if quality in ("low", "medium", "high") else "medium",  # "auto" resolves
            "size": f"{width}x{height}",
            "usage": usage,
        }
        return Reply(200, body)


def _chat_image_urls(body: dict) -> list[str]:
    urls = []
    for message in body["messages"]:
        content = message.get("content")
        if isinstance(content, list):
            urls += [part["image_url"]["url"] for part in content if part.get("type") == "image_url"]
    return urls


def _texts(body: dict) -> list[str]:
    texts = []
    for message in body["messages"]:
        content = message.get("content")
        if isinstance(content, str):
            texts.append(content)
        elif isinstance(content, list):
            texts.extend(part["text"] for part in content if part.get("type") == "text")
    return texts


def _schema_problem(spec: dict) -> str | None:
    """Why the API would refuse this ``json_schema`` (the checks of strict mode that matter here), or None."""
    name, schema = spec.get("name"), spec.get("schema")
    if not name:
        return "Missing required parameter: 'response_format.json_schema.name'."
    if not isinstance(schema, dict) or schema.get("type") != "object":
        return f"Invalid schema for response_format '{name}': schema must be a JSON Schema of 'type: \"object\"'."
    if spec.get("strict"):
        if schema.get("additionalProperties") is not False:
            return (
                f"Invalid schema for response_format '{name}': In context=(), 'additionalProperties' is required "
                "to be supplied and to be false."
            )
        missing = sorted(set(schema.get("properties") or {}) - set(schema.get("required") or []))
        if missing:
            return (
                f"Invalid schema for response_format '{name}': In context=(), 'required' is required to be "
                f"supplied and to be an array including every key in properties. Missing '{missing[0]}'."
            )
    return None
