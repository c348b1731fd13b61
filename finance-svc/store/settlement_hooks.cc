// OnInvoiceSettled: the receivables side calls it in the transaction of
// every application or credit that changes an invoice's balance; the ladder
// (app/collections_ladder) decides what that means for the invoice's case.
#include "finance-svc/store/settlement_hooks.h"

#include "finance-svc/app/collections_ladder.h"
#include "finance-svc/store/sql_collections_book.h"
#include "platform/convert.h"

namespace sales::finance {

absl::Status OnInvoiceSettled(db::Transaction& tx, int64_t invoice_id, absl::Time now) {
  // A bare transaction: the events are written without the outbox's wake-up.
  SqlCollectionsBook book(tx, nullptr);
  LadderContext ctx{.outbox = nullptr, .actor = Actor{}, .now = now, .today = BusinessDay(now)};
  ctx.actor.role = "SETTLEMENT";
  return CollectionsLadder(book, ctx).InvoiceSettled(invoice_id);
}

}  // namespace sales::finance
