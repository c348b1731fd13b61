#include "orders-svc/store/return_store.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "orders-svc/store/approval_store.h"
#include "orders-svc/store/audit_store.h"
#include "orders-svc/store/order_store.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/money.h"
#include "platform/status.h"

namespace sales::orders {
namespace {

constexpr char kColumns[] =
    "SELECT id, request_number, order_id, customer_id, credited_rep_id, credited_org_unit_id, currency, reason, "
    "status, verification_notes, verified_user, verified_role, verified_rep, verified_unit, return_shipment_id, "
    "status_reason, requester_user, requester_role, requester_rep, requester_unit, version, created_at, "
    "updated_at FROM return_requests ";

// The header columns of a return request (kColumns), without lines.
ReturnRecord HeaderOf(const db::Row& r) {
  ReturnRecord rec;
  auto& q = rec.request;
  q.set_id(r.Int("id"));
  q.set_request_number(r.Str("request_number"));
  q.set_order_id(r.Int("order_id"));
  q.set_customer_id(r.Int("customer_id"));
  q.set_credited_rep_id(r.Int("credited_rep_id"));
  rec.credited_org_unit_id = r.Int("credited_org_unit_id");
  q.set_reason(r.Str("reason"));
  q.set_status(EnumParse<v1::ReturnStatus>(r.Str("status")));
  q.set_verification_notes(r.Str("verification_notes"));
  if (!r.Str("verified_user").empty()) {
    *q.mutable_verified_by() =
        ActorOf({r.Str("verified_user"), r.Str("verified_role"), r.Int("verified_rep"), r.Int("verified_unit")});
  }
  q.set_return_shipment_id(r.Int("return_shipment_id"));
  q.set_status_reason(r.Str("status_reason"));
  rec.requester = {r.Str("requester_user"), r.Str("requester_role"), r.Int("requester_rep"), r.Int("requester_unit")};
  *q.mutable_requested_by() = ActorOf(rec.requester);
  rec.version = r.Int("version");
  q.set_etag(MakeEtag(rec.version));
  *q.mutable_create_time() = ToTimestamp(ParseDbTime(r.Str("created_at")));
  *q.mutable_update_time() = ToTimestamp(ParseDbTime(r.Str("updated_at")));
  return rec;
}

// The return requests of `rows` (kColumns) in that order, with their lines,
// totals and latest approval step: two statements for any number of rows.
absl::StatusOr<std::vector<ReturnRecord>> FromRows(db::Transaction& tx, const std::vector<db::Row>& rows) {
  std::vector<ReturnRecord> out;
  if (rows.empty()) return out;
  out.reserve(rows.size());
  std::vector<std::string> currencies;
  std::vector<int64_t> totals(rows.size(), 0);
  std::map<int64_t, size_t> index;  // return request id → position in out
  std::vector<int64_t> ids;
  for (const auto& r : rows) {
    index[r.Int("id")] = out.size();
    ids.push_back(r.Int("id"));
    currencies.push_back(r.Str("currency"));
    out.push_back(HeaderOf(r));
  }
  db::Params params;
  std::string in = db::AppendInList(ids, params);
  SALES_ASSIGN_OR_RETURN(auto lines, tx.Query(absl::StrCat("SELECT return_request_id, id, order_line_id, product_id, "
                                                           "sku, shipment_id, requested_quantity, claimed_condition, "
                                                           "verified_quantity, verified_condition, unit_price_minor "
                                                           "FROM return_lines WHERE return_request_id IN (",
                                                           in, ") ORDER BY return_request_id, id"),
                                              params));
  for (const auto& lr : lines) {
    auto it = index.find(lr.Int("return_request_id"));
    if (it == index.end()) continue;
    ReturnRecord& rec = out[it->second];
    const std::string& cur = currencies[it->second];
    auto* l = rec.request.add_lines();
    l->set_id(lr.Int("id"));
    l->set_order_line_id(lr.Int("order_line_id"));
    l->set_product_id(lr.Int("product_id"));
    l->set_sku(lr.Str("sku"));
    l->set_shipment_id(lr.Int("shipment_id"));
    l->set_requested_quantity(lr.Int("requested_quantity"));
    l->set_claimed_condition(EnumParse<v1::ItemCondition>(lr.Str("claimed_condition")));
    bool verified = !lr.IsNull("verified_quantity");
    rec.verified[l->id()] = verified;
    l->set_verified_quantity(lr.Int("verified_quantity"));
    l->set_verified_condition(EnumParse<v1::ItemCondition>(lr.Str("verified_condition")));
    *l->mutable_unit_price() = MakeMoney(lr.Int("unit_price_minor"), cur);
    int64_t qty = verified ? lr.Int("verified_quantity") : lr.Int("requested_quantity");
    *l->mutable_amount() = MakeMoney(qty * lr.Int("unit_price_minor"), cur);
    totals[it->second] += qty * lr.Int("unit_price_minor");
  }
  for (size_t i = 0; i < out.size(); ++i) *out[i].request.mutable_total_amount() = MakeMoney(totals[i], currencies[i]);
  // Steps come by request then id: the last one of each request is its latest.
  SALES_ASSIGN_OR_RETURN(auto steps, ApprovalStore::ForSubjects(tx, v1::SUBJECT_TYPE_RETURN_REQUEST, ids));
  for (auto& s : steps) {
    auto it = index.find(s.subject_id);
    if (it != index.end()) *out[it->second].request.mutable_approval() = std::move(s.step);
  }
  return out;
}

}  // namespace

absl::StatusOr<ReturnRecord> ReturnStore::Load(db::Transaction& tx, int64_t id, bool for_update) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query(absl::StrCat(kColumns, "WHERE id = ?", for_update ? " FOR UPDATE" : ""), {id}));
  if (rows.empty()) return NotFound("return request", id);
  SALES_ASSIGN_OR_RETURN(auto recs, FromRows(tx, rows));
  return std::move(recs[0]);
}

