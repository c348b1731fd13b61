#include "finance-svc/store/billing_store.h"

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "finance-svc/domain/receivable_rules.h"
#include "finance-svc/store/account_store.h"
#include "finance-svc/store/document_scope.h"
#include "finance-svc/store/ledger_store.h"
#include "finance-svc/store/memo_store.h"
#include "platform/convert.h"
#include "platform/money.h"
#include "platform/status.h"
#include "sales/orders/v1/events.pb.h"

namespace sales::finance {
namespace {

namespace ov1 = ::sales::orders::v1;

constexpr char kLineColumns[] =
    "id, customer_id, rep_id, org_unit_id, order_id, shipment_id, product_id, product_line_id, sku, unit, "
    "currency, commissionable, unit_price_minor, shipped_quantity, billed_quantity, invoiced_quantity, "
    "returned_quantity";

BillableRow ReadRow(const db::Row& r) {
  BillableRow b;
  b.id = r.Int("id");
  b.customer_id = r.Int("customer_id");
  b.rep_id = r.Int("rep_id");
  b.org_unit_id = r.Int("org_unit_id");
  b.order_id = r.Int("order_id");
  b.shipment_id = r.Int("shipment_id");
  b.product_id = r.Int("product_id");
  b.product_line_id = r.Int("product_line_id");
  b.sku = r.Str("sku");
  b.unit = r.Str("unit");
  b.currency = r.Str("currency");
  b.commissionable = r.Int("commissionable") != 0;
  b.unit_price_minor = r.Int("unit_price_minor");
  b.shipped = r.Int("shipped_quantity");
  b.billed = r.Int("billed_quantity");
  b.invoiced = r.Int("invoiced_quantity");
  b.returned = r.Int("returned_quantity");
  return b;
}

absl::Status ApplyShipped(db::Transaction& tx, const common::v1::Event& e, const ov1::OrderShippedEvent& m,
                          absl::Time now) {
  const auto& h = m.order();
  int64_t unbilled = 0;
  for (const auto& line : m.lines()) {
    if (line.quantity() <= 0) continue;  // shipments carry positive quantities only
    SALES_ASSIGN_OR_RETURN(
        int64_t n,
        tx.Exec("INSERT IGNORE INTO billable_lines (source_event_id, order_id, order_number, order_line_id, "
                "shipment_id, shipment_number, customer_id, rep_id, org_unit_id, product_id, sku, product_line_id, "
                "commissionable, unit, currency, unit_price_minor, shipped_quantity, shipped_on, created_at, "
                "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                {e.event_id(),
                 h.order_id(),
                 h.order_number(),
                 line.order_line_id(),
                 m.shipment_id(),
                 m.shipment_number(),
                 h.customer_id(),
                 h.credited_rep_id(),
                 h.credited_org_unit_id(),
                 line.product_id(),
                 line.sku(),
                 line.product_line_id(),
                 int64_t{line.commissionable() ? 1 : 0},
                 line.unit().empty() ? std::string("EA") : line.unit(),
                 h.currency_code().empty() ? std::string("CNY") : h.currency_code(),
                 line.unit_price().minor_units(),
                 line.quantity(),
                 m.has_ship_date() ? FormatDbDate(m.ship_date()) : DbDay(BusinessDay(now)),
                 FormatDbTime(now),
                 FormatDbTime(now)}));
    if (n > 0) unbilled += UnbilledValue(line.quantity(), line.unit_price().minor_units(), kDefaultVatBp);
  }
  AccountDelta d;
  d.shipped_unbilled = unbilled;
  return AccountStore::Post(tx, h.customer_id(), h.credited_rep_id(), h.credited_org_unit_id(), d, now);
}

// A return first takes back quantity that was never invoiced (it simply
// stops being billable); what had been invoiced is credited by a PENDING
// credit memo per invoice, which finance reviews and issues.
absl::Status ApplyReturned(db::Transaction& tx, const common::v1::Event& e, const ov1::OrderReturnedEvent& m,
                           absl::Time now) {
  const auto& h = m.order();
  std::map<int64_t, NewCreditMemo> memos;  // by invoice id (0 = on account)
  int64_t unbilled_delta = 0;
  for (const auto& line : m.lines()) {
    int64_t qty = std::abs(line.quantity());
    if (qty == 0) continue;
    db::Params p = {line.order_line_id(), h.customer_id()};
    std::string shipments = m.original_shipment_ids().empty() ? "" : db::AppendInList(m.original_shipment_ids(), p);
    SALES_ASSIGN_OR_RETURN(
        auto rows, tx.Query(absl::StrCat("SELECT ", kLineColumns,
                                         " FROM billable_lines WHERE order_line_id = ? "
                                         "AND customer_id = ?",
                                         shipments.empty() ? "" : absl::StrCat(" AND shipment_id IN (", shipments, ")"),
                                         " ORDER BY id DESC FOR UPDATE"),
                            p));
    int64_t price = std::abs(line.unit_price().minor_units());
    for (const auto& r : rows) {
      if (qty == 0) break;
      BillableRow b = ReadRow(r);
      price = b.unit_price_minor;
      int64_t take = std::min(qty, b.Available());
      if (take <= 0) continue;
      int64_t before = UnbilledValueOf(b);
      b.returned += take;
      unbilled_delta += UnbilledValueOf(b) - before;
      SALES_RETURN_IF_ERROR(tx.Exec("UPDATE billable_lines SET returned_quantity = returned_quantity + ?, "
                                    "version = version + 1, updated_at = ? WHERE id = ?",
                                    {take, FormatDbTime(now), b.id})
                                .status());
      qty -= take;
    }
    if (qty == 0) continue;
    // Invoiced quantity comes back: credit the most recent issued invoice
    // lines of this order line that still have uncredited quantity.
    SALES_ASSIGN_OR_RETURN(
        auto inv,
        tx.Query("SELECT il.id, il.invoice_id, il.quantity - COALESCE((SELECT SUM(ml.quantity) FROM "
                 "memo_lines ml JOIN credit_memos cm ON cm.id = ml.memo_id AND ml.memo_kind = 'CM' "
                 "WHERE ml.invoice_line_id = il.id AND cm.state <> 'VOIDED'), 0) AS uncredited_quantity, "
                 "il.tax_rate_bp, il.product_id, "
                 "il.product_line_id, il.commissionable, il.sku, il.unit_price_minor, il.billable_line_id "
                 "FROM invoice_lines il JOIN invoices i ON i.id = il.invoice_id "
                 "JOIN billable_lines b ON b.id = il.billable_line_id "
                 "WHERE b.order_line_id = ? AND i.customer_id = ? AND i.state IN ('ISSUED', 'PARTIALLY_PAID', 'PAID') "
                 "ORDER BY i.id DESC",
                 {line.order_line_id(), h.customer_id()}));
    for (const auto& r : inv) {
      if (qty == 0) break;
      int64_t take = std::min(qty, r.Int("uncredited_quantity"));
      if (take <= 0) continue;
      NewCreditMemo& memo = memos[r.Int("invoice_id")];
      memo.invoice_id = r.Int("invoice_id");
      NewMemoLine ml;
      ml.invoice_line_id = r.Int("id");
      ml.billable_line_id = r.Int("billable_line_id");
      ml.product_id = r.Int("product_id");
      ml.product_line_id = r.Int("product_line_id");
      ml.commissionable = r.Int("commissionable") != 0;
      ml.quantity = take;
      ml.description = absl::StrCat("return ", m.shipment_number(), " ", r.Str("sku"));
      ml.net_minor = take * r.Int("unit_price_minor");
      ml.tax_rate_bp = static_cast<int32_t>(r.Int("tax_rate_bp"));
      memo.lines.push_back(ml);
      qty -= take;
    }
    if (qty > 0) {
      // On an open request but not issued, or beyond what was shipped: a
      // credit on account at the order price, for finance to settle.
      NewCreditMemo& memo = memos[0];
      NewMemoLine ml;
      ml.product_id = line.product_id();
      ml.product_line_id = line.product_line_id();
      ml.commissionable = line.commissionable();
      ml.quantity = qty;
      ml.description = absl::StrCat("return ", m.shipment_number(), " ", line.sku());
      ml.net_minor = qty * price;
      ml.tax_rate_bp = kDefaultVatBp;
      memo.lines.push_back(ml);
    }
  }
  for (auto& [invoice_id, memo] : memos) {
    memo.customer_id = h.customer_id();
    memo.rep_id = h.credited_rep_id();
    memo.org_unit_id = h.credited_org_unit_id();
    memo.source = v1::CREDIT_MEMO_SOURCE_RETURN;
    memo.return_id = m.return_request_id();
    memo.order_id = h.order_id();
    memo.source_event_id = invoice_id == 0 ? e.event_id() : absl::StrCat(e.event_id(), "/", invoice_id);
    memo.currency = h.currency_code().empty() ? "CNY" : h.currency_code();
    memo.reason = m.reason().empty() ? absl::StrCat("return ", m.shipment_number()) : m.reason();
    SALES_RETURN_IF_ERROR(MemoStore::InsertCreditMemo(tx, memo, now).status());
  }
  if (unbilled_delta != 0) {
    AccountDelta d;
    d.shipped_unbilled = unbilled_delta;
    SALES_RETURN_IF_ERROR(AccountStore::Post(tx, h.customer_id(), 0, 0, d, now));
  }
  return absl::OkStatus();
}

v1::BillableLine ToProto(const db::Row& r) {
  // columns of kListColumns
  v1::BillableLine b;
  b.set_id(r.Int("id"));
  b.set_source_event_id(r.Str("source_event_id"));
  b.set_order_id(r.Int("order_id"));
  b.set_order_line_id(r.Int("order_line_id"));
  b.set_shipment_id(r.Int("shipment_id"));
  b.set_customer_id(r.Int("customer_id"));
  b.set_rep_id(r.Int("rep_id"));
  b.set_org_unit_id(r.Int("org_unit_id"));
  b.set_product_id(r.Int("product_id"));
  b.set_sku(r.Str("sku"));
  b.set_product_line_id(r.Int("product_line_id"));
  b.set_commissionable(r.Int("commissionable") != 0);
  int64_t shipped = r.Int("shipped_quantity") - r.Int("returned_quantity");  // returned goods are no longer billable
  b.set_shipped_quantity(shipped);
  b.set_billed_quantity(r.Int("billed_quantity"));
  b.set_unit(r.Str("unit"));
  *b.mutable_unit_price() = MakeMoney(r.Int("unit_price_minor"), r.Str("currency"));
  *b.mutable_shipped_on() = ParseDbDate(r.Str("shipped_on"));
  b.set_state(r.Int("billed_quantity") == 0         ? v1::BILLABLE_LINE_STATE_UNBILLED
              : r.Int("billed_quantity") >= shipped ? v1::BILLABLE_LINE_STATE_BILLED
                                                    : v1::BILLABLE_LINE_STATE_PARTIALLY_BILLED);
  *b.mutable_create_time() = ToTimestamp(ParseDbTime(r.Str("created_at")));
  return b;
}

constexpr char kListColumns[] =
    "id, source_event_id, order_id, order_line_id, shipment_id, customer_id, rep_id, org_unit_id, product_id, "
    "sku, product_line_id, commissionable, shipped_quantity, billed_quantity, invoiced_quantity, "
    "returned_quantity, unit, unit_price_minor, currency, shipped_on, created_at";

}  // namespace

