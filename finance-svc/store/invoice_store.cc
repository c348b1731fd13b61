#include "finance-svc/store/invoice_store.h"

#include <algorithm>
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "finance-svc/domain/errors.h"
#include "finance-svc/store/account_store.h"
#include "finance-svc/store/billing_store.h"
#include "finance-svc/store/ledger_store.h"
#include "finance-svc/store/settlement_hooks.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/money.h"
#include "platform/status.h"

namespace sales::finance {
namespace {

constexpr int kIssued = v1::INVOICE_STATE_ISSUED, kPartiallyPaid = v1::INVOICE_STATE_PARTIALLY_PAID,
              kPaid = v1::INVOICE_STATE_PAID, kCancelled = v1::INVOICE_STATE_CANCELLED;

constexpr char kRowColumns[] =
    "id, COALESCE(number, '') AS number, customer_id, rep_id, org_unit_id, state, currency, gross_total_minor, "
    "paid_minor, credited_minor, balance_minor, invoice_date, due_on, version, requested_by";

InvoiceRow ReadRow(const db::Row& r) {
  InvoiceRow i;
  i.id = r.Int("id");
  i.number = r.Str("number");
  i.customer_id = r.Int("customer_id");
  i.rep_id = r.Int("rep_id");
  i.org_unit_id = r.Int("org_unit_id");
  i.state = EnumParse<v1::InvoiceState>(r.Str("state"));
  i.currency = r.Str("currency");
  i.gross = r.Int("gross_total_minor");
  i.paid = r.Int("paid_minor");
  i.credited = r.Int("credited_minor");
  i.balance = r.Int("balance_minor");
  if (!r.IsNull("invoice_date")) i.invoice_date = ParseDay(r.Str("invoice_date"));
  if (!r.IsNull("due_on")) i.due_on = ParseDay(r.Str("due_on"));
  i.version = r.Int("version");
  i.requested_by_rep = r.Int("requested_by");
  return i;
}

constexpr char kInvoiceColumns[] =
    "id, COALESCE(number, '') AS number, number_year, number_sequence, customer_id, rep_id, org_unit_id, state, "
    "currency, net_total_minor, tax_total_minor, gross_total_minor, paid_minor, credited_minor, balance_minor, "
    "invoice_date, payment_terms_days, due_on, receipt_signed_on, receipt_signed_by, note, state_reason, "
    "cancelling_credit_memo_id, version, created_at, updated_at, issued_at";

// The invoice header of one row; its lines come from ReadInvoices.
v1::Invoice ReadInvoice(const db::Row& r) {
  v1::Invoice inv;
  inv.set_id(r.Int("id"));
  inv.set_number(r.Str("number"));
  inv.set_number_year(static_cast<int32_t>(r.Int("number_year")));
  inv.set_number_sequence(r.Int("number_sequence"));
  inv.set_customer_id(r.Int("customer_id"));
  inv.set_rep_id(r.Int("rep_id"));
  inv.set_org_unit_id(r.Int("org_unit_id"));
  inv.set_state(EnumParse<v1::InvoiceState>(r.Str("state")));
  const std::string cur = r.Str("currency");
  *inv.mutable_net_total() = MakeMoney(r.Int("net_total_minor"), cur);
  *inv.mutable_tax_total() = MakeMoney(r.Int("tax_total_minor"), cur);
  *inv.mutable_gross_total() = MakeMoney(r.Int("gross_total_minor"), cur);
  *inv.mutable_paid_amount() = MakeMoney(r.Int("paid_minor"), cur);
  *inv.mutable_credited_amount() = MakeMoney(r.Int("credited_minor"), cur);
  *inv.mutable_balance() = MakeMoney(r.Int("balance_minor"), cur);
  if (!r.IsNull("invoice_date")) *inv.mutable_invoice_date() = ParseDbDate(r.Str("invoice_date"));
  inv.set_payment_terms_days(static_cast<int32_t>(r.Int("payment_terms_days")));
  if (!r.IsNull("due_on")) *inv.mutable_due_on() = ParseDbDate(r.Str("due_on"));
  if (!r.IsNull("receipt_signed_on")) *inv.mutable_receipt_signed_on() = ParseDbDate(r.Str("receipt_signed_on"));
  inv.set_receipt_signed_by(r.Str("receipt_signed_by"));
  inv.set_note(r.Str("note"));
  inv.set_state_reason(r.Str("state_reason"));
  inv.set_cancelling_credit_memo_id(r.Int("cancelling_credit_memo_id"));
  inv.set_etag(MakeEtag(r.Int("version")));
  *inv.mutable_create_time() = ToTimestamp(ParseDbTime(r.Str("created_at")));
  *inv.mutable_update_time() = ToTimestamp(ParseDbTime(r.Str("updated_at")));
  if (!r.IsNull("issued_at")) *inv.mutable_issue_time() = ToTimestamp(ParseDbTime(r.Str("issued_at")));
  return inv;
}

// An invoice line as ReadInvoices selects it.
void AddLine(const db::Row& l, const std::string& cur, v1::Invoice& inv) {
  auto* out = inv.add_lines();
  out->set_id(l.Int("id"));
  out->set_billable_line_id(l.Int("billable_line_id"));
  out->set_quantity(l.Int("quantity"));
  out->set_order_id(l.Int("order_id"));
  out->set_shipment_id(l.Int("shipment_id"));
  out->set_product_id(l.Int("product_id"));
  out->set_sku(l.Str("sku"));
  out->set_product_line_id(l.Int("product_line_id"));
  out->set_commissionable(l.Int("commissionable") != 0);
  out->set_description(l.Str("description"));
  out->set_unit(l.Str("unit"));
  *out->mutable_unit_price() = MakeMoney(l.Int("unit_price_minor"), cur);
  *out->mutable_net_amount() = MakeMoney(l.Int("net_minor"), cur);
  out->set_tax_rate_bp(static_cast<int32_t>(l.Int("tax_rate_bp")));
  *out->mutable_tax_amount() = MakeMoney(l.Int("tax_minor"), cur);
  *out->mutable_gross_amount() = MakeMoney(l.Int("gross_minor"), cur);
  *out->mutable_credited_amount() = MakeMoney(l.Int("credited_minor"), cur);
}

// The invoices of `rows`, in their order, with their lines: one statement
// loads the lines of every invoice, however many rows a page holds.
absl::StatusOr<std::vector<v1::Invoice>> ReadInvoices(db::Transaction& tx, const std::vector<db::Row>& rows) {
  auto page = ReadPageOfDocuments<v1::Invoice>(rows, ReadInvoice);
  if (page.records.empty()) return std::move(page.records);
  db::Params p;
  std::string in = db::AppendInList(page.ids, p);
  SALES_ASSIGN_OR_RETURN(
      auto lines, tx.Query(absl::StrCat("SELECT invoice_id, id, billable_line_id, quantity, order_id, shipment_id, "
                                        "product_id, sku, product_line_id, commissionable, description, unit, "
                                        "unit_price_minor, net_minor, tax_rate_bp, tax_minor, gross_minor, "
                                        "credited_minor FROM invoice_lines WHERE invoice_id IN (",
                                        in, ") ORDER BY invoice_id, id"),
                           p));
  for (const auto& l : lines) {
    auto it = page.index_of.find(l.Int("invoice_id"));
    if (it != page.index_of.end()) AddLine(l, page.currencies[it->second], page.records[it->second]);
  }
  return std::move(page.records);
}

}  // namespace

const char* InvoiceStateName(int s) {
  switch (s) {
    case 1:
      return "REQUESTED";
    case 2:
      return "REVIEWED";
    case 3:
      return "REJECTED";
    case 4:
      return "WITHDRAWN";
    case 5:
      return "ISSUED";
    case 6:
      return "PARTIALLY_PAID";
    case 7:
      return "PAID";
    case 8:
      return "CANCELLED";
  }
  return "UNSPECIFIED";
}

absl::StatusOr<InvoiceRow> InvoiceStore::Lock(db::Transaction& tx, int64_t id) {
  SALES_ASSIGN_OR_RETURN(
      auto rows, tx.Query(absl::StrCat("SELECT ", kRowColumns, " FROM invoices WHERE id = ? FOR UPDATE"), {id}));
  if (rows.empty()) return NotFound("invoice", id);
  return ReadRow(rows[0]);
}

absl::StatusOr<std::vector<InvoiceRow>> InvoiceStore::LockMany(db::Transaction& tx, std::vector<int64_t> ids) {
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  std::vector<InvoiceRow> out;
  if (ids.empty()) return out;
  db::InListSql in = db::InList(ids);
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(absl::StrCat("SELECT ", kRowColumns, " FROM invoices WHERE id IN (",
                                                          in.marks, ") ORDER BY id FOR UPDATE"),
                                             in.params));
  for (const auto& r : rows) out.push_back(ReadRow(r));
  return out;
}

