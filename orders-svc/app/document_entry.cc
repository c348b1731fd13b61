#include "orders-svc/app/document_entry.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "orders-svc/domain/errors.h"
#include "orders-svc/domain/limits.h"
#include "orders-svc/store/catalog_store.h"
#include "orders-svc/store/order_store.h"
#include "orders-svc/store/product_store.h"
#include "platform/convert.h"
#include "platform/money.h"

namespace sales::orders {

absl::Status CapOrderRepeated(const v1::SalesOrder& o) {
  SALES_RETURN_IF_ERROR(CheckRepeatedCap(o.lines_size(), kMaxDocumentLines, "order.lines"));
  SALES_RETURN_IF_ERROR(CheckRepeatedCap(o.special_fees_size(), kMaxSpecialFees, "order.special_fees"));
  return CheckRepeatedCap(o.approvals_size(), kMaxEchoedApprovals, "order.approvals");
}

absl::Status ValidateOrderContent(const v1::SalesOrder& o, bool is_new) {
  SALES_RETURN_IF_ERROR(CapOrderRepeated(o));
  std::vector<FieldViolation> v;
  bool correction = o.kind() == v1::ORDER_KIND_CORRECTION;
  if (is_new && o.customer_id() <= 0) v.push_back({"order.customer_id", "required"});
  if (is_new && correction && o.original_order_id() <= 0) {
    v.push_back({"order.original_order_id", "required on a CORRECTION order"});
  }
  if (is_new && !correction && o.original_order_id() != 0) {
    v.push_back({"order.original_order_id", "only CORRECTION orders reference an original"});
  }
  if (o.lines().empty()) v.push_back({"order.lines", "required, at least one"});
  for (int i = 0; i < o.lines_size(); ++i) {
    const auto& l = o.lines(i);
    std::string f = absl::StrCat("order.lines[", i, "]");
    if (l.product_id() <= 0) v.push_back({f + ".product_id", "required"});
    if (!QuantityInRange(l.quantity(), correction)) v.push_back({f + ".quantity", QuantityRule(correction)});
    if (l.discount_bp() < 0 || l.discount_bp() > 10000) v.push_back({f + ".discount_bp", "must be within 0..10000"});
  }
  AppendFeeViolations(o.special_fees(), "order", &v);
  if (o.has_deposit_amount()) {
    for (auto& fv : FieldViolationsOf(ValidateMoney(o.deposit_amount(), "order.deposit_amount", Sign::kNonNegative))) {
      v.push_back(fv);
    }
  }
  if (o.has_order_date()) {
    for (auto& fv : FieldViolationsOf(ValidateDate(o.order_date(), "order.order_date"))) v.push_back(fv);
  }
  if (o.has_requested_delivery_date()) {
    for (auto& fv : FieldViolationsOf(ValidateDate(o.requested_delivery_date(), "order.requested_delivery_date"))) {
      v.push_back(fv);
    }
  }
  if (o.notes().size() > 2000) v.push_back({"order.notes", "at most 2000 bytes"});
  if (o.ship_to_address().size() > 500) v.push_back({"order.ship_to_address", "at most 500 bytes"});
  if (o.customer_reference().size() > 100) v.push_back({"order.customer_reference", "at most 100 bytes"});
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

absl::Status ValidateQuoteContent(const v1::Quote& q, bool is_new) {
  // Caps first: nothing below reads more entries than a document may have.
  SALES_RETURN_IF_ERROR(CheckRepeatedCap(q.lines_size(), kMaxDocumentLines, "quote.lines"));
  SALES_RETURN_IF_ERROR(CheckRepeatedCap(q.special_fees_size(), kMaxSpecialFees, "quote.special_fees"));
  SALES_RETURN_IF_ERROR(CheckRepeatedCap(q.approvals_size(), kMaxEchoedApprovals, "quote.approvals"));
  std::vector<FieldViolation> v;
  if (is_new && q.customer_id() <= 0) v.push_back({"quote.customer_id", "required"});
  if (q.lines().empty()) v.push_back({"quote.lines", "required, at least one"});
  for (int i = 0; i < q.lines_size(); ++i) {
    const auto& l = q.lines(i);
    std::string f = absl::StrCat("quote.lines[", i, "]");
    if (l.product_id() <= 0) v.push_back({f + ".product_id", "required"});
    if (!QuantityInRange(l.quantity(), false)) v.push_back({f + ".quantity", QuantityRule(false)});
    if (l.discount_bp() < 0 || l.discount_bp() > 10000) v.push_back({f + ".discount_bp", "must be within 0..10000"});
  }
  AppendFeeViolations(q.special_fees(), "quote", &v);
  if (q.has_quote_date()) {
    for (auto& fv : FieldViolationsOf(ValidateDate(q.quote_date(), "quote.quote_date"))) v.push_back(fv);
  }
  if (q.has_valid_until()) {
    for (auto& fv : FieldViolationsOf(ValidateDate(q.valid_until(), "quote.valid_until"))) v.push_back(fv);
  }
  if (q.notes().size() > 2000) v.push_back({"quote.notes", "at most 2000 bytes"});
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

void AppendFeeViolations(const google::protobuf::RepeatedPtrField<v1::SpecialFee>& fees, const std::string& doc,
                         std::vector<FieldViolation>* violations) {
  for (int i = 0; i < fees.size(); ++i) {
    const auto& fee = fees.Get(i);
    std::string f = absl::StrCat(doc, ".special_fees[", i, "]");
    if (fee.description().empty()) violations->push_back({f + ".description", "required"});
    for (auto& fv : FieldViolationsOf(ValidateMoney(fee.amount(), f + ".amount", Sign::kPositive))) {
      violations->push_back(fv);
    }
  }
}

absl::StatusOr<CatalogFacts> LoadCatalogFacts(db::Transaction& tx, const std::vector<int64_t>& product_ids,
                                              const std::string& currency) {
  CatalogFacts facts;
  SALES_ASSIGN_OR_RETURN(facts.products, ProductStore::GetMany(tx, product_ids));
  SALES_ASSIGN_OR_RETURN(facts.periods, PriceListStore::PeriodsOf(tx, product_ids, currency));
  return facts;
}

absl::StatusOr<PricedLine> PriceLine(db::Transaction& tx, const std::string& field, int64_t product_id,
                                     int64_t quantity, int32_t discount_bp, absl::CivilDay day,
                                     const std::string& currency, const std::string& requester_role,
                                     const DiscountLimits& limits, bool allow_discontinued, const CatalogFacts* facts) {
  const bool known = facts != nullptr && facts->products.count(product_id) > 0;
  auto product =
      known ? absl::StatusOr<v1::Product>(facts->products.at(product_id)) : ProductStore::Get(tx, product_id);
  if (absl::IsNotFound(product.status())) {
    return InvalidField(field + ".product_id", absl::StrCat("unknown product ", product_id));
  }
  if (!product.ok()) return product.status();
  if (product->status() == v1::PRODUCT_STATUS_DISCONTINUED && !allow_discontinued) {
    return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("product ", product->sku(), " is discontinued")),
                         "PRODUCT_DISCONTINUED", kOrdersDomain, {{"sku", product->sku()}, {"field", field}});
  }
  std::vector<PricePeriod> periods;
  if (known) {
    auto it = facts->periods.find(product_id);
    if (it != facts->periods.end()) periods = it->second;
  } else {
    SALES_ASSIGN_OR_RETURN(periods, PriceListStore::Periods(tx, product_id, currency, 0));
  }
  auto in_force = PriceInForce(periods, day);
  if (!in_force.has_value()) {
    return WithErrorInfo(
        absl::FailedPreconditionError(absl::StrCat("no ", currency, " price list covers ", product->sku(), " on ",
                                                   FormatDbDate(FromCivilDay(day)))),
        "NO_PRICE_IN_FORCE", kOrdersDomain,
        {{"sku", product->sku()}, {"date", FormatDbDate(FromCivilDay(day))}, {"field", field}});
  }
  PricedLine l;
  l.product_id = product_id;
  l.sku = product->sku();
  l.product_line_id = product->product_line_id();
  l.unit = product->unit();
  l.commissionable = product->commissionable();
  l.quantity = quantity;
  l.discount_bp = discount_bp;
  l.list_price = in_force->list_price_minor;
  l.price_list_id = in_force->price_list_id;
  l.price_list_code = in_force->code;
  l.unit_price = NetUnitPrice(l.list_price, discount_bp);
  SALES_ASSIGN_OR_RETURN(l.net_amount, LineAmount(l.unit_price, quantity, field + ".quantity"));
  l.unit_cost = product->unit_cost().minor_units();
  SALES_ASSIGN_OR_RETURN(l.cost_amount, LineAmount(l.unit_cost, quantity, field + ".quantity"));
  l.floor_price = product->floor_price().minor_units();
  l.approval = RouteLine(discount_bp, l.unit_price, l.floor_price, requester_role, limits);
  return l;
}

absl::CivilDay DayOr(const common::v1::Date& d, absl::Time now) {
  if (d.year() == 0) return BusinessDay(now);
  return ToCivilDay(d);
}

absl::Status WithinDirectorLimit(int32_t discount_bp, const DiscountLimits& limits, const std::string& line) {
  if (discount_bp <= limits.director_bp) return absl::OkStatus();
  return InvalidField(line + ".discount_bp",
                      absl::StrCat("beyond the director's limit of ", limits.director_bp, " bp"));
}

absl::StatusOr<int64_t> TotalSpecialFees(google::protobuf::RepeatedPtrField<v1::SpecialFee>* fees,
                                         const std::string& currency, const std::string& doc) {
  AmountSum total(doc + ".special_fees");
  for (auto& fee : *fees) {
    if (fee.amount().currency_code() != currency) {
      return InvalidField(doc + ".special_fees", absl::StrCat("must be in the ", doc, "'s currency"));
    }
    SALES_RETURN_IF_ERROR(total.Add(fee.amount().minor_units()));
    fee.set_approved(false);
  }
  return total.value();
}

absl::Status PriceQuote(db::Transaction& tx, v1::Quote& q, const v1::OrderPolicy& policy, const std::string& role,
                        absl::Time now) {
  DiscountLimits limits = LimitsOf(policy);
  absl::CivilDay day = DayOr(q.quote_date(), now);
  *q.mutable_quote_date() = FromCivilDay(day);
  if (q.valid_until().year() == 0) {
    *q.mutable_valid_until() = FromCivilDay(day + policy.default_quote_validity_days());
  } else if (ToCivilDay(q.valid_until()) < day) {
    return InvalidField("quote.valid_until", "before quote_date");
  }
  if (q.currency_code().empty()) q.set_currency_code(policy.default_currency_code());
  const std::string cur = q.currency_code();
  // Checked sums: a quote whose total would wrap (and so slip under the
  // director's threshold) is refused here, before anything is written.
  AmountSum lines_total("quote.lines");
  int64_t fees_total = 0;
  std::vector<int64_t> product_ids;
  for (const auto& l : q.lines()) product_ids.push_back(l.product_id());
  SALES_ASSIGN_OR_RETURN(CatalogFacts facts, LoadCatalogFacts(tx, product_ids, cur));
  for (int i = 0; i < q.lines_size(); ++i) {
    auto* l = q.mutable_lines(i);
    std::string f = absl::StrCat("quote.lines[", i, "]");
    SALES_RETURN_IF_ERROR(WithinDirectorLimit(l->discount_bp(), limits, f));
    SALES_ASSIGN_OR_RETURN(auto p, PriceLine(tx, f, l->product_id(), l->quantity(), l->discount_bp(), day, cur, role,
                                             limits, false, &facts));
    l->set_line_no(i + 1);
    l->set_sku(p.sku);
    l->set_product_line_id(p.product_line_id);
    *l->mutable_list_price() = MakeMoney(p.list_price, cur);
    l->set_price_list_id(p.price_list_id);
    *l->mutable_unit_price() = MakeMoney(p.unit_price, cur);
    *l->mutable_net_amount() = MakeMoney(p.net_amount, cur);
    l->set_required_approval(p.approval.level);
    SALES_RETURN_IF_ERROR(lines_total.Add(p.net_amount));
  }
  SALES_ASSIGN_OR_RETURN(fees_total, TotalSpecialFees(q.mutable_special_fees(), cur, "quote"));
  SALES_ASSIGN_OR_RETURN(int64_t total, AmountAdd(lines_total.value(), fees_total, "quote.special_fees"));
  *q.mutable_lines_total() = MakeMoney(lines_total.value(), cur);
  *q.mutable_special_fees_total() = MakeMoney(fees_total, cur);
  *q.mutable_total_amount() = MakeMoney(total, cur);
  return absl::OkStatus();
}

absl::Status PriceOrder(db::Transaction& tx, v1::SalesOrder& o, const v1::OrderPolicy& policy, const std::string& role,
                        absl::Time now) {
  DiscountLimits limits = LimitsOf(policy);
  absl::CivilDay day = DayOr(o.order_date(), now);
  *o.mutable_order_date() = FromCivilDay(day);
  if (o.currency_code().empty()) o.set_currency_code(policy.default_currency_code());
  const std::string cur = o.currency_code();
  std::optional<OrderRecord> original;
  if (o.kind() == v1::ORDER_KIND_CORRECTION) {
    auto orig = OrderStore::Load(tx, o.original_order_id(), false);
    if (absl::IsNotFound(orig.status())) return orig.status();
    if (!orig.ok()) return orig.status();
    if (orig->order.customer_id() != o.customer_id()) {
      return InvalidField("order.original_order_id", "belongs to another customer");
    }
    original = std::move(*orig);
  }
  // Every amount below is checked: a total that would leave the 10^15
  // bound refuses the order (INVALID_ARGUMENT naming the field) before
  // anything is written, instead of storing a wrapped total.
  AmountSum total("order.lines");
  std::vector<int64_t> product_ids;
  for (const auto& l : o.lines()) {
    if (l.quantity() >= 0) product_ids.push_back(l.product_id());
  }
  SALES_ASSIGN_OR_RETURN(CatalogFacts facts, LoadCatalogFacts(tx, product_ids, cur));
  for (int i = 0; i < o.lines_size(); ++i) {
    auto* l = o.mutable_lines(i);
    std::string f = absl::StrCat("order.lines[", i, "]");
    SALES_RETURN_IF_ERROR(WithinDirectorLimit(l->discount_bp(), limits, f));
    l->set_line_no(i + 1);
    if (l->quantity() < 0) {
      const v1::OrderLine* from = nullptr;
      int64_t shipped_back = 0;
      for (const auto& ol : original->order.lines()) {
        if (ol.product_id() != l->product_id() || ol.quantity() <= 0) continue;
        if (from == nullptr) from = &ol;
        shipped_back += ol.shipped_quantity() - ol.returned_quantity();
      }
      if (from == nullptr) return InvalidField(f + ".product_id", "not on the original order");
      if (-l->quantity() > shipped_back) {
        return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("correction of ", -l->quantity(), " ",
                                                                        from->sku(), " exceeds the ", shipped_back,
                                                                        " shipped less returned on the original")),
                             "EXCEEDS_SHIPPED", kOrdersDomain, {{"field", f + ".quantity"}});
      }
      SALES_ASSIGN_OR_RETURN(auto product, ProductStore::Get(tx, l->product_id()));
      l->set_sku(from->sku());
      l->set_product_line_id(from->product_line_id());
      l->set_unit(from->unit());
      l->set_commissionable(from->commissionable());
      *l->mutable_list_price() = from->list_price();
      l->set_price_list_id(from->price_list_id());
      l->set_discount_bp(from->discount_bp());
      *l->mutable_unit_price() = from->unit_price();
      SALES_ASSIGN_OR_RETURN(int64_t net, LineAmount(from->unit_price().minor_units(), l->quantity(), f + ".quantity"));
      SALES_ASSIGN_OR_RETURN(int64_t cost,
                             LineAmount(product.unit_cost().minor_units(), l->quantity(), f + ".quantity"));
      *l->mutable_net_amount() = MakeMoney(net, cur);
      *l->mutable_cost_amount() = MakeMoney(cost, cur);
      l->set_required_approval(v1::APPROVAL_LEVEL_NONE);
      SALES_RETURN_IF_ERROR(total.Add(net));
      continue;
    }
    SALES_ASSIGN_OR_RETURN(auto p, PriceLine(tx, f, l->product_id(), l->quantity(), l->discount_bp(), day, cur, role,
                                             limits, false, &facts));
    l->set_sku(p.sku);
    l->set_product_line_id(p.product_line_id);
    l->set_unit(p.unit);
    l->set_commissionable(p.commissionable);
    *l->mutable_list_price() = MakeMoney(p.list_price, cur);
    l->set_price_list_id(p.price_list_id);
    *l->mutable_unit_price() = MakeMoney(p.unit_price, cur);
    *l->mutable_net_amount() = MakeMoney(p.net_amount, cur);
    *l->mutable_cost_amount() = MakeMoney(p.cost_amount, cur);
    l->set_required_approval(p.approval.level);
    SALES_RETURN_IF_ERROR(total.Add(p.net_amount));
  }
  SALES_ASSIGN_OR_RETURN(int64_t fees, TotalSpecialFees(o.mutable_special_fees(), cur, "order"));
  *o.mutable_lines_total() = MakeMoney(total.value(), cur);
  *o.mutable_special_fees_total() = MakeMoney(fees, cur);
  *o.mutable_total_amount() = MakeMoney(total.value(), cur);
  if (!o.has_deposit_amount()) *o.mutable_deposit_amount() = MakeMoney(0, cur);
  if (o.deposit_amount().currency_code() != cur) {
    return InvalidField("order.deposit_amount.currency_code", "must be the order's currency");
  }
  if (o.deposit_amount().minor_units() > std::max<int64_t>(total.value(), 0)) {
    return InvalidField("order.deposit_amount", "above the order total");
  }
  return absl::OkStatus();
}

}  // namespace sales::orders
