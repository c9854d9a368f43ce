from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import status
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.authentication import JWTAuthentication
from rest_framework_simplejwt.exceptions import InvalidToken
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from . import services
from .serializers import (
    LogoutInput,
    RegisterInput,
    TokenInput,
    TokenPairOutput,
    TokenRefreshInput,
    UserOutput,
    WeChatLoginInput,
    WeChatLoginOutput,
)


class RegisterView(APIView):
    permission_classes = [AllowAny]
    throttle_scope = "login"

    @extend_schema(
        request=RegisterInput,
        responses={201: inline_serializer("Registered", {"user": UserOutput(), "tokens": TokenPairOutput()})},
        summary="Register with username and password",
    )
    def post(self, request):
        data = RegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_register(**data.validated_data)
        return Response(
            {"user": UserOutput(user).data, "tokens": services.token_pair_for(user)},
            status=status.HTTP_201_CREATED,
        )


class TokenView(TokenObtainPairView):
    throttle_scope = "login"
    serializer_class = TokenInput


class RefreshView(TokenRefreshView):
    throttle_scope = "login"
    serializer_class = TokenRefreshInput


class LogoutView(APIView):
    @extend_schema(request=LogoutInput, responses={204: None}, summary="Blacklist a refresh token")
    def post(self, request):
        data = LogoutInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.logout(user=request.user, refresh=data.validated_data["refresh"])
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    @extend_schema(responses=UserOutput, summary="The current user")
    def get(self, request):
        return Response(UserOutput(request.user).data)


class OptionalJWTAuthentication(JWTAuthentication):
    """A stale or broken token on the login call means "not signed in", not 401: logging in is the cure."""

    def authenticate(self, request):
        try:
            return super().authenticate(request)
        except (InvalidToken, AuthenticationFailed):
            return None


class WeChatLoginView(APIView):
    permission_classes = [AllowAny]
    authentication_classes = [OptionalJWTAuthentication]
    throttle_scope = "login"

    @extend_schema(
        request=WeChatLoginInput,
        responses={
            200: WeChatLoginOutput,
            503: OpenApiResponse(description="wechat_unavailable / wechat_not_configured"),
        },
        summary="Log in with a WeChat mini-program code",
        description=(
            "Exchanges the `wx.login()` code with WeChat and returns the same JWT pair as password login; "
            "creates the user on first login (`created`). Sent with a valid access token, it links the WeChat "
            "identity to that user instead. Errors: 400 `wechat_code_invalid`, 503 `wechat_unavailable` / "
            "`wechat_not_configured`, 409 `wechat_account_taken` / `wechat_account_conflict`."
        ),
        auth=[],  # anonymous; a valid JWT (optional) links instead
        tags=["auth"],
    )
    def post(self, request):
        data = WeChatLoginInput(data=request.data)
        data.is_valid(raise_exception=True)
        current_user = request.user if request.user.is_authenticated else None
        login = services.wechat_login(**data.validated_data, current_user=current_user)
        return Response(
            {
                **login.tokens,
                "created": login.created,
                "user": {
                    "id": login.user.pk,
                    "username": login.user.username,
                    "nickname": login.account.nickname,
                    "openid": login.account.openid,
                },
            }
        )