absl::StatusOr<v1::Invoice> InvoiceStore::Get(db::Transaction& tx, int64_t id) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query(absl::StrCat("SELECT ", kInvoiceColumns, " FROM invoices WHERE id = ?"), {id}));
  if (rows.empty()) return NotFound("invoice", id);
  SALES_ASSIGN_OR_RETURN(auto invoices, ReadInvoices(tx, rows));
  return std::move(invoices[0]);
}

absl::StatusOr<v1::Invoice> InvoiceStore::GetByNumber(db::Transaction& tx, const std::string& number) {
  SALES_ASSIGN_OR_RETURN(
      auto rows, tx.Query(absl::StrCat("SELECT ", kInvoiceColumns, " FROM invoices WHERE number = ?"), {number}));
  if (rows.empty()) {
    return WithErrorInfo(absl::NotFoundError(absl::StrCat("invoice ", number, " not found")), "NOT_FOUND",
                         kFinanceDomain, {{"number", number}});
  }
  SALES_ASSIGN_OR_RETURN(auto invoices, ReadInvoices(tx, rows));
  return std::move(invoices[0]);
}

absl::StatusOr<std::vector<v1::Invoice>> InvoiceStore::List(db::Transaction& tx, const v1::ListInvoicesRequest& req,
                                                            const DocumentScope& scope, int64_t after_id, int limit) {
  std::string sql = absl::StrCat("SELECT ", kInvoiceColumns, " FROM invoices WHERE id > ?");
  db::Params p = {after_id};
  if (req.customer_id()) {
    sql += " AND customer_id = ?";
    p.push_back(req.customer_id());
  }
  if (req.rep_id()) {
    sql += " AND rep_id = ?";
    p.push_back(req.rep_id());
  }
  if (req.org_unit_id()) {
    sql += " AND org_unit_id = ?";
    p.push_back(req.org_unit_id());
  }
  if (req.states_size() > 0) {
    sql += absl::StrCat(" AND state IN (", db::AppendInList(EnumShortNames<v1::InvoiceState>(req.states()), p), ")");
  }
  auto range = [&](const common::v1::DateRange& r, const char* col) {
    if (r.has_start()) {
      absl::StrAppend(&sql, " AND ", col, " >= ?");
      p.push_back(FormatDbDate(r.start()));
    }
    if (r.has_end()) {
      absl::StrAppend(&sql, " AND ", col, " <= ?");
      p.push_back(FormatDbDate(r.end()));
    }
  };
  if (req.has_invoice_dates()) range(req.invoice_dates(), "invoice_date");
  if (req.has_due_dates()) range(req.due_dates(), "due_on");
  if (req.has_overdue_as_of()) {
    sql += " AND balance_minor > 0 AND due_on < ?";
    p.push_back(FormatDbDate(req.overdue_as_of()));
  }
  if (req.order_id()) {
    sql += " AND id IN (SELECT invoice_id FROM invoice_lines WHERE order_id = ?)";
    p.push_back(req.order_id());
  }
  if (req.receipt_unsigned_only()) {
    sql += " AND state IN ('ISSUED', 'PARTIALLY_PAID', 'PAID') AND receipt_signed_on IS NULL";
  }
  sql += ScopeSql(scope, "rep_id", "org_unit_id", &p);
  absl::StrAppend(&sql, " ORDER BY id LIMIT ?");
  p.push_back(static_cast<int64_t>(limit + 1));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  return ReadInvoices(tx, rows);
}

