"""Test key material for WeChat Pay, generated once per test session and written to a temp dir.

The files mirror what a merchant downloads from the WeChat Pay console, so settings can point at them:

- ``apiclient_key.pem``: the merchant API private key (PKCS#8, as WeChat issues it) -> WECHATPAY_PRIVATE_KEY_PATH
- ``pub_key.pem``: the "WeChat Pay public key" (SubjectPublicKeyInfo) -> WECHATPAY_PUBLIC_KEY_PATH, whose id
  ``public_key_id`` ("PUB_KEY_ID_...") -> WECHATPAY_PUBLIC_KEY_ID
- ``wechatpay_<serial>.pem``: the older-style platform certificate, over a key of its own (as at WeChat, where
  the public key and the platform certificates are different keys; a merchant migrating receives both)

The private halves of the platform key, of the certificate's key and of an "impostor" key (one WeChat never
published) stay in memory: the fake signs with the first two, and tests forge replies or notifications with the
third.
"""

from __future__ import annotations

import atexit
import datetime as dt
import functools
import secrets
import shutil
import string
import tempfile
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.x509.oid import NameOID


@dataclass(frozen=True)
class WeChatPayKeys:
    directory: Path
    merchant_private_key: RSAPrivateKey
    merchant_private_key_path: Path
    merchant_cert_serial: str  # 40 upper-case hex digits, like the console shows
    platform_private_key: RSAPrivateKey
    platform_public_key_path: Path
    public_key_id: str
    platform_cert_path: Path
    platform_cert_serial: str
    platform_cert_private_key: RSAPrivateKey
    impostor_private_key: RSAPrivateKey
    apiv3_key: str  # 32 ASCII characters, used as the AES-256-GCM key

    @property
    def merchant_private_key_pem(self) -> str:
        return self.merchant_private_key_path.read_text()

    @property
    def platform_public_key_pem(self) -> str:
        return self.platform_public_key_path.read_text()

    @property
    def platform_cert_pem(self) -> str:
        return self.platform_cert_path.read_text()


def new_rsa_key() -> RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def make_certificate(
    key: RSAPrivateKey,
    serial: int,
    common_name: str = "Tenpay.com Root CA",
    *,
    valid: tuple[dt.timedelta, dt.timedelta] = (dt.timedelta(days=-1), dt.timedelta(days=5 * 365)),
) -> str:
    """A self-signed certificate over ``key``, as PEM, valid from now + ``valid[0]`` to now + ``valid[1]`` (by
    default from yesterday for five years)."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial)
        .not_valid_before(now + valid[0])
        .not_valid_after(now + valid[1])
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def serial_hex(serial: int) -> str:
    """How WeChat writes a certificate serial: upper-case hex, no prefix."""
    return format(serial, "X")


@functools.cache
def wechatpay_keys() -> WeChatPayKeys:
    directory = Path(tempfile.mkdtemp(prefix="xintu-wechatpay-keys-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)

    merchant = new_rsa_key()
    merchant_path = directory / "apiclient_key.pem"
    merchant_path.write_bytes(
        merchant.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )

    platform = new_rsa_key()
    public_path = directory / "pub_key.pem"
    public_path.write_bytes(
        platform.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    cert_serial = serial_hex(x509.random_serial_number())
    cert_path = directory / f"wechatpay_{cert_serial}.pem"
    cert_key = new_rsa_key()
    cert_path.write_text(make_certificate(cert_key, int(cert_serial, 16)))

    return WeChatPayKeys(
        directory=directory,
        merchant_private_key=merchant,
        merchant_private_key_path=merchant_path,
        merchant_cert_serial=secrets.token_hex(20).upper(),
        platform_private_key=platform,
        platform_public_key_path=public_path,
        public_key_id="PUB_KEY_ID_" + "".join(secrets.choice(string.digits) for _ in range(34)),
        platform_cert_path=cert_path,
        platform_cert_serial=cert_serial,
        platform_cert_private_key=cert_key,
        impostor_private_key=new_rsa_key(),
        apiv3_key="".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(32)),
    )