int64_t UnbilledValueOf(const BillableRow& b) {
  return UnbilledValue(b.shipped - b.invoiced - b.returned, b.unit_price_minor, kDefaultVatBp);
}

absl::Status BillingStore::ApplyOrdersEvent(db::Transaction& tx, const common::v1::Event& e, absl::Time now) {
  if (e.event_type() == "OrderShippedEvent") {
    ov1::OrderShippedEvent m;
    if (!e.payload().UnpackTo(&m)) return absl::InvalidArgumentError("payload is not an OrderShippedEvent");
    return ApplyShipped(tx, e, m, now);
  }
  if (e.event_type() == "OrderReturnedEvent") {
    ov1::OrderReturnedEvent m;
    if (!e.payload().UnpackTo(&m)) return absl::InvalidArgumentError("payload is not an OrderReturnedEvent");
    return ApplyReturned(tx, e, m, now);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<BillableRow>> BillingStore::LockLines(db::Transaction& tx, std::vector<int64_t> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::vector<BillableRow> out;
  if (ids.empty()) return out;
  db::Params p;
  std::string in = db::AppendInList(ids, p);
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(absl::StrCat("SELECT ", kLineColumns, " FROM billable_lines WHERE id IN (",
                                                          in, ") ORDER BY id FOR UPDATE"),
                                             p));
  for (const auto& r : rows) out.push_back(ReadRow(r));
  return out;
}

absl::Status BillingStore::AdjustQuantities(db::Transaction& tx, const BillableRow& line, int64_t billed_delta,
                                            int64_t invoiced_delta, absl::Time now) {
  SALES_RETURN_IF_ERROR(tx.Exec("UPDATE billable_lines SET billed_quantity = billed_quantity + ?, "
                                "invoiced_quantity = invoiced_quantity + ?, version = version + 1, updated_at = ? "
                                "WHERE id = ?",
                                {billed_delta, invoiced_delta, FormatDbTime(now), line.id})
                            .status());
  if (invoiced_delta == 0) return absl::OkStatus();
  BillableRow after = line;
  after.invoiced += invoiced_delta;
  AccountDelta d;
  d.shipped_unbilled = UnbilledValueOf(after) - UnbilledValueOf(line);
  return AccountStore::Post(tx, line.customer_id, 0, 0, d, now);
}

absl::StatusOr<v1::BillableLine> BillingStore::Get(db::Transaction& tx, int64_t id) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query(absl::StrCat("SELECT ", kListColumns, " FROM billable_lines WHERE id = ?"), {id}));
  if (rows.empty()) return NotFound("billable line", id);
  return ToProto(rows[0]);
}

