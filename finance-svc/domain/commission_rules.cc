#include "finance-svc/domain/commission_rules.h"

#include <algorithm>

#include "absl/numeric/int128.h"
#include "absl/strings/str_cat.h"
#include "platform/money.h"
#include "platform/status.h"

namespace sales::finance {
namespace {

// Division of a non-negative wide value rounded half up.
int64_t DivHalfUp(absl::int128 num, absl::int128 den) { return static_cast<int64_t>((num + den / 2) / den); }

std::string Yuan(int64_t minor) {
  int64_t a = minor < 0 ? -minor : minor;
  return absl::StrCat(minor < 0 ? "-" : "", a / 100, ".", (a % 100) / 10, a % 10);
}

std::string Pct(int64_t bp) { return absl::StrCat(bp / 100, ".", (bp % 100) / 10, bp % 10, "%"); }

}  // namespace

int64_t ApplyBp(int64_t amount, int64_t bp) {
  bool neg = (amount < 0) != (bp < 0);
  absl::int128 a = amount < 0 ? -absl::int128(amount) : absl::int128(amount);
  absl::int128 b = bp < 0 ? -absl::int128(bp) : absl::int128(bp);
  int64_t r = DivHalfUp(a * b, 10000);
  return neg ? -r : r;
}

int64_t ApplyTwoBp(int64_t amount, int64_t bp1, int64_t bp2) {
  bool neg = (amount < 0) != ((bp1 < 0) != (bp2 < 0));
  absl::int128 a = amount < 0 ? -absl::int128(amount) : absl::int128(amount);
  absl::int128 b1 = bp1 < 0 ? -absl::int128(bp1) : absl::int128(bp1);
  absl::int128 b2 = bp2 < 0 ? -absl::int128(bp2) : absl::int128(bp2);
  int64_t r = DivHalfUp(a * b1 * b2, absl::int128(100'000'000));
  return neg ? -r : r;
}

absl::CivilDay AddMonths(absl::CivilDay day, int months) {
  absl::CivilMonth m = absl::CivilMonth(day) + months;
  absl::CivilDay last = absl::CivilDay(m + 1) - 1;
  absl::CivilDay wanted(m.year(), m.month(), day.day());
  // CivilDay normalises Feb 30 to Mar 2; clamp to the month's last day.
  return absl::CivilMonth(wanted) == m ? wanted : last;
}

int32_t TierRate(const std::vector<TierRule>& tiers, int32_t attainment_bp) {
  int32_t rate = 0;
  for (const auto& t : tiers) {
    if (attainment_bp >= t.min_attainment_bp) rate = t.rate_bp;
  }
  return rate;
}

int32_t CollectionCreditBp(const CommissionRules& rules, absl::CivilDay due_on, absl::CivilDay collected_on) {
  if (collected_on <= AddMonths(due_on, rules.full_credit_months)) return 10000;
  if (collected_on <= AddMonths(due_on, rules.late_credit_months)) return rules.late_credit_bp;
  return 0;
}

int32_t BasePayShareBp(const CommissionRules& rules, int32_t attainment_bp) {
  if (attainment_bp >= rules.attainment_floor_bp) return 10000;
  return std::max(std::max(attainment_bp, 0), rules.base_floor_bp);
}

CommissionRules RulesOf(const v1::CommissionPlan& plan) {
  CommissionRules r;
  for (const auto& t : plan.tiers()) r.tiers.push_back({t.min_attainment_bp(), t.rate_bp()});
  r.payable_now_bp = plan.payable_now_bp();
  r.holdback_bp = plan.holdback_bp();
  r.full_credit_months = plan.full_credit_months();
  r.late_credit_months = plan.late_credit_months();
  r.late_credit_bp = plan.late_credit_bp();
  r.deduct_uncollected = plan.deduct_uncollected();
  r.attainment_floor_bp = plan.attainment_floor_bp();
  r.base_floor_bp = plan.base_floor_bp();
  r.base_pay_minor = plan.base_pay().minor_units();
  r.manager_rate_bp = plan.manager_rate_bp();
  r.manager_threshold_bp = plan.manager_threshold_bp() == 0 ? 10000 : plan.manager_threshold_bp();
  r.manager_excess_rate_bp = plan.manager_excess_rate_bp();
  return r;
}

absl::Status ValidateCommissionPlan(const v1::CommissionPlan& p) {
  std::vector<FieldViolation> bad;
  auto bp_range = [&](int64_t v, const char* field) {
    if (v < 0 || v > 10000) bad.push_back({field, "0..10000 basis points"});
  };
  if (p.name().empty() || p.name().size() > 100) bad.push_back({"commission_plan.name", "required, 1..100 characters"});
  if (p.reason().empty() || p.reason().size() > 500) {
    bad.push_back({"commission_plan.reason", "required, 1..500 characters"});
  }
  if (p.tiers().empty() || p.tiers_size() > 20) bad.push_back({"commission_plan.tiers", "1..20 tiers"});
  for (int i = 0; i < p.tiers_size(); ++i) {
    std::string f = absl::StrCat("commission_plan.tiers[", i, "]");
    const auto& t = p.tiers(i);
    if (i == 0 && t.min_attainment_bp() != 0) bad.push_back({f + ".min_attainment_bp", "the first tier starts at 0"});
    if (i > 0 && t.min_attainment_bp() <= p.tiers(i - 1).min_attainment_bp()) {
      bad.push_back({f + ".min_attainment_bp", "tiers must be strictly increasing"});
    }
    if (t.rate_bp() < 0 || t.rate_bp() > 10000) bad.push_back({f + ".rate_bp", "0..10000 basis points"});
  }
  bp_range(p.payable_now_bp(), "commission_plan.payable_now_bp");
  bp_range(p.holdback_bp(), "commission_plan.holdback_bp");
  if (static_cast<int64_t>(p.payable_now_bp()) + p.holdback_bp() != 10000) {
    bad.push_back({"commission_plan.holdback_bp", "payable_now_bp + holdback_bp must be 10000"});
  }
  if (p.full_credit_months() < 0 || p.full_credit_months() > 120) {
    bad.push_back({"commission_plan.full_credit_months", "0..120"});
  }
  if (p.late_credit_months() < p.full_credit_months() || p.late_credit_months() > 120) {
    bad.push_back({"commission_plan.late_credit_months", "not below full_credit_months, at most 120"});
  }
  bp_range(p.late_credit_bp(), "commission_plan.late_credit_bp");
  bp_range(p.attainment_floor_bp(), "commission_plan.attainment_floor_bp");
  bp_range(p.base_floor_bp(), "commission_plan.base_floor_bp");
  if (!p.has_base_pay()) {
    bad.push_back({"commission_plan.base_pay", "required"});
  } else if (!ValidateMoney(p.base_pay(), "commission_plan.base_pay", Sign::kNonNegative).ok()) {
    bad.push_back({"commission_plan.base_pay", "a non-negative amount"});
  }
  bp_range(p.manager_rate_bp(), "commission_plan.manager_rate_bp");
  if (p.manager_threshold_bp() < 0) bad.push_back({"commission_plan.manager_threshold_bp", "must be >= 0"});
  bp_range(p.manager_excess_rate_bp(), "commission_plan.manager_excess_rate_bp");
  if (p.attainment_metric() != v1::ATTAINMENT_METRIC_SALES_AMOUNT &&
      p.attainment_metric() != v1::ATTAINMENT_METRIC_COLLECTED_AMOUNT) {
    bad.push_back({"commission_plan.attainment_metric", "SALES_AMOUNT or COLLECTED_AMOUNT"});
  }
  if (p.org_unit_id() < 0) bad.push_back({"commission_plan.org_unit_id", "must be >= 0"});
  if (p.rep_grade().size() > 32) bad.push_back({"commission_plan.rep_grade", "at most 32 characters"});
  return bad.empty() ? absl::OkStatus() : InvalidFields(std::move(bad));
}

absl::StatusOr<StatementFigures> ComputeStatement(const CommissionRules& rules, const StatementInput& in,
                                                  const std::string& currency) {
  StatementFigures out;
  // Every running total is checked: a month's figures past int64 are a
  // refusal to compute, never a wrapped commission.
  bool overflow = false;
  auto sum = [&](int64_t& total, int64_t v) { overflow = __builtin_add_overflow(total, v, &total) || overflow; };
  out.tier_rate_bp = TierRate(rules.tiers, in.attainment_bp);
  const int32_t rate = out.tier_rate_bp;
  auto add = [&](v1::CommissionLineKind kind, int64_t base, int32_t credit_bp, int32_t rate_bp, int64_t amount,
                 std::string description) -> v1::CommissionLine& {
    v1::CommissionLine& l = out.lines.emplace_back();
    l.set_sequence(static_cast<int32_t>(out.lines.size()));
    l.set_kind(kind);
    *l.mutable_base_amount() = MakeMoney(base, currency);
    l.set_credit_bp(credit_bp);
    l.set_rate_bp(rate_bp);
    *l.mutable_amount() = MakeMoney(amount, currency);
    l.set_description(std::move(description));
    return l;
  };

  // Collections: each counts by how late it came, at the month's tier rate.
  for (const auto& c : in.collections) {
    int32_t credit = CollectionCreditBp(rules, c.due_on, c.collected_on);
    int64_t amount = ApplyTwoBp(c.amount_minor, credit, rate);
    v1::CommissionLineKind kind = credit == 10000 ? v1::COMMISSION_LINE_KIND_COLLECTION
                                  : credit > 0    ? v1::COMMISSION_LINE_KIND_LATE_COLLECTION
                                                  : v1::COMMISSION_LINE_KIND_VERY_LATE_COLLECTION;
    int days = static_cast<int>(c.collected_on - c.due_on);
    std::string what = absl::StrCat("collected ", Yuan(c.amount_minor), " on ", absl::FormatCivilTime(c.collected_on),
                                    ", ", days > 0 ? absl::StrCat(days, " days after due") : "on time", "; counts ",
                                    Pct(credit), " at ", Pct(rate));
    if (c.reversed) {
      // A reversed application takes back what it earned, at this month's rate.
      kind = v1::COMMISSION_LINE_KIND_CREDIT_REVERSAL;
      amount = -amount;
      what = absl::StrCat("application reversed: ", what);
      sum(out.reversals, amount);
    } else {
      sum(out.collected, c.amount_minor);
      sum(out.credited_base, ApplyBp(c.amount_minor, credit));
      sum(out.commission, amount);
    }
    auto& l = add(kind, c.reversed ? -c.amount_minor : c.amount_minor, credit, rate, amount, what);
    l.set_payment_application_id(c.application_id);
    l.set_invoice_id(c.invoice_id);
    l.set_customer_id(c.customer_id);
    l.set_product_line_id(c.product_line_id);
    l.set_days_past_due(std::max(days, 0));
  }

  // Returns and other credits take back commission on what they credit.
  for (const auto& cr : in.credits) {
    int64_t amount = -ApplyTwoBp(cr.amount_minor, cr.credit_bp, rate);
    auto& l =
        add(cr.is_return ? v1::COMMISSION_LINE_KIND_RETURN_REVERSAL : v1::COMMISSION_LINE_KIND_CREDIT_REVERSAL,
            -cr.amount_minor, cr.credit_bp, rate, amount,
            absl::StrCat(cr.is_return ? "return credited " : "credit memo ", Yuan(cr.amount_minor), " at ", Pct(rate)));
    l.set_credit_memo_id(cr.credit_memo_id);
    l.set_invoice_id(cr.invoice_id);
    l.set_customer_id(cr.customer_id);
    l.set_product_line_id(cr.product_line_id);
    sum(out.reversals, amount);
  }

  // Manager commission on the unit's total when the unit reached target,
  // and on its excess over target.
  if (in.manager.has_value() && in.manager->unit_attainment_bp >= rules.manager_threshold_bp) {
    const ManagerFact& m = *in.manager;
    if (rules.manager_rate_bp > 0 && m.unit_credited_minor > 0) {
      int64_t amount = ApplyBp(m.unit_credited_minor, rules.manager_rate_bp);
      add(v1::COMMISSION_LINE_KIND_MANAGER_UNIT, m.unit_credited_minor, 10000, rules.manager_rate_bp, amount,
          absl::StrCat("unit reached ", Pct(m.unit_attainment_bp), " of target: ", Pct(rules.manager_rate_bp),
                       " of the unit's credited collections"));
      sum(out.manager_commission, amount);
    }
    int64_t excess = 0;
    overflow = __builtin_sub_overflow(m.unit_actual_minor, m.unit_target_minor, &excess) || overflow;
    if (rules.manager_excess_rate_bp > 0 && excess > 0) {
      int64_t amount = ApplyBp(excess, rules.manager_excess_rate_bp);
      add(v1::COMMISSION_LINE_KIND_MANAGER_EXCESS, excess, 10000, rules.manager_excess_rate_bp, amount,
          absl::StrCat(Pct(rules.manager_excess_rate_bp), " of the unit's excess over target"));
      sum(out.manager_commission, amount);
    }
  }

  // Deductions for amounts uncollected after late_credit_months: first give
  // back what was held for amounts since collected, then hold the rest out
  // of what this month's commission can bear (never below zero).
  int64_t available = out.commission;
  sum(available, out.reversals);
  sum(available, out.manager_commission);
  available = std::max<int64_t>(0, available);
  for (const auto& d : in.deductions) {
    if (d.held_minor > d.outstanding_minor) {
      int64_t back = d.held_minor - d.outstanding_minor;
      auto& l = add(v1::COMMISSION_LINE_KIND_DEDUCTION_RETURNED, back, 10000, 10000, back,
                    absl::StrCat("deduction returned: ", Yuan(back), " collected"));
      l.set_invoice_id(d.invoice_id);
      l.set_customer_id(d.customer_id);
      sum(out.deductions, back);
      sum(available, back);
      out.deduction_changes.push_back({d.deduction_id, d.invoice_id, d.customer_id, d.outstanding_minor, 0, back});
    }
  }
  if (rules.deduct_uncollected) {
    for (const auto& d : in.deductions) {
      if (d.outstanding_minor <= d.held_minor) continue;
      int64_t take = std::min(d.outstanding_minor - d.held_minor, available);
      if (take <= 0 && d.deduction_id != 0) continue;
      available -= take;
      auto& l = add(v1::COMMISSION_LINE_KIND_UNCOLLECTED_DEDUCTION, -d.outstanding_minor, 10000, 10000, -take,
                    absl::StrCat("uncollected ", Yuan(d.outstanding_minor), " more than ", rules.late_credit_months,
                                 " months after due: ", Yuan(take), " held until collected"));
      l.set_invoice_id(d.invoice_id);
      l.set_customer_id(d.customer_id);
      sum(out.deductions, -take);
      out.deduction_changes.push_back({d.deduction_id, d.invoice_id, d.customer_id, d.outstanding_minor, take, 0});
    }
  }

  out.total_commission = out.commission;
  sum(out.total_commission, out.reversals);
  sum(out.total_commission, out.deductions);
  sum(out.total_commission, out.manager_commission);
  if (overflow) {
    return absl::OutOfRangeError(
        "the month's commission figures exceed what an amount can hold; check the collections and credits");
  }
  // 90 % with the month, 10 % at year end; a negative month is carried in
  // full (nothing to hold back).
  out.payable_now =
      out.total_commission > 0 ? ApplyBp(out.total_commission, rules.payable_now_bp) : out.total_commission;
  out.held_back = out.total_commission - out.payable_now;
  if (out.held_back != 0) {
    add(v1::COMMISSION_LINE_KIND_HOLDBACK, out.total_commission, 10000, rules.holdback_bp, -out.held_back,
        absl::StrCat(Pct(rules.holdback_bp), " held to year end"));
  }
  if (in.holdback_release_minor != 0) {
    out.holdback_released = in.holdback_release_minor;
    add(v1::COMMISSION_LINE_KIND_HOLDBACK_RELEASE, in.holdback_release_minor, 10000, 10000, in.holdback_release_minor,
        "release of the year's holdback");
  }

  int32_t share = BasePayShareBp(rules, in.attainment_bp);
  out.base_pay = ApplyBp(rules.base_pay_minor, share);
  if (rules.base_pay_minor != 0) {
    add(v1::COMMISSION_LINE_KIND_BASE_PAY, rules.base_pay_minor, 10000, share, out.base_pay,
        share == 10000 ? "base pay in full"
                       : absl::StrCat("attainment ", Pct(in.attainment_bp), " under the floor ",
                                      Pct(rules.attainment_floor_bp), ": base pay at ", Pct(share)));
  }
  return out;
}

}  // namespace sales::finance
