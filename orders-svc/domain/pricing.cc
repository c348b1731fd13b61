#include "orders-svc/domain/pricing.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "orders-svc/domain/limits.h"
#include "platform/money.h"
#include "platform/status.h"

namespace sales::orders {

bool PeriodCovers(const PricePeriod& p, absl::CivilDay day) {
  return p.from <= day && (!p.to.has_value() || day <= *p.to);
}

bool PeriodsOverlap(const PricePeriod& a, const PricePeriod& b) {
  // Two inclusive ranges overlap when each starts no later than the other ends.
  bool a_starts_before_b_ends = !b.to.has_value() || a.from <= *b.to;
  bool b_starts_before_a_ends = !a.to.has_value() || b.from <= *a.to;
  return a_starts_before_b_ends && b_starts_before_a_ends;
}

std::optional<PricePeriod> PriceInForce(const std::vector<PricePeriod>& periods, absl::CivilDay day) {
  std::optional<PricePeriod> best;
  for (const auto& p : periods) {
    if (!PeriodCovers(p, day)) continue;
    // Periods never overlap; should stored data ever disagree, the latest
    // start (then the highest id) wins, so the answer is still deterministic.
    if (!best || p.from > best->from || (p.from == best->from && p.price_list_id > best->price_list_id)) best = p;
  }
  return best;
}

int64_t NetUnitPrice(int64_t list_price_minor, int32_t discount_bp) {
  // In 128 bits the product of any int64 price and int32 factor is exact;
  // with list ≥ 0 and bp in 0..10000 the quotient is at most the list price.
  // Half up = add half the divisor before dividing.
  __int128 v = static_cast<__int128>(list_price_minor) * (10000 - static_cast<int64_t>(discount_bp));
  return static_cast<int64_t>((v + 5000) / 10000);
}

absl::StatusOr<int64_t> LineAmount(int64_t unit_price_minor, int64_t quantity, const std::string& field) {
  return AmountMul(unit_price_minor, quantity, field);
}

int32_t DiscountLimits::ForRole(const std::string& role) const {
  if (role == "SALES_DIRECTOR" || role == "ADMIN") return director_bp;
  if (role == "SALES_MANAGER" || role == "MANAGER") return manager_bp;
  if (role == "SALES_CLERK") return clerk_bp;
  if (role == "DIRECTOR") return director_bp;
  return rep_bp;
}

DiscountLimits LimitsOf(const v1::OrderPolicy& policy) {
  DiscountLimits l;
  bool clerk_set = false;
  for (const auto& d : policy.discount_limits()) {
    switch (d.role()) {
      case v1::SALES_ROLE_SALES_REP:
        l.rep_bp = d.max_discount_bp();
        break;
      case v1::SALES_ROLE_SALES_MANAGER:
        l.manager_bp = d.max_discount_bp();
        break;
      case v1::SALES_ROLE_SALES_DIRECTOR:
        l.director_bp = d.max_discount_bp();
        break;
      case v1::SALES_ROLE_SALES_CLERK:
        l.clerk_bp = d.max_discount_bp();
        clerk_set = true;
        break;
      default:
        break;
    }
  }
  if (!clerk_set) l.clerk_bp = l.rep_bp;
  return l;
}

namespace {
int Rank(v1::ApprovalLevel l) {
  switch (l) {
    case v1::APPROVAL_LEVEL_MANAGER:
      return 1;
    case v1::APPROVAL_LEVEL_DIRECTOR:
      return 2;
    default:
      return 0;
  }
}
// The approval level a role holds itself.
int OwnRank(const std::string& role) {
  if (role == "SALES_DIRECTOR" || role == "DIRECTOR" || role == "ADMIN") return 2;
  if (role == "SALES_MANAGER" || role == "MANAGER") return 1;
  return 0;
}
}  // namespace

LineApproval RouteLine(int32_t discount_bp, int64_t net_unit_price_minor, int64_t floor_price_minor,
                       const std::string& requester_role, const DiscountLimits& limits) {
  LineApproval out;
  if (discount_bp > limits.ForRole(requester_role)) {
    out.triggers.push_back(v1::APPROVAL_TRIGGER_DISCOUNT_OVER_LIMIT);
    out.level = discount_bp > limits.manager_bp ? v1::APPROVAL_LEVEL_DIRECTOR : v1::APPROVAL_LEVEL_MANAGER;
  }
  if (net_unit_price_minor < floor_price_minor) {
    out.triggers.push_back(v1::APPROVAL_TRIGGER_BELOW_FLOOR_PRICE);
    out.level = v1::APPROVAL_LEVEL_DIRECTOR;
  }
  // A director's own price below floor needs nobody further.
  if (Rank(out.level) <= OwnRank(requester_role)) {
    out.level = v1::APPROVAL_LEVEL_NONE;
    out.triggers.clear();
  }
  return out;
}

std::vector<RoutedStep> RouteDocument(const std::vector<DocLine>& lines, const std::vector<int64_t>& fee_ids,
                                      bool total_over_threshold, const std::string& requester_role) {
  RoutedStep manager{v1::APPROVAL_LEVEL_MANAGER, {}, {}, {}};
  RoutedStep director{v1::APPROVAL_LEVEL_DIRECTOR, {}, {}, {}};
  auto add_trigger = [](RoutedStep& s, v1::ApprovalTrigger t) {
    if (std::find(s.triggers.begin(), s.triggers.end(), t) == s.triggers.end()) s.triggers.push_back(t);
  };
  for (const auto& l : lines) {
    if (l.approval.level == v1::APPROVAL_LEVEL_NONE || l.approval.level == v1::APPROVAL_LEVEL_UNSPECIFIED) continue;
    RoutedStep& s = l.approval.level == v1::APPROVAL_LEVEL_DIRECTOR ? director : manager;
    for (auto t : l.approval.triggers) add_trigger(s, t);
    s.line_ids.push_back(l.line_id);
  }
  int own = OwnRank(requester_role);
  if (!fee_ids.empty() && own < 1) {
    add_trigger(manager, v1::APPROVAL_TRIGGER_SPECIAL_FEE);
    manager.fee_ids = fee_ids;
  }
  if (total_over_threshold && own < 2) add_trigger(director, v1::APPROVAL_TRIGGER_AMOUNT_OVER_THRESHOLD);
  std::vector<RoutedStep> out;
  if (!manager.triggers.empty()) out.push_back(manager);
  if (!director.triggers.empty()) out.push_back(director);
  return out;
}

absl::Status ValidatePolicy(const v1::OrderPolicy& policy) {
  std::vector<FieldViolation> v;
  std::set<int> seen;
  for (int i = 0; i < policy.discount_limits_size(); ++i) {
    const auto& d = policy.discount_limits(i);
    std::string f = absl::StrCat("policy.discount_limits[", i, "]");
    if (d.role() == v1::SALES_ROLE_UNSPECIFIED) v.push_back({f + ".role", "required"});
    if (!seen.insert(d.role()).second) v.push_back({f + ".role", "repeated"});
    if (d.max_discount_bp() < 0 || d.max_discount_bp() > 10000) {
      v.push_back({f + ".max_discount_bp", "must be within 0..10000"});
    }
  }
  for (auto r : {v1::SALES_ROLE_SALES_REP, v1::SALES_ROLE_SALES_MANAGER, v1::SALES_ROLE_SALES_DIRECTOR}) {
    if (!seen.count(r)) v.push_back({"policy.discount_limits", absl::StrCat("missing ", v1::SalesRole_Name(r))});
  }
  if (v.empty()) {
    DiscountLimits l = LimitsOf(policy);
    if (!(l.rep_bp <= l.manager_bp && l.manager_bp <= l.director_bp)) {
      v.push_back({"policy.discount_limits", "must not decrease: rep <= manager <= director"});
    }
  }
  if (!policy.has_director_quote_threshold()) {
    v.push_back({"policy.director_quote_threshold", "required"});
  } else {
    absl::Status m =
        ValidateMoney(policy.director_quote_threshold(), "policy.director_quote_threshold", Sign::kNonNegative);
    if (!m.ok()) v.push_back({"policy.director_quote_threshold", std::string(m.message())});
  }
  if (policy.ship_within_working_days() < 0 || policy.ship_within_working_days() > 30) {
    v.push_back({"policy.ship_within_working_days", "must be within 0..30"});
  }
  for (int d : policy.weekend_days()) {
    if (d < 1 || d > 7) v.push_back({"policy.weekend_days", "ISO weekdays are 1..7"});
  }
  if (policy.default_quote_validity_days() < 0 || policy.default_quote_validity_days() > 366) {
    v.push_back({"policy.default_quote_validity_days", "must be within 0..366"});
  }
  if (policy.dependency_deadline_ms() < 0 || policy.dependency_deadline_ms() > 60000) {
    v.push_back({"policy.dependency_deadline_ms", "must be within 0..60000"});
  }
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

v1::OrderPolicy WithPolicyDefaults(v1::OrderPolicy p) {
  if (p.default_currency_code().empty()) p.set_default_currency_code("CNY");
  if (p.default_quote_validity_days() == 0) p.set_default_quote_validity_days(30);
  if (p.ship_within_working_days() == 0) p.set_ship_within_working_days(1);
  if (p.weekend_days().empty()) {
    p.add_weekend_days(6);
    p.add_weekend_days(7);
  }
  if (p.dependency_deadline_ms() == 0) p.set_dependency_deadline_ms(2000);
  return p;
}

std::string LimitsText(const DiscountLimits& limits) {
  return absl::StrCat("rep ", limits.rep_bp, "bp, manager ", limits.manager_bp, "bp, director ", limits.director_bp,
                      "bp");
}

v1::OrderPolicy DefaultPolicy() {
  v1::OrderPolicy p;
  auto add = [&](v1::SalesRole r, int32_t bp) {
    auto* d = p.add_discount_limits();
    d->set_role(r);
    d->set_max_discount_bp(bp);
  };
  add(v1::SALES_ROLE_SALES_REP, 500);
  add(v1::SALES_ROLE_SALES_MANAGER, 1500);
  add(v1::SALES_ROLE_SALES_DIRECTOR, 3000);
  add(v1::SALES_ROLE_SALES_CLERK, 500);
  *p.mutable_director_quote_threshold() = MakeMoney(50'000'000, "CNY");  // ¥500,000
  p.set_ship_within_working_days(1);
  p.add_weekend_days(6);
  p.add_weekend_days(7);
  p.set_default_quote_validity_days(30);
  p.set_default_currency_code("CNY");
  p.set_dependency_deadline_ms(2000);
  return p;
}

// A stored quote's total, recomputed: each line's unit price × quantity
// and the fees, every step checked. INVALID_ARGUMENT naming the line, as at
// creation, so the preparer knows what to fix.
absl::StatusOr<int64_t> QuoteTotal(const v1::Quote& q) {
  AmountSum total("quote.lines");
  for (int i = 0; i < q.lines_size(); ++i) {
    const auto& l = q.lines(i);
    std::string f = absl::StrCat("quote.lines[", i, "].quantity");
    if (!QuantityInRange(l.quantity(), false)) return InvalidField(f, QuantityRule(false));
    SALES_ASSIGN_OR_RETURN(int64_t net, LineAmount(l.unit_price().minor_units(), l.quantity(), f));
    SALES_RETURN_IF_ERROR(total.Add(net));
  }
  for (const auto& fee : q.special_fees()) SALES_RETURN_IF_ERROR(total.Add(fee.amount().minor_units()));
  if (total.value() != q.total_amount().minor_units()) {
    return InvalidField("quote.total_amount", "the stored total does not match its lines; update the quote");
  }
  return total.value();
}

}  // namespace sales::orders