absl::StatusOr<int64_t> InvoiceStore::WriteRequest(db::Transaction& tx, int64_t existing_id, int64_t customer_id,
                                                   const std::vector<RequestedLine>& lines, const std::string& note,
                                                   const std::string& field, int64_t requested_by, absl::Time now) {
  if (existing_id != 0) {
    SALES_RETURN_IF_ERROR(ReleaseLines(tx, existing_id, now));
    SALES_RETURN_IF_ERROR(tx.Exec("DELETE FROM invoice_lines WHERE invoice_id = ?", {existing_id}).status());
  }
  std::vector<int64_t> ids;
  for (const auto& l : lines) ids.push_back(l.billable_line_id);
  SALES_ASSIGN_OR_RETURN(auto locked, BillingStore::LockLines(tx, ids));
  std::map<int64_t, BillableRow> by_id;
  for (auto& b : locked) by_id[b.id] = b;

  std::vector<FieldViolation> v;
  std::set<int64_t> seen;
  const BillableRow* first = nullptr;
  std::vector<int64_t> quantities(lines.size(), 0);
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string f = absl::StrCat(field, "[", i, "]");
    auto it = by_id.find(lines[i].billable_line_id);
    if (it == by_id.end()) return NotFound("billable line", lines[i].billable_line_id);
    const BillableRow& b = it->second;
    if (!seen.insert(b.id).second) {
      v.push_back({absl::StrCat(f, ".billable_line_id"), "the same line appears twice"});
      continue;
    }
    if (b.customer_id != customer_id) {
      v.push_back({absl::StrCat(f, ".billable_line_id"),
                   absl::StrCat("line ", b.id, " was shipped to customer ", b.customer_id, ", not ", customer_id)});
      continue;
    }
    if (first == nullptr) first = &b;
    if (b.currency != first->currency) {
      v.push_back({absl::StrCat(f, ".billable_line_id"),
                   absl::StrCat("line is in ", b.currency, ", the invoice in ", first->currency)});
    }
    if (b.rep_id != first->rep_id) {
      v.push_back({absl::StrCat(f, ".billable_line_id"),
                   absl::StrCat("line is credited to rep ", b.rep_id, ", the invoice to rep ", first->rep_id,
                                "; request one invoice per credited rep")});
    }
    if (b.Available() <= 0) {
      return WithErrorInfo(
          absl::FailedPreconditionError(absl::StrCat("billable line ", b.id, " is already fully invoiced or returned")),
          "LINE_FULLY_INVOICED", kFinanceDomain, {{"billable_line_id", absl::StrCat(b.id)}});
    }
    int64_t q = lines[i].quantity == 0 ? b.Available() : lines[i].quantity;
    if (lines[i].quantity < 0) {
      v.push_back({absl::StrCat(f, ".quantity"), "must be positive (0 = all unbilled)"});
    } else if (q > b.Available()) {
      v.push_back({absl::StrCat(f, ".quantity"),
                   absl::StrCat("exceeds the unbilled quantity ", b.Available(), " of line ", b.id)});
    }
    if (lines[i].tax_rate_bp < 0 || lines[i].tax_rate_bp > 10000) {
      v.push_back({absl::StrCat(f, ".tax_rate_bp"), "must be within 0..10000"});
    }
    if (lines[i].description.size() > 200) v.push_back({absl::StrCat(f, ".description"), "at most 200 characters"});
    quantities[i] = q;
  }
  if (!v.empty()) return InvalidFields(std::move(v));

  absl::CivilDay today = BusinessDay(now);
  int64_t id = existing_id;
  if (id == 0) {
    SALES_RETURN_IF_ERROR(tx.Exec("INSERT INTO invoices (customer_id, rep_id, org_unit_id, state, currency, note, "
                                  "requested_by, created_at, updated_at) VALUES (?, ?, ?, 'REQUESTED', ?, ?, ?, ?, ?)",
                                  {customer_id, first->rep_id, first->org_unit_id, first->currency, note, requested_by,
                                   FormatDbTime(now), FormatDbTime(now)})
                              .status());
    SALES_ASSIGN_OR_RETURN(id, tx.LastInsertId());
  }
  int64_t net_total = 0, tax_total = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const BillableRow& b = by_id[lines[i].billable_line_id];
    SALES_ASSIGN_OR_RETURN(int64_t net, LineNet(quantities[i], b.unit_price_minor));
    int32_t rate = lines[i].tax_rate_bp;
    if (rate == 0) {
      SALES_ASSIGN_OR_RETURN(rate, TaxStore::RateOn(tx, b.product_line_id, today));  // preview until issue
    }
    int64_t tax = TaxHalfUp(net, rate);
    net_total += net;
    tax_total += tax;
    SALES_RETURN_IF_ERROR(
        tx.Exec("INSERT INTO invoice_lines (invoice_id, billable_line_id, order_id, shipment_id, product_id, sku, "
                "product_line_id, commissionable, description, unit, quantity, unit_price_minor, net_minor, "
                "tax_rate_bp, tax_rate_fixed, tax_minor, gross_minor) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                {id, b.id, b.order_id, b.shipment_id, b.product_id, b.sku, b.product_line_id,
                 int64_t{b.commissionable ? 1 : 0}, lines[i].description.empty() ? b.sku : lines[i].description, b.unit,
                 quantities[i], b.unit_price_minor, net, int64_t{rate}, int64_t{lines[i].tax_rate_bp != 0 ? 1 : 0}, tax,
                 net + tax})
            .status());
    SALES_RETURN_IF_ERROR(BillingStore::AdjustQuantities(tx, b, quantities[i], 0, now));
  }
  SALES_RETURN_IF_ERROR(tx.Exec("UPDATE invoices SET net_total_minor = ?, tax_total_minor = ?, gross_total_minor = ?, "
                                "note = ?, version = version + ?, updated_at = ? WHERE id = ?",
                                {net_total, tax_total, net_total + tax_total, note, int64_t{existing_id != 0 ? 1 : 0},
                                 FormatDbTime(now), id})
                            .status());
  return id;
}

