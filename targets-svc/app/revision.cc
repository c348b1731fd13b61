#include "targets-svc/app/revision.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "platform/money.h"
#include "platform/status.h"
#include "targets-svc/domain/errors.h"
#include "targets-svc/domain/metric.h"
#include "targets-svc/domain/negotiation.h"

namespace sales::targets {
namespace {

int32_t ShareOf(int64_t part, int64_t whole) {
  if (whole == 0) return 0;
  absl::int128 num = absl::int128(part) * 20000 + whole;
  return static_cast<int32_t>(num / (absl::int128(whole) * 2));
}

class Reviser {
 public:
  Reviser(db::Transaction& tx, int64_t plan_id, int32_t version, bool reissue, absl::Time now)
      : tx_(tx), plan_id_(plan_id), version_(version), reissue_(reissue), now_(now) {}

  absl::Status Run(const std::vector<TargetChange>& changes) {
    std::vector<AssignmentRecord> named;
    std::set<int64_t> ids;
    for (const auto& c : changes) {
      if (!ids.insert(c.assignment_id).second) {
        return InvalidField("changes.assignment_id", absl::StrCat(c.assignment_id, " named twice"));
      }
      auto rec = AssignmentStore::Get(tx_, c.assignment_id, /*for_update=*/true);
      if (absl::IsNotFound(rec.status())) {
        return InvalidField("changes.assignment_id", absl::StrCat("no assignment ", c.assignment_id));
      }
      SALES_RETURN_IF_ERROR(rec.status());
      if (rec->a.plan_id() != plan_id_ || rec->a.plan_version() != version_) {
        return InvalidField("changes.assignment_id",
                            absl::StrCat(c.assignment_id, " is not in version ", version_, " of plan ", plan_id_));
      }
      if (c.new_target < 0) return InvalidField("changes.new_target", "must be >= 0");
      if (c.new_expense.has_value() && *c.new_expense < 0)
        return InvalidField("changes.new_expense_budget", "must be >= 0");
      named_cells_[rec->cell_no] = c;
      named.push_back(std::move(rec).value());
    }
    std::sort(named.begin(), named.end(),
              [](const AssignmentRecord& a, const AssignmentRecord& b) { return a.a.depth() < b.a.depth(); });
    // Parents whose children the change set names must still add up.
    std::map<int32_t, bool> checked;
    for (auto& rec : named) {
      if (rec.parent_cell_no < 0 || checked[rec.parent_cell_no]) continue;
      checked[rec.parent_cell_no] = true;
      SALES_RETURN_IF_ERROR(CheckSiblings(rec.parent_cell_no));
    }
    for (auto& rec : named) {
      const TargetChange& c = named_cells_.at(rec.cell_no);
      SALES_RETURN_IF_ERROR(Change(rec, c.new_target, c.new_expense.value_or(rec.expense), /*named=*/true));
    }
    return CheckConserved();
  }

  // Every cell touched, and the parent of every cell touched, must equal the
  // sum of its children afterwards: a change set that skips a level (names
  // a grandchild and a grandparent but not the cell between) cannot slip by.
  absl::Status CheckConserved() {
    std::set<int32_t> cells;
    for (const auto& [cell_no, parent] : touched_) {
      cells.insert(cell_no);
      if (parent >= 0) cells.insert(parent);
    }
    for (int32_t cell_no : cells) {
      SALES_ASSIGN_OR_RETURN(auto children, AssignmentStore::Children(tx_, plan_id_, version_, cell_no, false));
      if (children.empty()) continue;
      SALES_ASSIGN_OR_RETURN(auto cell, AssignmentStore::GetByCell(tx_, plan_id_, version_, cell_no, false));
      int64_t sum = 0;
      for (const auto& ch : children) {
        SALES_ASSIGN_OR_RETURN(sum, CheckedAdd(sum, ch.target, "changes.new_target"));
      }
      if (sum != cell.target) {
        return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat(
                                 "after these changes the parts of ", cell.a.key().empty() ? "the root" : cell.a.key(),
                                 " add up to ", sum, ", not ", cell.target, "; name the cells in between too")),
                             "REVISION_CHANGES_PARENT", kTargetsDomain);
      }
    }
    return absl::OkStatus();
  }

  std::vector<v1::AssignmentDelta> deltas;
  std::set<int64_t> assignees;

 private:
  std::vector<std::pair<int32_t, int32_t>> touched_;
  absl::StatusOr<int64_t> ParentTarget(int32_t parent_cell_no, int64_t* expense) {
    SALES_ASSIGN_OR_RETURN(auto parent, AssignmentStore::GetByCell(tx_, plan_id_, version_, parent_cell_no, true));
    auto it = named_cells_.find(parent_cell_no);
    *expense = it != named_cells_.end() && it->second.new_expense ? *it->second.new_expense : parent.expense;
    return it != named_cells_.end() ? it->second.new_target : parent.target;
  }

