import dataclasses

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.exceptions import Invalid
from core.parsers import JSONParser
from core.uploads import validate_image

from . import services
from .serializers import LocateCoordinatesInput, LocateImageInput, LocateOutput

EMPTY = {field: None for field in LocateOutput().fields} | {"located": False}

BEIJING = {
    "located": True,
    "source": "exif",
    "latitude": 39.9087,
    "longitude": 116.3975,
    "altitude": 44.2,
    "timestamp": "2024-05-01T08:30:15Z",
    "gcj02": {"latitude": 39.910103, "longitude": 116.403744},
    "country_code": "CN",
    "country": "中国",
    "country_en": "China",
    "province": "北京市",
    "city": "北京市",
    "district": "东城区",
    "display_name": "北京市东城区",
}
PARIS = {
    **EMPTY,
    "located": True,
    "source": "coordinates",
    "latitude": 48.8584,
    "longitude": 2.2945,
    "country_code": "FR",
    "country": "法国",
    "country_en": "France",
    "city": "Paris",
    "display_name": "法国 · Paris",
}


def _coordinates(data) -> tuple[float, float]:
    serializer = LocateCoordinatesInput(data=data)
    if not serializer.is_valid():
        errors = serializer.errors
        raise Invalid(
            "invalid_coordinates",
            "经纬度无效 (latitude must be within ±90 and longitude within ±180)",
            {"field": next(iter(errors)), "errors": errors},
        )
    return serializer.validated_data["latitude"], serializer.validated_data["longitude"]


def _body(result: services.LocateResult, source: str) -> dict:
    gcj = result.gcj02
    return {
        "located": True,
        "source": source,
        "latitude": result.point.latitude,
        "longitude": result.point.longitude,
        "altitude": result.point.altitude,
        "timestamp": result.point.timestamp.isoformat().replace("+00:00", "Z")
        if result.point.timestamp
        else None,
        "gcj02": {"latitude": gcj[0], "longitude": gcj[1]} if gcj else None,
        **dataclasses.asdict(result.place),
    }


class LocateView(APIView):
    parser_classes = [MultiPartParser, JSONParser]

    @extend_schema(
        request={"multipart/form-data": LocateImageInput, "application/json": LocateCoordinatesInput},
        responses={200: LocateOutput},
        summary="Name the place where a photo was taken (offline)",
        description=(
            "Send either a photo (`multipart/form-data`, field `image`) whose EXIF GPS is read, or WGS-84 "
            "`latitude`/`longitude` as JSON. Mainland China resolves to 省/市/区 by boundary polygons and gets "
            "`gcj02` coordinates for Chinese maps; Hong Kong, Macau and Taiwan are named as themselves "
            "(`HK`/`MO`/`TW`, no GCJ-02 shift); abroad gives the country (Chinese and English) and the nearest "
            "sizeable city within 50 km. At sea every place field is null.\n\n"
            "A photo **without usable GPS is not an error**: 200 with `located: false` and every other field "
            "null. Errors: 400 `invalid_coordinates` (missing, non-numeric or out of range), and the shared "
            "upload errors (400 `image_invalid`, 413 `image_too_large`, 415 `image_format_unsupported`)."
        ),
        examples=[
            OpenApiExample(
                "Coordinates", value={"latitude": 48.8584, "longitude": 2.2945}, request_only=True
            ),
            OpenApiExample("Photo in Beijing", value=BEIJING, response_only=True),
            OpenApiExample("Coordinates in Paris", value=PARIS, response_only=True),
            OpenApiExample("Photo without GPS", value=EMPTY, response_only=True),
        ],
        tags=["geo"],
    )
    def post(self, request):
        if request.FILES:
            serializer = LocateImageInput(data=request.data)
            serializer.is_valid(raise_exception=True)
            validated = validate_image(serializer.validated_data["image"])
            point = services.gps_from_exif(validated.exif)
            return Response(_body(services.locate(point), "exif") if point else EMPTY)
        lat, lon = _coordinates(request.data)
        return Response(_body(services.locate(services.GpsPoint(lat, lon)), "coordinates"))