absl::StatusOr<int64_t> ReturnStore::Insert(db::Transaction& tx, const v1::ReturnRequest& r,
                                            int64_t credited_org_unit_id, const std::string& currency, int year,
                                            const Principal& requester, absl::Time now) {
  SALES_ASSIGN_OR_RETURN(int64_t n, OrderStore::NextNumber(tx, "RR", year));
  std::string ts = FormatDbTime(now);
  SALES_RETURN_IF_ERROR(
      tx.Exec("INSERT INTO return_requests (request_number, order_id, customer_id, credited_rep_id, "
              "credited_org_unit_id, currency, reason, status, requester_user, requester_role, requester_rep, "
              "requester_unit, created_at, updated_at) VALUES (?,?,?,?,?,?,?,'REQUESTED',?,?,?,?,?,?)",
              {absl::StrFormat("RR-%04d-%06d", year, n), r.order_id(), r.customer_id(), r.credited_rep_id(),
               credited_org_unit_id, currency, r.reason(), requester.user_id, requester.role, requester.rep_id,
               requester.org_unit_id, ts, ts})
          .status());
  SALES_ASSIGN_OR_RETURN(int64_t id, tx.LastInsertId());
  for (const auto& l : r.lines()) {
    SALES_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO return_lines (return_request_id, order_line_id, product_id, sku, "
                "shipment_id, requested_quantity, claimed_condition, unit_price_minor) "
                "VALUES (?,?,?,?,?,?,?,?)",
                {id, l.order_line_id(), l.product_id(), l.sku(), l.shipment_id(), l.requested_quantity(),
                 EnumShort(l.claimed_condition()), l.unit_price().minor_units()})
            .status());
  }
  return id;
}

absl::StatusOr<std::map<int64_t, int64_t>> ReturnStore::PendingByLine(db::Transaction& tx, int64_t order_id,
                                                                      int64_t exclude_id) {
  SALES_ASSIGN_OR_RETURN(
      auto rows, tx.Query("SELECT l.order_line_id, SUM(CASE WHEN r.status = 'REQUESTED' THEN l.requested_quantity "
                          "ELSE COALESCE(l.verified_quantity, 0) END) AS pending_quantity "
                          "FROM return_lines l JOIN return_requests r ON r.id = l.return_request_id "
                          "WHERE r.order_id = ? AND r.id <> ? AND r.status IN ('REQUESTED','VERIFIED','APPROVED') "
                          "GROUP BY l.order_line_id",
                          {order_id, exclude_id}));
  std::map<int64_t, int64_t> out;
  for (const auto& r : rows) out[r.Int("order_line_id")] = r.Int("pending_quantity");
  return out;
}

