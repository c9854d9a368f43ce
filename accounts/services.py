"""Accounts: password registration, tokens, logout, and WeChat mini-program login (code2session, then get or
create the user and their WeChatAccount). The WeChat identity is stored in ``billing`` because it is what pays
(the openid of a JSAPI payment); logging in with it is an account concern, so it lives here."""

import secrets
import unicodedata
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.tokens import RefreshToken

from billing import wechat
from billing.crypto import encrypt_text
from billing.models import WeChatAccount
from core.exceptions import ApplicationError, Conflict, Invalid, Unauthenticated

User = get_user_model()


def normalise_username(username: str) -> str:
    """NFKC, as Django stores it: ``ａｌｉｃｅ`` is ``alice`` (compared case-insensitively after that)."""  # noqa: RUF002 - full-width on purpose
    return unicodedata.normalize("NFKC", username)


_FIELD_ZH = {"username": "用户名", "email": "邮箱"}


def _taken(field: str, value: str) -> ApplicationError:
    return Invalid(f"{field}_taken", f"{_FIELD_ZH[field]}已被使用 ({field} taken)", {field: value})


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
        raise Invalid(
            "password_invalid", "密码不符合要求 (weak password)", {"password": exc.messages}
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
        raise Invalid("token_not_valid", "刷新令牌无效或已过期 (invalid refresh token)") from exc
    if str(token.get("user_id")) != str(user.pk):
        raise Invalid("token_not_valid", "刷新令牌无效或已过期 (invalid refresh token)")
    token.blacklist()


@dataclass(frozen=True)
class WeChatLogin:
    user: object
    account: WeChatAccount
    tokens: dict
    created: bool


def wechat_login(*, code: str, nickname: str = "", current_user=None) -> WeChatLogin:
    """Log in (or sign up) with a ``wx.login()`` code. With ``current_user`` (a signed-in password user) the
    WeChat identity is linked to that user instead, which is what lets them pay."""
    session = wechat.code_to_session(code)  # outside any transaction: it is a network call
    try:
        account, created = _bind(session, nickname, current_user)
    except IntegrityError:
        # A concurrent first login for the same openid won the race; ours now finds its account.
        account, created = _bind(session, nickname, current_user)
    if not account.user.is_active:
        raise Unauthenticated("no_active_account", "账户已停用 (account disabled)")
    return WeChatLogin(
        user=account.user, account=account, tokens=token_pair_for(account.user), created=created
    )


def _username_for(openid: str) -> str:
    username = f"wx_{openid}"[:150]
    if User.objects.filter(username=username).exists():
        username = f"{username[:140]}_{secrets.token_hex(4)}"
    return username


@transaction.atomic
def _bind(session: wechat.WeChatSession, nickname: str, current_user) -> tuple[WeChatAccount, bool]:
    secret = encrypt_text(session.session_key)
    account = (
        WeChatAccount.objects.select_for_update().select_related("user").filter(openid=session.openid).first()
    )
    if account is not None:
        if current_user is not None and account.user_id != current_user.pk:
            raise Conflict("wechat_account_taken", "该微信已绑定其他账户 (WeChat linked to another user)")
        account.session_key_encrypted = secret
        account.unionid = session.unionid or account.unionid
        account.nickname = nickname or account.nickname
        account.last_login_at = timezone.now()
        account.save()
        return account, False
    if current_user is not None:
        if WeChatAccount.objects.filter(user=current_user).exists():
            raise Conflict("wechat_account_conflict", "账户已绑定其他微信 (user linked to another WeChat)")
        user, created = current_user, False
    else:
        user = User.objects.create_user(username=_username_for(session.openid))  # no usable password
        created = True
    account = WeChatAccount.objects.create(
        user=user,
        openid=session.openid,
        unionid=session.unionid,
        nickname=nickname,
        session_key_encrypted=secret,
    )
    return account, created
