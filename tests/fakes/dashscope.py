"""A fake of DashScope's native HTTP API (Qwen-VL chat, Wanx image tasks) speaking its real wire format.

Paths as dashscope==2.0.2 builds them under ``fake.base_http_api_url`` (``{fake.url}/api/v1``):

    POST /api/v1/services/aigc/multimodal-generation/generation  MultiModalConversation.call
    POST /api/v1/services/aigc/text2image/image-synthesis        ImageSynthesis.async_call (wanx/wan t2i)
    POST /api/v1/services/aigc/image2image/image-synthesis       ImageSynthesis.async_call ("imageedit" models)
    GET  /api/v1/tasks/{task_id}                                  ImageSynthesis.fetch / .wait
    GET  /files/{name}.png                                        results[].url, like an OSS link (no auth)

What client code must do (the SDK has no client object; everything is module state or per-call kwargs):

- Base URL: set ``dashscope.base_http_api_url = "<base>/api/v1"`` (read at call time by every request,
  including ImageSynthesis.fetch/.wait). A per-call ``base_address="<base>/api/v1"`` kwarg also works for
  MultiModalConversation.call, ImageSynthesis.async_call and ImageSynthesis.wait, but NOT for
  ImageSynthesis.fetch (no kwargs). The DASHSCOPE_HTTP_BASE_URL env var is only read when dashscope is
  first imported, so it is useless for tests. The ``fake_dashscope`` fixture points the global at the fake.
- API key: pass ``api_key=...`` on every call (async_call, wait, fetch all take it); without it the SDK
  falls back to ``dashscope.api_key`` (env DASHSCOPE_API_KEY at import) and then ~/.dashscope/api_key.
- Timeout: ``request_timeout=<seconds>`` on MultiModalConversation.call / ImageSynthesis.async_call
  (default 300 s); a slow server raises ``requests.exceptions.ReadTimeout``. Task polls (fetch/wait) use a
  fixed 300 s timeout. ``ImageSynthesis.wait(task, wait_timeout=s)`` bounds the whole wait and then returns
  status_code 408, code "WaitTaskTimeout" instead of raising.
- Retries: none on HTTP statuses; errors come back as response objects with ``status_code != 200`` and
  ``code``/``message``/``request_id`` set (never raised). The sync transport resends once only when a
  pooled connection was dropped before any response (requests ConnectionError). ``wait`` polls every 1 s
  (then 2 s, 4 s, 5 s) and keeps polling through 503/504.
- Image synthesis must be asynchronous: ImageSynthesis.call/async_call send ``X-DashScope-Async: enable``;
  without it (ImageSynthesis.sync_call) the real service answers 403 AccessDenied, and so does the fake.

Structured output: chats must ask for it (``parameters.response_format``, this project always does) unless
``require_structured_output`` is turned off; a request without it gets a 400 that names this check. As the real
service does, ``{"type": "json_object"}`` is refused unless some message contains the word "json".

Behaviour knobs, all per instance: ``answer`` (str sent verbatim, anything else JSON-encoded),
``answers_by_text`` ({text: answer}: a chat whose messages contain that text gets that answer instead, e.g. one
answer shape per analysis prompt), ``usage``,
``api_key`` (when set, other keys get 401 InvalidApiKey), ``task_steps`` (statuses reported by the polls
before the final one), ``task_failure`` ((code, message) that tasks created from then on end with),
``result_image`` (PNG bytes served for every result; default: generated PNGs of the requested size).
Scripted replies pre-empt whatever request comes next, polls and downloads included.
"""

from __future__ import annotations

import json
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from itertools import count

from PIL import Image

from tests.fakes.images import decode_data_uri, is_image_data_uri, make_png, open_image
from tests.fakes.server import FakeServer, Reply, Request, answer_for

API = "/api/v1"
CHAT_PATH = f"{API}/services/aigc/multimodal-generation/generation"
TEXT2IMAGE_PATH = f"{API}/services/aigc/text2image/image-synthesis"
IMAGE2IMAGE_PATH = f"{API}/services/aigc/image2image/image-synthesis"
TASK_PREFIX = f"{API}/tasks/"
FILES_PREFIX = "/files/"
# input fields of an image-synthesis task that carry images, in the order received_images() lists them
TASK_IMAGE_FIELDS = ("images", "sketch_image_url", "ref_img", "base_image_url", "mask_image_url")

