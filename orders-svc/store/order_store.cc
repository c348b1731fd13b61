#include "orders-svc/store/order_store.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "orders-svc/store/approval_store.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/money.h"
#include "platform/status.h"

namespace sales::orders {
namespace {

constexpr char kOrderColumns[] =
    "SELECT id, order_number, kind, original_order_id, quote_id, customer_id, customer_name, customer_type, "
    "taking_rep_id, taking_org_unit_id, created_by_user, credited_rep_id, credited_org_unit_id, "
    "region_org_unit_id, ownership_collision, order_date, requested_delivery_date, ship_to_address, "
    "customer_reference, currency, deposit_minor, lines_total_minor, special_fees_total_minor, total_minor, "
    "shipped_amount_minor, status, credit_check_pb, confirm_time, confirm_date, ship_due_date, late, "
    "status_reason, release_reason, notes, version, created_at, updated_at FROM sales_orders WHERE id";

db::Param OptDate(const common::v1::Date& d) {
  if (d.year() == 0) return nullptr;
  return FormatDbDate(d);
}

int64_t Sum(const google::protobuf::RepeatedPtrField<v1::SpecialFee>& fees) {
  int64_t s = 0;
  for (const auto& f : fees) s += f.amount().minor_units();
  return s;
}

// The order's lines in one multi-row INSERT and its fees in another, line
// numbers in the order given: two statements whatever the order's size.
absl::Status InsertLinesAndFees(db::Transaction& tx, const v1::SalesOrder& o, int64_t order_id) {
  if (o.lines_size() > 0) {
    std::string rows;
    db::Params params;
    int64_t line_no = 0;
    for (const auto& l : o.lines()) {
      absl::StrAppend(&rows, rows.empty() ? "" : ",", "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
      params.insert(
          params.end(),
          {order_id, ++line_no, l.product_id(), l.sku(), l.product_line_id(), l.unit(),
           static_cast<int64_t>(l.commissionable() ? 1 : 0), l.quantity(), l.list_price().minor_units(),
           l.price_list_id(), static_cast<int64_t>(l.discount_bp()), l.unit_price().minor_units(),
           l.net_amount().minor_units(), l.quantity() == 0 ? int64_t{0} : l.cost_amount().minor_units() / l.quantity(),
           l.cost_amount().minor_units(), EnumShort(l.required_approval()), l.quote_line_id()});
    }
    SALES_RETURN_IF_ERROR(
        tx.Exec(absl::StrCat("INSERT INTO order_lines (order_id, line_no, product_id, sku, product_line_id, unit, "
                             "commissionable, quantity, list_price_minor, price_list_id, discount_bp, "
                             "unit_price_minor, net_amount_minor, unit_cost_minor, cost_amount_minor, "
                             "required_approval, quote_line_id) VALUES ",
                             rows),
                params)
            .status());
  }
  if (o.special_fees_size() > 0) {
    std::string rows;
    db::Params params;
    for (const auto& f : o.special_fees()) {
      absl::StrAppend(&rows, rows.empty() ? "" : ",", "('ORDER', ?, ?, ?, ?)");
      params.insert(params.end(),
                    {order_id, f.description(), f.amount().minor_units(), static_cast<int64_t>(f.approved() ? 1 : 0)});
    }
    SALES_RETURN_IF_ERROR(tx.Exec(absl::StrCat("INSERT INTO special_fees (subject_type, subject_id, description, "
                                               "amount_minor, approved) VALUES ",
                                               rows),
                                  params)
                              .status());
  }
  return absl::OkStatus();
}

}  // namespace

namespace {

// The header columns of an order (kOrderColumns) as a record without lines.
absl::StatusOr<OrderRecord> HeaderOf(const db::Row& r) {
  OrderRecord rec;
  v1::SalesOrder& o = rec.order;
  const std::string cur = r.Str("currency");
  o.set_id(r.Int("id"));
  o.set_order_number(r.Str("order_number"));
  o.set_kind(EnumParse<v1::OrderKind>(r.Str("kind")));
  o.set_original_order_id(r.Int("original_order_id"));
  o.set_quote_id(r.Int("quote_id"));
  o.set_customer_id(r.Int("customer_id"));
  o.set_customer_name(r.Str("customer_name"));
  o.set_customer_type(EnumParse<customers::v1::CustomerType>(r.Str("customer_type")));
  o.set_taking_rep_id(r.Int("taking_rep_id"));
  rec.taking_org_unit_id = r.Int("taking_org_unit_id");
  rec.created_by_user = r.Str("created_by_user");
  o.set_credited_rep_id(r.Int("credited_rep_id"));
  o.set_credited_org_unit_id(r.Int("credited_org_unit_id"));
  o.set_region_org_unit_id(r.Int("region_org_unit_id"));
  o.set_ownership_collision(r.Int("ownership_collision") != 0);
  *o.mutable_order_date() = ParseDbDate(r.Str("order_date"));
  if (!r.IsNull("requested_delivery_date")) {
    *o.mutable_requested_delivery_date() = ParseDbDate(r.Str("requested_delivery_date"));
  }
  o.set_ship_to_address(r.Str("ship_to_address"));
  o.set_customer_reference(r.Str("customer_reference"));
  o.set_currency_code(cur);
  *o.mutable_deposit_amount() = MakeMoney(r.Int("deposit_minor"), cur);
  *o.mutable_lines_total() = MakeMoney(r.Int("lines_total_minor"), cur);
  *o.mutable_special_fees_total() = MakeMoney(r.Int("special_fees_total_minor"), cur);
  *o.mutable_total_amount() = MakeMoney(r.Int("total_minor"), cur);
  *o.mutable_shipped_amount() = MakeMoney(r.Int("shipped_amount_minor"), cur);
  o.set_status(EnumParse<v1::OrderStatus>(r.Str("status")));
  if (!r.IsNull("credit_check_pb")) {
    if (!o.mutable_last_credit_check()->ParseFromString(r.Str("credit_check_pb"))) {
      return absl::InternalError(absl::StrCat("order ", o.id(), ": stored credit check is unreadable"));
    }
  }
  if (!r.IsNull("confirm_time")) *o.mutable_confirm_time() = ToTimestamp(ParseDbTime(r.Str("confirm_time")));
  if (!r.IsNull("confirm_date")) *o.mutable_confirm_date() = ParseDbDate(r.Str("confirm_date"));
  if (!r.IsNull("ship_due_date")) *o.mutable_ship_due_date() = ParseDbDate(r.Str("ship_due_date"));
  o.set_late(r.Int("late") != 0);
  o.set_status_reason(r.Str("status_reason"));
  rec.release_reason = r.Str("release_reason");
  o.set_notes(r.Str("notes"));
  rec.version = r.Int("version");
  o.set_etag(MakeEtag(rec.version));
  *o.mutable_create_time() = ToTimestamp(ParseDbTime(r.Str("created_at")));
  *o.mutable_update_time() = ToTimestamp(ParseDbTime(r.Str("updated_at")));
  return rec;
}

// An order line as LoadMany selects it (with its order_id and reserved_quantity).
void AddLine(const db::Row& lr, const std::string& cur, v1::SalesOrder& o) {
  auto* l = o.add_lines();
  l->set_id(lr.Int("id"));
  l->set_line_no(static_cast<int32_t>(lr.Int("line_no")));
  l->set_product_id(lr.Int("product_id"));
  l->set_sku(lr.Str("sku"));
  l->set_product_line_id(lr.Int("product_line_id"));
  l->set_unit(lr.Str("unit"));
  l->set_commissionable(lr.Int("commissionable") != 0);
  l->set_quantity(lr.Int("quantity"));
  *l->mutable_list_price() = MakeMoney(lr.Int("list_price_minor"), cur);
  l->set_price_list_id(lr.Int("price_list_id"));
  l->set_discount_bp(static_cast<int32_t>(lr.Int("discount_bp")));
  *l->mutable_unit_price() = MakeMoney(lr.Int("unit_price_minor"), cur);
  *l->mutable_net_amount() = MakeMoney(lr.Int("net_amount_minor"), cur);
  *l->mutable_cost_amount() = MakeMoney(lr.Int("cost_amount_minor"), cur);
  l->set_required_approval(EnumParse<v1::ApprovalLevel>(lr.Str("required_approval")));
  l->set_shipped_quantity(lr.Int("shipped_quantity"));
  l->set_delivered_quantity(lr.Int("delivered_quantity"));
  l->set_returned_quantity(lr.Int("returned_quantity"));
  l->set_quote_line_id(lr.Int("quote_line_id"));
  l->set_reserved_quantity(lr.Int("reserved_quantity"));
}

}  // namespace

absl::StatusOr<OrderRecord> OrderStore::Load(db::Transaction& tx, int64_t order_id, bool for_update) {
  SALES_ASSIGN_OR_RETURN(auto orders, LoadMany(tx, {order_id}, for_update));
  if (orders.empty()) return NotFound("order", order_id);
  return std::move(orders[0]);
}

absl::StatusOr<std::vector<OrderRecord>> OrderStore::LoadMany(db::Transaction& tx, const std::vector<int64_t>& ids,
                                                              bool for_update) {
  std::vector<OrderRecord> out;
  if (ids.empty()) return out;
  // Four statements for the whole page: headers, lines, fees, approvals.
  db::Params params;
  std::string in = db::AppendInList(ids, params);
  SALES_ASSIGN_OR_RETURN(
      auto rows,
      tx.Query(absl::StrCat(kOrderColumns, " IN (", in, ")", for_update ? " ORDER BY id FOR UPDATE" : ""), params));
  std::map<int64_t, OrderRecord> by_id;
  for (const auto& r : rows) {
    SALES_ASSIGN_OR_RETURN(OrderRecord rec, HeaderOf(r));
    by_id.emplace(rec.order.id(), std::move(rec));
  }
  SALES_ASSIGN_OR_RETURN(
      auto lines,
      tx.Query(absl::StrCat(
                   "SELECT l.order_id, l.id, l.line_no, l.product_id, l.sku, l.product_line_id, l.unit, "
                   "l.commissionable, l.quantity, l.list_price_minor, l.price_list_id, l.discount_bp, "
                   "l.unit_price_minor, l.net_amount_minor, l.unit_cost_minor, l.cost_amount_minor, "
                   "l.required_approval, l.shipped_quantity, l.delivered_quantity, l.returned_quantity, "
                   "l.quote_line_id, (SELECT COALESCE(SUM(r.quantity - r.shipped_quantity - r.released_quantity), 0) "
                   " FROM reservations r WHERE r.order_line_id = l.id AND r.status = 'ACTIVE') "
                   "AS reserved_quantity FROM order_lines l WHERE l.order_id IN (",
                   in, ") ORDER BY l.order_id, l.line_no"),
               params));
  for (const auto& lr : lines) {
    auto it = by_id.find(lr.Int("order_id"));
    if (it != by_id.end()) AddLine(lr, it->second.order.currency_code(), it->second.order);
  }
  SALES_ASSIGN_OR_RETURN(auto fees, tx.Query(absl::StrCat("SELECT subject_id, id, description, amount_minor, approved "
                                                          "FROM special_fees WHERE subject_type = 'ORDER' AND "
                                                          "subject_id IN (",
                                                          in, ") ORDER BY subject_id, id"),
                                             params));
  for (const auto& fr : fees) {
    auto it = by_id.find(fr.Int("subject_id"));
    if (it == by_id.end()) continue;
    auto* f = it->second.order.add_special_fees();
    f->set_id(fr.Int("id"));
    f->set_description(fr.Str("description"));
    *f->mutable_amount() = MakeMoney(fr.Int("amount_minor"), it->second.order.currency_code());
    f->set_approved(fr.Int("approved") != 0);
  }
  SALES_ASSIGN_OR_RETURN(auto steps, ApprovalStore::ForSubjects(tx, v1::SUBJECT_TYPE_ORDER, ids));
  for (auto& s : steps) {
    auto it = by_id.find(s.subject_id);
    if (it != by_id.end()) *it->second.order.add_approvals() = std::move(s.step);
  }
  out.reserve(ids.size());
  for (int64_t id : ids) {
    auto it = by_id.find(id);
    if (it != by_id.end()) out.push_back(std::move(it->second));
  }
  return out;
}

absl::StatusOr<int64_t> OrderStore::NextNumber(db::Transaction& tx, absl::string_view series, int year) {
  SALES_RETURN_IF_ERROR(tx.Exec("INSERT INTO document_sequences (series, year, last_number) VALUES (?, ?, 1) "
                                "ON DUPLICATE KEY UPDATE last_number = last_number + 1",
                                {std::string(series), static_cast<int64_t>(year)})
                            .status());
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT last_number FROM document_sequences WHERE series = ? AND "
                                             "year = ?",
                                             {std::string(series), static_cast<int64_t>(year)}));
  if (rows.empty()) return absl::InternalError("document sequence vanished");
  return rows[0].Int("last_number");
}

