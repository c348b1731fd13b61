#include "orders-svc/store/shipment_document_store.h"

#include "absl/strings/str_cat.h"
#include "orders-svc/store/approval_store.h"
#include "orders-svc/store/audit_store.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/status.h"

namespace sales::orders {
namespace {

constexpr char kDocColumns[] =
    "SELECT d.id, d.type, d.document_number, d.order_id, d.requisition_id, d.shipment_id, d.print_count, "
    "d.first_print_at, d.last_print_at, d.created_at, "
    "(SELECT COUNT(*) FROM reprint_requests r WHERE r.document_id = d.id AND r.status = 'APPROVED') "
    "AS reprints_available FROM shipping_documents d ";

v1::ShippingDocument DocFromRow(const db::Row& r) {
  v1::ShippingDocument d;
  d.set_id(r.Int("id"));
  d.set_type(EnumParse<v1::DocumentType>(r.Str("type")));
  d.set_document_number(r.Str("document_number"));
  d.set_order_id(r.Int("order_id"));
  d.set_shipment_requisition_id(r.Int("requisition_id"));
  d.set_shipment_id(r.Int("shipment_id"));
  d.set_print_count(static_cast<int32_t>(r.Int("print_count")));
  if (!r.IsNull("first_print_at")) *d.mutable_first_print_time() = ToTimestamp(ParseDbTime(r.Str("first_print_at")));
  if (!r.IsNull("last_print_at")) *d.mutable_last_print_time() = ToTimestamp(ParseDbTime(r.Str("last_print_at")));
  *d.mutable_create_time() = ToTimestamp(ParseDbTime(r.Str("created_at")));
  d.set_reprints_available(static_cast<int32_t>(r.Int("reprints_available")));
  return d;
}

}  // namespace

absl::StatusOr<v1::ShippingDocument> ShipmentDocumentStore::Create(db::Transaction& tx, v1::DocumentType type,
                                                                   const std::string& number, int64_t order_id,
                                                                   int64_t requisition_id, int64_t shipment_id,
                                                                   absl::Time now) {
  SALES_RETURN_IF_ERROR(tx.Exec("INSERT INTO shipping_documents (type, document_number, order_id, requisition_id, "
                                "shipment_id, created_at) VALUES (?,?,?,?,?,?)",
                                {EnumShort(type), number, order_id, requisition_id, shipment_id, FormatDbTime(now)})
                            .status());
  SALES_ASSIGN_OR_RETURN(int64_t id, tx.LastInsertId());
  return Load(tx, id, false);
}

absl::StatusOr<v1::ShippingDocument> ShipmentDocumentStore::Load(db::Transaction& tx, int64_t id, bool for_update) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query(absl::StrCat(kDocColumns, "WHERE d.id = ?", for_update ? " FOR UPDATE" : ""), {id}));
  if (rows.empty()) return NotFound("document", id);
  return DocFromRow(rows[0]);
}