  absl::Status CheckSiblings(int32_t parent_cell_no) {
    int64_t parent_expense = 0;
    SALES_ASSIGN_OR_RETURN(int64_t parent_target, ParentTarget(parent_cell_no, &parent_expense));
    SALES_ASSIGN_OR_RETURN(auto children, AssignmentStore::Children(tx_, plan_id_, version_, parent_cell_no, true));
    std::vector<int64_t> targets, expenses;
    bool expense_named = false;
    for (const auto& ch : children) {
      auto it = named_cells_.find(ch.cell_no);
      targets.push_back(it != named_cells_.end() ? it->second.new_target : ch.target);
      bool has_exp = it != named_cells_.end() && it->second.new_expense.has_value();
      expense_named = expense_named || has_exp;
      expenses.push_back(has_exp ? *it->second.new_expense : ch.expense);
    }
    SALES_RETURN_IF_ERROR(CheckRevisionHoldsParent(parent_target, targets));
    if (expense_named) {
      int64_t sum = 0;
      for (int64_t e : expenses) {
        SALES_ASSIGN_OR_RETURN(sum, CheckedAdd(sum, e, "changes.new_expense_budget"));
      }
      if (sum != parent_expense) {
        return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("the revised expense budgets add up to ", sum,
                                                                        " but their parent's is ", parent_expense)),
                             "REVISION_CHANGES_PARENT", kTargetsDomain);
      }
    }
    return absl::OkStatus();
  }

  // Sets a cell's figures and re-splits the children the change set leaves out.
  absl::Status Change(AssignmentRecord& rec, int64_t target, int64_t expense, bool /*named*/) {
    int64_t old_target = rec.target, old_expense = rec.expense;
    if (target == old_target && expense == old_expense) return absl::OkStatus();
    v1::AssignmentDelta d;
    d.set_assignment_id(rec.a.id());
    d.set_key(rec.a.key());
    *d.mutable_old_target() = rec.a.target();
    *d.mutable_old_expense_budget() = rec.a.expense_budget();
    rec.target = target;
    rec.expense = expense;
    if (rec.parent_cell_no >= 0) {
      int64_t parent_expense = 0;
      SALES_ASSIGN_OR_RETURN(int64_t parent_target, ParentTarget(rec.parent_cell_no, &parent_expense));
      rec.a.set_share_bp(ShareOf(target, parent_target));
    }
    // Anyone whose figure changes answers again, named or re-split.
    if (reissue_ && rec.a.negotiable() && rec.a.state() != v1::ASSIGNMENT_STATE_DRAFT) {
      SALES_ASSIGN_OR_RETURN(auto next, NextAssignmentState(rec.a.state(), AssignmentAction::kRevise));
      rec.a.set_state(next);
      rec.a.clear_counter_proposal();
      rec.a.set_revision_count(rec.a.revision_count() + 1);
    }
    SALES_RETURN_IF_ERROR(AssignmentStore::Update(tx_, rec, now_));
    touched_.emplace_back(rec.cell_no, rec.parent_cell_no);
    if (rec.a.assignee_rep_id() != 0) assignees.insert(rec.a.assignee_rep_id());
    auto metric_value = [&](int64_t v) {
      v1::MetricValue mv = rec.a.target();
      if (mv.has_amount()) {
        mv.mutable_amount()->set_minor_units(v);
      } else {
        mv.set_count(v);
      }
      return mv;
    };
    *d.mutable_new_target() = metric_value(target);
    *d.mutable_new_expense_budget() = rec.a.expense_budget();
    d.mutable_new_expense_budget()->set_minor_units(expense);
    deltas.push_back(std::move(d));

    SALES_ASSIGN_OR_RETURN(auto children, AssignmentStore::Children(tx_, plan_id_, version_, rec.cell_no, true));
    if (children.empty()) return absl::OkStatus();
    bool any_named = false;
    for (const auto& ch : children) any_named = any_named || named_cells_.count(ch.cell_no);
    if (any_named) return absl::OkStatus();  // the named children carry their own figures
    std::vector<int64_t> old_targets, old_expenses;
    for (const auto& ch : children) {
      old_targets.push_back(ch.target);
      old_expenses.push_back(ch.expense);
    }
    SALES_ASSIGN_OR_RETURN(auto new_targets, RescaleChildren(target, old_targets));
    SALES_ASSIGN_OR_RETURN(auto new_expenses, RescaleChildren(expense, old_expenses));
    (void)old_expense;
    for (size_t i = 0; i < children.size(); ++i) {
      SALES_RETURN_IF_ERROR(Change(children[i], new_targets[i], new_expenses[i], /*named=*/false));
    }
    return absl::OkStatus();
  }

  db::Transaction& tx_;
  int64_t plan_id_;
  int32_t version_;
  bool reissue_;
  absl::Time now_;
  std::map<int32_t, TargetChange> named_cells_;
};

}  // namespace

absl::StatusOr<std::vector<v1::AssignmentDelta>> ApplyTargetChanges(db::Transaction& tx, int64_t plan_id,
                                                                    int32_t version,
                                                                    const std::vector<TargetChange>& changes,
                                                                    bool reissue, absl::Time now,
                                                                    std::set<int64_t>* assignees) {
  if (changes.empty()) return InvalidField("changes", "at least one change is required");
  Reviser r(tx, plan_id, version, reissue, now);
  SALES_RETURN_IF_ERROR(r.Run(changes));
  if (assignees != nullptr) assignees->insert(r.assignees.begin(), r.assignees.end());
  return std::move(r.deltas);
}

}  // namespace sales::targets
