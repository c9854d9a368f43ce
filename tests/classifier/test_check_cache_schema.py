"""check-cache parses its body by hand (for speed): it accepts exactly what its documented schema allows."""

import jsonschema
import pytest

from classifier.serializers import parse_check_cache
from core.exceptions import Invalid
from tests.core.schema_ops import SCHEMA

H = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
BODIES = [
    {"image_hash": H},
    {"image_hash": f"  {H.upper()} "},
    {"image_hashes": [H]},
    {"image_hashes": [H] * 500},
    {"image_hashes": [H] * 501},
    {"image_hashes": []},
    {"image_hashes": None},
    {"image_hashes": H},
    {"image_hashes": [H, 1]},
    {"image_hash": None},
    {"image_hash": 42},
    {"image_hash": H[:-1]},
    {"image_hash": H + "0"},
    {"image_hash": "g" * 64},
    {"image_hash": H, "image_hashes": [H]},
    {"image_hash": H, "other": 1},
    {},
    [],
    "x",
    None,
]


def _validator():
    body = SCHEMA["paths"]["/api/v1/classify/check-cache"]["post"]["requestBody"]["content"][
        "application/json"
    ]
    schema = {**body["schema"], "components": SCHEMA["components"]}
    return jsonschema.Draft202012Validator(schema)


@pytest.mark.parametrize("body", BODIES, ids=[repr(b)[:40] for b in BODIES])
def test_it_accepts_exactly_the_bodies_its_schema_allows(body):
    if _validator().is_valid(body):
        parse_check_cache(body)  # accepted
    else:
        with pytest.raises(Invalid) as refused:
            parse_check_cache(body)
        assert refused.value.status_code == 400
