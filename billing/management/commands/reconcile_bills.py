import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from billing import services, wechatpay


class Command(BaseCommand):
    help = (
        "Download a day's WeChat Pay trade bill and compare it with our orders and refunds: settle payments whose "
        "notification was lost, record every other discrepancy. Exits 1 while a discrepancy remains or no bill "
        "could be had. (Pending orders and processing refunds are reconcile_orders.)"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--date",
            type=dt.date.fromisoformat,
            help="YYYY-MM-DD, a day in Asia/Shanghai (default: yesterday; WeChat makes it from 10:00)",
        )

    def handle(self, *args, date: dt.date | None, **options):
        if not wechatpay.is_configured():
            raise CommandError("WeChat Pay is not configured")
        day = date or services.default_bill_date()
        reconciliation = services.reconcile_bills(day=day)
        if reconciliation.status == reconciliation.Status.FAILED:
            raise CommandError(f"{day}: no usable trade bill: {reconciliation.error}")
        r = reconciliation
        self.stdout.write(
            f"{day}: bill {r.bill_payments} payment(s) {r.bill_payment_fen} fen, {r.bill_refunds} refund(s) "
            f"{r.bill_refund_fen} fen; ours {r.our_payments} payment(s) {r.our_payment_fen} fen, "
            f"{r.our_refunds} refund(s) {r.our_refund_fen} fen"
        )
        open_ = 0
        for d in reconciliation.discrepancies.all():
            open_ += not d.resolved
            state = "settled" if d.resolved else "OPEN"
            self.stdout.write(
                f"  {state} {d.kind} {d.out_refund_no or d.out_trade_no}: ours {d.our_status or '-'} "
                f"{d.our_amount_fen if d.our_amount_fen is not None else '-'}, bill {d.bill_status or '-'} "
                f"{d.bill_amount_fen if d.bill_amount_fen is not None else '-'} {d.note}".rstrip()
            )
        if open_:
            raise CommandError(f"{day}: {open_} discrepancy(ies) remain")
        self.stdout.write(f"{day}: {reconciliation.get_status_display()}")