absl::Status InvoiceStore::SetNote(db::Transaction& tx, int64_t invoice_id, const std::string& note, absl::Time now) {
  constexpr char kSetNote[] = "UPDATE invoices SET note = ?, version = version + 1, updated_at = ? WHERE id = ?";
  return tx.Exec(kSetNote, {note, FormatDbTime(now), invoice_id}).status();
}

absl::Status InvoiceStore::ReleaseLines(db::Transaction& tx, int64_t invoice_id, absl::Time now) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT billable_line_id, quantity FROM invoice_lines "
                                             "WHERE invoice_id = ? ORDER BY billable_line_id",
                                             {invoice_id}));
  std::vector<int64_t> ids;
  for (const auto& r : rows) ids.push_back(r.Int("billable_line_id"));
  SALES_ASSIGN_OR_RETURN(auto locked, BillingStore::LockLines(tx, ids));
  std::map<int64_t, BillableRow> by_id;
  for (auto& b : locked) by_id[b.id] = b;
  for (const auto& r : rows) {
    SALES_RETURN_IF_ERROR(
        BillingStore::AdjustQuantities(tx, by_id[r.Int("billable_line_id")], -r.Int("quantity"), 0, now));
  }
  return absl::OkStatus();
}

absl::Status InvoiceStore::SetState(db::Transaction& tx, int64_t id, int state, const std::string& reason,
                                    const char* actor_column, int64_t actor, absl::Time now) {
  std::string sql = "UPDATE invoices SET state = ?, state_reason = ?, version = version + 1, updated_at = ?";
  db::Params p = {EnumShort(static_cast<v1::InvoiceState>(state)), reason.substr(0, 500), FormatDbTime(now)};
  if (actor_column != nullptr) {
    absl::StrAppend(&sql, ", ", actor_column, " = ?");
    p.push_back(actor);
  }
  sql += " WHERE id = ?";
  p.push_back(id);
  return tx.Exec(sql, p).status();
}

