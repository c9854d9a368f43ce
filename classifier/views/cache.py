from drf_spectacular.utils import OpenApiExample, PolymorphicProxySerializer, extend_schema
from rest_framework.response import Response
from rest_framework.views import APIView

from core.authentication import CachedStatelessJWTAuthentication
from core.negotiation import JSONOnlyNegotiation
from core.parsers import JSONParser
from core.renderers import JSONRenderer
from core.request import client_ip, request_uuid
from core.throttling import FixedWindowUserThrottle

from .. import services
from ..serializers import (
    CheckCacheBatchSerializer,
    CheckCacheInput,
    CheckCacheResultSerializer,
    parse_check_cache,
)


class CheckCacheView(APIView):
    # The album app's hottest path, kept lean: the access token alone is the credential, JSON only.
    authentication_classes = [CachedStatelessJWTAuthentication]
    parser_classes = [JSONParser]
    renderer_classes = [JSONRenderer]
    content_negotiation_class = JSONOnlyNegotiation
    throttle_classes = []  # the user rate is counted in check_cache's own round trip (see window below)

    @extend_schema(
        request=CheckCacheInput,
        responses={
            200: PolymorphicProxySerializer(
                component_name="CheckCacheResponse",
                serializers=[CheckCacheResultSerializer, CheckCacheBatchSerializer],
                resource_type_field_name=None,
            )
        },
        examples=[
            OpenApiExample(
                "One hash",
                value={"image_hash": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"},
                request_only=True,
            ),
            OpenApiExample(
                "A batch (up to 500)",
                value={
                    "image_hashes": [
                        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
                    ]
                },
                request_only=True,
            ),
        ],
        summary="Ask by SHA-256 before uploading: hit returns the stored result",
        description=(
            "Hash the exact bytes you would upload (SHA-256, hex). A hit costs nothing and needs no upload; "
            "on a miss, upload with POST /api/v1/classify."
        ),
    )
    def post(self, request):
        hashes, batch = parse_check_cache(request.data)
        results = services.check_cache(
            user_id=request.user.pk,
            hashes=hashes,
            ip=client_ip(request),
            request_id=request_uuid(request),
            window=FixedWindowUserThrottle().window(request, self),
        )
        if not batch:
            return Response(results[0])
        hits = sum(1 for r in results if r["hit"])
        return Response({"results": results, "hits": hits, "misses": len(results) - hits})
