#include "orders-svc/domain/report_rules.h"

#include <algorithm>
#include <cstdlib>
#include <limits>
#include <map>
#include <set>
#include <tuple>

#include "platform/convert.h"
#include "platform/money.h"

namespace sales::orders {

absl::CivilDay PeriodStart(common::v1::PeriodKind kind, absl::CivilDay day) {
  switch (kind) {
    case common::v1::PERIOD_KIND_WEEK:
      return absl::PrevWeekday(day + 1, absl::Weekday::monday);
    case common::v1::PERIOD_KIND_MONTH:
      return absl::CivilDay(day.year(), day.month(), 1);
    case common::v1::PERIOD_KIND_QUARTER:
      return absl::CivilDay(day.year(), (day.month() - 1) / 3 * 3 + 1, 1);
    case common::v1::PERIOD_KIND_YEAR:
      return absl::CivilDay(day.year(), 1, 1);
    default:
      return day;
  }
}

absl::CivilDay NextPeriodStart(common::v1::PeriodKind kind, absl::CivilDay start) {
  switch (kind) {
    case common::v1::PERIOD_KIND_WEEK:
      return start + 7;
    case common::v1::PERIOD_KIND_MONTH:
      return absl::CivilDay(absl::CivilMonth(start) + 1);
    case common::v1::PERIOD_KIND_QUARTER:
      return absl::CivilDay(absl::CivilMonth(start) + 3);
    case common::v1::PERIOD_KIND_YEAR:
      return absl::CivilDay(absl::CivilYear(start) + 1);
    default:
      return start + 1;
  }
}

int32_t ChangeBp(int64_t prev, int64_t cur) {
  if (prev == 0) return 0;
  __int128 num = static_cast<__int128>(cur - prev) * 10000;
  __int128 den = prev < 0 ? -static_cast<__int128>(prev) : prev;
  __int128 q = num / den, r = num % den;
  if (2 * (r < 0 ? -r : r) >= den) q += num < 0 ? -1 : 1;
  if (q > std::numeric_limits<int32_t>::max()) return std::numeric_limits<int32_t>::max();
  if (q < std::numeric_limits<int32_t>::min()) return std::numeric_limits<int32_t>::min();
  return static_cast<int32_t>(q);
}

namespace {

struct Acc {
  int64_t booked = 0, booked_cost = 0, shipped = 0, shipped_cost = 0, returned = 0, returned_cost = 0;
  int64_t shipped_qty = 0, returned_qty = 0, booked_qty = 0;
  std::set<int64_t> orders;
  std::string customer_name;
  int64_t rep_id = 0;
  void Add(const SalesFact& f) {
    switch (f.kind) {
      case SalesFact::Kind::kBooked:
        booked += f.amount;
        booked_cost += f.cost;
        booked_qty += f.quantity;
        orders.insert(f.order_id);
        break;
      case SalesFact::Kind::kShipped:
        shipped += f.amount;
        shipped_cost += f.cost;
        shipped_qty += f.quantity;
        break;
      case SalesFact::Kind::kReturned:
        returned += f.amount;
        returned_cost += f.cost;
        returned_qty += f.quantity;
        break;
    }
    if (!f.customer_name.empty()) customer_name = f.customer_name;
    if (f.rep_id) rep_id = f.rep_id;
  }
  int64_t Net(v1::SalesBasis b) const { return (b == v1::SALES_BASIS_BOOKED ? booked : shipped) - returned; }
  int64_t NetCost(v1::SalesBasis b) const {
    return (b == v1::SALES_BASIS_BOOKED ? booked_cost : shipped_cost) - returned_cost;
  }
  int64_t NetQty(v1::SalesBasis b) const {
    return (b == v1::SALES_BASIS_BOOKED ? booked_qty : shipped_qty) - returned_qty;
  }
};

v1::SalesReportRow RowOf(const Acc& a, common::v1::PeriodKind kind, absl::CivilDay start, v1::SalesBasis basis,
                         const std::string& cur, int64_t prev_net) {
  v1::SalesReportRow r;
  r.mutable_period()->set_kind(kind);
  *r.mutable_period()->mutable_start() = FromCivilDay(start);
  *r.mutable_booked_amount() = MakeMoney(a.booked, cur);
  *r.mutable_shipped_amount() = MakeMoney(a.shipped, cur);
  *r.mutable_returned_amount() = MakeMoney(a.returned, cur);
  *r.mutable_net_sales_amount() = MakeMoney(a.Net(basis), cur);
  r.set_net_quantity(a.NetQty(basis));
  *r.mutable_gross_profit() = MakeMoney(a.Net(basis) - a.NetCost(basis), cur);
  r.set_order_count(static_cast<int32_t>(a.orders.size()));
  r.set_change_vs_previous_bp(ChangeBp(prev_net, a.Net(basis)));
  return r;
}

}  // namespace

SalesReport BuildSalesReport(const std::vector<SalesFact>& facts, common::v1::PeriodKind kind, absl::CivilDay first,
                             absl::CivilDay last_start, v1::SalesBasis basis, GroupField field,
                             const std::string& currency) {
  std::map<std::pair<absl::CivilDay, int64_t>, Acc> groups;
  std::map<absl::CivilDay, Acc> totals;
  for (const auto& f : facts) {
    absl::CivilDay p = PeriodStart(kind, f.day);
    groups[{p, f.group}].Add(f);
    totals[p].Add(f);
  }
  // The period before `p`: walk from one period's worth back, safe for months
  // of different lengths.
  auto prev_of = [&](absl::CivilDay p) { return PeriodStart(kind, p - 1); };
  SalesReport out;
  for (absl::CivilDay p = first; p <= last_start; p = NextPeriodStart(kind, p)) {
    std::vector<std::tuple<int64_t, int64_t, v1::SalesReportRow>> rows;
    for (auto it = groups.lower_bound({p, std::numeric_limits<int64_t>::min()});
         it != groups.end() && it->first.first == p; ++it) {
      int64_t g = it->first.second;
      auto prev = groups.find({prev_of(p), g});
      int64_t prev_net = prev == groups.end() ? 0 : prev->second.Net(basis);
      v1::SalesReportRow r = RowOf(it->second, kind, p, basis, currency, prev_net);
      switch (field) {
        case GroupField::kRep:
          r.set_rep_id(g);
          break;
        case GroupField::kOrgUnit:
          r.set_org_unit_id(g);
          break;
        case GroupField::kProductLine:
          r.set_product_line_id(g);
          break;
        case GroupField::kCustomer:
          r.set_customer_id(g);
          r.set_customer_name(it->second.customer_name);
          r.set_rep_id(it->second.rep_id);
          break;
      }
      rows.emplace_back(it->second.Net(basis), g, std::move(r));
    }
    std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
      return std::get<0>(a) != std::get<0>(b) ? std::get<0>(a) > std::get<0>(b) : std::get<1>(a) < std::get<1>(b);
    });
    for (auto& r : rows) out.rows.push_back(std::move(std::get<2>(r)));
    auto t = totals.find(p);
    Acc empty;
    auto pt = totals.find(prev_of(p));
    out.totals.push_back(RowOf(t == totals.end() ? empty : t->second, kind, p, basis, currency,
                               pt == totals.end() ? 0 : pt->second.Net(basis)));
  }
  return out;
}

}  // namespace sales::orders