absl::StatusOr<int64_t> OrderStore::Insert(db::Transaction& tx, const v1::SalesOrder& o,
                                           const std::string& created_by_user, int64_t taking_org_unit_id,
                                           absl::Time now) {
  SALES_ASSIGN_OR_RETURN(int64_t id, InsertUnnumbered(tx, o, created_by_user, taking_org_unit_id, now));
  SALES_RETURN_IF_ERROR(AssignNumber(tx, id, static_cast<int>(o.order_date().year())).status());
  return id;
}

absl::StatusOr<std::string> OrderStore::AssignNumber(db::Transaction& tx, int64_t order_id, int year) {
  SALES_ASSIGN_OR_RETURN(int64_t n, NextNumber(tx, "SO", year));
  std::string number = absl::StrFormat("SO-%04d-%06d", year, n);
  SALES_RETURN_IF_ERROR(tx.Exec("UPDATE sales_orders SET order_number = ? WHERE id = ?", {number, order_id}).status());
  return number;
}

absl::StatusOr<int64_t> OrderStore::InsertUnnumbered(db::Transaction& tx, const v1::SalesOrder& o,
                                                     const std::string& created_by_user, int64_t taking_org_unit_id,
                                                     absl::Time now) {
  // The provisional number is unique for ever (UUID_SHORT: increasing on the
  // server) and sorts before every "SO-" number: an insert never meets an
  // equal key — not even one marked deleted by an earlier replacement, whose
  // duplicate check would take a gap lock next to the newest real numbers and
  // deadlock with AssignNumber — and AssignNumber replaces it before anyone
  // can see it.
  SALES_RETURN_IF_ERROR(
      tx.Exec("INSERT INTO sales_orders (order_number, kind, original_order_id, quote_id, customer_id, "
              "customer_name, customer_type, taking_rep_id, taking_org_unit_id, created_by_user, order_date, "
              "requested_delivery_date, ship_to_address, customer_reference, currency, deposit_minor, "
              "lines_total_minor, special_fees_total_minor, total_minor, status, notes, version, created_at, "
              "updated_at) VALUES (CONCAT('#', UUID_SHORT()),?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,'DRAFT',?,1,?,?)",
              {EnumShort(o.kind()),
               o.original_order_id(),
               o.quote_id(),
               o.customer_id(),
               o.customer_name(),
               EnumShort(o.customer_type()),
               o.taking_rep_id(),
               taking_org_unit_id,
               created_by_user,
               FormatDbDate(o.order_date()),
               OptDate(o.requested_delivery_date()),
               o.ship_to_address(),
               o.customer_reference(),
               o.currency_code(),
               o.deposit_amount().minor_units(),
               o.lines_total().minor_units(),
               Sum(o.special_fees()),
               o.total_amount().minor_units(),
               o.notes(),
               FormatDbTime(now),
               FormatDbTime(now)})
          .status());
  SALES_ASSIGN_OR_RETURN(int64_t id, tx.LastInsertId());
  SALES_RETURN_IF_ERROR(InsertLinesAndFees(tx, o, id));
  return id;
}

