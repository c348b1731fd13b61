#include "orders-svc/app/document_edits.h"

#include "orders-svc/app/access.h"
#include "orders-svc/app/document_entry.h"
#include "orders-svc/app/order_desk.h"
#include "orders-svc/domain/order_state.h"
#include "orders-svc/store/approval_store.h"
#include "orders-svc/store/catalog_store.h"
#include "orders-svc/store/order_store.h"
#include "orders-svc/store/quote_store.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/field_mask.h"
#include "platform/status.h"

namespace sales::orders {

absl::StatusOr<v1::UpdateQuoteResponse> DocumentEdits::EditQuote(db::Transaction& tx, OrderBook& book,
                                                                 const CallContext& call,
                                                                 const v1::UpdateQuoteRequest& req,
                                                                 const std::vector<std::string>& paths) {
  // Without a mask the request carries the whole content, checked as sent
  // (api/).
  const bool whole = req.update_mask().paths().empty();
  SALES_ASSIGN_OR_RETURN(auto rec, LoadVisibleQuote(book, call.principal, req.quote().id(), true));
  SALES_RETURN_IF_ERROR(CheckEtag(req.etag(), rec.quote.etag(), "quote", rec.quote.id()));
  SALES_RETURN_IF_ERROR(CheckQuoteAction(rec.quote.status(), QuoteAction::kEdit));
  v1::Quote q = req.quote();
  if (!whole) {
    q = rec.quote;
    // Approval steps are the service's record, never content an edit
    // writes; only echoed ones are capped.
    q.clear_approvals();
    ApplyUpdatePaths(paths, req.quote(), &q);
    // The quote as it will be stored is what must be valid: a field
    // the mask does not name keeps its stored value.
    SALES_RETURN_IF_ERROR(ValidateQuoteContent(q, false));
  }
  absl::Time now = clock_.Now();
  SALES_ASSIGN_OR_RETURN(auto policy, PolicyStore::Get(tx));
  q.set_customer_id(rec.quote.customer_id());
  q.set_currency_code(rec.quote.currency_code());
  if (!q.has_quote_date()) *q.mutable_quote_date() = rec.quote.quote_date();
  SALES_RETURN_IF_ERROR(PriceQuote(tx, q, policy, RoleOf(call.principal), now));
  SALES_RETURN_IF_ERROR(ApprovalStore::WithdrawPending(tx, v1::SUBJECT_TYPE_QUOTE, q.id(), now));
  SALES_RETURN_IF_ERROR(QuoteStore::ReplaceContent(tx, q, now));
  SALES_RETURN_IF_ERROR(AuditSubject(book, call, v1::SUBJECT_TYPE_QUOTE, q.id(), "QUOTE_EDITED",
                                     EnumShort(rec.quote.status()), EnumShort(v1::QUOTE_STATUS_DRAFT), "", now));
  v1::UpdateQuoteResponse out;
  SALES_ASSIGN_OR_RETURN(auto after, QuoteStore::Load(tx, q.id(), false));
  *out.mutable_quote() = after.quote;
  return out;
}

absl::StatusOr<v1::UpdateOrderResponse> DocumentEdits::EditOrder(db::Transaction& tx, OrderBook& book,
                                                                 const CallContext& call,
                                                                 const v1::UpdateOrderRequest& req,
                                                                 const std::vector<std::string>& paths) {
  // Without a mask the request carries the whole content, as before masks.
  const bool whole = req.update_mask().paths().empty();
  SALES_ASSIGN_OR_RETURN(auto rec, LoadVisibleOrder(book, call.principal, req.order().id(), true));
  SALES_RETURN_IF_ERROR(CheckEtag(req.etag(), rec.order.etag(), "order", rec.order.id()));
  SALES_RETURN_IF_ERROR(NextOrderStatus(rec.order.status(), OrderAction::kEdit).status());
  // With a mask, the fields it does not name keep their stored values,
  // and the order as it will be stored is what is checked below.
  v1::SalesOrder o = req.order();
  if (!whole) {
    o = rec.order;
    // Approval steps are the service's record, never content an edit
    // writes; only echoed ones are capped.
    o.clear_approvals();
    ApplyUpdatePaths(paths, req.order(), &o);
  }
  o.set_kind(rec.order.kind());
  o.set_customer_id(rec.order.customer_id());
  o.set_original_order_id(rec.order.original_order_id());
  o.set_quote_id(rec.order.quote_id());
  o.set_currency_code(rec.order.currency_code());
  o.set_taking_rep_id(rec.order.taking_rep_id());
  if (!o.has_order_date()) *o.mutable_order_date() = rec.order.order_date();
  SALES_RETURN_IF_ERROR(ValidateOrderContent(o, false));
  absl::Time now = clock_.Now();
  SALES_ASSIGN_OR_RETURN(auto policy, PolicyStore::Get(tx));
  SALES_RETURN_IF_ERROR(PriceOrder(tx, o, policy, RoleOf(call.principal), now));
  SALES_RETURN_IF_ERROR(ApprovalStore::WithdrawPending(tx, v1::SUBJECT_TYPE_ORDER, o.id(), now));
  SALES_RETURN_IF_ERROR(OrderStore::ReplaceContent(tx, o, now));
  SALES_RETURN_IF_ERROR(
      AuditOrder(book, call, o.id(), "ORDER_EDITED", rec.order.status(), v1::ORDER_STATUS_DRAFT, "", now));
  v1::UpdateOrderResponse out;
  SALES_ASSIGN_OR_RETURN(auto after, OrderStore::Load(tx, o.id(), false));
  *out.mutable_order() = after.order;
  return out;
}

}  // namespace sales::orders
