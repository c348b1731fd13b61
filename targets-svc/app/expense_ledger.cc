#include "targets-svc/app/expense_ledger.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "platform/convert.h"
#include "platform/handlers.h"
#include "platform/money.h"
#include "platform/status.h"
#include "targets-svc/app/progress_reading.h"
#include "targets-svc/app/viewer.h"
#include "targets-svc/domain/access.h"
#include "targets-svc/domain/progress.h"
#include "targets-svc/store/actuals_store.h"
#include "targets-svc/store/progress_store.h"
#include "targets-svc/store/roster_store.h"
#include "targets-svc/store/settings_store.h"

namespace sales::targets {

absl::StatusOr<v1::ListExpensesResponse> ExpenseLedger::List(db::Transaction& tx, const CallContext& call,
                                                             const v1::ListExpensesRequest& request) const {
  SALES_ASSIGN_OR_RETURN(int page, PageSize(request.page_size(), kPageOfLedgerRows));
  SALES_ASSIGN_OR_RETURN(int64_t after, DecodePageToken(request.page_token()));
  SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
  ExpenseFilter filter;
  SALES_ASSIGN_OR_RETURN(filter.scope, ListScopeOf(tx, viewer, request.rep_id(), request.org_unit_id(), "expenses"));
  filter.category = request.category();
  filter.dates = request.date_range();
  filter.include_reversed = request.include_reversed();
  SALES_ASSIGN_OR_RETURN(auto expenses, ExpenseStore::List(tx, filter, after, page + 1));
  v1::ListExpensesResponse out;
  FillPage(std::move(expenses), page, &out, [](v1::ListExpensesResponse* r) { return r->add_expenses(); });
  return out;
}

absl::StatusOr<v1::ReverseExpenseResponse> ExpenseLedger::Reverse(db::Transaction& tx, const CallContext& call,
                                                                  const v1::ReverseExpenseRequest& request) const {
  SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
  SALES_ASSIGN_OR_RETURN(v1::ExpenseEntry expense, ExpenseStore::Get(tx, request.id(), /*for_update=*/true));
  // A manager answers for the expenses booked to their subtree; finance
  // keeps the books. A rep cannot take back what they claimed.
  if (!CanManage(viewer, expense.org_unit_id()) && viewer.principal.role != kRoleFinance) {
    if (viewer.principal.role == kRoleManager) return OutOfScope(absl::StrCat("expense ", request.id()));
    return RoleNotAllowed(viewer, "reverse expenses (a manager for their subtree, or finance)");
  }
  SALES_RETURN_IF_ERROR(CheckEtag(request.etag(), expense.etag(), "expense", request.id()));
  SALES_RETURN_IF_ERROR(CheckReversible(expense.state(), request.id()));
  SALES_RETURN_IF_ERROR(ExpenseStore::Reverse(tx, request.id(), request.reason(),
                                              call.principal.authenticated() ? call.principal.Encode() : "",
                                              call.request_id, clock_.Now()));
  v1::ReverseExpenseResponse out;
  SALES_ASSIGN_OR_RETURN(*out.mutable_expense(), ExpenseStore::Get(tx, request.id()));
  return out;
}

absl::StatusOr<v1::RecordExpenseResponse> ExpenseLedger::Record(db::Transaction& tx, const CallContext& call,
                                                                const v1::RecordExpenseRequest& request) const {
  const v1::ExpenseEntry& e = request.expense();
  auto rep = RepStore::Get(tx, e.rep_id());
  if (absl::IsNotFound(rep.status())) return InvalidField("expense.rep_id", "no such rep");
  SALES_RETURN_IF_ERROR(rep.status());
  SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
  bool own = viewer.principal.role == kRoleRep && viewer.principal.rep_id == e.rep_id();
  if (!own && !CanManage(viewer, rep->org_unit_id()) && viewer.principal.role != kRoleFinance) {
    return OutOfScope(absl::StrCat("rep ", e.rep_id(), "'s expenses"));
  }
  SALES_ASSIGN_OR_RETURN(auto settings, SettingsStore::Get(tx));
  if (e.amount().currency_code() != settings.default_currency_code()) {
    return InvalidField("expense.amount.currency_code",
                        absl::StrCat("expenses are booked in ", settings.default_currency_code()));
  }
  // An expense is booked to the rep's own unit.
  if (e.org_unit_id() != 0 && e.org_unit_id() != rep->org_unit_id()) {
    return InvalidField("expense.org_unit_id", "must be the rep's own unit (or 0)");
  }
  const int64_t unit = rep->org_unit_id();
  const absl::Time now = clock_.Now();
  SALES_ASSIGN_OR_RETURN(
      int64_t id,
      ExpenseStore::Insert(tx, e, unit, call.principal.authenticated() ? call.principal.Encode() : "", now));
  v1::RecordExpenseResponse out;
  v1::ExpenseEntry* stored = out.mutable_expense();
  *stored = e;
  stored->set_id(id);
  stored->set_org_unit_id(unit);
  stored->set_state(v1::EXPENSE_STATE_POSTED);
  stored->set_etag(MakeEtag(1));
  *stored->mutable_create_time() = ToTimestamp(now);
  // The rep's month, as GetExpenseSummary would answer it now.
  v1::TargetNode node;
  node.set_rep_id(e.rep_id());
  common::v1::Period month;
  month.set_kind(common::v1::PERIOD_KIND_MONTH);
  const absl::CivilDay day = ToCivilDay(e.expense_date());
  *month.mutable_start() = FromCivilDay(absl::CivilDay(day.year(), day.month(), 1));
  SALES_ASSIGN_OR_RETURN(*out.mutable_summary(), SummaryOf(tx, node, month, nullptr));
  return out;
}

absl::StatusOr<v1::GetExpenseSummaryResponse> ExpenseLedger::Summary(
    db::Transaction& tx, const CallContext& call, const v1::GetExpenseSummaryRequest& request) const {
  SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
  SALES_RETURN_IF_ERROR(CheckNodeVisible(viewer, request.node()));
  SALES_RETURN_IF_ERROR(CheckNodeExists(tx, request.node()));
  v1::GetExpenseSummaryResponse out;
  SALES_ASSIGN_OR_RETURN(*out.mutable_summary(), SummaryOf(tx, request.node(), request.period(),
                                                           request.has_as_of() ? &request.as_of() : nullptr));
  return out;
}

absl::StatusOr<v1::ExpenseSummary> ExpenseLedger::SummaryOf(db::Transaction& tx, const v1::TargetNode& node,
                                                            const common::v1::Period& period,
                                                            const common::v1::Date* as_of) const {
  SALES_ASSIGN_OR_RETURN(PeriodSpan span, SpanOf(period, "period"));
  absl::CivilDay to = as_of != nullptr ? std::min(ToCivilDay(*as_of), span.end) : span.end;
  std::vector<int64_t> units;
  if (node.org_unit_id() != 0) {
    SALES_ASSIGN_OR_RETURN(units, SubtreeOf(tx, node.org_unit_id()));
    if (units.empty()) return NotFound("org unit", node.org_unit_id());
  }
  SALES_ASSIGN_OR_RETURN(auto settings, SettingsStore::Get(tx));
  SALES_ASSIGN_OR_RETURN(int64_t budget, ProgressReading(clock_).ExpenseBudgetOf(tx, node, span));
  SALES_ASSIGN_OR_RETURN(int64_t used, ProgressStore::ExpenseUsed(tx, node, units, span.start, to));
  SALES_ASSIGN_OR_RETURN(auto by_category, ProgressStore::ExpenseByCategory(tx, node, units, span.start, to));
  SALES_ASSIGN_OR_RETURN(int64_t sales, ActualsStore::Sum(tx, v1::METRIC_SALES_AMOUNT, settings.sales_recognition(),
                                                          node, units, span.start, to));
  ExpenseFigures f = ComputeExpenseFigures(budget, used, sales);
  const std::string& cur = settings.default_currency_code();
  v1::ExpenseSummary s;
  *s.mutable_node() = node;
  *s.mutable_period() = period;
  *s.mutable_budget() = MakeMoney(f.budget, cur);
  *s.mutable_used() = MakeMoney(f.used, cur);
  *s.mutable_remaining() = MakeMoney(f.remaining, cur);
  s.set_used_bp(f.used_bp);
  *s.mutable_sales_amount() = MakeMoney(sales, cur);
  s.set_expense_to_sales_bp(f.expense_to_sales_bp);
  for (const auto& [category, amount] : by_category) {
    auto* c = s.add_by_category();
    c->set_category(category);
    *c->mutable_amount() = MakeMoney(amount, cur);
  }
  return s;
}

}  // namespace sales::targets
