// The invoicing report (domain.md §8): invoices and credits per week or
// month by rep, unit, customer or product line, with what was shipped but
// not yet invoiced at each period's end.
#include <map>
#include <set>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "finance-svc/api/finance_api.h"
#include "finance-svc/api/finance_scope.h"
#include "finance-svc/domain/collections_periods.h"
#include "finance-svc/store/report_store.h"
#include "platform/convert.h"
#include "platform/handlers.h"
#include "platform/money.h"
#include "platform/status.h"

namespace sales::finance {
namespace {

std::string M(const char* method) { return absl::StrCat("/sales.finance.v1.FinanceService/", method); }

struct Cell {
  int64_t rep_id = 0, org_unit_id = 0;
  int invoices = 0;
  int64_t net = 0, tax = 0, credited = 0, unbilled = 0;
};

}  // namespace

grpc::Status FinanceApi::GetInvoicingReport(grpc::ServerContext* ctx, const v1::GetInvoicingReportRequest* req,
                                            v1::GetInvoicingReportResponse* resp) {
  return ServeRead<v1::GetInvoicingReportResponse>(
      ctx, M("GetInvoicingReport"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        std::vector<FieldViolation> v;
        if (req->period_kind() == common::v1::PERIOD_KIND_UNSPECIFIED ||
            !common::v1::PeriodKind_IsValid(req->period_kind())) {
          v.push_back({"period_kind", "required"});
        }
        if (!req->range().has_start() || !req->range().has_end()) {
          v.push_back({"range", "start and end are required"});
        } else {
          for (auto& fv : FieldViolationsOf(ValidateDate(req->range().start(), "range.start"))) v.push_back(fv);
          for (auto& fv : FieldViolationsOf(ValidateDate(req->range().end(), "range.end"))) v.push_back(fv);
          if (v.empty() && ToCivilDay(req->range().end()) < ToCivilDay(req->range().start())) {
            v.push_back({"range.end", "before start"});
          }
          if (v.empty() && ToCivilDay(req->range().end()) - ToCivilDay(req->range().start()) > 3 * 366) {
            v.push_back({"range", "at most three years"});
          }
        }
        if (!v.empty()) return InvalidFields(std::move(v));
        return PageSize(req->page_size(), 100, 1000).status();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetInvoicingReportResponse> {
        SALES_ASSIGN_OR_RETURN(int size, PageSize(req->page_size(), 100, 1000));
        SALES_ASSIGN_OR_RETURN(int64_t after, DecodePageToken(req->page_token()));
        SALES_ASSIGN_OR_RETURN(FinanceScope scope, LoadScope(tx, call.principal));
        const auto kind = req->period_kind();
        absl::CivilDay from = PeriodStart(kind, ToCivilDay(req->range().start()));
        std::vector<absl::CivilDay> starts = PeriodStarts(kind, from, ToCivilDay(req->range().end()));
        absl::CivilDay end = ToCivilDay(req->range().end());
        if (!starts.empty()) {
          absl::CivilDay last = starts.back();
          // The last period runs to its natural end, so each row is a whole period.
          std::vector<absl::CivilDay> next = PeriodStarts(kind, last, last + 400);
          if (next.size() > 1) end = next[1] - 1;
        }
        const auto by = req->group_by();
        InvoicingFilter f;
        f.key = by == v1::REPORT_GROUP_BY_ORG_UNIT       ? InvoicingKey::kOrgUnit
                : by == v1::REPORT_GROUP_BY_CUSTOMER     ? InvoicingKey::kCustomer
                : by == v1::REPORT_GROUP_BY_PRODUCT_LINE ? InvoicingKey::kProductLine
                                                         : InvoicingKey::kRep;
        f.rep_id = req->rep_id();
        f.org_unit_id = req->org_unit_id();
        f.scope = scope;
        std::map<std::pair<absl::CivilDay, int64_t>, Cell> cells;
        auto cell = [&](absl::CivilDay day, int64_t k) -> Cell& { return cells[{PeriodStart(kind, day), k}]; };

        // Invoices issued in the range (cancelled ones were issued too).
        SALES_ASSIGN_OR_RETURN(auto invoiced, ReportStore::InvoicedByDay(tx, from, end, f));
        for (const auto& d : invoiced) {
          Cell& c = cell(d.day, d.key);
          c.invoices += static_cast<int>(d.invoices);
          c.net += d.net;
          c.tax += d.tax;
          c.rep_id = std::max(c.rep_id, d.rep_id);
          c.org_unit_id = std::max(c.org_unit_id, d.org_unit_id);
        }
        // Credit memos issued in the range.
        SALES_ASSIGN_OR_RETURN(auto credited, ReportStore::CreditedByDay(tx, from, end, f));
        for (const auto& d : credited) {
          Cell& c = cell(d.day, d.key);
          c.credited += d.gross;
          c.rep_id = std::max(c.rep_id, d.rep_id);
          c.org_unit_id = std::max(c.org_unit_id, d.org_unit_id);
        }
        // Shipped but not invoiced at each period's end: what was shipped
        // (and kept) by then less what was invoiced by then, each valued at
        // net plus the default VAT, rounded per line.
        std::map<int64_t, std::map<absl::CivilDay, int64_t>> moves;  // key -> day -> delta
        SALES_ASSIGN_OR_RETURN(auto shipped, ReportStore::ShippedValueByDay(tx, end, f));
        for (const auto& d : shipped) moves[d.key][d.day] += d.amount;
        SALES_ASSIGN_OR_RETURN(auto billed, ReportStore::InvoicedValueByDay(tx, end, f));
        for (const auto& d : billed) moves[d.key][d.day] -= d.amount;
        for (const auto& [k, by_day] : moves) {
          int64_t running = 0;
          auto it = by_day.begin();
          for (size_t i = 0; i < starts.size(); ++i) {
            absl::CivilDay period_end = i + 1 < starts.size() ? starts[i + 1] - 1 : end;
            while (it != by_day.end() && it->first <= period_end) running += (it++)->second;
            if (running != 0) cells[{starts[i], k}].unbilled = running;
          }
        }

        v1::GetInvoicingReportResponse out;
        int64_t index = 0;
        for (const auto& [pk, c] : cells) {
          if (pk.first < from || pk.first > starts.back()) continue;
          ++index;
          if (index <= after) continue;
          if (out.rows_size() == size) {
            out.set_next_page_token(EncodePageToken(index - 1));
            break;
          }
          auto* row = out.add_rows();
          row->mutable_period()->set_kind(kind);
          *row->mutable_period()->mutable_start() = FromCivilDay(pk.first);
          switch (by) {
            case v1::REPORT_GROUP_BY_ORG_UNIT: row->set_org_unit_id(pk.second); break;
            case v1::REPORT_GROUP_BY_CUSTOMER:
              row->set_customer_id(pk.second);
              row->set_rep_id(c.rep_id);
              row->set_org_unit_id(c.org_unit_id);
              break;
            case v1::REPORT_GROUP_BY_PRODUCT_LINE: row->set_product_line_id(pk.second); break;
            default:
              row->set_rep_id(pk.second);
              row->set_org_unit_id(c.org_unit_id);
          }
          row->set_invoice_count(c.invoices);
          *row->mutable_net_invoiced() = MakeMoney(c.net);
          *row->mutable_tax_invoiced() = MakeMoney(c.tax);
          *row->mutable_credited() = MakeMoney(c.credited);
          *row->mutable_shipped_unbilled() = MakeMoney(c.unbilled);
        }
        return out;
      });
}

}  // namespace sales::finance
