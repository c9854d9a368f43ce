"""Request and response shapes of ``POST /api/v1/geo/locate``."""

from rest_framework import serializers

from core import serializers as strict


class LocateImageInput(strict.Serializer):
    image = strict.ImageUploadField(help_text="JPEG, PNG, WebP or HEIC; GPS is read from its EXIF.")


class LocateCoordinatesInput(strict.Serializer):
    latitude = strict.FiniteFloatField(min_value=-90, max_value=90, help_text="WGS-84 degrees")
    longitude = strict.FiniteFloatField(min_value=-180, max_value=180, help_text="WGS-84 degrees")


class Gcj02Output(serializers.Serializer):
    latitude = serializers.FloatField()
    longitude = serializers.FloatField()


class LocateOutput(serializers.Serializer):
    located = serializers.BooleanField(
        help_text="false: the image carries no usable GPS; all other fields null"
    )
    source = serializers.ChoiceField(choices=["exif", "coordinates"], allow_null=True)
    latitude = serializers.FloatField(allow_null=True, help_text="WGS-84")
    longitude = serializers.FloatField(allow_null=True, help_text="WGS-84")
    altitude = serializers.FloatField(allow_null=True, help_text="metres, from EXIF only")
    timestamp = serializers.DateTimeField(allow_null=True, help_text="GPS time (UTC), from EXIF only")
    gcj02 = Gcj02Output(allow_null=True, help_text="for AMap/Tencent maps; null outside mainland China")
    country_code = serializers.CharField(allow_null=True, help_text="ISO 3166-1 alpha-2; HK, MO, TW as such")
    country = serializers.CharField(allow_null=True, help_text="Chinese, e.g. 中国 / 中国香港 / 法国")
    country_en = serializers.CharField(allow_null=True)
    province = serializers.CharField(allow_null=True)
    city = serializers.CharField(
        allow_null=True, help_text="Chinese in the mainland; GeoNames name elsewhere"
    )
    district = serializers.CharField(allow_null=True)
    display_name = serializers.CharField(allow_null=True, help_text="e.g. 浙江省杭州市西湖区, 法国 · Paris")
