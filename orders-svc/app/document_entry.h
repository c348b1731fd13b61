// Entering a quote or an order (报价/订单录入): what its content must be, and
// its lines priced for its date from the price list in force, as the
// requester's role would grant the discounts. Entry (api/), edits
// (app/document_edits.h) and the price asked for alone (ResolvePrice) share
// it.
//
// Works on the stores directly: products and price lists are not on the
// OrderBook port (app/order_book.h).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "orders-svc/domain/pricing.h"
#include "platform/mysql.h"
#include "platform/status.h"
#include "sales/orders/v1/order.pb.h"
#include "sales/orders/v1/pricing.pb.h"
#include "sales/orders/v1/product.pb.h"
#include "sales/orders/v1/quote.pb.h"

namespace sales::orders {

// ---- What a quote's or an order's content must be ----

// The caps on an order's repeated fields, checked before anything reads
// the entries (and before an update takes the order's row lock).
absl::Status CapOrderRepeated(const v1::SalesOrder& o);
// An order's content as entered (a new one also names its customer and, for
// a CORRECTION, the original order); INVALID_ARGUMENT names every bad field.
absl::Status ValidateOrderContent(const v1::SalesOrder& o, bool is_new);
// A quote's content as entered (a new one also names its customer).
absl::Status ValidateQuoteContent(const v1::Quote& q, bool is_new);

// A quote's or order's special fees as entered: each needs a description and
// a positive amount (violations named `<doc>.special_fees[i]...`).
void AppendFeeViolations(const google::protobuf::RepeatedPtrField<v1::SpecialFee>& fees, const std::string& doc,
                         std::vector<FieldViolation>* violations);

// ---- Pricing ----

// One line priced for `day`: list price from the list in force, net price,
// amounts, floor and cost, and the approval the discount needs.
struct PricedLine {
  int64_t product_id = 0;
  std::string sku;
  int64_t product_line_id = 0;
  std::string unit;
  bool commissionable = false;
  int64_t quantity = 0;
  int32_t discount_bp = 0;
  int64_t list_price = 0;
  int64_t price_list_id = 0;
  std::string price_list_code;
  int64_t unit_price = 0;
  int64_t net_amount = 0;  // unit_price × quantity, checked
  int64_t unit_cost = 0;
  int64_t cost_amount = 0;  // unit_cost × quantity, checked
  int64_t floor_price = 0;
  LineApproval approval;
};
// `field` names the line in errors ("order.lines[2]"). INVALID_ARGUMENT for
// an unknown product; FAILED_PRECONDITION for a DISCONTINUED one (unless
// `allow_discontinued`) or NO_PRICE_IN_FORCE; INVALID_ARGUMENT naming
// `<field>.quantity` when the line's amount or cost would leave the 10^15
// amount bound (never a wrapped total).
// The catalogue a document's pricing reads — its products and the ACTIVE
// price periods holding them in its currency — loaded for all its lines in
// two statements instead of two per line.
struct CatalogFacts {
  std::map<int64_t, v1::Product> products;
  std::map<int64_t, std::vector<PricePeriod>> periods;
};
absl::StatusOr<CatalogFacts> LoadCatalogFacts(db::Transaction& tx, const std::vector<int64_t>& product_ids,
                                              const std::string& currency);
// With `facts`, a product found there is priced from them; otherwise (or
// without facts) from the stores.
absl::StatusOr<PricedLine> PriceLine(db::Transaction& tx, const std::string& field, int64_t product_id,
                                     int64_t quantity, int32_t discount_bp, absl::CivilDay day,
                                     const std::string& currency, const std::string& requester_role,
                                     const DiscountLimits& limits, bool allow_discontinued,
                                     const CatalogFacts* facts = nullptr);

// The business day of `d`, or today (company time zone) when unset.
absl::CivilDay DayOr(const common::v1::Date& d, absl::Time now);

// A line's discount is refused outright beyond the director's limit (no
// approval can grant it); `line` names the line's field.
absl::Status WithinDirectorLimit(int32_t discount_bp, const DiscountLimits& limits, const std::string& line);

// The fees' total when pricing a quote or order: every fee in the document's
// currency, and each one waits for approval again. The sum is checked
// (INVALID_ARGUMENT on `<doc>.special_fees` beyond the amount bound).
absl::StatusOr<int64_t> TotalSpecialFees(google::protobuf::RepeatedPtrField<v1::SpecialFee>* fees,
                                         const std::string& currency, const std::string& doc);

// Prices the quote's lines and totals for its date, as `role` would grant
// the discounts. A discount beyond the director's limit is refused.
absl::Status PriceQuote(db::Transaction& tx, v1::Quote& q, const v1::OrderPolicy& policy, const std::string& role,
                        absl::Time now);

// Prices an order's lines for its date. Negative lines of a correction take
// the unit price of the original order's line for the product (a 负数订单
// reverses what was sold, at the price it was sold for) and may not exceed
// what the original shipped less what came back.
absl::Status PriceOrder(db::Transaction& tx, v1::SalesOrder& o, const v1::OrderPolicy& policy, const std::string& role,
                        absl::Time now);

}  // namespace sales::orders