absl::StatusOr<std::vector<v1::BillableLine>> BillingStore::List(db::Transaction& tx,
                                                                 const v1::ListBillableLinesRequest& req,
                                                                 const DocumentScope& scope, int64_t after_id,
                                                                 int limit) {
  std::string sql = absl::StrCat("SELECT ", kListColumns, " FROM billable_lines WHERE id > ?");
  db::Params p = {after_id};
  if (req.customer_id()) {
    sql += " AND customer_id = ?";
    p.push_back(req.customer_id());
  }
  if (req.order_id()) {
    sql += " AND order_id = ?";
    p.push_back(req.order_id());
  }
  if (req.shipment_id()) {
    sql += " AND shipment_id = ?";
    p.push_back(req.shipment_id());
  }
  if (req.rep_id()) {
    sql += " AND rep_id = ?";
    p.push_back(req.rep_id());
  }
  sql += DateRangeSql(req.shipped(), "shipped_on", &p);
  if (req.states_size() == 0) {
    sql += " AND billed_quantity + returned_quantity < shipped_quantity";  // default: not fully billed
  } else {
    std::string any;
    for (int s : req.states()) {
      std::string c = s == v1::BILLABLE_LINE_STATE_UNBILLED ? "billed_quantity = 0"
                      : s == v1::BILLABLE_LINE_STATE_BILLED
                          ? "billed_quantity > 0 AND billed_quantity + returned_quantity >= shipped_quantity"
                          : "billed_quantity > 0 AND billed_quantity + returned_quantity < shipped_quantity";
      absl::StrAppend(&any, any.empty() ? "(" : " OR (", c, ")");
    }
    absl::StrAppend(&sql, " AND (", any, ")");
  }
  sql += ScopeSql(scope, "rep_id", "org_unit_id", &p);
  absl::StrAppend(&sql, " ORDER BY id LIMIT ?");
  p.push_back(static_cast<int64_t>(limit + 1));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  std::vector<v1::BillableLine> out;
  for (const auto& r : rows) out.push_back(ToProto(r));
  return out;
}

absl::StatusOr<v1::OrdersFeedStatus> BillingStore::FeedStatus(db::Transaction& tx) {
  v1::OrdersFeedStatus s;
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT position, updated_at FROM consumer_cursors WHERE consumer = ?",
                                             {std::string(kOrdersConsumer)}));
  if (!rows.empty()) {
    s.set_last_position(rows[0].Int("position"));
    *s.mutable_last_poll_time() = ToTimestamp(ParseDbTime(rows[0].Str("updated_at")));
  }
  SALES_ASSIGN_OR_RETURN(
      auto n, tx.Query("SELECT COUNT(*) AS applied_count, MAX(applied_at) AS last_applied_at FROM processed_events "
                       "WHERE consumer = ?",
                       {std::string(kOrdersConsumer)}));
  if (!n.empty()) {
    s.set_applied_count(n[0].Int("applied_count"));
    if (!n[0].IsNull("last_applied_at")) {
      *s.mutable_last_occurred_at() = ToTimestamp(ParseDbTime(n[0].Str("last_applied_at")));
    }
  }
  return s;
}

}  // namespace sales::finance
