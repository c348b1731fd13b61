#include "orders-svc/store/quote_store.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "orders-svc/store/approval_store.h"
#include "orders-svc/store/order_store.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/money.h"
#include "platform/status.h"

namespace sales::orders {
namespace {

absl::Status InsertLinesAndFees(db::Transaction& tx, const v1::Quote& q, int64_t id) {
  int no = 0;
  for (const auto& l : q.lines()) {
    ++no;
    SALES_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO quote_lines (quote_id, line_no, product_id, sku, product_line_id, quantity, "
                "list_price_minor, price_list_id, discount_bp, unit_price_minor, net_amount_minor, required_approval) "
                "VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                {id, static_cast<int64_t>(no), l.product_id(), l.sku(), l.product_line_id(), l.quantity(),
                 l.list_price().minor_units(), l.price_list_id(), static_cast<int64_t>(l.discount_bp()),
                 l.unit_price().minor_units(), l.net_amount().minor_units(), EnumShort(l.required_approval())})
            .status());
  }
  for (const auto& f : q.special_fees()) {
    SALES_RETURN_IF_ERROR(tx.Exec("INSERT INTO special_fees (subject_type, subject_id, description, amount_minor, "
                                  "approved) VALUES ('QUOTE', ?, ?, ?, 0)",
                                  {id, f.description(), f.amount().minor_units()})
                              .status());
  }
  return absl::OkStatus();
}

}  // namespace

namespace {

constexpr char kQuoteColumns[] =
    "SELECT id, quote_number, customer_id, rep_id, org_unit_id, created_by_user, quote_date, valid_until, currency, "
    "lines_total_minor, special_fees_total_minor, total_minor, status, order_id, status_reason, notes, is_bid, "
    "version, created_at, updated_at FROM quotes WHERE id IN (";

QuoteRecord QuoteHeaderOf(const db::Row& r) {
  QuoteRecord rec;
  v1::Quote& q = rec.quote;
  const std::string cur = r.Str("currency");
  q.set_id(r.Int("id"));
  q.set_quote_number(r.Str("quote_number"));
  q.set_customer_id(r.Int("customer_id"));
  q.set_rep_id(r.Int("rep_id"));
  q.set_org_unit_id(r.Int("org_unit_id"));
  rec.created_by_user = r.Str("created_by_user");
  *q.mutable_quote_date() = ParseDbDate(r.Str("quote_date"));
  *q.mutable_valid_until() = ParseDbDate(r.Str("valid_until"));
  q.set_currency_code(cur);
  *q.mutable_lines_total() = MakeMoney(r.Int("lines_total_minor"), cur);
  *q.mutable_special_fees_total() = MakeMoney(r.Int("special_fees_total_minor"), cur);
  *q.mutable_total_amount() = MakeMoney(r.Int("total_minor"), cur);
  q.set_status(EnumParse<v1::QuoteStatus>(r.Str("status")));
  q.set_order_id(r.Int("order_id"));
  q.set_status_reason(r.Str("status_reason"));
  q.set_notes(r.Str("notes"));
  q.set_is_bid(r.Int("is_bid") != 0);
  rec.version = r.Int("version");
  q.set_etag(MakeEtag(rec.version));
  *q.mutable_create_time() = ToTimestamp(ParseDbTime(r.Str("created_at")));
  *q.mutable_update_time() = ToTimestamp(ParseDbTime(r.Str("updated_at")));
  return rec;
}

// A quote line as LoadMany selects it (with its quote_id).
void AddQuoteLine(const db::Row& lr, const std::string& cur, v1::Quote& q) {
  auto* l = q.add_lines();
  l->set_id(lr.Int("id"));
  l->set_line_no(static_cast<int32_t>(lr.Int("line_no")));
  l->set_product_id(lr.Int("product_id"));
  l->set_sku(lr.Str("sku"));
  l->set_product_line_id(lr.Int("product_line_id"));
  l->set_quantity(lr.Int("quantity"));
  *l->mutable_list_price() = MakeMoney(lr.Int("list_price_minor"), cur);
  l->set_price_list_id(lr.Int("price_list_id"));
  l->set_discount_bp(static_cast<int32_t>(lr.Int("discount_bp")));
  *l->mutable_unit_price() = MakeMoney(lr.Int("unit_price_minor"), cur);
  *l->mutable_net_amount() = MakeMoney(lr.Int("net_amount_minor"), cur);
  l->set_required_approval(EnumParse<v1::ApprovalLevel>(lr.Str("required_approval")));
}

}  // namespace

