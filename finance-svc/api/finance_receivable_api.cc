// Receivables reads: the credit-check exposure, balances, ageing, ledger.
#include <set>

#include "absl/strings/str_cat.h"
#include "finance-svc/api/finance_api.h"
#include "finance-svc/api/finance_scope.h"
#include "finance-svc/store/account_store.h"
#include "platform/convert.h"
#include "platform/handlers.h"
#include "platform/money.h"
#include "platform/roles.h"
#include "platform/status.h"

namespace sales::finance {
namespace {

std::string M(const char* method) { return absl::StrCat("/sales.finance.v1.FinanceService/", method); }

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
                                                                const std::vector<int64_t>& ids,
                                                                absl::CivilDay today) {
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
                           "OUT_OF_SCOPE", "finance.sales");
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
      ctx, M("GetCustomerExposure"), rt_, resp,
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
      ctx, M("BatchGetCustomerExposures"), rt_, resp,
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

}  // namespace sales::finance