absl::Status OrderStore::ReplaceContent(db::Transaction& tx, const v1::SalesOrder& o, absl::Time now) {
  SALES_RETURN_IF_ERROR(
      tx.Exec("UPDATE sales_orders SET order_date = ?, requested_delivery_date = ?, ship_to_address = ?, "
              "customer_reference = ?, deposit_minor = ?, lines_total_minor = ?, special_fees_total_minor = ?, "
              "total_minor = ?, notes = ?, status = 'DRAFT', version = version + 1, updated_at = ? WHERE id = ?",
              {FormatDbDate(o.order_date()), OptDate(o.requested_delivery_date()), o.ship_to_address(),
               o.customer_reference(), o.deposit_amount().minor_units(), o.lines_total().minor_units(),
               Sum(o.special_fees()), o.total_amount().minor_units(), o.notes(), FormatDbTime(now), o.id()})
          .status());
  SALES_RETURN_IF_ERROR(tx.Exec("DELETE FROM order_lines WHERE order_id = ?", {o.id()}).status());
  SALES_RETURN_IF_ERROR(
      tx.Exec("DELETE FROM special_fees WHERE subject_type = 'ORDER' AND subject_id = ?", {o.id()}).status());
  return InsertLinesAndFees(tx, o, o.id());
}

absl::Status OrderStore::SetStatus(db::Transaction& tx, int64_t order_id, v1::OrderStatus status,
                                   absl::string_view reason, absl::Time now) {
  return tx
      .Exec(
          "UPDATE sales_orders SET status = ?, status_reason = ?, version = version + 1, updated_at = ? "
          "WHERE id = ?",
          {EnumShort(status), std::string(reason).substr(0, 1000), FormatDbTime(now), order_id})
      .status();
}

