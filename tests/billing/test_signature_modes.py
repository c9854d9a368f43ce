"""WeChat Pay signs with its public key (``Wechatpay-Serial: PUB_KEY_ID_...``) or, for older merchants and during
the migration, with a platform certificate (the serial is the certificate's); each message is checked with the
key its serial names, and a serial we were not given is refused."""

import datetime as dt
import shutil

import pytest
from cryptography import x509

from billing import services
from billing.models import Refund
from tests.billing.helpers import pay_order, place_order, post_notification, request_refund
from tests.fakes.keys import make_certificate, new_rsa_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def cert_dir(tmp_path, wechatpay_test_keys):
    """A platform certificate directory as the merchant keeps it: the certificate, next to an expired one and a
    key file (both ignored)."""
    directory = tmp_path / "wechatpay-certs"
    directory.mkdir()
    shutil.copy(
        wechatpay_test_keys.platform_cert_path,
        directory / f"wechatpay_{wechatpay_test_keys.platform_cert_serial}.pem",
    )
    shutil.copy(wechatpay_test_keys.merchant_private_key_path, directory / "apiclient_key.pem")
    (directory / "wechatpay_EXPIRED.pem").write_text(expired_certificate())
    return directory


def expired_certificate() -> str:
    valid = (dt.timedelta(days=-800), dt.timedelta(days=-1))
    return make_certificate(new_rsa_key(), x509.random_serial_number(), valid=valid)


@pytest.fixture
def both_modes(settings, wechatpay, cert_dir):
    settings.WECHATPAY_PLATFORM_CERT_DIR = str(cert_dir)
    return wechatpay


@pytest.fixture
def certificate_only(settings, wechatpay, cert_dir):
    settings.WECHATPAY_PLATFORM_CERT_DIR = str(cert_dir)
    settings.WECHATPAY_PUBLIC_KEY_PATH = settings.WECHATPAY_PUBLIC_KEY_ID = ""
    wechatpay.mode = "certificate"
    return wechatpay


def test_a_migrating_merchant_accepts_either_signature_message_by_message(
    owner_client, staff_client, api_client, payer, credits_product, both_modes
):
    both_modes.mode = "certificate"
    out_trade_no = pay_order(
        owner_client, api_client, both_modes, "credits-100"
    )  # reply and notification: cert
    out_refund_no = request_refund(staff_client, out_trade_no).json()["out_refund_no"]
    both_modes.mode = "public_key"

    response = post_notification(api_client, *both_modes.refund_notification(out_refund_no))

    assert response.status_code == 204
    assert Refund.objects.get().status == "success"
    assert services.balance(payer) == 0


def test_a_known_serial_signed_with_the_other_key_is_refused(
    owner_client, api_client, payer, credits_product, both_modes
):
    out_trade_no = place_order(owner_client, "credits-100").json()["order"]["out_trade_no"]
    both_modes.mode = "certificate"
    headers, body = both_modes.notification(out_trade_no)
    headers["Wechatpay-Serial"] = (
        both_modes.keys.public_key_id
    )  # the certificate's key, the public key's name

    response = post_notification(api_client, headers, body)

    assert (response.status_code, response.json()["message"]) == (401, "bad signature")
    assert services.balance(payer) == 0


def test_certificate_only_merchants_pay_and_refund_without_downloading_certificates(
    owner_client, staff_client, api_client, payer, credits_product, certificate_only
):
    out_trade_no = pay_order(owner_client, api_client, certificate_only, "credits-100")
    out_refund_no = request_refund(staff_client, out_trade_no).json()["out_refund_no"]

    assert (
        post_notification(api_client, *certificate_only.refund_notification(out_refund_no)).status_code == 204
    )
    assert services.balance(payer) == 0
    assert "/v3/certificates" not in [r.path for r in certificate_only.requests]


def test_certificate_only_merchants_refuse_public_key_signatures(
    owner_client, api_client, payer, credits_product, certificate_only
):
    out_trade_no = place_order(owner_client, "credits-100").json()["order"]["out_trade_no"]
    certificate_only.mode = "public_key"

    response = post_notification(api_client, *certificate_only.notification(out_trade_no))

    assert (response.status_code, response.json()["message"]) == (401, "unknown Wechatpay-Serial")


def test_public_key_merchants_refuse_certificate_signatures_and_fetch_nothing(
    owner_client, api_client, payer, credits_product, wechatpay
):
    out_trade_no = place_order(owner_client, "credits-100").json()["order"]["out_trade_no"]
    wechatpay.mode = "certificate"

    notified = post_notification(api_client, *wechatpay.notification(out_trade_no))
    replied = place_order(owner_client, "credits-100")  # the reply is certificate-signed: not trusted

    assert (notified.status_code, notified.json()["message"]) == (401, "unknown Wechatpay-Serial")
    assert replied.status_code == 503
    assert "/v3/certificates" not in [r.path for r in wechatpay.requests]
    assert services.balance(payer) == 0


def test_an_expired_certificate_is_not_trusted(
    owner_client, api_client, payer, credits_product, settings, certificate_only, cert_dir
):
    (cert_dir / f"wechatpay_{certificate_only.keys.platform_cert_serial}.pem").unlink()

    response = place_order(owner_client, "credits-100")

    assert (response.status_code, response.json()["error"]["code"]) == (503, "wechatpay_not_configured")
