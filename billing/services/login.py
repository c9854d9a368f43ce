"""WeChat mini-program login: code2session, then get or create the user and their WeChatAccount."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.services import token_pair_for
from core.exceptions import Conflict, Unauthenticated

from .. import wechat
from ..crypto import encrypt_text
from ..models import WeChatAccount

User = get_user_model()


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
