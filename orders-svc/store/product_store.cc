#include "orders-svc/store/product_store.h"

#include "absl/strings/str_cat.h"
#include "orders-svc/domain/errors.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/money.h"
#include "platform/status.h"

namespace sales::orders {
namespace {

constexpr char kColumns[] =
    "SELECT id, sku, name, product_line_id, unit, currency, unit_cost_minor, floor_price_minor, commissionable, "
    "version, created_at, updated_at, status, status_reason, specification FROM products ";

v1::Product FromRow(const db::Row& r) {
  v1::Product p;
  p.set_id(r.Int("id"));
  p.set_sku(r.Str("sku"));
  p.set_name(r.Str("name"));
  p.set_product_line_id(r.Int("product_line_id"));
  p.set_unit(r.Str("unit"));
  *p.mutable_unit_cost() = MakeMoney(r.Int("unit_cost_minor"), r.Str("currency"));
  *p.mutable_floor_price() = MakeMoney(r.Int("floor_price_minor"), r.Str("currency"));
  p.set_commissionable(r.Int("commissionable") != 0);
  p.set_etag(MakeEtag(r.Int("version")));
  *p.mutable_create_time() = ToTimestamp(ParseDbTime(r.Str("created_at")));
  *p.mutable_update_time() = ToTimestamp(ParseDbTime(r.Str("updated_at")));
  p.set_status(EnumParse<v1::ProductStatus>(r.Str("status")));
  p.set_status_reason(r.Str("status_reason"));
  p.set_specification(r.Str("specification"));
  return p;
}

}  // namespace

absl::StatusOr<v1::Product> ProductStore::Insert(db::Transaction& tx, const v1::Product& p, absl::Time now) {
  auto st = tx.Exec(
      "INSERT INTO products (sku, name, product_line_id, unit, currency, unit_cost_minor, "
      "floor_price_minor, commissionable, specification, version, created_at, updated_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
      {p.sku(), p.name(), p.product_line_id(), p.unit(), p.unit_cost().currency_code(), p.unit_cost().minor_units(),
       p.floor_price().minor_units(), static_cast<int64_t>(p.commissionable() ? 1 : 0), p.specification(),
       FormatDbTime(now), FormatDbTime(now)});
  if (absl::IsAlreadyExists(st.status())) {
    return WithErrorInfo(absl::AlreadyExistsError(absl::StrCat("SKU '", p.sku(), "' exists")), "SKU_TAKEN",
                         kOrdersDomain, {{"sku", p.sku()}});
  }
  if (!st.ok()) return st.status();
  SALES_ASSIGN_OR_RETURN(int64_t id, tx.LastInsertId());
  return Get(tx, id);
}

absl::StatusOr<v1::Product> ProductStore::Get(db::Transaction& tx, int64_t id, bool for_update) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query(absl::StrCat(kColumns, "WHERE id = ?", for_update ? " FOR UPDATE" : ""), {id}));
  if (rows.empty()) return NotFound("product", id);
  return FromRow(rows[0]);
}

absl::StatusOr<std::map<int64_t, v1::Product>> ProductStore::GetMany(db::Transaction& tx,
                                                                     const std::vector<int64_t>& ids) {
  std::map<int64_t, v1::Product> out;
  if (ids.empty()) return out;
  db::Params params;
  std::string in = db::AppendInList(ids, params);
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(absl::StrCat(kColumns, "WHERE id IN (", in, ")"), params));
  for (const auto& r : rows) {
    v1::Product p = FromRow(r);
    const int64_t id = p.id();
    out.emplace(id, std::move(p));
  }
  return out;
}

absl::StatusOr<std::vector<v1::Product>> ProductStore::List(db::Transaction& tx, int64_t product_line_id,
                                                            v1::ProductStatus status, const std::string& text,
                                                            int64_t after_id, int limit) {
  // The page's products in one statement, whole rows as Get reads them.
  std::string sql = absl::StrCat(kColumns, "WHERE id > ?");
  db::Params params{after_id};
  if (product_line_id > 0) {
    sql += " AND product_line_id = ?";
    params.push_back(product_line_id);
  }
  if (status != v1::PRODUCT_STATUS_UNSPECIFIED) {
    sql += " AND status = ?";
    params.push_back(EnumShort(status));
  }
  if (!text.empty()) {
    sql += " AND (sku LIKE CONCAT('%', ?, '%') OR name LIKE CONCAT('%', ?, '%'))";
    params.push_back(text);
    params.push_back(text);
  }
  sql += " ORDER BY id LIMIT ?";
  params.push_back(static_cast<int64_t>(limit));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, params));
  std::vector<v1::Product> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(FromRow(r));
  return out;
}

absl::Status ProductStore::Update(db::Transaction& tx, int64_t id, const v1::Product& p, absl::Time now) {
  return tx
      .Exec(
          "UPDATE products SET name = ?, product_line_id = ?, unit = ?, currency = ?, unit_cost_minor = ?, "
          "floor_price_minor = ?, commissionable = ?, specification = ?, version = version + 1, "
          "updated_at = ? WHERE id = ?",
          {p.name(), p.product_line_id(), p.unit(), p.unit_cost().currency_code(), p.unit_cost().minor_units(),
           p.floor_price().minor_units(), static_cast<int64_t>(p.commissionable() ? 1 : 0), p.specification(),
           FormatDbTime(now), id})
      .status();
}

absl::Status ProductStore::SetStatus(db::Transaction& tx, int64_t id, v1::ProductStatus status,
                                     const std::string& reason, absl::Time now) {
  return tx
      .Exec("UPDATE products SET status = ?, status_reason = ?, version = version + 1, updated_at = ? WHERE id = ?",
            {EnumShort(status), reason, FormatDbTime(now), id})
      .status();
}

}  // namespace sales::orders