absl::StatusOr<std::string> InvoiceStore::Issue(db::Transaction& tx, const InvoiceRow& inv, absl::CivilDay invoice_date,
                                                int32_t terms, int64_t issued_by, absl::Time now) {
  SALES_ASSIGN_OR_RETURN(auto lines, tx.Query("SELECT id, billable_line_id, quantity, net_minor, tax_rate_bp, "
                                              "tax_rate_fixed, product_line_id FROM invoice_lines "
                                              "WHERE invoice_id = ? ORDER BY id",
                                              {inv.id}));
  std::vector<int64_t> ids;
  for (const auto& l : lines) ids.push_back(l.Int("billable_line_id"));
  SALES_ASSIGN_OR_RETURN(auto locked, BillingStore::LockLines(tx, ids));
  std::map<int64_t, BillableRow> by_id;
  for (auto& b : locked) by_id[b.id] = b;
  // An invoice never bills more than was shipped: invoiced plus this
  // invoice must stay within what was shipped and not returned.
  for (const auto& l : lines) {
    const BillableRow& b = by_id[l.Int("billable_line_id")];
    if (b.invoiced + l.Int("quantity") > b.shipped - b.returned) {
      return WithErrorInfo(absl::FailedPreconditionError(
                               absl::StrCat("line ", b.id, " would bill ", b.invoiced + l.Int("quantity"), " but only ",
                                            b.shipped - b.returned, " were shipped and kept; update the request")),
                           "LINE_OVER_SHIPPED", kFinanceDomain, {{"billable_line_id", absl::StrCat(b.id)}});
    }
  }
  const int year = static_cast<int>(invoice_date.year());
  SALES_ASSIGN_OR_RETURN(int64_t seq, NumberingStore::Next(tx, "INV", year));
  std::string number = DocumentNumber("INV", year, seq);
  int64_t net_total = 0, tax_total = 0;
  for (const auto& l : lines) {
    int32_t rate = static_cast<int32_t>(l.Int("tax_rate_bp"));
    if (l.Int("tax_rate_fixed") == 0) {
      SALES_ASSIGN_OR_RETURN(rate, TaxStore::RateOn(tx, l.Int("product_line_id"), invoice_date));
    }
    int64_t net = l.Int("net_minor");
    int64_t tax = TaxHalfUp(net, rate);
    net_total += net;
    tax_total += tax;
    SALES_RETURN_IF_ERROR(tx.Exec("UPDATE invoice_lines SET tax_rate_bp = ?, tax_minor = ?, gross_minor = ? "
                                  "WHERE id = ?",
                                  {int64_t{rate}, tax, net + tax, l.Int("id")})
                              .status());
    SALES_RETURN_IF_ERROR(
        BillingStore::AdjustQuantities(tx, by_id[l.Int("billable_line_id")], 0, l.Int("quantity"), now));
  }
  int64_t gross = net_total + tax_total;
  absl::CivilDay due = invoice_date + terms;
  SALES_RETURN_IF_ERROR(
      tx.Exec("UPDATE invoices SET number = ?, number_year = ?, number_sequence = ?, state = 'ISSUED', "
              "net_total_minor = ?, tax_total_minor = ?, gross_total_minor = ?, balance_minor = ?, invoice_date = ?, "
              "payment_terms_days = ?, due_on = ?, issued_by = ?, issued_at = ?, version = version + 1, "
              "updated_at = ? WHERE id = ?",
              {number, int64_t{year}, seq, net_total, tax_total, gross, gross, DbDay(invoice_date), int64_t{terms},
               DbDay(due), issued_by, FormatDbTime(now), FormatDbTime(now), inv.id})
          .status());
  AccountDelta d;
  d.invoiced = gross;
  d.open_receivable = gross;
  d.open_documents = gross > 0 ? 1 : 0;
  SALES_RETURN_IF_ERROR(AccountStore::Post(tx, inv.customer_id, inv.rep_id, inv.org_unit_id, d, now));
  SALES_RETURN_IF_ERROR(LedgerStore::Post(tx, inv.customer_id, invoice_date, LedgerKind::kInvoice, inv.id, number,
                                          gross, 0, absl::StrCat("invoice ", number), now));
  return number;
}

