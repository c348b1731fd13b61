// Money can't wrap (issue 12, domain.md §2): the checked primitives of
// platform/money.h at the int64 edges, compared value by value with an exact
// 128-bit reference over a grid of edge operands (property style: for every
// pair, OK exactly when the true result fits, and then equal to it); and
// the rules built on them — orders line amounts, quantity and line caps, the
// credit check, with the numbers of the reported attack (2^62 units), and a
// targets revision whose parts wrap around int64.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "absl/numeric/int128.h"
#include "absl/time/time.h"
#include "orders-svc/domain/confirmation.h"
#include "orders-svc/domain/limits.h"
#include "orders-svc/domain/pricing.h"
#include "platform/money.h"
#include "platform/status.h"
#include "targets-svc/domain/negotiation.h"
#include "tests/testing/status_matchers.h"

namespace sales {
namespace {

using ::sales::testing::IsOk;
using ::sales::testing::StatusIs;

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
constexpr int64_t k2e62 = int64_t{1} << 62;       // 4,611,686,018,427,387,904: the reported order
constexpr int64_t kSqrtMax = 3'037'000'499;       // floor(sqrt(2^63 - 1))
constexpr int64_t kBound = kMaxAmountMinorUnits;  // 10^15

// Operands at and around every edge that matters: zero, ±1, 32-bit edges,
// the square root of INT64_MAX, 2^62, the amount bound and int64's ends.
std::vector<int64_t> EdgeValues() {
  std::vector<int64_t> base = {0,
                               1,
                               2,
                               10'000,
                               1'000'000'000,
                               int64_t{1} << 31,
                               int64_t{1} << 32,
                               kSqrtMax,
                               kSqrtMax + 1,
                               k2e62 - 1,
                               k2e62,
                               k2e62 + 1,
                               kBound - 1,
                               kBound,
                               kMax / 2,
                               kMax / 2 + 1,
                               kMax - 1,
                               kMax};
  std::vector<int64_t> out = base;
  for (int64_t v : base) {
    if (v != 0) out.push_back(-v);
  }
  out.push_back(kMin);
  out.push_back(kMin + 1);
  return out;
}

bool FitsInt64(absl::int128 v) { return v >= absl::int128(kMin) && v <= absl::int128(kMax); }

// The field named in an INVALID_ARGUMENT's BadRequest ("" when none).
std::string FieldOf(const absl::Status& s) {
  auto v = FieldViolationsOf(s);
  return v.empty() ? "" : v[0].field;
}

// ---- CheckedAdd / CheckedSub / CheckedMul against the int128 reference ----

TEST(CheckedArithmetic, AddMatchesExactSumOverEdgeGrid) {
  for (int64_t a : EdgeValues()) {
    for (int64_t b : EdgeValues()) {
      absl::int128 exact = absl::int128(a) + b;
      auto r = CheckedAdd(a, b, "x");
      ASSERT_EQ(r.ok(), FitsInt64(exact)) << a << " + " << b;
      if (r.ok()) {
        EXPECT_EQ(absl::int128(*r), exact) << a << " + " << b;
      }
    }
  }
}

TEST(CheckedArithmetic, SubMatchesExactDifferenceOverEdgeGrid) {
  for (int64_t a : EdgeValues()) {
    for (int64_t b : EdgeValues()) {
      absl::int128 exact = absl::int128(a) - b;
      auto r = CheckedSub(a, b, "x");
      ASSERT_EQ(r.ok(), FitsInt64(exact)) << a << " - " << b;
      if (r.ok()) {
        EXPECT_EQ(absl::int128(*r), exact) << a << " - " << b;
      }
    }
  }
}

TEST(CheckedArithmetic, MulMatchesExactProductOverEdgeGrid) {
  for (int64_t a : EdgeValues()) {
    for (int64_t b : EdgeValues()) {
      absl::int128 exact = absl::int128(a) * b;
      auto r = CheckedMul(a, b, "x");
      ASSERT_EQ(r.ok(), FitsInt64(exact)) << a << " * " << b;
      if (r.ok()) {
        EXPECT_EQ(absl::int128(*r), exact) << a << " * " << b;
      }
    }
  }
}

TEST(CheckedArithmetic, ProductsJustBelowAndAboveTheLimit) {
  EXPECT_EQ(*CheckedMul(kSqrtMax, kSqrtMax), kSqrtMax * kSqrtMax);  // 9,223,372,030,926,249,001
  EXPECT_THAT(CheckedMul(kSqrtMax + 1, kSqrtMax + 1), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_EQ(*CheckedMul(k2e62, 1), k2e62);
  EXPECT_THAT(CheckedMul(k2e62, 2), StatusIs(absl::StatusCode::kOutOfRange));  // 2^63 wraps to INT64_MIN
  EXPECT_EQ(*CheckedMul(-k2e62, 2), kMin);                                     // -2^63 still fits
  EXPECT_THAT(CheckedMul(kMin, -1), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(CheckedMul(k2e62, 4), StatusIs(absl::StatusCode::kOutOfRange));  // 2^64 wraps to exactly 0
  EXPECT_EQ(*CheckedAdd(kMax, 0), kMax);
  EXPECT_THAT(CheckedAdd(kMax, 1), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(CheckedAdd(kMin, -1), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(CheckedSub(0, kMin), StatusIs(absl::StatusCode::kOutOfRange));
}

TEST(CheckedArithmetic, OverflowNamesTheFieldAsInvalidArgument) {
  auto r = CheckedMul(k2e62, 4, "order.lines[0].quantity");
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(FieldOf(r.status()), "order.lines[0].quantity");
  auto s = CheckedAdd(kMax, kMax, "quote.special_fees");
  EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(FieldOf(s.status()), "quote.special_fees");
}

// ---- ApplyBasisPoints -----------------------------------------------------

// The reference: magnitude × |bp| / 10000 rounded half up, sign restored.
absl::int128 ReferenceBp(int64_t amount, int64_t bp) {
  absl::int128 a = amount < 0 ? -absl::int128(amount) : absl::int128(amount);
  absl::int128 b = bp < 0 ? -absl::int128(bp) : absl::int128(bp);
  absl::int128 r = (a * b + 5000) / 10000;
  return ((amount < 0) != (bp < 0)) ? -r : r;
}

TEST(ApplyBasisPoints, ZeroAndFullRateAtInt64Edges) {
  for (int64_t a : EdgeValues()) {
    EXPECT_EQ(*ApplyBasisPoints(a, 0), 0) << a;
    EXPECT_EQ(*ApplyBasisPoints(a, 10000), a) << a;  // 100% is the amount itself, even INT64_MIN
  }
  EXPECT_EQ(*ApplyBasisPoints(kMax, 5000), kMax / 2 + 1);  // 4611686018427387903.5 → away from zero
  EXPECT_EQ(*ApplyBasisPoints(kMin, 5000), kMin / 2);      // exact half
}

TEST(ApplyBasisPoints, NegativeRatesMirrorPositiveOnes) {
  EXPECT_EQ(*ApplyBasisPoints(5, 5000), 3);    // 2.5 → 3
  EXPECT_EQ(*ApplyBasisPoints(-5, 5000), -3);  // mirror
  EXPECT_EQ(*ApplyBasisPoints(5, -5000), -3);
  EXPECT_EQ(*ApplyBasisPoints(-5, -5000), 3);
  EXPECT_EQ(*ApplyBasisPoints(4, 5000), 2);
  EXPECT_EQ(*ApplyBasisPoints(1'234'567, 1300), 160'494);  // 13% VAT: 160,493.71 → 160,494
  for (int64_t a : EdgeValues()) {
    auto pos = ApplyBasisPoints(a, 1300);
    auto neg = ApplyBasisPoints(a, -1300);
    ASSERT_EQ(pos.ok(), neg.ok()) << a;
    if (pos.ok()) {
      EXPECT_EQ(*pos, -*neg) << a;
    }
  }
}

TEST(ApplyBasisPoints, MatchesExactReferenceAndRefusesWhatDoesNotFit) {
  std::vector<int64_t> rates = {0,     1,      4999, 5000,   5001,   9999, 10000, 10001,
                                20000, 100000, -1,   -10000, -20000, kMax, kMin};
  for (int64_t a : EdgeValues()) {
    for (int64_t bp : rates) {
      absl::int128 exact = ReferenceBp(a, bp);
      auto r = ApplyBasisPoints(a, bp, "rate_bp");
      ASSERT_EQ(r.ok(), FitsInt64(exact)) << a << " @ " << bp;
      if (r.ok()) {
        EXPECT_EQ(absl::int128(*r), exact) << a << " @ " << bp;
      } else {
        EXPECT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument));
        EXPECT_EQ(FieldOf(r.status()), "rate_bp");
      }
    }
  }
  EXPECT_THAT(ApplyBasisPoints(kMax, 20000), StatusIs(absl::StatusCode::kOutOfRange));
}

// ---- The 10^15 amount bound ----------------------------------------------

TEST(AmountBound, SumsAndProductsStayBelowTenToTheFifteen) {
  EXPECT_THAT(CheckAmount(kBound - 1), IsOk());
  EXPECT_THAT(CheckAmount(-(kBound - 1)), IsOk());
  EXPECT_THAT(CheckAmount(kBound), StatusIs(absl::StatusCode::kOutOfRange));
  EXPECT_THAT(CheckAmount(kMin, "order.total"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(*AmountMul(999'999'999, 1'000'000), 999'999'999'000'000);
  EXPECT_THAT(AmountMul(1'000'000'000, 1'000'000), StatusIs(absl::StatusCode::kOutOfRange));  // exactly 10^15
  EXPECT_THAT(AmountMul(k2e62, 4), StatusIs(absl::StatusCode::kOutOfRange));  // wraps to 0 without the check
  EXPECT_EQ(*AmountAdd(kBound - 2, 1), kBound - 1);
  EXPECT_THAT(AmountAdd(kBound - 1, 1, "f"), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(AmountAdd(kMax, 1, "f"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(AmountBound, RunningSumRefusesAndKeepsItsLastGoodValue) {
  AmountSum s("quote.lines");
  EXPECT_THAT(s.Add(kBound - 1), IsOk());
  auto st = s.Add(1);
  EXPECT_THAT(st, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(FieldOf(st), "quote.lines");
  EXPECT_EQ(s.value(), kBound - 1);
  EXPECT_THAT(s.Sub(kBound - 1), IsOk());
  EXPECT_EQ(s.value(), 0);
  EXPECT_THAT(s.Add(kMax), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(s.Sub(kMin), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(s.value(), 0);
}

}  // namespace

namespace orders {
namespace {

using ::sales::testing::IsOk;
using ::sales::testing::StatusIs;

// ---- Orders: line amounts, quantity and line caps -------------------------

TEST(OrderLimits, TheReportedOrderOfTwoToTheSixtyTwoUnitsIsRefused) {
  // ¥0.04 a unit × 2^62 units = 2^64 fen, which wrapped to a total of 0.
  auto r = LineAmount(4, k2e62, "order.lines[0].quantity");
  EXPECT_THAT(r, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(FieldOf(r.status()), "order.lines[0].quantity");
  EXPECT_FALSE(QuantityInRange(k2e62, false));
  EXPECT_FALSE(QuantityInRange(k2e62, true));
  EXPECT_FALSE(QuantityInRange(-k2e62, true));
}

TEST(OrderLimits, QuantityRangeEdges) {
  EXPECT_TRUE(QuantityInRange(1, false));
  EXPECT_TRUE(QuantityInRange(kMaxLineQuantity, false));
  EXPECT_FALSE(QuantityInRange(kMaxLineQuantity + 1, false));
  EXPECT_FALSE(QuantityInRange(0, false));
  EXPECT_FALSE(QuantityInRange(0, true));
  EXPECT_FALSE(QuantityInRange(-1, false));  // only corrections reverse
  EXPECT_TRUE(QuantityInRange(-1, true));
  EXPECT_TRUE(QuantityInRange(-kMaxLineQuantity, true));
  EXPECT_FALSE(QuantityInRange(-kMaxLineQuantity - 1, true));
  EXPECT_FALSE(QuantityInRange(kMax, false));
  EXPECT_FALSE(QuantityInRange(kMin, true));
}

TEST(OrderLimits, LineAmountAtTheBusinessMaximum) {
  // A billion units at ¥9,999.99 is ¥9,999,990,000,000 — inside the bound.
  EXPECT_EQ(*LineAmount(999'999, kMaxLineQuantity, "q"), 999'999'000'000'000);
  // A billion units at ¥10,000.00 reaches 10^15 fen: refused.
  EXPECT_THAT(LineAmount(1'000'000, kMaxLineQuantity, "q"), StatusIs(absl::StatusCode::kInvalidArgument));
  // Reversal lines of a correction order are negative and bounded alike.
  EXPECT_EQ(*LineAmount(999'999, -kMaxLineQuantity, "q"), -999'999'000'000'000);
  EXPECT_THAT(LineAmount(kMax, -1, "q"), StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(OrderLimits, RepeatedFieldCapsNameTheField) {
  EXPECT_THAT(CheckRepeatedCap(kMaxDocumentLines, kMaxDocumentLines, "order.lines"), IsOk());
  auto st = CheckRepeatedCap(kMaxDocumentLines + 1, kMaxDocumentLines, "order.lines");
  EXPECT_THAT(st, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(FieldOf(st), "order.lines");
  EXPECT_EQ(kMaxDocumentLines, 200);
}

TEST(OrderLimits, NetUnitPriceStaysWithinTheListPriceAtInt64Edges) {
  EXPECT_EQ(NetUnitPrice(kMax, 0), kMax);
  EXPECT_EQ(NetUnitPrice(kMax, 10000), 0);
  EXPECT_EQ(NetUnitPrice(kBound - 1, 1), 999'899'999'999'999);  // ×0.9999 = …999.0001, half up
  for (int32_t bp : {0, 1, 500, 5000, 9999, 10000}) {
    int64_t net = NetUnitPrice(kMax, bp);
    EXPECT_GE(net, 0) << bp;
    EXPECT_LE(net, kMax) << bp;
  }
}

// ---- Credit check: a wrapped exposure must not pass -----------------------

TEST(OrderLimits, CreditExposureDoesNotWrapIntoHeadroom) {
  CreditInputs in;
  in.credit_limit = 1'000'000;
  in.finance_exposure = kMax;  // whatever a peer answers, the sum is exact
  in.this_order = 1;
  auto c = EvaluateCredit(in, absl::UnixEpoch());
  EXPECT_FALSE(c.passed());
  ASSERT_EQ(c.failures_size(), 1);
  EXPECT_EQ(c.failures(0), v1::CREDIT_CHECK_FAILURE_OVER_CREDIT_LIMIT);
  EXPECT_EQ(c.exposure().minor_units(), kMax);  // clamped for display, never negative
  EXPECT_LT(c.headroom().minor_units(), 0);
  in.finance_exposure = kMax / 2 + 1;
  in.confirmed_unshipped = kMax / 2 + 1;  // two halves that wrap to INT64_MIN when added in int64
  c = EvaluateCredit(in, absl::UnixEpoch());
  EXPECT_FALSE(c.passed());
}

}  // namespace
}  // namespace orders

namespace targets {
namespace {

using ::sales::testing::IsOk;
using ::sales::testing::StatusIs;

// ---- Targets: revised parts must add up without wrapping -------------------

TEST(RevisionSums, PartsThatWrapAroundInt64DoNotAddUpToTheParent) {
  // INT64_MAX + INT64_MAX + 1002 ≡ 1000 (mod 2^64): once "added up" to the
  // parent's 1000 and passed.
  auto st = CheckRevisionHoldsParent(1000, {kMax, kMax, 1002});
  EXPECT_THAT(st, StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(FieldOf(st), "changes.new_target");
  EXPECT_THAT(CheckRevisionHoldsParent(kMax, {kMax - 1, 1}), IsOk());
  EXPECT_THAT(CheckRevisionHoldsParent(kMax, {kMax, 1}), StatusIs(absl::StatusCode::kInvalidArgument));
}

}  // namespace
}  // namespace targets
}  // namespace sales