absl::Status ShipmentDocumentStore::RecordPrint(db::Transaction& tx, int64_t document_id, const PrintDecision& d,
                                                int64_t reprint_request_id, const Principal& by,
                                                absl::string_view request_id, absl::Time now) {
  std::string ts = FormatDbTime(now);
  // The unique (document, copy) key makes two racing "first prints" end in
  // one original and one refusal, never two originals.
  SALES_RETURN_IF_ERROR(
      tx.Exec("INSERT INTO document_prints (document_id, copy_number, duplicate, "
              "reprint_request_id, printed_user, printed_role, request_id, printed_at) "
              "VALUES (?,?,?,?,?,?,?,?)",
              {document_id, static_cast<int64_t>(d.copy_number), static_cast<int64_t>(d.duplicate ? 1 : 0),
               d.consumes_reprint ? reprint_request_id : int64_t{0}, by.user_id, by.role, std::string(request_id), ts})
          .status());
  SALES_ASSIGN_OR_RETURN(int64_t n, tx.Exec("UPDATE shipping_documents SET print_count = ?, first_print_at = "
                                            "COALESCE(first_print_at, ?), last_print_at = ?, version = version + 1 "
                                            "WHERE id = ? AND print_count = ?",
                                            {static_cast<int64_t>(d.copy_number), ts, ts, document_id,
                                             static_cast<int64_t>(d.copy_number - 1)}));
  if (n != 1) return absl::AbortedError("the document was printed concurrently; read it again");
  if (d.consumes_reprint) {
    SALES_ASSIGN_OR_RETURN(int64_t m, tx.Exec("UPDATE reprint_requests SET status = 'USED', version = version + 1, "
                                              "updated_at = ? WHERE id = ? AND status = 'APPROVED'",
                                              {ts, reprint_request_id}));
    if (m != 1) return absl::AbortedError("the reprint request was used concurrently");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<v1::ShippingDocument>> ShipmentDocumentStore::List(db::Transaction& tx, const Filter& f,
                                                                              int limit) {
  std::string sql = absl::StrCat(kDocColumns, "WHERE d.id > ?");
  db::Params p = {f.after_id};
  auto eq = [&](const char* col, int64_t v) {
    if (v) {
      absl::StrAppend(&sql, " AND d.", col, " = ?");
      p.push_back(v);
    }
  };
  eq("order_id", f.order_id);
  eq("requisition_id", f.requisition_id);
  eq("shipment_id", f.shipment_id);
  if (!f.type.empty()) {
    sql += " AND d.type = ?";
    p.push_back(f.type);
  }
  sql += " ORDER BY d.id LIMIT ?";
  p.push_back(static_cast<int64_t>(limit));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  std::vector<v1::ShippingDocument> out;
  for (const auto& r : rows) out.push_back(DocFromRow(r));
  return out;
}

absl::StatusOr<int64_t> ShipmentDocumentStore::InsertReprint(db::Transaction& tx, int64_t document_id,
                                                             const std::string& reason, const Principal& requester,
                                                             absl::Time now) {
  std::string ts = FormatDbTime(now);
  SALES_RETURN_IF_ERROR(
      tx.Exec("INSERT INTO reprint_requests (document_id, reason, status, requester_user, "
              "requester_role, requester_rep, requester_unit, created_at, updated_at) "
              "VALUES (?,?,'PENDING_APPROVAL',?,?,?,?,?,?)",
              {document_id, reason, requester.user_id, requester.role, requester.rep_id, requester.org_unit_id, ts, ts})
          .status());
  return tx.LastInsertId();
}

absl::StatusOr<ReprintRecord> ShipmentDocumentStore::LoadReprint(db::Transaction& tx, int64_t id, bool for_update) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(absl::StrCat("SELECT id, document_id, reason, status, requester_user, "
                                                          "requester_role, requester_rep, requester_unit, version, "
                                                          "created_at, updated_at FROM reprint_requests WHERE id = ?",
                                                          for_update ? " FOR UPDATE" : ""),
                                             {id}));
  if (rows.empty()) return NotFound("reprint request", id);
  const auto& r = rows[0];
  ReprintRecord rec;
  auto& q = rec.request;
  q.set_id(r.Int("id"));
  q.set_document_id(r.Int("document_id"));
  q.set_reason(r.Str("reason"));
  q.set_status(EnumParse<v1::ReprintRequestStatus>(r.Str("status")));
  rec.requester = {r.Str("requester_user"), r.Str("requester_role"), r.Int("requester_rep"), r.Int("requester_unit")};
  *q.mutable_requested_by() = ActorOf(rec.requester);
  rec.version = r.Int("version");
  q.set_etag(MakeEtag(rec.version));
  *q.mutable_create_time() = ToTimestamp(ParseDbTime(r.Str("created_at")));
  *q.mutable_update_time() = ToTimestamp(ParseDbTime(r.Str("updated_at")));
  SALES_ASSIGN_OR_RETURN(auto steps, ApprovalStore::ForSubject(tx, v1::SUBJECT_TYPE_REPRINT_REQUEST, q.id()));
  if (!steps.empty()) *q.mutable_approval() = steps.back().step;
  return rec;
}

absl::StatusOr<bool> ShipmentDocumentStore::HasPendingReprint(db::Transaction& tx, int64_t document_id) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT COUNT(*) AS pending_reprints FROM reprint_requests "
                                             "WHERE document_id = ? AND status = 'PENDING_APPROVAL'",
                                             {document_id}));
  return rows[0].Int("pending_reprints") > 0;
}

absl::Status ShipmentDocumentStore::SetReprintStatus(db::Transaction& tx, int64_t id, v1::ReprintRequestStatus status,
                                                     absl::Time now) {
  SALES_ASSIGN_OR_RETURN(int64_t n, tx.Exec("UPDATE reprint_requests SET status = ?, version = version + 1, "
                                            "updated_at = ? WHERE id = ?",
                                            {EnumShort(status), FormatDbTime(now), id}));
  if (n != 1) return absl::InternalError("reprint status not written");
  return absl::OkStatus();
}

}  // namespace sales::orders