absl::Status InvoiceStore::Settle(db::Transaction& tx, InvoiceRow& inv, int64_t paid_delta, int64_t credited_delta,
                                  absl::Time now) {
  int64_t old_balance = inv.balance;
  int64_t paid = inv.paid + paid_delta, credited = inv.credited + credited_delta;
  int64_t balance = inv.gross - paid - credited;
  if (balance < 0 || paid < 0 || credited < 0) {
    return WithErrorInfo(absl::InvalidArgumentError(absl::StrCat("invoice ", inv.number, " has a balance of ",
                                                                 old_balance, "; cannot settle more")),
                         "EXCEEDS_DOCUMENT_BALANCE", kFinanceDomain);
  }
  int state = inv.state;
  if (state != kCancelled) state = balance == 0 ? kPaid : (paid + credited > 0 ? kPartiallyPaid : kIssued);
  SALES_RETURN_IF_ERROR(
      tx.Exec("UPDATE invoices SET paid_minor = ?, credited_minor = ?, balance_minor = ?, state = ?, "
              "version = version + 1, updated_at = ? WHERE id = ?",
              {paid, credited, balance, EnumShort(static_cast<v1::InvoiceState>(state)), FormatDbTime(now), inv.id})
          .status());
  AccountDelta d;
  d.open_receivable = balance - old_balance;
  d.open_documents = (balance > 0 ? 1 : 0) - (old_balance > 0 ? 1 : 0);
  SALES_RETURN_IF_ERROR(AccountStore::Post(tx, inv.customer_id, 0, 0, d, now));
  inv.paid = paid;
  inv.credited = credited;
  inv.balance = balance;
  inv.state = state;
  inv.version += 1;
  if (balance == 0 && old_balance > 0) SALES_RETURN_IF_ERROR(OnInvoiceSettled(tx, inv.id, now));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<LineWeight>> InvoiceStore::Weights(db::Transaction& tx, int64_t invoice_id) {
  SALES_ASSIGN_OR_RETURN(auto rows,
                         tx.Query("SELECT product_line_id, SUM(gross_minor) AS gross_minor, "
                                  "SUM(IF(commissionable = 1, gross_minor, 0)) AS commissionable_gross_minor "
                                  "FROM invoice_lines "
                                  "WHERE invoice_id = ? GROUP BY product_line_id ORDER BY product_line_id",
                                  {invoice_id}));
  std::vector<LineWeight> out;
  for (const auto& r : rows) {
    out.push_back({r.Int("product_line_id"), r.Int("gross_minor"), r.Int("commissionable_gross_minor")});
  }
  return out;
}

absl::StatusOr<std::vector<int64_t>> InvoiceStore::OrderIds(db::Transaction& tx, int64_t invoice_id) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT DISTINCT order_id FROM invoice_lines WHERE invoice_id = ? "
                                             "ORDER BY order_id",
                                             {invoice_id}));
  std::vector<int64_t> out;
  for (const auto& r : rows) out.push_back(r.Int("order_id"));
  return out;
}

