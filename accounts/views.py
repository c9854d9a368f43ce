from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenObtainPairView, TokenRefreshView

from . import services
from .serializers import (
    LogoutInput,
    RegisterInput,
    TokenInput,
    TokenPairOutput,
    TokenRefreshInput,
    UserOutput,
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
