"""The JSON parser of every API view: DRF's, plus the two things ``json.loads`` lets through or cannot take.

- Nesting deeper than Python's recursion limit raises ``RecursionError`` inside ``json.loads``.
- ``"\\ud800"`` decodes to a lone surrogate, which no database, log or response encoder accepts.
Both are 400 here, before any view sees the data.
"""

from __future__ import annotations

import re
from io import BytesIO

from rest_framework import parsers
from rest_framework.exceptions import ParseError

# A surrogate can only come from a \uD800–\uDFFF escape: the raw bytes themselves are strict UTF-8.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def has_lone_surrogate(value) -> bool:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return False


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        try:
            data = super().parse(BytesIO(raw), media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON 嵌套过深 (JSON nested too deeply)", code="invalid_json") from exc
        if _SURROGATE_ESCAPE.search(raw) and has_lone_surrogate(data):
            raise ParseError("文本含有无效字符 (text holds a lone surrogate)", code="invalid_text")
        return data
