"""Input conventions shared by every serializer that reads a request body or query.

- Names a client cannot write are refused: ``400 unknown_fields`` with ``details.fields`` (a client sending
  ``tag`` instead of ``tags`` must learn it, not lose the value). Read-only names (``id``, ``created_at``…) are
  refused too: the schema's request bodies allow no other property (``additionalProperties: false``).
- PUT replaces the object: every writable field is required (nested sub-resources, edited at their own URL,
  excepted) and the missing ones are named in a 400 ``validation_error``. PATCH changes only what it names.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from rest_framework import serializers
from rest_framework.utils import html

from .exceptions import Invalid


def _path(serializer) -> str:
    names = []
    node: Any = serializer
    while node is not None and getattr(node, "field_name", None):
        names.append(node.field_name)
        node = node.parent
    return ".".join(reversed(names))


def unknown_fields(fields: list[str], allowed) -> Invalid:
    return Invalid(
        "unknown_fields",
        f"未知字段 (unknown fields): {', '.join(fields)}",
        {"fields": fields, "allowed": sorted(allowed)},
    )


def _json_type_error(field, value) -> str | None:
    """JSON has types: a number is no string and "5" is no number (DRF would coerce both)."""
    if value is None:
        return None
    if isinstance(field, serializers.BooleanField):
        ok = isinstance(value, bool)
    elif isinstance(field, serializers.IntegerField):
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif isinstance(field, serializers.FloatField):
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    elif isinstance(field, serializers.ChoiceField | serializers.CharField | serializers.DateField):
        ok = isinstance(value, str)
    elif isinstance(field, serializers.ListField | serializers.ManyRelatedField):
        # A list is a JSON array: DRF's many=True relation would read an object as the list of its keys.
        if not isinstance(value, list):
            ok = False
        elif isinstance(field, serializers.ListField):
            return next((e for e in (_json_type_error(field.child, v) for v in value) if e), None)
        else:
            return None
    else:
        return None
    return None if ok else f"类型错误 (wrong JSON type: {type(value).__name__})"


if TYPE_CHECKING:  # what the mixins are mixed into, so that mypy checks their bodies against it
    _SerializerBase = serializers.Serializer
    _FieldBase = serializers.Field
else:
    _SerializerBase = _FieldBase = object


class StrictFieldsMixin(_SerializerBase):
    def to_internal_value(self, data):
        if type(data) is dict:  # a JSON object (a multipart body is a QueryDict of strings)
            errors = {
                name: [error]
                for name, value in data.items()
                if name in self.fields and (error := _json_type_error(self.fields[name], value))
            }
            if errors:
                raise serializers.ValidationError(errors)
        if isinstance(data, Mapping):
            prefix = _path(self)
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(str(name) for name in data if name not in writable)
            if unknown:
                raise unknown_fields([f"{prefix}.{n}" if prefix else n for n in unknown], writable)
            if self.instance is not None and not self.partial and self.parent is None:
                missing = [
                    name
                    for name, field in self.fields.items()
                    if not field.read_only
                    and not isinstance(field, serializers.BaseSerializer)
                    and name not in data
                ]
                if missing:
                    raise serializers.ValidationError(
                        {
                            name: ["PUT 需要完整对象，缺少此字段 (PUT replaces the object: required)"]
                            for name in missing
                        }
                    )
        return super().to_internal_value(data)


class Serializer(StrictFieldsMixin, serializers.Serializer):
    pass


class ModelSerializer(StrictFieldsMixin, serializers.ModelSerializer):
    pass


class ImageUploadField(serializers.FileField):
    """An uploaded image, checked by ``core.uploads.validate_image``: an empty file is ``image_invalid`` there
    and a missing one is ``image_required``, as on every upload endpoint."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_empty_file", True)
        kwargs.setdefault("help_text", "JPEG, PNG, WebP or HEIC")
        super().__init__(**kwargs)

    def fail(self, key, **kwargs):
        if key in ("required", "null", "empty"):
            raise Invalid("image_required", "请上传图片 (image required)", {"field": self.field_name})
        super().fail(key, **kwargs)


class FilledMixin(_FieldBase):
    """An optional field that, when sent, must not be empty: DRF reads an empty form part or query value of an
    optional field as "not sent", which would let ``image_hash=""`` or ``?date=`` skip its check."""

    def get_value(self, dictionary):
        if html.is_html_input(dictionary) and dictionary.get(self.field_name) == "":
            return ""
        return super().get_value(dictionary)


class FilledCharField(FilledMixin, serializers.CharField):
    pass


class FilledDateField(FilledMixin, serializers.DateField):
    pass


class FiniteFloatField(serializers.FloatField):
    """A float that is a number: NaN, infinities and integers too large for a float are invalid."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("invalid")
        try:
            value = float(data)
        except (TypeError, ValueError, OverflowError):
            self.fail("invalid")
        if not math.isfinite(value):
            self.fail("invalid")
        return super().to_internal_value(value)