absl::Status InvoiceStore::RecordReceipt(db::Transaction& tx, int64_t id, const common::v1::Date& signed_on,
                                         const std::string& signed_by, absl::Time now) {
  return tx
      .Exec(
          "UPDATE invoices SET receipt_signed_on = ?, receipt_signed_by = ?, version = version + 1, "
          "updated_at = ? WHERE id = ?",
          {FormatDbDate(signed_on), signed_by, FormatDbTime(now), id})
      .status();
}

absl::StatusOr<std::vector<UncreditedLine>> InvoiceStore::UncreditedQuantities(db::Transaction& tx,
                                                                               int64_t invoice_id) {
  SALES_ASSIGN_OR_RETURN(
      auto rows,
      tx.Query("SELECT il.billable_line_id, il.quantity - COALESCE((SELECT "
               "SUM(ml.quantity) FROM memo_lines ml JOIN credit_memos cm ON "
               "cm.id = ml.memo_id AND ml.memo_kind = 'CM' WHERE "
               "ml.invoice_line_id = il.id AND cm.source = 'RETURN' AND cm.state IN "
               "('ISSUED', 'SETTLED')), 0) AS uncredited_quantity FROM invoice_lines il WHERE il.invoice_id = ? "
               "ORDER BY il.billable_line_id",
               {invoice_id}));
  std::vector<UncreditedLine> out;
  for (const auto& r : rows) out.push_back({r.Int("billable_line_id"), r.Int("uncredited_quantity")});
  return out;
}

