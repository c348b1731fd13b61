// Receivables reads: the credit-check exposure, balances, ageing, ledger.
// Rep balances, the ageing report, ledger pages and the ledger check are
// built in app/receivable_reports.
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "finance-svc/api/finance_api.h"
#include "finance-svc/app/access.h"
#include "finance-svc/app/receivable_reports.h"
#include "finance-svc/domain/errors.h"
#include "finance-svc/domain/receivable_rules.h"
#include "finance-svc/store/account_store.h"
#include "finance-svc/store/receivable_store.h"
#include "platform/convert.h"
#include "platform/handlers.h"
#include "platform/money.h"
#include "platform/roles.h"
#include "platform/status.h"

namespace sales::finance {
namespace {

constexpr int kMaxExposureBatch = 1000;

// Exposure rests on the summary row; only the overdue part depends on the
// day, so it is summed from the customer's open documents through an index.
v1::CustomerExposure ToExposure(int64_t customer_id, const AccountRow* a, int64_t overdue) {
  v1::CustomerExposure e;
  e.set_customer_id(customer_id);
  std::string currency = a ? a->currency : "CNY";
  int64_t open = a ? a->open_receivable : 0;
  int64_t unapplied = a ? a->on_account + a->unapplied_credit : 0;
  *e.mutable_open_receivable() = MakeMoney(open, currency);
  *e.mutable_unapplied_credit() = MakeMoney(unapplied, currency);
  *e.mutable_exposure() = MakeMoney(open - unapplied, currency);
  *e.mutable_overdue() = MakeMoney(overdue, currency);
  *e.mutable_shipped_unbilled() = MakeMoney(a ? a->shipped_unbilled : 0, currency);
  e.set_on_hold(a && a->on_hold);
  if (a && a->on_hold) e.set_hold_reason(a->hold_reason);
  if (a) *e.mutable_as_of_time() = ToTimestamp(a->updated_at);
  return e;
}

absl::Status MayReadExposure(const Principal& p) {
  if (HasRole(p, {kRoleService, kRoleFinance, kRoleDirector, kRoleManager})) return absl::OkStatus();
  return Denied("customer exposure is for finance, managers and services");
}

absl::StatusOr<std::vector<v1::CustomerExposure>> ReadExposures(db::Transaction& tx, const CallContext& call,
                                                                const std::vector<int64_t>& ids, absl::CivilDay today) {
  SALES_ASSIGN_OR_RETURN(auto accounts, AccountStore::GetMany(tx, ids));
  std::vector<int64_t> open_ids;
  for (const auto& [id, a] : accounts) {
    if (a.open_receivable > 0) open_ids.push_back(id);
  }
  SALES_ASSIGN_OR_RETURN(auto overdue, AccountStore::OverdueOf(tx, open_ids, today));
  FinanceScope scope;
  scope.all = true;
  if (call.principal.authenticated() && call.principal.role == kRoleManager) {
    SALES_ASSIGN_OR_RETURN(scope, LoadScope(tx, call.principal));
  }
  std::vector<v1::CustomerExposure> out;
  for (int64_t id : ids) {
    auto it = accounts.find(id);
    const AccountRow* a = it == accounts.end() ? nullptr : &it->second;
    if (a && !scope.Allows(a->rep_id, a->org_unit_id)) {
      return WithErrorInfo(absl::PermissionDeniedError(absl::StrCat("customer ", id, " is outside your unit")),
                           "OUT_OF_SCOPE", kFinanceDomain);
    }
    auto od = overdue.find(id);
    out.push_back(ToExposure(id, a, od == overdue.end() ? 0 : od->second.amount));
  }
  return out;
}

}  // namespace

grpc::Status FinanceApi::GetCustomerExposure(grpc::ServerContext* ctx, const v1::GetCustomerExposureRequest* req,
                                             v1::GetCustomerExposureResponse* resp) {
  return ServeRead<v1::GetCustomerExposureResponse>(
      ctx, FinanceMethod("GetCustomerExposure"), rt_, resp,
      [&](CallContext& call) -> absl::Status {
        if (req->customer_id() <= 0) return InvalidField("customer_id", "required, > 0");
        return MayReadExposure(call.principal);
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetCustomerExposureResponse> {
        SALES_ASSIGN_OR_RETURN(auto list, ReadExposures(tx, call, {req->customer_id()}, BusinessDay(rt_.clock->Now())));
        v1::GetCustomerExposureResponse out;
        *out.mutable_exposure() = std::move(list[0]);
        return out;
      });
}

grpc::Status FinanceApi::BatchGetCustomerExposures(grpc::ServerContext* ctx,
                                                   const v1::BatchGetCustomerExposuresRequest* req,
                                                   v1::BatchGetCustomerExposuresResponse* resp) {
  return ServeRead<v1::BatchGetCustomerExposuresResponse>(
      ctx, FinanceMethod("BatchGetCustomerExposures"), rt_, resp,
      [&](CallContext& call) -> absl::Status {
        if (req->customer_ids_size() > kMaxExposureBatch) {
          return InvalidField("customer_ids", absl::StrCat("at most ", kMaxExposureBatch, " ids"));
        }
        for (int i = 0; i < req->customer_ids_size(); ++i) {
          if (req->customer_ids(i) <= 0) return InvalidField(absl::StrCat("customer_ids[", i, "]"), "must be > 0");
        }
        return MayReadExposure(call.principal);
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::BatchGetCustomerExposuresResponse> {
        // Duplicates are answered once each, in the order asked.
        std::vector<int64_t> ids;
        std::set<int64_t> seen;
        for (int64_t id : req->customer_ids()) {
          if (seen.insert(id).second) ids.push_back(id);
        }
        SALES_ASSIGN_OR_RETURN(auto list, ReadExposures(tx, call, ids, BusinessDay(rt_.clock->Now())));
        v1::BatchGetCustomerExposuresResponse out;
        for (auto& e : list) *out.add_exposures() = std::move(e);
        return out;
      });
}

namespace {

// The ageing report's date is required (the proto says so).
absl::Status ValidateAgeingReport(const v1::GetAgeingReportRequest& req) {
  if (!req.has_as_of()) return InvalidField("as_of", "required");
  SALES_RETURN_IF_ERROR(ValidateDate(req.as_of(), "as_of"));
  return PageSize(req.page_size(), kPageOfLedgerRows).status();
}

absl::StatusOr<AgeingFilter> ScopedFilter(db::Transaction& tx, const Principal& p, int64_t customer, int64_t rep,
                                          int64_t unit) {
  AgeingFilter f;
  f.customer_id = customer;
  f.rep_id = rep;
  f.org_unit_id = unit;
  SALES_ASSIGN_OR_RETURN(FinanceScope scope, LoadScope(tx, p));
  f.scope = scope;
  return f;
}

v1::OpenItem ToOpenItem(const OpenDocument& d) {
  v1::OpenItem o;
  o.set_kind(d.kind == OpenDocument::Kind::kInvoice ? v1::DOCUMENT_KIND_INVOICE : v1::DOCUMENT_KIND_DEBIT_MEMO);
  o.set_document_id(d.id);
  o.set_number(d.number);
  o.set_customer_id(d.customer_id);
  o.set_rep_id(d.rep_id);
  *o.mutable_document_date() = FromCivilDay(d.document_date);
  *o.mutable_due_on() = FromCivilDay(d.due_on);
  *o.mutable_original_amount() = MakeMoney(d.gross_minor);
  *o.mutable_balance() = MakeMoney(d.balance_minor);
  o.set_days_past_due(d.days_past_due);
  o.set_bucket(static_cast<v1::AgeingBucket>(BucketOf(d.days_past_due)));
  return o;
}

}  // namespace

grpc::Status FinanceApi::GetCustomerBalance(grpc::ServerContext* ctx, const v1::GetCustomerBalanceRequest* req,
                                            v1::GetCustomerBalanceResponse* resp) {
  return ServeRead<v1::GetCustomerBalanceResponse>(
      ctx, FinanceMethod("GetCustomerBalance"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        if (req->customer_id() <= 0) return InvalidField("customer_id", "required, > 0");
        if (req->has_as_of()) SALES_RETURN_IF_ERROR(ValidateDate(req->as_of(), "as_of"));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetCustomerBalanceResponse> {
        SALES_ASSIGN_OR_RETURN(auto acct, AccountStore::Get(tx, req->customer_id()));
        SALES_ASSIGN_OR_RETURN(FinanceScope scope, LoadScope(tx, call.principal));
        if (!acct || !scope.Allows(acct->rep_id, acct->org_unit_id))
          return NotFound("customer account", req->customer_id());
        AsOf as_of = ReportDate(req->as_of(), req->has_as_of(), rt_.clock->Now());
        SALES_ASSIGN_OR_RETURN(
            auto balances, ReceivableReports::Balances(tx, {req->customer_id()}, as_of, {{req->customer_id(), *acct}}));
        v1::GetCustomerBalanceResponse out;
        *out.mutable_balance() = std::move(balances[0]);
        return out;
      });
}

grpc::Status FinanceApi::ListCustomerBalances(grpc::ServerContext* ctx, const v1::ListCustomerBalancesRequest* req,
                                              v1::ListCustomerBalancesResponse* resp) {
  return ServeRead<v1::ListCustomerBalancesResponse>(
      ctx, FinanceMethod("ListCustomerBalances"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        if (req->has_as_of()) SALES_RETURN_IF_ERROR(ValidateDate(req->as_of(), "as_of"));
        return PageSize(req->page_size()).status();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListCustomerBalancesResponse> {
        SALES_ASSIGN_OR_RETURN(int size, PageSize(req->page_size()));
        SALES_ASSIGN_OR_RETURN(int64_t after, DecodePageToken(req->page_token()));
        SALES_ASSIGN_OR_RETURN(FinanceScope scope, LoadScope(tx, call.principal));
        AsOf as_of = ReportDate(req->as_of(), req->has_as_of(), rt_.clock->Now());
        AccountFilter f;
        f.rep_id = req->rep_id();
        f.org_unit_id = req->org_unit_id();
        f.on_hold_only = req->on_hold_only();
        f.non_zero_only = req->non_zero_only() && as_of.now;
        if (req->overdue_only()) f.overdue_before = as_of.day;
        f.scope = scope;
        SALES_ASSIGN_OR_RETURN(std::vector<int64_t> ids, AccountStore::ListCustomerIds(tx, f, after, size));
        bool more = static_cast<int>(ids.size()) > size;
        if (more) ids.pop_back();
        // The whole page in a fixed number of statements, not a load per row.
        SALES_ASSIGN_OR_RETURN(auto accounts, AccountStore::GetMany(tx, ids));
        SALES_ASSIGN_OR_RETURN(auto balances, ReceivableReports::Balances(tx, ids, as_of, accounts));
        v1::ListCustomerBalancesResponse out;
        int64_t total = 0;
        for (auto& b : balances) {
          total += b.open_receivable().minor_units();
          *out.add_balances() = std::move(b);
        }
        *out.mutable_total_open_receivable() = MakeMoney(total);
        if (more) out.set_next_page_token(EncodePageToken(ids.back()));
        return out;
      });
}

grpc::Status FinanceApi::ListRepBalances(grpc::ServerContext* ctx, const v1::ListRepBalancesRequest* req,
                                         v1::ListRepBalancesResponse* resp) {
  return ServeRead<v1::ListRepBalancesResponse>(
      ctx, FinanceMethod("ListRepBalances"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        if (req->has_as_of()) SALES_RETURN_IF_ERROR(ValidateDate(req->as_of(), "as_of"));
        return PageSize(req->page_size()).status();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListRepBalancesResponse> {
        SALES_ASSIGN_OR_RETURN(int size, PageSize(req->page_size()));
        SALES_ASSIGN_OR_RETURN(int64_t after, DecodePageToken(req->page_token()));
        AsOf as_of = ReportDate(req->as_of(), req->has_as_of(), rt_.clock->Now());
        SALES_ASSIGN_OR_RETURN(AgeingFilter f, ScopedFilter(tx, call.principal, 0, req->rep_id(), req->org_unit_id()));
        return ReceivableReports::RepBalances(tx, as_of, f, after, size);
      });
}

grpc::Status FinanceApi::GetAgeingReport(grpc::ServerContext* ctx, const v1::GetAgeingReportRequest* req,
                                         v1::GetAgeingReportResponse* resp) {
  return ServeRead<v1::GetAgeingReportResponse>(
      ctx, FinanceMethod("GetAgeingReport"), rt_, resp, [&](CallContext&) { return ValidateAgeingReport(*req); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetAgeingReportResponse> {
        SALES_ASSIGN_OR_RETURN(int size, PageSize(req->page_size(), kPageOfLedgerRows));
        SALES_ASSIGN_OR_RETURN(int64_t after, DecodePageToken(req->page_token()));
        AsOf as_of = ReportDate(req->as_of(), /*has=*/true, rt_.clock->Now());
        SALES_ASSIGN_OR_RETURN(AgeingFilter f,
                               ScopedFilter(tx, call.principal, req->customer_id(), req->rep_id(), req->org_unit_id()));
        return ReceivableReports::AgeingReport(tx, *req, as_of, f, after, size);
      });
}

grpc::Status FinanceApi::ListOpenItems(grpc::ServerContext* ctx, const v1::ListOpenItemsRequest* req,
                                       v1::ListOpenItemsResponse* resp) {
  return ServeRead<v1::ListOpenItemsResponse>(
      ctx, FinanceMethod("ListOpenItems"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        if (req->has_as_of()) SALES_RETURN_IF_ERROR(ValidateDate(req->as_of(), "as_of"));
        return PageSize(req->page_size()).status();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListOpenItemsResponse> {
        SALES_ASSIGN_OR_RETURN(int size, PageSize(req->page_size()));
        SALES_ASSIGN_OR_RETURN(int64_t after, DecodePageToken(req->page_token()));
        AsOf as_of = ReportDate(req->as_of(), req->has_as_of(), rt_.clock->Now());
        SALES_ASSIGN_OR_RETURN(AgeingFilter f,
                               ScopedFilter(tx, call.principal, req->customer_id(), req->rep_id(), req->org_unit_id()));
        std::set<int> buckets(req->buckets().begin(), req->buckets().end());
        v1::ListOpenItemsResponse out;
        int64_t cursor = after;
        // Bucket filters are applied here (pure rule), so pages are read
        // until full or exhausted.
        while (out.items_size() < size) {
          SALES_ASSIGN_OR_RETURN(auto docs, ReceivableStore::OpenDocuments(tx, as_of.day, as_of.now, f, cursor, size));
          bool more = static_cast<int>(docs.size()) > size;
          if (more) docs.pop_back();
          for (const auto& d : docs) {
            cursor = (d.kind == OpenDocument::Kind::kInvoice ? 1 : 2) * 1000000000000000LL + d.id;
            if (!buckets.empty() && !buckets.count(static_cast<int>(BucketOf(d.days_past_due)))) continue;
            *out.add_items() = ToOpenItem(d);
            if (out.items_size() == size) break;
          }
          if (!more) {
            if (out.items_size() == size) out.set_next_page_token(EncodePageToken(cursor));
            break;
          }
          if (out.items_size() == size) out.set_next_page_token(EncodePageToken(cursor));
        }
        return out;
      });
}

grpc::Status FinanceApi::ListLedgerEntries(grpc::ServerContext* ctx, const v1::ListLedgerEntriesRequest* req,
                                           v1::ListLedgerEntriesResponse* resp) {
  return ServeRead<v1::ListLedgerEntriesResponse>(
      ctx, FinanceMethod("ListLedgerEntries"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        if (req->customer_id() <= 0) return InvalidField("customer_id", "required, > 0");
        return PageSize(req->page_size(), kPageOfLedgerRows).status();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListLedgerEntriesResponse> {
        SALES_ASSIGN_OR_RETURN(int size, PageSize(req->page_size(), kPageOfLedgerRows));
        SALES_ASSIGN_OR_RETURN(int64_t after, DecodePageToken(req->page_token()));
        SALES_ASSIGN_OR_RETURN(auto acct, AccountStore::Get(tx, req->customer_id()));
        SALES_ASSIGN_OR_RETURN(FinanceScope scope, LoadScope(tx, call.principal));
        if (!acct || !scope.Allows(acct->rep_id, acct->org_unit_id))
          return NotFound("customer account", req->customer_id());
        return ReceivableReports::LedgerPage(tx, req->customer_id(), req->entry_dates(), after, size);
      });
}

grpc::Status FinanceApi::VerifyLedger(grpc::ServerContext* ctx, const v1::VerifyLedgerRequest* req,
                                      v1::VerifyLedgerResponse* resp) {
  return ServeRead<v1::VerifyLedgerResponse>(
      ctx, FinanceMethod("VerifyLedger"), rt_, resp,
      [&](CallContext& call) -> absl::Status {
        if (!IsFinanceStaff(call.principal)) return Denied("finance and admins verify the ledger");
        return req->customer_id() < 0 ? InvalidField("customer_id", "must be >= 0") : absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext&) { return ReceivableReports::VerifyLedger(tx, req->customer_id()); });
}

}  // namespace sales::finance