ERRORS: dict[int, tuple[str, str]] = {
    400: ("InvalidParameter", "The request parameter is invalid."),
    401: ("InvalidApiKey", "Invalid API-key provided."),
    403: ("AccessDenied", "Access denied."),
    404: ("NotFound", "The requested resource was not found."),
    429: ("Throttling.RateQuota", "Requests rate limit exceeded, please try again later."),
    500: (
        "InternalError",
        "An internal error has occured, please try again later or contact service support.",
    ),
    503: ("ServiceUnavailable", "The service is temporarily unavailable, please try again later."),
}

NO_SUCH_KEY = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code>'
    "<Message>The specified key does not exist.</Message></Error>"
)


def _now() -> str:
    return datetime.now().strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]


def _request_id() -> str:
    return str(uuid.uuid4())


@dataclass
class _Task:
    id: str
    kind: str  # "text2image" | "image2image"
    input: dict
    parameters: dict
    size: tuple[int, int]
    pending: deque[str]
    failure: tuple[str, str] | None
    submit_time: str = field(default_factory=_now)
    final: dict | None = None  # the finished output, built once so every later poll sees the same URLs
    usage: dict | None = None


class FakeDashScope(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        self.answer: object = "这是一张测试图片。"
        self.answers_by_text: dict[str, object] = {}
        self.usage: dict[str, int] = {"input_tokens": 1290, "output_tokens": 48, "image_tokens": 1230}
        self.api_key: str | None = None
        self.task_steps: list[str] = ["RUNNING"]
        self.task_failure: tuple[str, str] | None = None
        self.result_image: bytes | None = None
        self.files: dict[str, bytes] = {}
        self.require_structured_output = True
        self._tasks: dict[str, _Task] = {}
        self._colors = count()

    @property
    def base_http_api_url(self) -> str:
        return f"{self.url}{API}"

    # ---- reply builders (script them with fake.script(...)) ----

    def error(self, status: int, code: str | None = None, message: str | None = None) -> Reply:
        """A DashScope-formatted error: ``{"code", "message", "request_id"}``."""
        default_code, default_message = ERRORS.get(status, ("InternalError", "Unexpected error."))
        body = {
            "code": code or default_code,
            "message": message or default_message,
            "request_id": _request_id(),
        }
        return Reply(status, body)

    def moderation_error(self, where: str = "Input") -> Reply:
        """What the content moderation answers for a photo (``where="Input"``) or an answer (``"Output"``)."""
        return self.error(400, "DataInspectionFailed", f"{where} data may contain inappropriate content.")

    def answer_reply(
        self, answer: object, usage: dict[str, int] | None = None, *, finish_reason: str = "stop"
    ) -> Reply:
        """A chat success carrying ``answer`` (e.g. script garbage first, then a valid answer);
        ``finish_reason="length"`` is an answer cut off at max_tokens."""
        text = answer if isinstance(answer, str) else json.dumps(answer, ensure_ascii=False)
        usage = dict(usage if usage is not None else self.usage)
        usage.setdefault("total_tokens", usage.get("input_tokens", 0) + usage.get("output_tokens", 0))
        output = {
            "choices": [
                {
                    "finish_reason": finish_reason,
                    "message": {"role": "assistant", "content": [{"text": text}]},
                }
            ]
        }
        return Reply(200, {"output": output, "usage": usage, "request_id": _request_id()})

    # ---- what the client sent ----

    def chat_requests(self) -> list[dict]:
        return [r.json() for r in self.requests if r.method == "POST" and r.path == CHAT_PATH]

    def task_requests(self) -> list[dict]:
        paths = (TEXT2IMAGE_PATH, IMAGE2IMAGE_PATH)
        return [r.json() for r in self.requests if r.method == "POST" and r.path in paths]

    def received_texts(self) -> list[str]:
        """Every text part of every chat message sent, system prompts included, in order."""
        return [text for body in self.chat_requests() for text in _texts(body)]

    def received_prompts(self) -> list[str]:
        return [body["input"]["prompt"] for body in self.task_requests()]

    def received_images(self) -> list[Image.Image]:
        """Images sent in chat messages and image-task inputs, decoded from their data URIs (or, for
        URLs of this fake's own /files/, the served bytes). Other references raise ValueError."""
        refs = []
        for request in self.requests:
            if request.method == "POST" and request.path == CHAT_PATH:
                refs += _chat_image_refs(request.json())
            elif request.method == "POST" and request.path in (TEXT2IMAGE_PATH, IMAGE2IMAGE_PATH):
                refs += _task_image_refs(request.json()["input"])
        return [open_image(self._image_bytes(ref)) for ref in refs]

    def _image_bytes(self, ref: str) -> bytes:
        own = f"{self.url}{FILES_PREFIX}"
        if ref.startswith(own):
            return self.files[ref.removeprefix(own)]
        return decode_data_uri(ref)[1]

    # ---- the service ----

    def handle(self, request: Request) -> Reply:
        if request.method == "GET" and request.path.startswith(FILES_PREFIX):
            data = self.files.get(request.path.removeprefix(FILES_PREFIX))
            if data is None:
                return Reply(404, NO_SUCH_KEY, {"Content-Type": "application/xml"})
            return Reply(200, data, {"Content-Type": "image/png"})
        if self.api_key is not None and request.headers.get("authorization") != f"Bearer {self.api_key}":
            return self.error(401)
        if request.method == "POST" and request.path == CHAT_PATH:
            return self._chat(request)
        if request.method == "POST" and request.path in (TEXT2IMAGE_PATH, IMAGE2IMAGE_PATH):
            return self._create_task(request)
        if request.method == "GET" and request.path.startswith(TASK_PREFIX):
            return self._poll(request.path.removeprefix(TASK_PREFIX))
        return self.error(404, message=f"Requested url {request.path} is not found.")

    def _chat(self, request: Request) -> Reply:
        try:
            body = request.json()
            messages = body["input"]["messages"]
        except (ValueError, KeyError, TypeError):
            return self.error(400, message="Input should be a valid list: input.messages")
        if not body.get("model"):
            return self.error(400, message="Model not exist.")
        if not isinstance(messages, list) or not messages:
            return self.error(400, message="Input should be a valid list: input.messages")
        if not all(_is_valid_image(ref) for ref in _chat_image_refs(body)):
            return self.error(400, message="The image format is illegal and cannot be opened.")
        refused = self._check_response_format(body)
        return refused or self.answer_reply(answer_for(_texts(body), self.answers_by_text, self.answer))

    def _check_response_format(self, body: dict) -> Reply | None:
        response_format = (body.get("parameters") or {}).get("response_format")
        if response_format is None:
            if self.require_structured_output:
                return self.error(
                    400, message="fake: structured output (parameters.response_format) not requested"
                )
            return None
        if response_format.get("type") == "json_object":
            if not any("json" in text.lower() for text in _texts(body)):
                message = "'messages' must contain the word 'json' in some form, to use 'response_format' of type 'json_object'."
                return self.error(400, message=message)
            return None
        if response_format.get("type") != "text":
            return self.error(400, message=f"Unsupported response_format type: {response_format.get('type')}")
        return None

    def _create_task(self, request: Request) -> Reply:
        if request.headers.get("x-dashscope-async") != "enable":
            return self.error(403, message="current user api does not support synchronous calls")
        try:
            body = request.json()
            task_input, parameters = body["input"], body.get("parameters") or {}
        except (ValueError, KeyError, TypeError):
            return self.error(400, message="Field required: input")
        kind = "image2image" if request.path == IMAGE2IMAGE_PATH else "text2image"
        if not task_input.get("prompt"):
            return self.error(400, message="Field required: input.prompt")
        if kind == "image2image" and not (task_input.get("function") and task_input.get("base_image_url")):
            return self.error(400, message="Field required: input.function, input.base_image_url")
        if not all(_is_valid_image(ref) for ref in _task_image_refs(task_input)):
            return self.error(400, message="The image format is illegal and cannot be opened.")
        try:
            size = self._result_size(kind, task_input, parameters)
        except ValueError:
            return self.error(400, message=f"The size is invalid: {parameters.get('size')}")
        task = _Task(
            id=str(uuid.uuid4()),
            kind=kind,
            input=task_input,
            parameters=parameters,
            size=size,
            pending=deque(self.task_steps),
            failure=self.task_failure,
        )
        with self._lock:
            self._tasks[task.id] = task
        output = {"task_id": task.id, "task_status": "PENDING"}
        return Reply(200, {"output": output, "request_id": _request_id()})

    def _poll(self, task_id: str) -> Reply:
        with self._lock:
            task = self._tasks.get(task_id)
            if task is None:  # what the service says about unknown or expired (24 h) task ids
                output = {"task_id": task_id, "task_status": "UNKNOWN"}
                return Reply(200, {"output": output, "request_id": _request_id()})
            if task.pending:
                status = task.pending.popleft()
                output = {"task_id": task.id, "task_status": status, "submit_time": task.submit_time}
                return Reply(200, {"output": output, "request_id": _request_id()})
            if task.final is None:
                self._finish(task)
        body = {"output": task.final, "request_id": _request_id()}
        if task.usage is not None:
            body["usage"] = task.usage
        return Reply(200, body)

    def _finish(self, task: _Task) -> None:
        times = {"submit_time": task.submit_time, "scheduled_time": task.submit_time, "end_time": _now()}
        if task.failure is not None:
            code, message = task.failure
            task.final = {
                "task_id": task.id,
                "task_status": "FAILED",
                **times,
                "code": code,
                "message": message,
            }
            return
        n = int(task.parameters.get("n", 4 if task.kind == "text2image" else 1))
        results = []
        for i in range(n):
            name = f"{task.id}-{i}.png"
            self.files[name] = self.result_image or make_png(task.size, _color(next(self._colors)))
            result = {"url": f"{self.url}{FILES_PREFIX}{name}"}
            if task.kind == "text2image":
                result |= {"orig_prompt": task.input["prompt"], "actual_prompt": task.input["prompt"]}
            results.append(result)
        task.final = {
            "task_id": task.id,
            "task_status": "SUCCEEDED",
            **times,
            "results": results,
            "task_metrics": {"TOTAL": n, "SUCCEEDED": n, "FAILED": 0},
        }
        task.usage = {"image_count": n}

    def _result_size(self, kind: str, task_input: dict, parameters: dict) -> tuple[int, int]:
        """Size of the result images; ValueError for a malformed ``size`` parameter."""
        if "size" in parameters:
            width, height = str(parameters["size"]).split("*")
            return int(width), int(height)
        if kind == "image2image":  # edits come back at the input's size
            try:
                return open_image(self._image_bytes(task_input["base_image_url"])).size
            except (ValueError, KeyError):
                pass  # a URL this fake cannot read
        return 1024, 1024


def _is_valid_image(ref: str) -> bool:
    # other references are URLs the real service would download; nothing to check here
    return not ref.startswith("data:") or is_image_data_uri(ref)


def _texts(body: dict) -> list[str]:
    texts = []
    for message in body["input"]["messages"]:
        content = message["content"]
        if isinstance(content, str):
            texts.append(content)
        else:
            texts.extend(part["text"] for part in content if "text" in part)
    return texts


def _chat_image_refs(body: dict) -> list[str]:
    refs = []
    for message in body["input"]["messages"]:
        if isinstance(message.get("content"), list):
            refs += [part["image"] for part in message["content"] if "image" in part]
    return refs


def _task_image_refs(task_input: dict) -> list[str]:
    refs = []
    for key in TASK_IMAGE_FIELDS:
        value = task_input.get(key)
        if value:
            refs += value if isinstance(value, list) else [value]
    return refs


def _color(index: int) -> tuple[int, int, int]:
    return (40 + 53 * index) % 256, (90 + 97 * index) % 256, (160 + 31 * index) % 256
