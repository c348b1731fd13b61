// Visit plans (domain.md §4 "Visit plans"; seed 000 拜访制度): due and
// overdue classification at its edges, visits required over a report period
// and compliance in basis points. Each row's expected value is worked out by
// hand in its comment.
#include "customers-svc/domain/visits.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "platform/status.h"
#include "tests/testing/status_matchers.h"

namespace sales::customers {
namespace {

using absl::CivilDay;
using ::sales::testing::StatusIs;

constexpr auto KA = v1::CUSTOMER_TYPE_OUTLET_KA;
constexpr auto A = v1::CUSTOMER_TYPE_OUTLET_A;
constexpr auto B = v1::CUSTOMER_TYPE_OUTLET_B;
constexpr auto W = v1::CUSTOMER_TYPE_WHOLESALER;
constexpr auto END = v1::CUSTOMER_TYPE_END_CUSTOMER;

struct ClassifyCase {
  std::string name;
  v1::CustomerType type;
  std::optional<CivilDay> last_visit;
  CivilDay since;
  CivilDay as_of;
  int look_ahead;
  VisitStanding standing;
  std::optional<CivilDay> due;
  int days_overdue;
  v1::VisitDueStatus status;
};

TEST(VisitsDue, ClassifiesAtTheEdges) {
  const CivilDay jan1(2026, 1, 1);
  const std::vector<ClassifyCase> cases = {
      // KA weekly: visited Jan 1 → due Jan 8. As of Jan 8 it is due today, not late.
      {"ka due day itself is due", KA, CivilDay(2026, 1, 1), jan1, CivilDay(2026, 1, 8), 0, VisitStanding::kDue,
       CivilDay(2026, 1, 8), 0, v1::VISIT_DUE_STATUS_DUE},
      // One day later: 1 day overdue.
      {"ka one day late", KA, CivilDay(2026, 1, 1), jan1, CivilDay(2026, 1, 9), 7, VisitStanding::kOverdue,
       CivilDay(2026, 1, 8), 1, v1::VISIT_DUE_STATUS_OVERDUE},
      // Jan 1 + 7 look-ahead: due Jan 8 is exactly at the edge → DUE.
      {"ka due at look-ahead edge", KA, CivilDay(2026, 1, 1), jan1, CivilDay(2026, 1, 1), 7, VisitStanding::kDue,
       CivilDay(2026, 1, 8), 0, v1::VISIT_DUE_STATUS_DUE},
      // Look-ahead 6: Jan 8 is 7 days away → not listed yet.
      {"ka just beyond look-ahead", KA, CivilDay(2026, 1, 1), jan1, CivilDay(2026, 1, 1), 6, VisitStanding::kOk,
       CivilDay(2026, 1, 8), 0, v1::VISIT_DUE_STATUS_UNSPECIFIED},
      // Class A 2/21 → every 10 days: visited Jan 5 → due Jan 15; as of Jan 20: 5 late.
      {"class a ten-day gap", A, CivilDay(2026, 1, 5), jan1, CivilDay(2026, 1, 20), 7, VisitStanding::kOverdue,
       CivilDay(2026, 1, 15), 5, v1::VISIT_DUE_STATUS_OVERDUE},
      // Never visited, owned since Jan 1, class B monthly (30 days): due Jan 31.
      {"never visited due from since", B, std::nullopt, jan1, CivilDay(2026, 1, 28), 7, VisitStanding::kDue,
       CivilDay(2026, 1, 31), 0, v1::VISIT_DUE_STATUS_NEVER_VISITED},
      // Never visited and late: Feb 3 is 3 days past Jan 31.
      {"never visited overdue", B, std::nullopt, jan1, CivilDay(2026, 2, 3), 7, VisitStanding::kOverdue,
       CivilDay(2026, 1, 31), 3, v1::VISIT_DUE_STATUS_NEVER_VISITED},
      // The previous owner's visit (Dec 20) does not count for a customer
      // taken over Jan 10: due Jan 10 + 30 = Feb 9, never visited by the new rep.
      {"previous owner's visit", B, CivilDay(2025, 12, 20), CivilDay(2026, 1, 10), CivilDay(2026, 2, 5), 7,
       VisitStanding::kDue, CivilDay(2026, 2, 9), 0, v1::VISIT_DUE_STATUS_NEVER_VISITED},
      // Visit on the takeover day itself counts: due Jan 10 + 30 = Feb 9, status DUE.
      {"visit on takeover day", B, CivilDay(2026, 1, 10), CivilDay(2026, 1, 10), CivilDay(2026, 2, 5), 7,
       VisitStanding::kDue, CivilDay(2026, 2, 9), 0, v1::VISIT_DUE_STATUS_DUE},
      // Wholesaler every 60 days: Jan 1 → Mar 2 (Jan 31 days + Feb 28 = 59 → Mar 2).
      {"wholesaler sixty days", W, CivilDay(2026, 1, 1), jan1, CivilDay(2026, 3, 2), 0, VisitStanding::kDue,
       CivilDay(2026, 3, 2), 0, v1::VISIT_DUE_STATUS_DUE},
      // End customers need no visits, however long ago.
      {"end customer never required", END, std::nullopt, jan1, CivilDay(2027, 1, 1), 7, VisitStanding::kNotRequired,
       std::nullopt, 0, v1::VISIT_DUE_STATUS_UNSPECIFIED},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto view = ClassifyVisit(c.type, c.last_visit, c.since, c.as_of, c.look_ahead, DefaultVisitRules());
    ASSERT_TRUE(view.ok()) << view.status();
    EXPECT_EQ(view->standing, c.standing);
    EXPECT_EQ(view->due_date, c.due);
    EXPECT_EQ(view->days_overdue, c.days_overdue);
    EXPECT_EQ(view->status, c.status);
  }
}

TEST(VisitsDue, RefusesBadInputWithFieldViolations) {
  const CivilDay d(2026, 1, 1);
  EXPECT_THAT(ClassifyVisit(KA, std::nullopt, d, d, 31, DefaultVisitRules()).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ClassifyVisit(KA, std::nullopt, d, d, -1, DefaultVisitRules()).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
  // A visit after as_of does not exist yet.
  auto future = ClassifyVisit(KA, CivilDay(2026, 1, 2), d, d, 7, DefaultVisitRules());
  ASSERT_THAT(future.status(), StatusIs(absl::StatusCode::kInvalidArgument));
  ASSERT_EQ(FieldViolationsOf(future.status()).size(), 1u);
  EXPECT_EQ(FieldViolationsOf(future.status())[0].field, "last_visit_date");
  // Broken rules name the offending rule.
  VisitRules bad = {{KA, 0, 7, 0}, {KA, 1, 7, 0}};
  auto st = ValidateVisitRules(bad);
  ASSERT_THAT(st, StatusIs(absl::StatusCode::kInvalidArgument));
  std::vector<std::string> fields;
  for (const auto& f : FieldViolationsOf(st)) fields.push_back(f.field);
  EXPECT_EQ(fields, (std::vector<std::string>{"visit_rules[0].visits_required", "visit_rules[1].customer_type"}));
}

TEST(VisitsRequired, OverPeriods) {
  const VisitRules rules = DefaultVisitRules();
  struct Case {
    std::string name;
    v1::CustomerType type;
    CivilDay from, to;
    int want;
  };
  const std::vector<Case> cases = {
      // January, 31 days: KA floor(31/7) = 4; A floor(2*31/21) = 2; B floor(31/30) = 1; wholesaler 0.
      {"ka january", KA, CivilDay(2026, 1, 1), CivilDay(2026, 1, 31), 4},
      {"a january", A, CivilDay(2026, 1, 1), CivilDay(2026, 1, 31), 2},
      {"b january", B, CivilDay(2026, 1, 1), CivilDay(2026, 1, 31), 1},
      {"wholesaler january", W, CivilDay(2026, 1, 1), CivilDay(2026, 1, 31), 0},
      // February 2026 has 28 days: B floor(28/30) = 0 — a monthly visit is
      // not yet owed within a 28-day window.
      {"b february", B, CivilDay(2026, 2, 1), CivilDay(2026, 2, 28), 0},
      // Exactly one week: KA 1. Six days: 0.
      {"ka one week", KA, CivilDay(2026, 1, 5), CivilDay(2026, 1, 11), 1},
      {"ka six days", KA, CivilDay(2026, 1, 5), CivilDay(2026, 1, 10), 0},
      // Empty and inverted ranges owe nothing.
      {"inverted", KA, CivilDay(2026, 1, 10), CivilDay(2026, 1, 9), 0},
      // A quarter (90 days): wholesaler floor(90/60) = 1; A floor(180/21) = 8.
      {"wholesaler quarter", W, CivilDay(2026, 1, 1), CivilDay(2026, 3, 31), 1},
      {"a quarter", A, CivilDay(2026, 1, 1), CivilDay(2026, 3, 31), 8},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_EQ(VisitsRequiredOver(*FindVisitRule(rules, c.type), c.from, c.to), c.want);
  }
  // Calendar months: Jan 31 + 1 month = Feb 28, so Jan 31..Feb 27 is one step.
  VisitRule monthly{B, 1, 0, 1};
  EXPECT_EQ(VisitsRequiredOver(monthly, CivilDay(2026, 1, 31), CivilDay(2026, 2, 27)), 1);
  EXPECT_EQ(VisitsRequiredOver(monthly, CivilDay(2026, 1, 31), CivilDay(2026, 2, 26)), 0);
  EXPECT_EQ(VisitsRequiredOver(monthly, CivilDay(2026, 1, 1), CivilDay(2026, 12, 31)), 12);
}

TEST(VisitsRequired, ComplianceInBasisPoints) {
  EXPECT_EQ(ComplianceBp(0, 0), 10000);  // nothing required
  EXPECT_EQ(ComplianceBp(3, 0), 10000);
  EXPECT_EQ(ComplianceBp(0, 4), 0);
  EXPECT_EQ(ComplianceBp(1, 3), 3333);  // rounds down
  EXPECT_EQ(ComplianceBp(2, 3), 6666);
  EXPECT_EQ(ComplianceBp(4, 4), 10000);
  EXPECT_EQ(ComplianceBp(5, 4), 10000);  // capped
}

}  // namespace
}  // namespace sales::customers
