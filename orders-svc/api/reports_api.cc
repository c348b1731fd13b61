// The §8 reports the department files weekly and monthly (销售情况周/月统计表,
// 区域销售情况统计表, 经销商进货情况统计表), plus late shipments (第7条) and open
// orders, each scoped by role: a rep sees themselves, a manager their unit's
// subtree, the director, finance and admins everyone.
#include <algorithm>
#include <map>
#include <optional>
#include <set>

#include "absl/strings/str_cat.h"
#include "orders-svc/api/orders_api.h"
#include "orders-svc/api/orders_support.h"
#include "orders-svc/app/order_desk.h"
#include "orders-svc/domain/errors.h"
#include "orders-svc/domain/limits.h"
#include "orders-svc/domain/report_rules.h"
#include "orders-svc/domain/shipment_rules.h"
#include "orders-svc/store/report_store.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/handlers.h"
#include "platform/money.h"
#include "platform/org/org_replica.h"
#include "platform/roles.h"
#include "platform/status.h"

namespace sales::orders {

namespace {

constexpr int kMaxReportDays = 3 * 366;

absl::Status ValidatePeriodRange(common::v1::PeriodKind kind, const common::v1::DateRange& range, bool has_range) {
  std::vector<FieldViolation> v;
  if (kind == common::v1::PERIOD_KIND_UNSPECIFIED || !common::v1::PeriodKind_IsValid(kind)) {
    v.push_back({"period_kind", "required: WEEK, MONTH, QUARTER or YEAR"});
  }
  if (!has_range || !range.has_start() || !range.has_end()) {
    v.push_back({"date_range", "required, with start and end"});
  } else {
    auto s1 = ValidateDate(range.start(), "date_range.start");
    auto s2 = ValidateDate(range.end(), "date_range.end");
    for (const auto& st : {s1, s2}) {
      for (auto& fv : FieldViolationsOf(st)) v.push_back(fv);
    }
    if (s1.ok() && s2.ok()) {
      auto a = ToCivilDay(range.start()), b = ToCivilDay(range.end());
      if (b < a) v.push_back({"date_range.end", "before start"});
      if (b - a > kMaxReportDays) v.push_back({"date_range", "at most 3 years"});
    }
  }
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

// Which reps' and units' figures the caller may see, narrowed by the
// request's unit and rep filters.
struct ReportFilter {
  bool all_units = true;
  std::set<int64_t> units;
  int64_t rep_id = 0;
  bool Keeps(int64_t rep, int64_t unit) const {
    if (rep_id != 0 && rep != rep_id) return false;
    return all_units || units.count(unit) > 0;
  }
};

absl::StatusOr<ReportFilter> ResolveFilter(db::Transaction& tx, const Principal& p, int64_t org_unit_id,
                                           int64_t rep_id) {
  SALES_ASSIGN_OR_RETURN(auto scope, ScopeOf(tx, p));
  ReportFilter f;
  if (scope.rep_id != 0) {
    if (org_unit_id != 0) {
      return WithErrorInfo(absl::PermissionDeniedError("a rep's reports cover only themselves"), "OUT_OF_SCOPE",
                           kOrdersDomain);
    }
    if (rep_id != 0 && rep_id != scope.rep_id) {
      return WithErrorInfo(absl::PermissionDeniedError(absl::StrCat("rep ", rep_id, " is outside your scope")),
                           "OUT_OF_SCOPE", kOrdersDomain);
    }
    f.rep_id = scope.rep_id;
    return f;
  }
  if (!scope.all) {
    f.all_units = false;
    f.units = {scope.units.begin(), scope.units.end()};
  }
  if (org_unit_id != 0) {
    if (!f.all_units && !f.units.count(org_unit_id)) {
      return WithErrorInfo(absl::PermissionDeniedError(absl::StrCat("unit ", org_unit_id, " is outside your scope")),
                           "OUT_OF_SCOPE", kOrdersDomain);
    }
    SALES_ASSIGN_OR_RETURN(auto sub, OrgReplica::Subtree(tx, org_unit_id));
    f.all_units = false;
    f.units = {sub.begin(), sub.end()};
  }
  if (rep_id != 0) {
    if (!f.all_units) {
      SALES_ASSIGN_OR_RETURN(auto rep, OrgReplica::Rep(tx, rep_id));
      if (!rep || !f.units.count(rep->org_unit_id)) {
        return WithErrorInfo(absl::PermissionDeniedError(absl::StrCat("rep ", rep_id, " is outside your scope")),
                             "OUT_OF_SCOPE", kOrdersDomain);
      }
      // A rep who moved keeps their history: filter by rep only.
      f.all_units = true;
      f.units.clear();
    }
    f.rep_id = rep_id;
  }
  return f;
}

struct Window {
  absl::CivilDay first, last_start, fetch_from, fetch_to;
};
Window WindowOf(common::v1::PeriodKind kind, const common::v1::DateRange& range) {
  Window w;
  w.first = PeriodStart(kind, ToCivilDay(range.start()));
  w.last_start = PeriodStart(kind, ToCivilDay(range.end()));
  w.fetch_from = PeriodStart(kind, w.first - 1);  // the previous period, for the change column
  w.fetch_to = NextPeriodStart(kind, w.last_start) - 1;
  return w;
}

SalesFact FactOf(const ReportLine& l, int64_t group) {
  SalesFact f;
  f.kind =
      l.kind == 0 ? SalesFact::Kind::kBooked : (l.kind == 1 ? SalesFact::Kind::kShipped : SalesFact::Kind::kReturned);
  f.day = l.day;
  f.order_id = l.order_id;
  f.group = group;
  f.amount = l.amount;
  f.cost = l.cost;
  f.quantity = l.quantity;
  return f;
}

std::string CurrencyOf(const std::vector<ReportLine>& lines) {
  return lines.empty() || lines[0].currency.empty() ? "CNY" : lines[0].currency;
}

v1::SalesBasis BasisOr(v1::SalesBasis b) { return b == v1::SALES_BASIS_UNSPECIFIED ? v1::SALES_BASIS_SHIPPED : b; }

template <typename Resp>
void Fill(SalesReport r, Resp* out) {
  for (auto& row : r.rows) *out->add_rows() = std::move(row);
  for (auto& row : r.totals) *out->add_period_totals() = std::move(row);
}

// One page of rows already in report order; the page token is the offset of
// the next page.
template <typename Row, typename Response>
void FillOffsetPage(const std::vector<Row>& rows, int64_t offset, int page, Response* out) {
  for (size_t i = static_cast<size_t>(offset); i < rows.size() && i < static_cast<size_t>(offset + page); ++i) {
    *out->add_rows() = rows[i];
  }
  if (static_cast<size_t>(offset + page) < rows.size()) out->set_next_page_token(EncodePageToken(offset + page));
}

std::optional<absl::CivilDay> FirstShipDay(const OrderProgressRow& o) {
  if (o.first_ship_date.empty()) return std::nullopt;
  return ToCivilDay(ParseDbDate(o.first_ship_date));
}

// An order on the late-shipments report (§8), or nullopt when it is not late
// as of `as_of` (shipped orders only when asked for a confirmation range).
std::optional<v1::LateShipmentRow> LateRowOf(
    const OrderProgressRow& o, const WorkingCalendar& calendar, absl::CivilDay as_of,
    const std::optional<std::pair<absl::CivilDay, absl::CivilDay>>& confirmed_in) {
  if (o.ship_due_date.empty()) return std::nullopt;
  const absl::CivilDay due = ToCivilDay(ParseDbDate(o.ship_due_date));
  const std::optional<absl::CivilDay> first = FirstShipDay(o);
  if (first) {
    if (!confirmed_in || o.confirm_date.empty()) return std::nullopt;
    absl::CivilDay c = ToCivilDay(ParseDbDate(o.confirm_date));
    if (c < confirmed_in->first || c > confirmed_in->second) return std::nullopt;
    if (*first > as_of) return std::nullopt;  // not yet shipped as of the report date
  }
  if (!IsLate(due, first ? &*first : nullptr, as_of)) return std::nullopt;
  v1::LateShipmentRow r;
  r.set_order_id(o.order_id);
  r.set_order_number(o.order_number);
  r.set_customer_id(o.customer_id);
  r.set_customer_name(o.customer_name);
  r.set_credited_rep_id(o.rep_id);
  r.set_org_unit_id(o.org_unit_id);
  if (!o.confirm_date.empty()) *r.mutable_confirm_date() = ParseDbDate(o.confirm_date);
  *r.mutable_ship_due_date() = ParseDbDate(o.ship_due_date);
  if (first) *r.mutable_first_ship_date() = FromCivilDay(*first);
  r.set_working_days_late(WorkingDaysLate(calendar, due, first ? *first : as_of));
  *r.mutable_unshipped_amount() = MakeMoney(o.unshipped, o.currency);
  r.set_status(EnumParse<v1::OrderStatus>(o.status));
  return r;
}

v1::OpenOrderRow OpenRowOf(const OrderProgressRow& o, absl::CivilDay as_of) {
  v1::OpenOrderRow r;
  r.set_order_id(o.order_id);
  r.set_order_number(o.order_number);
  r.set_customer_id(o.customer_id);
  r.set_customer_name(o.customer_name);
  r.set_rep_id(o.rep_id);
  r.set_org_unit_id(o.org_unit_id);
  r.set_status(EnumParse<v1::OrderStatus>(o.status));
  *r.mutable_order_date() = ParseDbDate(o.order_date);
  if (!o.requested_delivery_date.empty()) *r.mutable_requested_delivery_date() = ParseDbDate(o.requested_delivery_date);
  *r.mutable_total_amount() = MakeMoney(o.total, o.currency);
  *r.mutable_unshipped_amount() = MakeMoney(o.unshipped, o.currency);
  *r.mutable_undelivered_amount() = MakeMoney(o.undelivered, o.currency);
  r.set_age_days(static_cast<int32_t>(std::max<int64_t>(0, as_of - ToCivilDay(r.order_date()))));
  bool late = o.late;
  if (!late && !o.ship_due_date.empty()) {
    const std::optional<absl::CivilDay> first = FirstShipDay(o);
    late = IsLate(ToCivilDay(ParseDbDate(o.ship_due_date)), first ? &*first : nullptr, as_of);
  }
  r.set_late(late);
  return r;
}

// Every unit below `parent` mapped to the child of `parent` it sits under;
// figures booked on the parent itself stay on the parent's row.
absl::StatusOr<std::map<int64_t, int64_t>> RegionsBelow(db::Transaction& tx, int64_t parent) {
  std::map<int64_t, int64_t> region_of;
  region_of[parent] = parent;
  SALES_ASSIGN_OR_RETURN(auto children, ReportStore::ChildUnits(tx, parent));
  for (int64_t c : children) {
    SALES_ASSIGN_OR_RETURN(auto sub, OrgReplica::Subtree(tx, c));
    for (int64_t u : sub) region_of[u] = c;
  }
  return region_of;
}

// The shape of a paged report request.
absl::Status ValidateReportPage(int32_t page_size, const std::string& page_token) {
  SALES_RETURN_IF_ERROR(PageSize(page_size, kPageOfRecords).status());
  return DecodePageToken(page_token).status();
}

}  // namespace

grpc::Status OrdersApi::GetSalesByRepReport(grpc::ServerContext* ctx, const v1::GetSalesByRepReportRequest* req,
                                            v1::GetSalesByRepReportResponse* resp) {
  return ServeRead<v1::GetSalesByRepReportResponse>(
      ctx, OrdersMethod("GetSalesByRepReport"), rt_, resp,
      [&](CallContext&) { return ValidatePeriodRange(req->period_kind(), req->date_range(), req->has_date_range()); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetSalesByRepReportResponse> {
        SALES_ASSIGN_OR_RETURN(auto filter, ResolveFilter(tx, call.principal, req->org_unit_id(), req->rep_id()));
        Window w = WindowOf(req->period_kind(), req->date_range());
        SALES_ASSIGN_OR_RETURN(auto lines, ReportStore::Lines(tx, w.fetch_from, w.fetch_to));
        std::vector<SalesFact> facts;
        for (const auto& l : lines) {
          if (!filter.Keeps(l.rep_id, l.org_unit_id)) continue;
          if (req->product_line_id() != 0 && l.product_line_id != req->product_line_id()) continue;
          facts.push_back(FactOf(l, l.rep_id));
        }
        v1::GetSalesByRepReportResponse out;
        Fill(BuildSalesReport(facts, req->period_kind(), w.first, w.last_start, BasisOr(req->basis()), GroupField::kRep,
                              CurrencyOf(lines)),
             &out);
        return out;
      });
}

grpc::Status OrdersApi::GetSalesByRegionReport(grpc::ServerContext* ctx, const v1::GetSalesByRegionReportRequest* req,
                                               v1::GetSalesByRegionReportResponse* resp) {
  return ServeRead<v1::GetSalesByRegionReportResponse>(
      ctx, OrdersMethod("GetSalesByRegionReport"), rt_, resp,
      [&](CallContext&) { return ValidatePeriodRange(req->period_kind(), req->date_range(), req->has_date_range()); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetSalesByRegionReportResponse> {
        int64_t parent = req->parent_org_unit_id();
        if (parent == 0) {
          if (HasRole(call.principal, {kRoleManager})) {
            parent = call.principal.org_unit_id;
          } else {
            SALES_ASSIGN_OR_RETURN(parent, ReportStore::RootUnit(tx));
          }
        }
        SALES_ASSIGN_OR_RETURN(auto filter, ResolveFilter(tx, call.principal, parent, 0));
        if (filter.rep_id != 0) {
          return WithErrorInfo(absl::PermissionDeniedError("regional figures are for managers and above"),
                               "OUT_OF_SCOPE", kOrdersDomain);
        }
        SALES_ASSIGN_OR_RETURN(auto region_of, RegionsBelow(tx, parent));
        Window w = WindowOf(req->period_kind(), req->date_range());
        SALES_ASSIGN_OR_RETURN(auto lines, ReportStore::Lines(tx, w.fetch_from, w.fetch_to));
        std::vector<SalesFact> facts;
        for (const auto& l : lines) {
          auto it = region_of.find(l.org_unit_id);
          if (it == region_of.end()) continue;
          if (req->product_line_id() != 0 && l.product_line_id != req->product_line_id()) continue;
          facts.push_back(FactOf(l, it->second));
        }
        v1::GetSalesByRegionReportResponse out;
        Fill(BuildSalesReport(facts, req->period_kind(), w.first, w.last_start, BasisOr(req->basis()),
                              GroupField::kOrgUnit, CurrencyOf(lines)),
             &out);
        return out;
      });
}

grpc::Status OrdersApi::GetSalesByProductLineReport(grpc::ServerContext* ctx,
                                                    const v1::GetSalesByProductLineReportRequest* req,
                                                    v1::GetSalesByProductLineReportResponse* resp) {
  return ServeRead<v1::GetSalesByProductLineReportResponse>(
      ctx, OrdersMethod("GetSalesByProductLineReport"), rt_, resp,
      [&](CallContext&) { return ValidatePeriodRange(req->period_kind(), req->date_range(), req->has_date_range()); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetSalesByProductLineReportResponse> {
        SALES_ASSIGN_OR_RETURN(auto filter, ResolveFilter(tx, call.principal, req->org_unit_id(), req->rep_id()));
        Window w = WindowOf(req->period_kind(), req->date_range());
        SALES_ASSIGN_OR_RETURN(auto lines, ReportStore::Lines(tx, w.fetch_from, w.fetch_to));
        std::vector<SalesFact> facts;
        for (const auto& l : lines) {
          if (filter.Keeps(l.rep_id, l.org_unit_id)) facts.push_back(FactOf(l, l.product_line_id));
        }
        v1::GetSalesByProductLineReportResponse out;
        Fill(BuildSalesReport(facts, req->period_kind(), w.first, w.last_start, BasisOr(req->basis()),
                              GroupField::kProductLine, CurrencyOf(lines)),
             &out);
        return out;
      });
}

grpc::Status OrdersApi::GetDistributorPurchasesReport(grpc::ServerContext* ctx,
                                                      const v1::GetDistributorPurchasesReportRequest* req,
                                                      v1::GetDistributorPurchasesReportResponse* resp) {
  return ServeRead<v1::GetDistributorPurchasesReportResponse>(
      ctx, OrdersMethod("GetDistributorPurchasesReport"), rt_, resp,
      [&](CallContext&) { return ValidatePeriodRange(req->period_kind(), req->date_range(), req->has_date_range()); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetDistributorPurchasesReportResponse> {
        SALES_ASSIGN_OR_RETURN(auto filter, ResolveFilter(tx, call.principal, req->org_unit_id(), req->rep_id()));
        Window w = WindowOf(req->period_kind(), req->date_range());
        SALES_ASSIGN_OR_RETURN(auto lines, ReportStore::Lines(tx, w.fetch_from, w.fetch_to));
        std::vector<SalesFact> facts;
        for (const auto& l : lines) {
          bool distributor =
              l.customer_type == "DISTRIBUTOR" || (req->include_wholesalers() && l.customer_type == "WHOLESALER");
          if (!distributor || !filter.Keeps(l.rep_id, l.org_unit_id)) continue;
          if (req->customer_id() != 0 && l.customer_id != req->customer_id()) continue;
          if (req->product_line_id() != 0 && l.product_line_id != req->product_line_id()) continue;
          SalesFact f = FactOf(l, l.customer_id);
          f.customer_name = l.customer_name;
          f.rep_id = l.rep_id;
          facts.push_back(std::move(f));
        }
        v1::GetDistributorPurchasesReportResponse out;
        Fill(BuildSalesReport(facts, req->period_kind(), w.first, w.last_start, BasisOr(req->basis()),
                              GroupField::kCustomer, CurrencyOf(lines)),
             &out);
        return out;
      });
}

grpc::Status OrdersApi::GetLateShipmentsReport(grpc::ServerContext* ctx, const v1::GetLateShipmentsReportRequest* req,
                                               v1::GetLateShipmentsReportResponse* resp) {
  return ServeRead<v1::GetLateShipmentsReportResponse>(
      ctx, OrdersMethod("GetLateShipmentsReport"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        if (!req->has_as_of()) return InvalidField("as_of", "required");
        SALES_RETURN_IF_ERROR(ValidateDate(req->as_of(), "as_of"));
        return ValidateReportPage(req->page_size(), req->page_token());
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetLateShipmentsReportResponse> {
        SALES_ASSIGN_OR_RETURN(int page, PageSize(req->page_size(), kPageOfRecords));
        SALES_ASSIGN_OR_RETURN(int64_t offset, DecodePageToken(req->page_token()));
        SALES_ASSIGN_OR_RETURN(auto filter, ResolveFilter(tx, call.principal, req->org_unit_id(), req->rep_id()));
        SALES_ASSIGN_OR_RETURN(auto policy, LoadShippingPolicy(tx));
        std::optional<std::pair<absl::CivilDay, absl::CivilDay>> confirmed_in;
        if (req->has_confirm_dates() && req->confirm_dates().has_start() && req->confirm_dates().has_end()) {
          confirmed_in = {ToCivilDay(req->confirm_dates().start()), ToCivilDay(req->confirm_dates().end())};
        }
        SALES_ASSIGN_OR_RETURN(
            auto orders,
            ReportStore::Orders(tx, {"CONFIRMED", "PARTIALLY_SHIPPED", "SHIPPED", "DELIVERED", "CLOSED"}, 0));
        std::vector<v1::LateShipmentRow> rows;
        for (const auto& o : orders) {
          if (!filter.Keeps(o.rep_id, o.org_unit_id)) continue;
          auto row = LateRowOf(o, policy.calendar, ToCivilDay(req->as_of()), confirmed_in);
          if (row) rows.push_back(std::move(*row));
        }
        std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
          if (a.working_days_late() != b.working_days_late()) return a.working_days_late() > b.working_days_late();
          return a.order_id() < b.order_id();
        });
        v1::GetLateShipmentsReportResponse out;
        FillOffsetPage(rows, offset, page, &out);
        return out;
      });
}

grpc::Status OrdersApi::GetOpenOrdersReport(grpc::ServerContext* ctx, const v1::GetOpenOrdersReportRequest* req,
                                            v1::GetOpenOrdersReportResponse* resp) {
  return ServeRead<v1::GetOpenOrdersReportResponse>(
      ctx, OrdersMethod("GetOpenOrdersReport"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        if (req->has_as_of()) SALES_RETURN_IF_ERROR(ValidateDate(req->as_of(), "as_of"));
        SALES_RETURN_IF_ERROR(CheckRepeatedCap(req->statuses_size(), kMaxStatusFilters, "statuses"));
        for (int i = 0; i < req->statuses_size(); ++i) {
          if (req->statuses(i) == v1::ORDER_STATUS_UNSPECIFIED || !v1::OrderStatus_IsValid(req->statuses(i))) {
            return InvalidField(absl::StrCat("statuses[", i, "]"), "not an order status");
          }
        }
        return ValidateReportPage(req->page_size(), req->page_token());
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetOpenOrdersReportResponse> {
        SALES_ASSIGN_OR_RETURN(int page, PageSize(req->page_size(), kPageOfRecords));
        SALES_ASSIGN_OR_RETURN(int64_t offset, DecodePageToken(req->page_token()));
        SALES_ASSIGN_OR_RETURN(auto filter, ResolveFilter(tx, call.principal, req->org_unit_id(), req->rep_id()));
        const absl::CivilDay as_of = req->has_as_of() ? ToCivilDay(req->as_of()) : BusinessDay(rt_.clock->Now());
        std::vector<std::string> statuses;
        for (int s : req->statuses()) statuses.push_back(EnumShort(static_cast<v1::OrderStatus>(s)));
        if (statuses.empty())
          statuses = {"PENDING_APPROVAL", "CONFIRMED", "CREDIT_HOLD", "PARTIALLY_SHIPPED", "SHIPPED"};
        SALES_ASSIGN_OR_RETURN(auto orders, ReportStore::Orders(tx, statuses, req->customer_id()));
        std::vector<v1::OpenOrderRow> rows;
        for (const auto& o : orders) {
          if (filter.Keeps(o.rep_id, o.org_unit_id)) rows.push_back(OpenRowOf(o, as_of));
        }
        v1::GetOpenOrdersReportResponse out;
        FillOffsetPage(rows, offset, page, &out);
        return out;
      });
}

}  // namespace sales::orders
