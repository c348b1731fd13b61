#include "finance-svc/domain/receivable_rules.h"

#include <algorithm>
#include <cstdlib>
#include <map>

#include "absl/numeric/int128.h"
#include "absl/strings/str_format.h"
#include "platform/money.h"
#include "platform/status.h"

namespace sales::finance {
namespace {
constexpr int64_t kMaxAmount = 1'000'000'000'000'000;  // 10^15, as ValidateMoney
}

int64_t TaxHalfUp(int64_t net_minor, int32_t rate_bp) {
  absl::int128 magnitude = absl::int128(net_minor < 0 ? -net_minor : net_minor) * rate_bp;
  int64_t tax = static_cast<int64_t>((magnitude + 5000) / 10000);
  return net_minor < 0 ? -tax : tax;
}

absl::StatusOr<int64_t> LineNet(int64_t quantity, int64_t unit_price_minor) {
  absl::int128 net = absl::int128(quantity) * unit_price_minor;
  if (net >= kMaxAmount || net <= -kMaxAmount) {
    return InvalidField("quantity", "quantity x unit price exceeds the largest amount allowed");
  }
  return static_cast<int64_t>(net);
}

int64_t UnbilledValue(int64_t quantity, int64_t unit_price_minor, int32_t rate_bp) {
  int64_t net = quantity * unit_price_minor;
  return net + TaxHalfUp(net, rate_bp);
}

int DaysPastDueOn(absl::CivilDay due_on, absl::CivilDay as_of) { return static_cast<int>(as_of - due_on); }

Bucket BucketOf(int d) {
  for (int i = 0; i < 5; ++i) {
    if (d <= kBucketLastDay[i]) return static_cast<Bucket>(i + 1);
  }
  return Bucket::kOver180;
}

void Ageing::Add(Bucket b, int64_t amount) {
  switch (b) {
    case Bucket::kCurrent:
      current += amount;
      break;
    case Bucket::kDays1To30:
      d1_30 += amount;
      break;
    case Bucket::kDays31To60:
      d31_60 += amount;
      break;
    case Bucket::kDays61To90:
      d61_90 += amount;
      break;
    case Bucket::kDays91To180:
      d91_180 += amount;
      break;
    case Bucket::kOver180:
      over_180 += amount;
      break;
  }
}

void Ageing::Add(const Ageing& o) {
  current += o.current;
  d1_30 += o.d1_30;
  d31_60 += o.d31_60;
  d61_90 += o.d61_90;
  d91_180 += o.d91_180;
  over_180 += o.over_180;
}

std::vector<ItemAmount> AllocateOldestDueFirst(int64_t remainder, std::vector<OpenItemRef> items) {
  std::stable_sort(items.begin(), items.end(), [](const OpenItemRef& a, const OpenItemRef& b) {
    if (a.due_on != b.due_on) return a.due_on < b.due_on;
    if (a.number != b.number) return a.number < b.number;
    return a.key < b.key;
  });
  std::vector<ItemAmount> out;
  for (const auto& item : items) {
    if (remainder <= 0) break;
    int64_t take = std::min(remainder, item.balance_minor);
    if (take <= 0) continue;
    out.push_back({item.key, take});
    remainder -= take;
  }
  return out;
}

absl::StatusOr<std::vector<LineSplit>> SplitByProductLine(int64_t amount, const std::vector<LineWeight>& lines) {
  // Merge per product line (ordered by id, which is also the tie order).
  std::map<int64_t, LineWeight> merged;
  for (const auto& l : lines) {
    auto& m = merged[l.product_line_id];
    m.product_line_id = l.product_line_id;
    m.gross_minor += l.gross_minor;
    m.commissionable_gross_minor += l.commissionable_gross_minor;
  }
  std::vector<LineSplit> out;
  if (merged.empty()) return out;
  std::vector<int64_t> weights;
  for (const auto& [id, w] : merged) weights.push_back(std::max<int64_t>(w.gross_minor, 0));
  SALES_ASSIGN_OR_RETURN(auto parts, AllocateLargestRemainder(amount, weights));
  size_t i = 0;
  for (const auto& [id, w] : merged) {
    LineSplit s;
    s.product_line_id = id;
    s.amount_minor = parts[i++];
    if (w.gross_minor > 0 && w.commissionable_gross_minor >= w.gross_minor) {
      s.commissionable_minor = s.amount_minor;
    } else if (w.gross_minor > 0 && w.commissionable_gross_minor > 0) {
      // Part of the line's gross is commissionable: the same share of the
      // collected part (rounded down so it never exceeds the collection).
      s.commissionable_minor =
          static_cast<int64_t>(absl::int128(s.amount_minor) * w.commissionable_gross_minor / w.gross_minor);
    }
    if (s.amount_minor != 0) out.push_back(s);
  }
  return out;
}

std::string DocumentNumber(const std::string& prefix, int year, int64_t sequence) {
  return absl::StrFormat("%s-%04d-%06d", prefix, year, sequence);
}

absl::StatusOr<int64_t> ConvertHalfUp(int64_t amount_minor, int32_t rate_bp) {
  absl::int128 v = (absl::int128(amount_minor) * rate_bp + 5000) / 10000;
  if (v >= kMaxAmount) return InvalidField("payment.exchange_rate_bp", "converted amount is too large");
  return static_cast<int64_t>(v);
}

Period DefaultStatementPeriod(absl::CivilDay today) {
  absl::CivilDay june30(today.year(), 6, 30), dec31(today.year(), 12, 31);
  if (today >= dec31) return {absl::CivilDay(today.year(), 7, 1), dec31};
  if (today >= june30) return {absl::CivilDay(today.year(), 1, 1), june30};
  return {absl::CivilDay(today.year() - 1, 7, 1), absl::CivilDay(today.year() - 1, 12, 31)};
}

}  // namespace sales::finance
