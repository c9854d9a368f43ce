"""WeChat Pay's daily trade bill (``/v3/bill/tradebill``, type ALL) read into payments and refunds.

The file is CSV: a header row, one detail row per payment (交易状态 SUCCESS) and per refund (REFUND, listed on the
day WeChat accepted it, with its status at the time the bill was made), then a summary header (总交易单数, ...)
and its row. Every detail field starts with a backtick (so spreadsheets keep long numbers); amounts are yuan.
Columns are found by their header names, as WeChat asks, not by position.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

CHINA = ZoneInfo("Asia/Shanghai")
SUMMARY_FIRST_COLUMN = "总交易单数"
REQUIRED = ("交易时间", "商户订单号", "微信订单号", "交易状态", "订单金额", "商户退款单号", "微信退款单号")
# The bill predates APIv3 and may spell refund states the v2 way (REFUNDCLOSE, CHANGE): read both as v3's.
REFUND_STATUS = {"REFUNDCLOSE": "CLOSED", "CHANGE": "ABNORMAL"}


class BillFormatError(ValueError):
    """The bill is not the CSV we expect (its hash matched, so WeChat changed the format)."""


@dataclass(frozen=True)
class BillPayment:
    out_trade_no: str
    transaction_id: str
    status: str  # SUCCESS (REVOKED for revoked micropay trades)
    amount_fen: int  # 订单金额, what the order was for
    paid_at: dt.datetime


@dataclass(frozen=True)
class BillRefund:
    out_refund_no: str
    refund_id: str
    out_trade_no: str
    status: str  # SUCCESS, PROCESSING, CLOSED, ABNORMAL (as of when the bill was made)
    amount_fen: int  # 申请退款金额, what was asked for
    accepted_at: dt.datetime


@dataclass
class TradeBill:
    payments: dict[str, BillPayment] = field(default_factory=dict)
    refunds: dict[str, BillRefund] = field(default_factory=dict)


def _fen(value: str) -> int:
    try:
        amount = Decimal(value) * 100
    except InvalidOperation as exc:
        raise BillFormatError(f"not an amount: {value!r}") from exc
    if amount != amount.to_integral_value():
        raise BillFormatError(f"amount with fractions of a fen: {value!r}")
    return abs(int(amount))


def _time(value: str) -> dt.datetime:
    try:
        return dt.datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=CHINA)
    except ValueError as exc:
        raise BillFormatError(f"not a time: {value!r}") from exc


def parse_trade_bill(text: str) -> TradeBill:
    rows = [
        row for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) if any(cell.strip() for cell in row)
    ]
    if not rows:
        raise BillFormatError("empty bill")
    header = [cell.strip().lstrip("`") for cell in rows[0]]
    if missing := [name for name in REQUIRED if name not in header]:
        raise BillFormatError(f"bill header lacks {', '.join(missing)}")
    bill = TradeBill()
    for row in rows[1:]:
        if row[0].strip().lstrip("`") == SUMMARY_FIRST_COLUMN:
            break
        if len(row) < len(header):
            raise BillFormatError(f"short bill row ({len(row)} of {len(header)} fields)")
        item = {name: cell.strip().lstrip("`").strip() for name, cell in zip(header, row, strict=False)}
        if item["交易状态"] == "REFUND":
            refund = BillRefund(
                out_refund_no=item["商户退款单号"],
                refund_id=item["微信退款单号"],
                out_trade_no=item["商户订单号"],
                status=REFUND_STATUS.get(item.get("退款状态", ""), item.get("退款状态", "")),
                amount_fen=_fen(item.get("申请退款金额") or item.get("退款金额") or "0"),
                accepted_at=_time(item["交易时间"]),
            )
            bill.refunds[refund.out_refund_no] = refund
        else:
            payment = BillPayment(
                out_trade_no=item["商户订单号"],
                transaction_id=item["微信订单号"],
                status=item["交易状态"],
                amount_fen=_fen(item["订单金额"]),
                paid_at=_time(item["交易时间"]),
            )
            bill.payments[payment.out_trade_no] = payment
    return bill