absl::Status ReturnStore::SaveVerification(db::Transaction& tx, int64_t id,
                                           const std::map<int64_t, v1::ReturnLineVerification>& v,
                                           const std::string& notes, const Principal& by, v1::ReturnStatus status,
                                           absl::Time now) {
  for (const auto& [line_id, lv] : v) {
    SALES_RETURN_IF_ERROR(tx.Exec("UPDATE return_lines SET verified_quantity = ?, verified_condition = ? "
                                  "WHERE id = ? AND return_request_id = ?",
                                  {lv.verified_quantity(), EnumShort(lv.verified_condition()), line_id, id})
                              .status());
  }
  return tx
      .Exec(
          "UPDATE return_requests SET status = ?, verification_notes = ?, verified_user = ?, "
          "verified_role = ?, verified_rep = ?, verified_unit = ?, version = version + 1, updated_at = ? "
          "WHERE id = ?",
          {EnumShort(status), notes, by.user_id, by.role, by.rep_id, by.org_unit_id, FormatDbTime(now), id})
      .status();
}

absl::Status ReturnStore::SetStatus(db::Transaction& tx, int64_t id, v1::ReturnStatus status, absl::string_view reason,
                                    int64_t return_shipment_id, absl::Time now) {
  return tx
      .Exec(
          "UPDATE return_requests SET status = ?, status_reason = IF(? = '', status_reason, ?), "
          "return_shipment_id = IF(? = 0, return_shipment_id, ?), version = version + 1, updated_at = ? "
          "WHERE id = ?",
          {EnumShort(status), std::string(reason), std::string(reason), return_shipment_id, return_shipment_id,
           FormatDbTime(now), id})
      .status();
}

absl::StatusOr<std::vector<ReturnRecord>> ReturnStore::List(db::Transaction& tx, const Filter& f, int limit) {
  std::string sql = absl::StrCat(kColumns, "WHERE 1=1");
  db::Params p;
  auto eq = [&](const char* col, int64_t v) {
    if (v) {
      absl::StrAppend(&sql, " AND ", col, " = ?");
      p.push_back(v);
    }
  };
  if (f.before_id) {
    sql += " AND id < ?";
    p.push_back(f.before_id);
  }
  eq("order_id", f.order_id);
  eq("customer_id", f.customer_id);
  eq("credited_rep_id", f.rep_id);
  eq("credited_rep_id", f.only_rep);
  if (f.restrict_units) {
    if (f.units.empty()) return std::vector<ReturnRecord>{};
    auto in = db::InList(f.units);
    absl::StrAppend(&sql, " AND credited_org_unit_id IN (", in.marks, ")");
    in.AppendTo(p);
  }
  if (!f.status.empty()) {
    sql += " AND status = ?";
    p.push_back(f.status);
  }
  if (!f.from_time.empty()) {
    sql += " AND created_at >= ?";
    p.push_back(f.from_time);
  }
  if (!f.to_time.empty()) {
    sql += " AND created_at < ?";
    p.push_back(f.to_time);
  }
  sql += " ORDER BY id DESC LIMIT ?";
  p.push_back(static_cast<int64_t>(limit));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  return FromRows(tx, rows);
}

}  // namespace sales::orders

namespace sales::orders {

absl::StatusOr<std::optional<WarehouseInfo>> ReturnDestinationStore::Warehouse(db::Transaction& tx, int64_t id) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT id, kind, active FROM warehouses WHERE id = ?", {id}));
  if (rows.empty()) return std::optional<WarehouseInfo>();
  return std::optional<WarehouseInfo>(
      WarehouseInfo{rows[0].Int("id"), rows[0].Str("kind"), rows[0].Int("active") != 0});
}

absl::StatusOr<std::optional<WarehouseInfo>> ReturnDestinationStore::FirstQuarantine(db::Transaction& tx) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT id, kind, active FROM warehouses WHERE kind = 'QUARANTINE' "
                                             "AND active = 1 ORDER BY allocation_priority, id LIMIT 1"));
  if (rows.empty()) return std::optional<WarehouseInfo>();
  return std::optional<WarehouseInfo>(WarehouseInfo{rows[0].Int("id"), rows[0].Str("kind"), true});
}

absl::StatusOr<int64_t> ReturnDestinationStore::ShippedFrom(db::Transaction& tx, int64_t order_line_id,
                                                            int64_t shipment_id) {
  std::string sql =
      "SELECT s.warehouse_id FROM shipments s JOIN shipment_lines l ON l.shipment_id = s.id "
      "WHERE l.order_line_id = ? AND s.kind = 'OUTBOUND'";
  db::Params p = {order_line_id};
  if (shipment_id != 0) {
    sql += " AND s.id = ?";
    p.push_back(shipment_id);
  }
  sql += " ORDER BY s.id DESC LIMIT 1";
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  return rows.empty() ? int64_t{0} : rows[0].Int("warehouse_id");
}

}  // namespace sales::orders
