import datetime as dt

import pytest

from billing.tradebill import CHINA, BillFormatError, parse_trade_bill

HEADER = (
    "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,货币种类,"
    "应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,商品名称,商户数据包,"
    "手续费,费率,订单金额,申请退款金额,费率备注"
)
PAYMENT = (
    "`2026-11-30 17:07:11,`wx0000000000000001,`1900000109,`0,`,`4200000925202611300000000001,`XT20261130170700AAAA,"
    "`oUser,`JSAPI,`SUCCESS,`OTHERS,`CNY,`9.90,`0.00,`0,`0,`0.00,`0.00,`,`,`芯图积分 100,`,`0.06000,`0.60%,`9.90,`0.00,`"
)
REFUND = (
    "`2026-11-30 23:59:59,`wx0000000000000001,`1900000109,`0,`,`4200000925202611300000000001,`XT20261130170700AAAA,"
    "`oUser,`JSAPI,`REFUND,`OTHERS,`CNY,`0.00,`0.00,`50300000000000000000000000001,`RF20261130235959BBBB,`1.00,"
    "`0.00,`ORIGINAL,`PROCESSING,`芯图积分 100,`,`-0.01000,`0.60%,`0.00,`1.00,`"
)
SUMMARY = "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额\r\n`2,`9.90,`1.00,`0.00,`0.05000,`9.90,`1.00"


def test_it_reads_payments_and_refunds_of_a_real_shaped_bill():
    bill = parse_trade_bill("\ufeff" + "\r\n".join([HEADER, PAYMENT, REFUND, SUMMARY]) + "\r\n")

    (payment,) = bill.payments.values()
    assert (payment.out_trade_no, payment.status, payment.amount_fen) == (
        "XT20261130170700AAAA",
        "SUCCESS",
        990,
    )
    assert payment.transaction_id == "4200000925202611300000000001"
    assert payment.paid_at == dt.datetime(2026, 11, 30, 17, 7, 11, tzinfo=CHINA)
    (refund,) = bill.refunds.values()
    assert (refund.out_refund_no, refund.out_trade_no, refund.status, refund.amount_fen) == (
        "RF20261130235959BBBB",
        "XT20261130170700AAAA",
        "PROCESSING",
        100,
    )


def test_it_finds_columns_by_name_not_position():
    names = HEADER.split(",")
    order = list(reversed(range(len(names))))
    cells = PAYMENT.split(",")
    text = ",".join(names[i] for i in order) + "\n" + ",".join(cells[i] for i in order) + "\n"

    assert parse_trade_bill(text).payments["XT20261130170700AAAA"].amount_fen == 990


@pytest.mark.parametrize(
    "text", ["", "a,b,c\n1,2,3\n", HEADER + "\n" + PAYMENT.replace("`0.60%,`9.90", "`0.60%,`9.9x")]
)
def test_it_refuses_what_is_not_a_trade_bill(text):
    with pytest.raises(BillFormatError):
        parse_trade_bill(text)


@pytest.mark.parametrize(
    ("written", "read"), [("REFUNDCLOSE", "CLOSED"), ("CHANGE", "ABNORMAL"), ("CLOSED", "CLOSED")]
)
def test_it_reads_refund_states_in_either_spelling(written, read):
    text = "\n".join([HEADER, REFUND.replace("`PROCESSING,", f"`{written},")])

    assert parse_trade_bill(text).refunds["RF20261130235959BBBB"].status == read