absl::StatusOr<QuoteRecord> QuoteStore::Load(db::Transaction& tx, int64_t quote_id, bool for_update) {
  SALES_ASSIGN_OR_RETURN(auto quotes, LoadMany(tx, {quote_id}, for_update));
  if (quotes.empty()) return NotFound("quote", quote_id);
  return std::move(quotes[0]);
}

absl::StatusOr<std::vector<QuoteRecord>> QuoteStore::LoadMany(db::Transaction& tx, const std::vector<int64_t>& ids,
                                                              bool for_update) {
  std::vector<QuoteRecord> out;
  if (ids.empty()) return out;
  // Four statements for the whole page: headers, lines, fees, approvals.
  db::Params params;
  const std::string in = db::AppendInList(ids, params);
  SALES_ASSIGN_OR_RETURN(
      auto rows, tx.Query(absl::StrCat(kQuoteColumns, in, ")", for_update ? " ORDER BY id FOR UPDATE" : ""), params));
  std::map<int64_t, QuoteRecord> by_id;
  for (const auto& r : rows) {
    QuoteRecord rec = QuoteHeaderOf(r);
    by_id.emplace(rec.quote.id(), std::move(rec));
  }
  SALES_ASSIGN_OR_RETURN(
      auto lines, tx.Query(absl::StrCat("SELECT quote_id, id, line_no, product_id, sku, product_line_id, quantity, "
                                        "list_price_minor, price_list_id, discount_bp, unit_price_minor, "
                                        "net_amount_minor, required_approval FROM quote_lines WHERE quote_id IN (",
                                        in, ") ORDER BY quote_id, line_no"),
                           params));
  for (const auto& lr : lines) {
    auto it = by_id.find(lr.Int("quote_id"));
    if (it != by_id.end()) AddQuoteLine(lr, it->second.quote.currency_code(), it->second.quote);
  }
  SALES_ASSIGN_OR_RETURN(auto fees, tx.Query(absl::StrCat("SELECT subject_id, id, description, amount_minor, approved "
                                                          "FROM special_fees WHERE subject_type = 'QUOTE' AND "
                                                          "subject_id IN (",
                                                          in, ") ORDER BY subject_id, id"),
                                             params));
  for (const auto& fr : fees) {
    auto it = by_id.find(fr.Int("subject_id"));
    if (it == by_id.end()) continue;
    auto* f = it->second.quote.add_special_fees();
    f->set_id(fr.Int("id"));
    f->set_description(fr.Str("description"));
    *f->mutable_amount() = MakeMoney(fr.Int("amount_minor"), it->second.quote.currency_code());
    f->set_approved(fr.Int("approved") != 0);
  }
  SALES_ASSIGN_OR_RETURN(auto steps, ApprovalStore::ForSubjects(tx, v1::SUBJECT_TYPE_QUOTE, ids));
  for (auto& s : steps) {
    auto it = by_id.find(s.subject_id);
    if (it != by_id.end()) *it->second.quote.add_approvals() = std::move(s.step);
  }
  out.reserve(ids.size());
  for (int64_t id : ids) {
    auto it = by_id.find(id);
    if (it != by_id.end()) out.push_back(std::move(it->second));
  }
  return out;
}

absl::StatusOr<int64_t> QuoteStore::Insert(db::Transaction& tx, const v1::Quote& q, const std::string& created_by_user,
                                           absl::Time now) {
  const int year = static_cast<int>(q.quote_date().year());
  SALES_ASSIGN_OR_RETURN(int64_t n, OrderStore::NextNumber(tx, "QT", year));
  SALES_RETURN_IF_ERROR(
      tx.Exec("INSERT INTO quotes (quote_number, customer_id, rep_id, org_unit_id, created_by_user, quote_date, "
              "valid_until, currency, lines_total_minor, special_fees_total_minor, total_minor, status, notes, is_bid, "
              "version, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,'DRAFT',?,?,1,?,?)",
              {absl::StrFormat("QT-%04d-%06d", year, n), q.customer_id(), q.rep_id(), q.org_unit_id(), created_by_user,
               FormatDbDate(q.quote_date()), FormatDbDate(q.valid_until()), q.currency_code(),
               q.lines_total().minor_units(), q.special_fees_total().minor_units(), q.total_amount().minor_units(),
               q.notes(), static_cast<int64_t>(q.is_bid() ? 1 : 0), FormatDbTime(now), FormatDbTime(now)})
          .status());
  SALES_ASSIGN_OR_RETURN(int64_t id, tx.LastInsertId());
  SALES_RETURN_IF_ERROR(InsertLinesAndFees(tx, q, id));
  return id;
}