absl::Status OrderStore::SaveCreditCheck(db::Transaction& tx, int64_t order_id, const v1::CreditCheck& check) {
  return tx
      .Exec("UPDATE sales_orders SET credit_check_pb = ? WHERE id = ?",
            {db::Bytes{check.SerializeAsString()}, order_id})
      .status();
}

absl::Status OrderStore::SaveConfirmation(db::Transaction& tx, const v1::SalesOrder& o,
                                          const std::string& release_reason, absl::Time now) {
  SALES_RETURN_IF_ERROR(
      tx.Exec("UPDATE sales_orders SET status = ?, status_reason = ?, customer_name = ?, customer_type = ?, "
              "credited_rep_id = ?, credited_org_unit_id = ?, region_org_unit_id = ?, ownership_collision = ?, "
              "credit_check_pb = ?, confirm_time = ?, confirm_date = ?, ship_due_date = ?, release_reason = ?, "
              "version = version + 1, updated_at = ? WHERE id = ?",
              {EnumShort(o.status()), o.status_reason(), o.customer_name(), EnumShort(o.customer_type()),
               o.credited_rep_id(), o.credited_org_unit_id(), o.region_org_unit_id(),
               static_cast<int64_t>(o.ownership_collision() ? 1 : 0),
               db::Bytes{o.last_credit_check().SerializeAsString()},
               o.has_confirm_time() ? db::Param(FormatDbTime(FromTimestamp(o.confirm_time()))) : db::Param(nullptr),
               OptDate(o.confirm_date()), OptDate(o.ship_due_date()), release_reason.substr(0, 1000), FormatDbTime(now),
               o.id()})
          .status());
  if (o.lines_size() == 0) return absl::OkStatus();
  // Every line's cost in one statement.
  std::string unit_cost = "CASE id", cost_amount = "CASE id", ids;
  db::Params unit_params, amount_params, id_params;
  for (const auto& l : o.lines()) {
    absl::StrAppend(&unit_cost, " WHEN ? THEN ?");
    unit_params.insert(unit_params.end(),
                       {l.id(), l.quantity() == 0 ? int64_t{0} : l.cost_amount().minor_units() / l.quantity()});
    absl::StrAppend(&cost_amount, " WHEN ? THEN ?");
    amount_params.insert(amount_params.end(), {l.id(), l.cost_amount().minor_units()});
    absl::StrAppend(&ids, ids.empty() ? "" : ",", "?");
    id_params.push_back(l.id());
  }
  db::Params params = std::move(unit_params);
  params.insert(params.end(), amount_params.begin(), amount_params.end());
  params.insert(params.end(), id_params.begin(), id_params.end());
  return tx
      .Exec(absl::StrCat("UPDATE order_lines SET unit_cost_minor = ", unit_cost,
                         " END, cost_amount_minor = ", cost_amount, " END WHERE id IN (", ids, ")"),
            params)
      .status();
}

