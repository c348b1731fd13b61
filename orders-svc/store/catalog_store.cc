#include "orders-svc/store/catalog_store.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "orders-svc/domain/errors.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/money.h"
#include "platform/status.h"

namespace sales::orders {
namespace {

constexpr char kListColumns[] =
    "SELECT id, code, name, currency, effective_from, effective_to, status, status_reason, version, created_at, "
    "updated_at FROM price_lists ";

v1::PriceList ListFromRow(const db::Row& r) {
  v1::PriceList pl;
  pl.set_id(r.Int("id"));
  pl.set_code(r.Str("code"));
  pl.set_name(r.Str("name"));
  pl.set_currency_code(r.Str("currency"));
  *pl.mutable_effective_from() = ParseDbDate(r.Str("effective_from"));
  if (!r.IsNull("effective_to")) *pl.mutable_effective_to() = ParseDbDate(r.Str("effective_to"));
  pl.set_status(EnumParse<v1::PriceListStatus>(r.Str("status")));
  pl.set_status_reason(r.Str("status_reason"));
  pl.set_etag(MakeEtag(r.Int("version")));
  *pl.mutable_create_time() = ToTimestamp(ParseDbTime(r.Str("created_at")));
  *pl.mutable_update_time() = ToTimestamp(ParseDbTime(r.Str("updated_at")));
  return pl;
}

db::Param OptDate(const v1::PriceList& pl) {
  if (!pl.has_effective_to() || pl.effective_to().year() == 0) return nullptr;
  return FormatDbDate(pl.effective_to());
}

absl::Status InsertEntries(db::Transaction& tx, const v1::PriceList& pl, int64_t id) {
  for (const auto& e : pl.entries()) {
    SALES_RETURN_IF_ERROR(tx.Exec("INSERT INTO price_list_entries (price_list_id, product_id, list_price_minor) "
                                  "VALUES (?, ?, ?)",
                                  {id, e.product_id(), e.list_price().minor_units()})
                              .status());
  }
  return absl::OkStatus();
}

// The entries of every list in `lists`, by SKU within each list: one
// statement for any number of lists.
absl::Status LoadEntries(db::Transaction& tx, std::vector<v1::PriceList>& lists) {
  if (lists.empty()) return absl::OkStatus();
  std::map<int64_t, v1::PriceList*> by_id;
  std::vector<int64_t> ids;
  for (auto& pl : lists) {
    by_id[pl.id()] = &pl;
    ids.push_back(pl.id());
  }
  db::Params params;
  std::string in = db::AppendInList(ids, params);
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(absl::StrCat("SELECT e.price_list_id, e.product_id, p.sku, "
                                                          "e.list_price_minor FROM price_list_entries e "
                                                          "JOIN products p ON p.id = e.product_id "
                                                          "WHERE e.price_list_id IN (",
                                                          in, ") ORDER BY e.price_list_id, p.sku"),
                                             params));
  for (const auto& r : rows) {
    auto it = by_id.find(r.Int("price_list_id"));
    if (it == by_id.end()) continue;
    v1::PriceList& pl = *it->second;
    auto* e = pl.add_entries();
    e->set_product_id(r.Int("product_id"));
    e->set_sku(r.Str("sku"));
    *e->mutable_list_price() = MakeMoney(r.Int("list_price_minor"), pl.currency_code());
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<int64_t> PriceListStore::Insert(db::Transaction& tx, const v1::PriceList& pl, absl::Time now) {
  auto st = tx.Exec(
      "INSERT INTO price_lists (code, name, currency, effective_from, effective_to, status, version, "
      "created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'ACTIVE', 1, ?, ?)",
      {pl.code(), pl.name(), pl.currency_code(), FormatDbDate(pl.effective_from()), OptDate(pl), FormatDbTime(now),
       FormatDbTime(now)});
  if (absl::IsAlreadyExists(st.status())) {
    return WithErrorInfo(absl::AlreadyExistsError(absl::StrCat("price list code '", pl.code(), "' exists")),
                         "PRICE_LIST_CODE_TAKEN", kOrdersDomain, {{"code", pl.code()}});
  }
  if (!st.ok()) return st.status();
  SALES_ASSIGN_OR_RETURN(int64_t id, tx.LastInsertId());
  SALES_RETURN_IF_ERROR(InsertEntries(tx, pl, id));
  return id;
}

absl::Status PriceListStore::Replace(db::Transaction& tx, const v1::PriceList& pl, absl::Time now) {
  SALES_RETURN_IF_ERROR(tx.Exec("UPDATE price_lists SET name = ?, effective_from = ?, effective_to = ?, "
                                "version = version + 1, updated_at = ? WHERE id = ?",
                                {pl.name(), FormatDbDate(pl.effective_from()), OptDate(pl), FormatDbTime(now), pl.id()})
                            .status());
  SALES_RETURN_IF_ERROR(tx.Exec("DELETE FROM price_list_entries WHERE price_list_id = ?", {pl.id()}).status());
  return InsertEntries(tx, pl, pl.id());
}

absl::Status PriceListStore::Retire(db::Transaction& tx, int64_t id, const std::string& reason, absl::Time now) {
  return tx
      .Exec(
          "UPDATE price_lists SET status = 'RETIRED', status_reason = ?, version = version + 1, updated_at = ? "
          "WHERE id = ?",
          {reason, FormatDbTime(now), id})
      .status();
}

absl::StatusOr<v1::PriceList> PriceListStore::Get(db::Transaction& tx, int64_t id, bool with_entries, bool for_update) {
  SALES_ASSIGN_OR_RETURN(
      auto rows, tx.Query(std::string(kListColumns) + "WHERE id = ?" + (for_update ? " FOR UPDATE" : ""), {id}));
  if (rows.empty()) return NotFound("price list", id);
  std::vector<v1::PriceList> one = {ListFromRow(rows[0])};
  if (with_entries) SALES_RETURN_IF_ERROR(LoadEntries(tx, one));
  return std::move(one[0]);
}

absl::StatusOr<std::vector<v1::PriceList>> PriceListStore::List(db::Transaction& tx, int64_t product_id,
                                                                const std::string& effective_on,
                                                                const std::string& status, bool with_entries,
                                                                int64_t after_id, int limit) {
  std::string sql = std::string(kListColumns) + "WHERE id > ?";
  db::Params p{after_id};
  if (product_id > 0) {
    sql += " AND id IN (SELECT price_list_id FROM price_list_entries WHERE product_id = ?)";
    p.push_back(product_id);
  }
  if (!effective_on.empty()) {
    sql += " AND effective_from <= ? AND (effective_to IS NULL OR effective_to >= ?)";
    p.push_back(effective_on);
    p.push_back(effective_on);
  }
  if (!status.empty()) {
    sql += " AND status = ?";
    p.push_back(status);
  }
  sql += " ORDER BY id LIMIT ?";
  p.push_back(static_cast<int64_t>(limit));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  std::vector<v1::PriceList> out;
  out.reserve(rows.size());
  for (const auto& r : rows) out.push_back(ListFromRow(r));
  if (with_entries) SALES_RETURN_IF_ERROR(LoadEntries(tx, out));
  return out;
}

namespace {

PricePeriod PeriodOf(const db::Row& r) {
  PricePeriod p;
  p.price_list_id = r.Int("id");
  p.code = r.Str("code");
  p.from = ToCivilDay(ParseDbDate(r.Str("effective_from")));
  if (!r.IsNull("effective_to")) p.to = ToCivilDay(ParseDbDate(r.Str("effective_to")));
  p.list_price_minor = r.Int("list_price_minor");
  return p;
}

}  // namespace

absl::StatusOr<std::map<int64_t, std::vector<PricePeriod>>> PriceListStore::PeriodsOf(
    db::Transaction& tx, const std::vector<int64_t>& product_ids, const std::string& currency) {
  std::map<int64_t, std::vector<PricePeriod>> out;
  if (product_ids.empty()) return out;
  db::Params params;
  std::string in = db::AppendInList(product_ids, params);
  params.push_back(currency);
  SALES_ASSIGN_OR_RETURN(
      auto rows,
      tx.Query(absl::StrCat("SELECT e.product_id, l.id, l.code, l.effective_from, l.effective_to, e.list_price_minor "
                            "FROM price_lists l JOIN price_list_entries e ON e.price_list_id = l.id WHERE "
                            "e.product_id IN (",
                            in,
                            ") AND l.currency = ? AND l.status = 'ACTIVE' ORDER BY e.product_id, "
                            "l.effective_from, l.id"),
               params));
  for (const auto& r : rows) out[r.Int("product_id")].push_back(PeriodOf(r));
  return out;
}

absl::StatusOr<std::vector<PricePeriod>> PriceListStore::Periods(db::Transaction& tx, int64_t product_id,
                                                                 const std::string& currency, int64_t exclude_list_id) {
  SALES_ASSIGN_OR_RETURN(
      auto rows,
      tx.Query("SELECT l.id, l.code, l.effective_from, l.effective_to, e.list_price_minor FROM price_lists l "
               "JOIN price_list_entries e ON e.price_list_id = l.id WHERE e.product_id = ? AND l.currency = ? "
               "AND l.status = 'ACTIVE' AND l.id <> ? ORDER BY l.effective_from, l.id",
               {product_id, currency, exclude_list_id}));
  std::vector<PricePeriod> out;
  for (const auto& r : rows) out.push_back(PeriodOf(r));
  return out;
}

absl::StatusOr<v1::OrderPolicy> PolicyStore::Get(db::Transaction& tx, bool for_update) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(std::string("SELECT policy_pb, version, updated_at FROM order_policy "
                                                         "WHERE id = 1") +
                                             (for_update ? " FOR UPDATE" : "")));
  if (rows.empty()) {
    v1::OrderPolicy p = DefaultPolicy();
    p.set_etag(MakeEtag(0));
    return p;
  }
  v1::OrderPolicy p;
  if (!p.ParseFromString(rows[0].Str("policy_pb"))) return absl::InternalError("stored order policy is unreadable");
  p.set_etag(MakeEtag(rows[0].Int("version")));
  *p.mutable_update_time() = ToTimestamp(ParseDbTime(rows[0].Str("updated_at")));
  return p;
}

absl::StatusOr<v1::OrderPolicy> PolicyStore::Put(db::Transaction& tx, const v1::OrderPolicy& p, absl::Time now) {
  v1::OrderPolicy stored = p;
  stored.clear_etag();
  stored.clear_update_time();
  SALES_RETURN_IF_ERROR(tx.Exec("INSERT INTO order_policy (id, policy_pb, version, updated_at) VALUES (1, ?, 1, ?) "
                                "ON DUPLICATE KEY UPDATE policy_pb = VALUES(policy_pb), version = version + 1, "
                                "updated_at = VALUES(updated_at)",
                                {db::Bytes{stored.SerializeAsString()}, FormatDbTime(now)})
                            .status());
  return Get(tx);
}

}  // namespace sales::orders
