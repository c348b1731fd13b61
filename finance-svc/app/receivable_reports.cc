#include "finance-svc/app/receivable_reports.h"

#include <algorithm>
#include <map>
#include <set>
#include <vector>

#include "absl/strings/str_cat.h"
#include "finance-svc/store/account_store.h"
#include "finance-svc/store/ledger_store.h"
#include "platform/convert.h"
#include "platform/money.h"
#include "platform/status.h"

namespace sales::finance {
namespace {

v1::AgeingAmounts ToAmounts(const Ageing& a) {
  v1::AgeingAmounts out;
  *out.mutable_current() = MakeMoney(a.current);
  *out.mutable_days_1_30() = MakeMoney(a.d1_30);
  *out.mutable_days_31_60() = MakeMoney(a.d31_60);
  *out.mutable_days_61_90() = MakeMoney(a.d61_90);
  *out.mutable_days_91_180() = MakeMoney(a.d91_180);
  *out.mutable_days_over_180() = MakeMoney(a.over_180);
  *out.mutable_total() = MakeMoney(a.Total());
  return out;
}

}  // namespace

AsOf ReportDate(const common::v1::Date& d, bool has, absl::Time now) {
  AsOf a;
  absl::CivilDay today = BusinessDay(now);
  a.day = has ? ToCivilDay(d) : today;
  a.now = a.day >= today;
  return a;
}

Ageing AgeingOf(const AgeingGroup& g) {
  Ageing a;
  for (int b = 0; b < 6; ++b) a.Add(static_cast<Bucket>(b + 1), g.buckets[b]);
  return a;
}

absl::StatusOr<std::vector<v1::CustomerBalance>> ReceivableReports::Balances(
    db::Transaction& tx, const std::vector<int64_t>& customer_ids, const AsOf& as_of,
    const std::map<int64_t, AccountRow>& accounts) {
  std::vector<v1::CustomerBalance> out;
  if (customer_ids.empty()) return out;
  // Every customer at once: seven sums, the ageing (one or two statements)
  // and, when any is overdue, their oldest due dates.
  SALES_ASSIGN_OR_RETURN(auto totals, ReceivableStore::TotalsAsOf(tx, customer_ids, as_of.day));
  AgeingFilter f;
  f.customer_ids = customer_ids;
  SALES_ASSIGN_OR_RETURN(auto groups, ReceivableStore::Ageing(tx, as_of.day, as_of.now, AgeingKey::kCustomer, f));
  std::map<int64_t, int64_t> overdue;
  std::map<int64_t, int> documents;
  std::vector<int64_t> overdue_customers;
  for (const auto& g : groups) {
    overdue[g.key] += AgeingOf(g).Overdue();
    documents[g.key] += g.documents;
  }
  for (const auto& [id, amount] : overdue) {
    if (amount > 0) overdue_customers.push_back(id);
  }
  SALES_ASSIGN_OR_RETURN(auto oldest, ReceivableStore::OldestOverdueDueOn(tx, as_of.day, as_of.now, overdue_customers));
  out.reserve(customer_ids.size());
  for (int64_t id : customer_ids) {
    const DocumentTotals& t = totals[id];
    v1::CustomerBalance& b = out.emplace_back();
    b.set_customer_id(id);
    if (auto a = accounts.find(id); a != accounts.end()) {
      b.set_rep_id(a->second.rep_id);
      b.set_org_unit_id(a->second.org_unit_id);
      b.set_on_hold(a->second.on_hold);
    }
    *b.mutable_as_of() = FromCivilDay(as_of.day);
    *b.mutable_invoiced() = MakeMoney(t.invoiced);
    *b.mutable_credited() = MakeMoney(t.credited);
    *b.mutable_debited() = MakeMoney(t.debited);
    *b.mutable_applied_payments() = MakeMoney(t.applied);
    *b.mutable_open_receivable() = MakeMoney(t.OpenReceivable());
    *b.mutable_payments_received() = MakeMoney(t.received);
    *b.mutable_on_account() = MakeMoney(t.OnAccount());
    *b.mutable_refunded() = MakeMoney(t.refunded);
    *b.mutable_unapplied_credit() = MakeMoney(t.UnappliedCredit());
    *b.mutable_overdue() = MakeMoney(overdue[id]);
    b.set_open_document_count(documents[id]);
    if (auto o = oldest.find(id); o != oldest.end() && overdue[id] > 0) {
      *b.mutable_oldest_overdue_due_on() = FromCivilDay(o->second);
    }
  }
  return out;
}

absl::StatusOr<v1::ListRepBalancesResponse> ReceivableReports::RepBalances(db::Transaction& tx, const AsOf& as_of,
                                                                           const AgeingFilter& f, int64_t after,
                                                                           int size) {
  SALES_ASSIGN_OR_RETURN(auto groups, ReceivableStore::Ageing(tx, as_of.day, as_of.now, AgeingKey::kRep, f));
  // Customers per rep, and those on hold, from the per-customer groups.
  SALES_ASSIGN_OR_RETURN(auto by_customer, ReceivableStore::Ageing(tx, as_of.day, as_of.now, AgeingKey::kCustomer, f));
  std::vector<int64_t> customers;
  for (const auto& g : by_customer) customers.push_back(g.key);
  SALES_ASSIGN_OR_RETURN(auto accounts, AccountStore::GetMany(tx, customers));
  SALES_ASSIGN_OR_RETURN(auto pairs, ReceivableStore::RepCustomerPairs(tx, as_of.day, as_of.now));
  std::map<int64_t, std::set<int64_t>> customers_of;
  std::set<int64_t> open(customers.begin(), customers.end());
  for (const auto& [rep, customer] : pairs) {
    if (open.count(customer)) customers_of[rep].insert(customer);
  }
  v1::ListRepBalancesResponse out;
  int64_t total = 0;
  int n = 0;
  for (const auto& g : groups) {
    Ageing a = AgeingOf(g);
    total += a.Total();
    if (g.key <= after || n >= size + 1) continue;
    ++n;
    if (n > size) {
      out.set_next_page_token(EncodePageToken(out.balances().empty() ? after : out.balances().rbegin()->rep_id()));
      continue;
    }
    auto* b = out.add_balances();
    b->set_rep_id(g.key);
    b->set_org_unit_id(g.org_unit_id);
    *b->mutable_as_of() = FromCivilDay(as_of.day);
    *b->mutable_open_receivable() = MakeMoney(a.Total());
    *b->mutable_overdue() = MakeMoney(a.Overdue());
    b->set_customer_count(static_cast<int32_t>(customers_of[g.key].size()));
    int held = 0;
    for (int64_t c : customers_of[g.key]) held += accounts.count(c) && accounts[c].on_hold ? 1 : 0;
    b->set_customers_on_hold(held);
  }
  *out.mutable_total_open_receivable() = MakeMoney(total);
  return out;
}

absl::StatusOr<v1::GetAgeingReportResponse> ReceivableReports::AgeingReport(db::Transaction& tx,
                                                                            const v1::GetAgeingReportRequest& request,
                                                                            const AsOf& as_of, const AgeingFilter& f,
                                                                            int64_t after, int size) {
  AgeingKey key = request.group_by() == v1::AGEING_GROUP_BY_REP        ? AgeingKey::kRep
                  : request.group_by() == v1::AGEING_GROUP_BY_ORG_UNIT ? AgeingKey::kOrgUnit
                                                                       : AgeingKey::kCustomer;
  SALES_ASSIGN_OR_RETURN(auto groups, ReceivableStore::Ageing(tx, as_of.day, as_of.now, key, f));
  std::map<int64_t, AccountRow> accounts;
  if (key == AgeingKey::kCustomer) {
    std::vector<int64_t> ids;
    for (const auto& g : groups) ids.push_back(g.key);
    SALES_ASSIGN_OR_RETURN(accounts, AccountStore::GetMany(tx, ids));
  }
  v1::GetAgeingReportResponse out;
  *out.mutable_as_of() = FromCivilDay(as_of.day);
  Ageing totals;
  int n = 0;
  int min_bucket = request.min_bucket() > 0 ? request.min_bucket() : 1;
  for (const auto& g : groups) {
    Ageing a = AgeingOf(g);
    bool reaches = false;
    for (int b = min_bucket - 1; b < 6; ++b) reaches = reaches || g.buckets[b] > 0;
    if (!reaches) continue;
    totals.Add(a);
    if (g.key <= after) continue;
    if (n == size) {
      if (!out.rows().empty() && out.next_page_token().empty()) {
        const auto& last = *out.rows().rbegin();
        int64_t k = key == AgeingKey::kCustomer ? last.customer_id()
                    : key == AgeingKey::kRep    ? last.rep_id()
                                                : last.org_unit_id();
        out.set_next_page_token(EncodePageToken(k));
      }
      continue;
    }
    ++n;
    auto* row = out.add_rows();
    if (key == AgeingKey::kCustomer) {
      row->set_customer_id(g.key);
      auto it = accounts.find(g.key);
      row->set_rep_id(it != accounts.end() ? it->second.rep_id : g.rep_id);
      row->set_org_unit_id(it != accounts.end() ? it->second.org_unit_id : g.org_unit_id);
      int64_t unapplied = it != accounts.end() && as_of.now ? it->second.on_account + it->second.unapplied_credit : 0;
      *row->mutable_unapplied_credit() = MakeMoney(unapplied);
    } else if (key == AgeingKey::kRep) {
      row->set_rep_id(g.key);
      row->set_org_unit_id(g.org_unit_id);
      *row->mutable_unapplied_credit() = MakeMoney(0);
    } else {
      row->set_org_unit_id(g.key);
      *row->mutable_unapplied_credit() = MakeMoney(0);
    }
    *row->mutable_amounts() = ToAmounts(a);
    row->set_document_count(g.documents);
  }
  *out.mutable_totals() = ToAmounts(totals);
  return out;
}

absl::StatusOr<v1::ListLedgerEntriesResponse> ReceivableReports::LedgerPage(db::Transaction& tx, int64_t customer_id,
                                                                            const common::v1::DateRange& dates,
                                                                            int64_t after, int size) {
  // Running balance: everything before the range (or before the page)
  // in (entry_date, id) order.
  SALES_ASSIGN_OR_RETURN(LedgerStore::Page page, LedgerStore::Entries(tx, customer_id, dates));
  int64_t opening = page.opening;
  v1::ListLedgerEntriesResponse out;
  *out.mutable_opening_balance() = MakeMoney(opening);
  int64_t running = opening;
  int64_t position = 0;  // page token = index within the range
  for (const auto& r : page.entries) {
    ++position;
    running += r.debit - r.credit;
    if (position <= after) continue;
    if (out.entries_size() == size) {
      out.set_next_page_token(EncodePageToken(position - 1));
      break;
    }
    auto* e = out.add_entries();
    e->set_id(r.id);
    e->set_customer_id(customer_id);
    *e->mutable_entry_date() = r.entry_date;
    e->set_kind(static_cast<v1::DocumentKind>(r.kind));
    e->set_document_id(r.document_id);
    e->set_reference(r.reference);
    *e->mutable_debit() = MakeMoney(r.debit);
    *e->mutable_credit() = MakeMoney(r.credit);
    *e->mutable_running_balance() = MakeMoney(running);
    e->set_description(r.description);
    *e->mutable_post_time() = ToTimestamp(r.posted_at);
  }
  return out;
}

absl::StatusOr<v1::VerifyLedgerResponse> ReceivableReports::VerifyLedger(db::Transaction& tx, int64_t customer_id) {
  SALES_ASSIGN_OR_RETURN(auto totals, ReceivableStore::TotalsAsOf(tx, customer_id, absl::CivilDay(9999, 12, 31)));
  std::vector<int64_t> ids;
  if (customer_id) {
    ids.push_back(customer_id);
  } else {
    SALES_ASSIGN_OR_RETURN(ids, AccountStore::AllCustomerIds(tx));
    for (const auto& [id, t] : totals) {
      (void)t;
      ids.push_back(id);
    }
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  }
  SALES_ASSIGN_OR_RETURN(auto accounts, AccountStore::GetMany(tx, ids));
  SALES_ASSIGN_OR_RETURN(auto doc_balances, ReceivableStore::OpenBalances(tx, customer_id));
  v1::VerifyLedgerResponse out;
  auto add = [&](int64_t customer, const char* identity, int64_t expected, int64_t actual) {
    if (expected == actual) return;
    auto* d = out.add_discrepancies();
    d->set_customer_id(customer);
    d->set_identity(identity);
    *d->mutable_expected() = MakeMoney(expected);
    *d->mutable_actual() = MakeMoney(actual);
  };
  for (int64_t id : ids) {
    const DocumentTotals& t = totals[id];
    AccountRow a;
    if (accounts.count(id)) a = accounts[id];
    add(id, "RECEIVABLE", t.OpenReceivable(), a.open_receivable - a.unapplied_credit);
    add(id, "RECEIVABLE", t.OpenDocuments(), doc_balances[id]);
    add(id, "PAYMENTS", t.received, a.applied + a.on_account + a.refunded);
    add(id, "PAYMENTS", t.OnAccount(), a.on_account);
  }
  out.set_customers_checked(static_cast<int32_t>(ids.size()));
  SALES_ASSIGN_OR_RETURN(auto years, NumberingStore::InvoiceNumberUsage(tx));
  SALES_ASSIGN_OR_RETURN(auto last, NumberingStore::InvoiceCounters(tx));
  for (const auto& u : years) {
    int64_t y = u.year, n = u.numbered, distinct = u.distinct, lo = u.lowest, hi = u.highest;
    out.add_numbering_years_checked(static_cast<int32_t>(y));
    if (distinct != n) out.add_numbering_anomalies(absl::StrCat(y, ": ", n - distinct, " numbers used twice"));
    if (lo != 1 || hi != n) {
      out.add_numbering_anomalies(absl::StrCat(y, ": ", n, " invoices numbered ", lo, "..", hi, " (gap)"));
    }
    if (last[y] != hi) out.add_numbering_anomalies(absl::StrCat(y, ": counter at ", last[y], ", highest number ", hi));
  }
  return out;
}

}  // namespace sales::finance