absl::StatusOr<OrderStore::OpenValue> OrderStore::ConfirmedUnshipped(db::Transaction& tx, int64_t customer_id,
                                                                     int64_t exclude_order_id) {
  OpenValue v;
  SALES_ASSIGN_OR_RETURN(
      auto rows, tx.Query("SELECT COALESCE(SUM(GREATEST(l.quantity - l.shipped_quantity, 0) * l.unit_price_minor), 0) "
                          "AS open_amount_minor, COUNT(DISTINCT o.id) AS open_orders "
                          "FROM sales_orders o JOIN order_lines l ON l.order_id = o.id "
                          "WHERE o.customer_id = ? AND o.id <> ? AND o.status IN ('CONFIRMED', 'PARTIALLY_SHIPPED') "
                          "AND l.quantity > 0",
                          {customer_id, exclude_order_id}));
  v.amount = rows[0].Int("open_amount_minor");
  v.orders = static_cast<int32_t>(rows[0].Int("open_orders"));
  SALES_ASSIGN_OR_RETURN(auto held, tx.Query("SELECT COALESCE(SUM(total_minor), 0) AS held_amount_minor "
                                             "FROM sales_orders "
                                             "WHERE customer_id = ? AND id <> ? AND status = 'CREDIT_HOLD'",
                                             {customer_id, exclude_order_id}));
  v.held_amount = held[0].Int("held_amount_minor");
  return v;
}

