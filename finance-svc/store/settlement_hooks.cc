// OnInvoiceSettled: the receivables side calls it in the transaction of
// every application or credit that changes an invoice's balance.
#include "finance-svc/store/settlement_hooks.h"

#include "absl/strings/str_cat.h"
#include "finance-svc/store/collections_engine.h"
#include "platform/convert.h"
#include "platform/status.h"

namespace sales::finance {

absl::Status OnInvoiceSettled(db::Transaction& tx, int64_t invoice_id, absl::Time now) {
  SALES_ASSIGN_OR_RETURN(auto existing, CollectionsStore::CaseOfInvoice(tx, invoice_id, /*for_update=*/true));
  if (!existing.has_value() || existing->facts.closed_on.has_value()) return absl::OkStatus();
  CaseRecord c = *existing;
  SALES_ASSIGN_OR_RETURN(LadderInvoice inv, CollectionsStore::Invoice(tx, invoice_id));
  LadderContext ctx{.outbox = nullptr, .actor = Actor{}, .now = now, .today = BusinessDay(now)};
  ctx.actor.role = "SETTLEMENT";
  if (inv.balance_minor > 0) {
    // Part paid: the case goes on, with the smaller amount on record.
    if (inv.balance_minor < c.overdue_minor) {
      std::string detail = absl::StrCat("overdue ", FormatFen(c.overdue_minor), " -> ", FormatFen(inv.balance_minor));
      c.overdue_minor = inv.balance_minor;
      SALES_RETURN_IF_ERROR(RecordStep(tx, ctx, c,
                                       StepRecord{.kind = v1::COLLECTION_STEP_KIND_PARTIAL_SETTLEMENT,
                                                  .effective_on = ctx.today,
                                                  .detail = detail}));
      SALES_RETURN_IF_ERROR(CollectionsStore::UpdateCase(tx, c, now));
    }
    return absl::OkStatus();
  }
  c.overdue_minor = 0;
  SALES_RETURN_IF_ERROR(CloseCase(tx, ctx, c, ctx.today,
                                  inv.credited_minor > 0 ? v1::CASE_CLOSE_REASON_CREDITED : v1::CASE_CLOSE_REASON_PAID, ""));
  return ReleaseHoldIfClear(tx, ctx, c.customer_id, "PAID_IN_FULL").status();
}

}  // namespace sales::finance