absl::Status QuoteStore::ReplaceContent(db::Transaction& tx, const v1::Quote& q, absl::Time now) {
  SALES_RETURN_IF_ERROR(
      tx.Exec("UPDATE quotes SET quote_date = ?, valid_until = ?, lines_total_minor = ?, special_fees_total_minor = ?, "
              "total_minor = ?, notes = ?, is_bid = ?, status = 'DRAFT', status_reason = '', version = version + 1, "
              "updated_at = ? WHERE id = ?",
              {FormatDbDate(q.quote_date()), FormatDbDate(q.valid_until()), q.lines_total().minor_units(),
               q.special_fees_total().minor_units(), q.total_amount().minor_units(), q.notes(),
               static_cast<int64_t>(q.is_bid() ? 1 : 0), FormatDbTime(now), q.id()})
          .status());
  SALES_RETURN_IF_ERROR(tx.Exec("DELETE FROM quote_lines WHERE quote_id = ?", {q.id()}).status());
  SALES_RETURN_IF_ERROR(
      tx.Exec("DELETE FROM special_fees WHERE subject_type = 'QUOTE' AND subject_id = ?", {q.id()}).status());
  return InsertLinesAndFees(tx, q, q.id());
}

absl::Status QuoteStore::SetStatus(db::Transaction& tx, int64_t quote_id, v1::QuoteStatus status,
                                   absl::string_view reason, int64_t order_id, absl::Time now) {
  return tx
      .Exec(
          "UPDATE quotes SET status = ?, status_reason = ?, order_id = IF(? > 0, ?, order_id), "
          "version = version + 1, updated_at = ? WHERE id = ?",
          {EnumShort(status), std::string(reason).substr(0, 1000), order_id, order_id, FormatDbTime(now), quote_id})
      .status();
}

absl::Status QuoteStore::ApproveFees(db::Transaction& tx, int64_t quote_id) {
  return tx.Exec("UPDATE special_fees SET approved = 1 WHERE subject_type = 'QUOTE' AND subject_id = ?", {quote_id})
      .status();
}

absl::StatusOr<std::vector<int64_t>> QuoteStore::ListIds(db::Transaction& tx, const ListFilter& f, int limit) {
  std::string sql = "SELECT id FROM quotes WHERE 1=1";
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
    sql += " AND rep_id = ?";
    p.push_back(f.rep_id);
  }
  if (f.only_rep_scope > 0) {
    sql += " AND rep_id = ?";
    p.push_back(f.only_rep_scope);
  }
  if (f.restrict_units) {
    if (f.org_units.empty()) return std::vector<int64_t>{};
    auto in = db::InList(f.org_units);
    sql += absl::StrCat(" AND org_unit_id IN (", in.marks, ")");
    in.AppendTo(p);
  }
  if (!f.status.empty()) {
    sql += " AND status = ?";
    p.push_back(f.status);
  }
  if (!f.from_date.empty()) {
    sql += " AND quote_date >= ?";
    p.push_back(f.from_date);
  }
  if (!f.to_date.empty()) {
    sql += " AND quote_date <= ?";
    p.push_back(f.to_date);
  }
  sql += " ORDER BY id DESC LIMIT ?";
  p.push_back(static_cast<int64_t>(limit));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  std::vector<int64_t> out;
  for (const auto& r : rows) out.push_back(r.Int("id"));
  return out;
}

absl::StatusOr<std::vector<int64_t>> QuoteStore::ExpiredCandidates(db::Transaction& tx, const std::string& as_of) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query("SELECT id FROM quotes WHERE status IN ('DRAFT','PENDING_APPROVAL','APPROVED',"
                                  "'REJECTED') AND valid_until < ? ORDER BY id FOR UPDATE",
                                  {as_of}));
  std::vector<int64_t> out;
  for (const auto& r : rows) out.push_back(r.Int("id"));
  return out;
}

}  // namespace sales::orders