absl::StatusOr<std::vector<int64_t>> OrderStore::ListIds(db::Transaction& tx, const ListFilter& f, int limit) {
  std::string sql = "SELECT id FROM sales_orders WHERE 1=1";
  db::Params p;
  if (f.before_id > 0) {
    sql += " AND id < ?";
    p.push_back(f.before_id);
  }
  if (f.customer_id > 0) {
    sql += " AND customer_id = ?";
    p.push_back(f.customer_id);
  }
  if (f.rep_id > 0) {
    sql += " AND (credited_rep_id = ? OR taking_rep_id = ?)";
    p.push_back(f.rep_id);
    p.push_back(f.rep_id);
  }
  if (f.only_rep_scope > 0) {
    sql += " AND (credited_rep_id = ? OR taking_rep_id = ?)";
    p.push_back(f.only_rep_scope);
    p.push_back(f.only_rep_scope);
  }
  if (f.restrict_units) {
    if (f.org_units.empty()) return std::vector<int64_t>{};
    auto in = db::InList(f.org_units);
    sql += absl::StrCat(" AND (taking_org_unit_id IN (", in.marks, ") OR credited_org_unit_id IN (", in.marks, "))");
    in.AppendTo(p);
    in.AppendTo(p);
  }
  if (!f.statuses.empty()) {
    auto in = db::InList(f.statuses);
    sql += absl::StrCat(" AND status IN (", in.marks, ")");
    in.AppendTo(p);
  }
  if (!f.from_date.empty()) {
    sql += " AND order_date >= ?";
    p.push_back(f.from_date);
  }
  if (!f.to_date.empty()) {
    sql += " AND order_date <= ?";
    p.push_back(f.to_date);
  }
  if (!f.kind.empty()) {
    sql += " AND kind = ?";
    p.push_back(f.kind);
  }
  if (f.late_only) sql += " AND late = 1";
  sql += " ORDER BY id DESC LIMIT ?";
  p.push_back(static_cast<int64_t>(limit));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  std::vector<int64_t> out;
  for (const auto& r : rows) out.push_back(r.Int("id"));
  return out;
}

