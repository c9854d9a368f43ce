import unicodedata

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken

from core.errors import ApiError

User = get_user_model()


def normalise_username(username: str) -> str:
    """NFKC, as Django stores it: ``ａｌｉｃｅ`` is ``alice`` (compared case-insensitively after that)."""  # noqa: RUF002 - full-width on purpose
    return unicodedata.normalize("NFKC", username)


_FIELD_ZH = {"username": "用户名", "email": "邮箱"}


def _taken(field: str, value: str) -> ApiError:
    return ApiError(400, f"{field}_taken", f"{_FIELD_ZH[field]}已被使用 ({field} taken)", {field: value})


@transaction.atomic
def user_register(*, username: str, password: str, email: str = ""):
    """A new user; the username (NFKC) and a given e-mail are unique whatever their case."""
    username = normalise_username(username)
    email = User.objects.normalize_email(email) if email else ""
    if User.objects.filter(username__iexact=username).exists():
        raise _taken("username", username)
    if email and User.objects.filter(email__iexact=email).exists():
        raise _taken("email", email)
    candidate = User(username=username, email=email)
    try:
        validate_password(password, user=candidate)
    except DjangoValidationError as exc:
        raise ApiError(
            400, "password_invalid", "密码不符合要求 (weak password)", {"password": exc.messages}
        ) from exc
    try:
        with transaction.atomic():
            return User.objects.create_user(username=username, email=email, password=password)
    except IntegrityError as exc:  # the same name registered a moment ago
        raise _taken("username", username) from exc


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