absl::Status InvoiceStore::MarkCancelled(db::Transaction& tx, int64_t id, const std::string& reason,
                                         int64_t credit_memo_id, absl::Time now) {
  return tx
      .Exec(
          "UPDATE invoices SET state = 'CANCELLED', state_reason = ?, cancelling_credit_memo_id = ?, "
          "version = version + 1, updated_at = ? WHERE id = ?",
          {reason, credit_memo_id, FormatDbTime(now), id})
      .status();
}

absl::StatusOr<int32_t> TaxStore::RateOn(db::Transaction& tx, int64_t product_line_id, absl::CivilDay day) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT rate_bp FROM tax_rates WHERE product_line_id IN (0, ?) AND "
                                             "effective_from <= ? ORDER BY product_line_id DESC, effective_from DESC "
                                             "LIMIT 1",
                                             {product_line_id, DbDay(day)}));
  if (rows.empty()) return kDefaultVatBp;
  return static_cast<int32_t>(rows[0].Int("rate_bp"));
}

absl::StatusOr<v1::TaxRate> TaxStore::Insert(db::Transaction& tx, const v1::TaxRate& rate, int64_t by, absl::Time now) {
  auto st = tx.Exec(
      "INSERT INTO tax_rates (product_line_id, rate_bp, effective_from, reason, created_by, created_at) "
      "VALUES (?, ?, ?, ?, ?, ?)",
      {rate.product_line_id(), int64_t{rate.rate_bp()}, FormatDbDate(rate.effective_from()), rate.reason(), by,
       FormatDbTime(now)});
  if (absl::IsAlreadyExists(st.status())) {
    return WithErrorInfo(absl::AlreadyExistsError("a rate already starts on that date for that product line"),
                         "TAX_RATE_EXISTS", kFinanceDomain);
  }
  SALES_RETURN_IF_ERROR(st.status());
  SALES_ASSIGN_OR_RETURN(int64_t id, tx.LastInsertId());
  v1::TaxRate out = rate;
  out.set_id(id);
  *out.mutable_create_time() = ToTimestamp(now);
  return out;
}

absl::StatusOr<std::vector<v1::TaxRate>> TaxStore::List(db::Transaction& tx, const v1::ListTaxRatesRequest& req,
                                                        int64_t after_id, int limit) {
  std::string sql =
      "SELECT id, product_line_id, rate_bp, effective_from, reason, created_at FROM tax_rates "
      "WHERE id > ?";
  db::Params p = {after_id};
  if (req.only_product_line()) {
    sql += " AND product_line_id = ?";
    p.push_back(req.product_line_id());
  } else if (req.product_line_id()) {
    sql += " AND product_line_id IN (0, ?)";
    p.push_back(req.product_line_id());
  }
  if (req.has_in_force_on()) {
    sql += " AND effective_from <= ?";
    p.push_back(FormatDbDate(req.in_force_on()));
  }
  absl::StrAppend(&sql, " ORDER BY id LIMIT ?");
  p.push_back(static_cast<int64_t>(limit + 1));
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(sql, p));
  std::vector<v1::TaxRate> out;
  for (const auto& r : rows) {
    v1::TaxRate t;
    t.set_id(r.Int("id"));
    t.set_product_line_id(r.Int("product_line_id"));
    t.set_rate_bp(static_cast<int32_t>(r.Int("rate_bp")));
    *t.mutable_effective_from() = ParseDbDate(r.Str("effective_from"));
    t.set_reason(r.Str("reason"));
    *t.mutable_create_time() = ToTimestamp(ParseDbTime(r.Str("created_at")));
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace sales::finance