absl::StatusOr<std::vector<int64_t>> OrderStore::LateCandidates(db::Transaction& tx, const std::string& as_of) {
  SALES_ASSIGN_OR_RETURN(
      auto rows, tx.Query("SELECT o.id FROM sales_orders o WHERE o.status = 'CONFIRMED' AND o.late = 0 "
                          "AND o.ship_due_date < ? AND NOT EXISTS (SELECT 1 FROM order_lines l WHERE l.order_id = o.id "
                          "AND l.shipped_quantity > 0) ORDER BY o.id FOR UPDATE",
                          {as_of}));
  std::vector<int64_t> out;
  for (const auto& r : rows) out.push_back(r.Int("id"));
  return out;
}

absl::Status OrderStore::MarkLate(db::Transaction& tx, int64_t order_id, absl::Time now) {
  return tx
      .Exec("UPDATE sales_orders SET late = 1, version = version + 1, updated_at = ? WHERE id = ?",
            {FormatDbTime(now), order_id})
      .status();
}

v1::OrderEventHeader EventHeaderOf(const v1::SalesOrder& o) {
  v1::OrderEventHeader h;
  h.set_order_id(o.id());
  h.set_order_number(o.order_number());
  h.set_kind(o.kind());
  h.set_original_order_id(o.original_order_id());
  h.set_customer_id(o.customer_id());
  h.set_customer_name(o.customer_name());
  h.set_customer_type(o.customer_type());
  h.set_credited_rep_id(o.credited_rep_id());
  h.set_credited_org_unit_id(o.credited_org_unit_id());
  h.set_taking_rep_id(o.taking_rep_id());
  *h.mutable_order_date() = o.order_date();
  h.set_currency_code(o.currency_code());
  return h;
}

std::vector<v1::EventLine> EventLinesOf(const v1::SalesOrder& o) {
  std::vector<v1::EventLine> out;
  for (const auto& l : o.lines()) {
    v1::EventLine e;
    e.set_order_line_id(l.id());
    e.set_product_id(l.product_id());
    e.set_sku(l.sku());
    e.set_product_line_id(l.product_line_id());
    e.set_commissionable(l.commissionable());
    e.set_unit(l.unit());
    e.set_quantity(l.quantity());
    *e.mutable_list_price() = l.list_price();
    e.set_discount_bp(l.discount_bp());
    *e.mutable_unit_price() = l.unit_price();
    *e.mutable_net_amount() = l.net_amount();
    *e.mutable_cost_amount() = l.cost_amount();
    out.push_back(std::move(e));
  }
  return out;
}

absl::Status OrderStore::LockCustomerCredit(db::Transaction& tx, int64_t customer_id) {
  // ON DUPLICATE KEY UPDATE takes the row's exclusive lock at once; INSERT
  // IGNORE then SELECT … FOR UPDATE would take a shared lock first, and two
  // confirmations upgrading their shared locks deadlock.
  return tx
      .Exec(
          "INSERT INTO customer_credit_locks (customer_id) VALUES (?) "
          "ON DUPLICATE KEY UPDATE customer_id = customer_id",
          {customer_id})
      .status();
}

absl::Status OrderStore::ApproveSpecialFees(db::Transaction& tx, int64_t order_id) {
  return tx.Exec("UPDATE special_fees SET approved = 1 WHERE subject_type = 'ORDER' AND subject_id = ?", {order_id})
      .status();
}

}  // namespace sales::orders
