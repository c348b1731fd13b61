#include "customers-svc/store/customer_store.h"

#include "absl/strings/str_cat.h"
#include "platform/convert.h"
#include "platform/status.h"

namespace sales::customers {
namespace {

constexpr char kColumns[] =
    "id, name, normalized_name, type, status, phone, normalized_phone, tax_id, region, city, "
    "address, source_channel, owner_rep_id, version, registered_at, updated_at";

v1::Customer FromRow(const db::Row& r) {
  v1::Customer c;
  c.set_id(r.Int(0));
  c.set_name(r.Str(1));
  c.set_normalized_name(r.Str(2));
  c.set_type(static_cast<v1::CustomerType>(r.Int(3)));
  c.set_status(static_cast<v1::CustomerStatus>(r.Int(4)));
  c.set_phone(r.Str(5));
  c.set_normalized_phone(r.Str(6));
  c.set_tax_id(r.Str(7));
  c.set_region(r.Str(8));
  c.set_city(r.Str(9));
  c.set_address(r.Str(10));
  c.set_source_channel(r.Str(11));
  c.set_owner_rep_id(r.Int(12));
  c.set_etag(MakeEtag(r.Int(13)));
  *c.mutable_register_time() = ToTimestamp(ParseDbTime(r.Str(14)));
  *c.mutable_update_time() = ToTimestamp(ParseDbTime(r.Str(15)));
  return c;
}

}  // namespace

absl::StatusOr<v1::Customer> CustomerStore::Insert(db::Transaction& tx, const v1::Customer& c,
                                                   absl::Time now) {
  db::Param tax = c.tax_id().empty() ? db::Param(nullptr) : db::Param(c.tax_id());
  db::Param owner = c.owner_rep_id() == 0 ? db::Param(nullptr) : db::Param(c.owner_rep_id());
  SALES_RETURN_IF_ERROR(
      tx.Exec("INSERT INTO customers (name, normalized_name, type, status, phone, normalized_phone, "
              "tax_id, region, city, address, source_channel, owner_rep_id, version, registered_at, "
              "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
              {c.name(), c.normalized_name(), static_cast<int64_t>(c.type()),
               static_cast<int64_t>(c.status()), c.phone(), c.normalized_phone(), tax, c.region(),
               c.city(), c.address(), c.source_channel(), owner, FormatDbTime(now),
               FormatDbTime(now)})
          .status());
  SALES_ASSIGN_OR_RETURN(int64_t id, tx.LastInsertId());
  return Get(tx, id);
}

absl::StatusOr<v1::Customer> CustomerStore::Get(db::Transaction& tx, int64_t id) {
  SALES_ASSIGN_OR_RETURN(
      auto rows, tx.Query(absl::StrCat("SELECT ", kColumns, " FROM customers WHERE id = ?"), {id}));
  if (rows.empty()) return NotFound("customer", id);
  return FromRow(rows[0]);
}

absl::StatusOr<std::optional<v1::Customer>> CustomerStore::FindDuplicate(db::Transaction& tx,
                                                                         const v1::Customer& c) {
  SALES_ASSIGN_OR_RETURN(
      auto rows,
      tx.Query(absl::StrCat("SELECT ", kColumns,
                            " FROM customers WHERE normalized_phone = ? OR normalized_name = ? "
                            "OR tax_id = ? ORDER BY id LIMIT 1"),
               {c.normalized_phone(), c.normalized_name(), c.tax_id().empty() ? "-" : c.tax_id()}));
  if (rows.empty()) return std::optional<v1::Customer>();
  return std::optional<v1::Customer>(FromRow(rows[0]));
}

}  // namespace sales::customers
