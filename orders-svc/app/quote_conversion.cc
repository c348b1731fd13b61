#include "orders-svc/app/quote_conversion.h"

#include "absl/strings/str_cat.h"
#include "orders-svc/app/access.h"
#include "orders-svc/app/order_desk.h"
#include "orders-svc/domain/errors.h"
#include "orders-svc/domain/order_state.h"
#include "orders-svc/domain/pricing.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/money.h"
#include "platform/status.h"

namespace sales::orders {
namespace {

absl::StatusOr<QuoteRecord> LockVisibleQuote(OrderBook& book, const Principal& p, int64_t id) {
  SALES_ASSIGN_OR_RETURN(auto rec, book.LockQuote(id));
  SALES_ASSIGN_OR_RETURN(auto scope, ScopeOf(book, p));
  if (!scope.Sees(rec.quote.rep_id(), rec.quote.rep_id(), rec.quote.org_unit_id(), rec.quote.org_unit_id())) {
    return WithErrorInfo(absl::PermissionDeniedError(absl::StrCat("quote ", id, " is outside the caller's scope")),
                         "OUT_OF_SCOPE", kOrdersDomain);
  }
  return rec;
}

// The draft order of a quote: its lines at the quoted prices, costs from the
// products as they are now, its fees approved.
absl::StatusOr<v1::SalesOrder> OrderOf(OrderBook& book, const v1::Quote& q, const v1::ConvertQuoteToOrderRequest& req,
                                       absl::CivilDay today) {
  v1::SalesOrder o;
  o.set_kind(v1::ORDER_KIND_NORMAL);
  o.set_quote_id(q.id());
  o.set_customer_id(q.customer_id());
  o.set_taking_rep_id(q.rep_id());
  *o.mutable_order_date() = req.has_order_date() ? req.order_date() : FromCivilDay(today);
  if (req.has_requested_delivery_date()) *o.mutable_requested_delivery_date() = req.requested_delivery_date();
  o.set_customer_reference(req.customer_reference());
  o.set_currency_code(q.currency_code());
  o.set_notes(q.notes());
  AmountSum total("quote.lines");
  for (int i = 0; i < q.lines_size(); ++i) {
    const auto& ql = q.lines(i);
    SALES_ASSIGN_OR_RETURN(auto product, book.LoadProduct(ql.product_id()));
    SALES_ASSIGN_OR_RETURN(int64_t cost, LineAmount(product.unit_cost().minor_units(), ql.quantity(),
                                                    absl::StrCat("quote.lines[", i, "].quantity")));
    auto* l = o.add_lines();
    l->set_product_id(ql.product_id());
    l->set_sku(ql.sku());
    l->set_product_line_id(ql.product_line_id());
    l->set_unit(product.unit());
    l->set_commissionable(product.commissionable());
    l->set_quantity(ql.quantity());
    *l->mutable_list_price() = ql.list_price();
    l->set_price_list_id(ql.price_list_id());
    l->set_discount_bp(ql.discount_bp());
    *l->mutable_unit_price() = ql.unit_price();
    *l->mutable_net_amount() = ql.net_amount();
    *l->mutable_cost_amount() = MakeMoney(cost, q.currency_code());
    l->set_required_approval(v1::APPROVAL_LEVEL_NONE);
    l->set_quote_line_id(ql.id());
    SALES_RETURN_IF_ERROR(total.Add(ql.net_amount().minor_units()));
  }
  for (const auto& f : q.special_fees()) {
    auto* fee = o.add_special_fees();
    fee->set_description(f.description());
    *fee->mutable_amount() = f.amount();
    fee->set_approved(true);
  }
  *o.mutable_lines_total() = MakeMoney(total.value(), q.currency_code());
  *o.mutable_total_amount() = MakeMoney(total.value(), q.currency_code());
  *o.mutable_deposit_amount() = MakeMoney(0, q.currency_code());
  return o;
}

}  // namespace

absl::StatusOr<v1::ConvertQuoteToOrderResponse> QuoteConversion::Convert(OrderBook& book, const CallContext& call,
                                                                         const v1::ConvertQuoteToOrderRequest& req) {
  SALES_ASSIGN_OR_RETURN(auto rec, LockVisibleQuote(book, call.principal, req.quote_id()));
  const v1::Quote& q = rec.quote;
  SALES_RETURN_IF_ERROR(CheckEtag(req.etag(), q.etag(), "quote", q.id()));
  const absl::Time now = clock_.Now();
  const absl::CivilDay today = BusinessDay(now);
  SALES_RETURN_IF_ERROR(CheckQuoteAction(q.status(), QuoteAction::kConvert));
  if (ToCivilDay(q.valid_until()) < today) {
    return WithErrorInfo(absl::FailedPreconditionError(
                             absl::StrCat("quote ", q.quote_number(), " expired on ", FormatDbDate(q.valid_until()))),
                         "QUOTE_EXPIRED", kOrdersDomain, {{"valid_until", FormatDbDate(q.valid_until())}});
  }
  // The quoted lines were checked when priced; the total is checked again (a
  // quote stored before totals were checked is refused, not converted with
  // a wrapped amount).
  SALES_RETURN_IF_ERROR(QuoteTotal(q).status());
  SALES_ASSIGN_OR_RETURN(v1::SalesOrder o, OrderOf(book, q, req, today));
  SALES_ASSIGN_OR_RETURN(int64_t order_id, book.InsertOrder(o, call.principal.user_id, q.org_unit_id(), now));
  SALES_RETURN_IF_ERROR(book.SetQuoteStatus(q.id(), v1::QUOTE_STATUS_CONVERTED, "", order_id, now));
  SALES_RETURN_IF_ERROR(AuditSubject(book, call, v1::SUBJECT_TYPE_QUOTE, q.id(), "QUOTE_CONVERTED",
                                     EnumShort(q.status()), EnumShort(v1::QUOTE_STATUS_CONVERTED),
                                     absl::StrCat("order ", order_id), now));
  SALES_RETURN_IF_ERROR(AuditSubject(book, call, v1::SUBJECT_TYPE_ORDER, order_id, "ORDER_CREATED", "", "DRAFT",
                                     absl::StrCat("from quote ", q.quote_number()), now));
  v1::ConvertQuoteToOrderResponse out;
  SALES_ASSIGN_OR_RETURN(auto after, book.LoadQuote(q.id()));
  *out.mutable_quote() = after.quote;
  SALES_ASSIGN_OR_RETURN(auto order, book.LoadOrder(order_id, false));
  *out.mutable_order() = order.order;
  return out;
}

}  // namespace sales::orders
