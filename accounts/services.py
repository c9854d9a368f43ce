from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken

from core.errors import ApiError

User = get_user_model()


@transaction.atomic
def user_register(*, username: str, password: str, email: str = ""):
    if User.objects.filter(username__iexact=username).exists():
        raise ApiError(400, "username_taken", "用户名已被使用 (username taken)", {"username": username})
    candidate = User(username=username, email=email)
    try:
        validate_password(password, user=candidate)
    except DjangoValidationError as exc:
        raise ApiError(
            400, "password_invalid", "密码不符合要求 (weak password)", {"password": exc.messages}
        ) from exc
    return User.objects.create_user(username=username, email=email, password=password)


def token_pair_for(user) -> dict:
    refresh = RefreshToken.for_user(user)
    return {"refresh": str(refresh), "access": str(refresh.access_token)}


def logout(*, user, refresh: str) -> None:
    try:
        token = RefreshToken(refresh)
    except TokenError as exc:
        raise ApiError(400, "token_not_valid", "刷新令牌无效或已过期 (invalid refresh token)") from exc
    if str(token.get("user_id")) != str(user.pk):
        raise ApiError(400, "token_not_valid", "刷新令牌无效或已过期 (invalid refresh token)")
    token.blacklist()
