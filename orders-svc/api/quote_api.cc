// Quotes and bids (报价/投标 [001 产品报价流程]): priced from the list in force,
// routed for approval by discount, floor price, special fees and amount,
// converted into an order once and only before they expire.
#include <algorithm>

#include "absl/strings/str_cat.h"
#include "orders-svc/api/orders_api.h"
#include "orders-svc/api/orders_support.h"
#include "orders-svc/app/document_edits.h"
#include "orders-svc/app/document_entry.h"
#include "orders-svc/app/order_desk.h"
#include "orders-svc/app/quote_conversion.h"
#include "orders-svc/domain/limits.h"
#include "orders-svc/domain/order_state.h"
#include "orders-svc/domain/pricing.h"
#include "orders-svc/store/approval_store.h"
#include "orders-svc/store/audit_store.h"
#include "orders-svc/store/catalog_store.h"
#include "orders-svc/store/order_store.h"
#include "orders-svc/store/product_store.h"
#include "orders-svc/store/quote_store.h"
#include "orders-svc/store/sql_order_book.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/field_mask.h"
#include "platform/handlers.h"
#include "platform/money.h"
#include "platform/org/org_replica.h"
#include "platform/roles.h"
#include "platform/status.h"

namespace sales::orders {
namespace {

absl::Status ValidateConversion(const v1::ConvertQuoteToOrderRequest& req) {
  if (req.quote_id() <= 0) return InvalidField("quote_id", "required");
  std::vector<FieldViolation> v;
  if (req.has_order_date()) {
    for (auto& f : FieldViolationsOf(ValidateDate(req.order_date(), "order_date"))) v.push_back(f);
  }
  if (req.has_requested_delivery_date()) {
    for (auto& f : FieldViolationsOf(ValidateDate(req.requested_delivery_date(), "requested_delivery_date"))) {
      v.push_back(f);
    }
  }
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

// The approval steps a quote needs as `role` submits it. The threshold is
// judged on the total recomputed from the stored lines and fees with checked
// arithmetic, not on the stored total alone: a quote written before totals
// were checked may hold a wrapped total of a few fen, and such a quote is
// refused, never approved at submission.
absl::StatusOr<std::vector<RoutedStep>> RouteQuote(db::Transaction& tx, const v1::Quote& q,
                                                   const v1::OrderPolicy& policy, const std::string& role) {
  DiscountLimits limits = LimitsOf(policy);
  std::vector<DocLine> lines;
  for (const auto& l : q.lines()) {
    SALES_ASSIGN_OR_RETURN(auto product, ProductStore::Get(tx, l.product_id()));
    lines.push_back({l.id(), RouteLine(l.discount_bp(), l.unit_price().minor_units(),
                                       product.floor_price().minor_units(), role, limits)});
  }
  std::vector<int64_t> fee_ids;
  for (const auto& f : q.special_fees()) fee_ids.push_back(f.id());
  SALES_ASSIGN_OR_RETURN(int64_t total, QuoteTotal(q));
  return RouteDocument(lines, fee_ids, total > policy.director_quote_threshold().minor_units(), role);
}

absl::StatusOr<QuoteRecord> LoadVisibleQuote(db::Transaction& tx, const Principal& p, int64_t id, bool for_update) {
  SqlOrderBook book(tx, nullptr);
  return LoadVisibleQuote(book, p, id, for_update);
}

absl::Status Audit(db::Transaction& tx, const CallContext& call, int64_t id, const std::string& action,
                   v1::QuoteStatus from, v1::QuoteStatus to, const std::string& reason, absl::Time now) {
  return AuditStore::Append(tx,
                            {v1::SUBJECT_TYPE_QUOTE, id, action,
                             from == v1::QUOTE_STATUS_UNSPECIFIED ? "" : EnumShort(from), EnumShort(to), reason},
                            call.principal, call.request_id, now);
}

// The quote's id and the mask; without a mask the request carries the
// whole content, checked as sent.
absl::StatusOr<std::vector<std::string>> ValidateQuoteChange(const v1::UpdateQuoteRequest& req) {
  if (!req.has_quote() || req.quote().id() <= 0) return InvalidField("quote.id", "required");
  SALES_ASSIGN_OR_RETURN(auto paths, UpdatePaths(req.update_mask(), {"quote_date", "valid_until", "lines",
                                                                     "special_fees", "notes", "is_bid"}));
  if (req.update_mask().paths().empty()) SALES_RETURN_IF_ERROR(ValidateQuoteContent(req.quote(), false));
  return paths;
}

absl::Status RequireQuoteWriter(const Principal& p) {
  return RequireRole(p, {kRoleRep, kRoleManager, kRoleDirector, kRoleClerk, kRoleAdmin}, "prepare quotes");
}

}  // namespace

grpc::Status OrdersApi::CreateQuote(grpc::ServerContext* ctx, const v1::CreateQuoteRequest* req,
                                    v1::CreateQuoteResponse* resp) {
  return ServeMutation<v1::CreateQuoteRequest, v1::CreateQuoteResponse>(
      ctx, OrdersMethod("CreateQuote"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        SALES_RETURN_IF_ERROR(RequireQuoteWriter(call.principal));
        if (!req->has_quote()) return InvalidField("quote", "required");
        SALES_RETURN_IF_ERROR(ValidateQuoteContent(req->quote(), true));
        // The customer must exist and not be blacklisted; asked before the
        // transaction so no row lock waits on another service.
        SALES_ASSIGN_OR_RETURN(auto customer, customers_->FetchCustomer(&call, req->quote().customer_id()));
        return RefuseBlacklisted(customer);
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::CreateQuoteResponse> {
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(auto policy, PolicyStore::Get(tx));
        SALES_ASSIGN_OR_RETURN(auto taking, ResolveTakingRep(tx, call.principal, req->on_behalf_of_rep_id()));
        v1::Quote q = req->quote();
        q.set_rep_id(taking.rep_id);
        q.set_org_unit_id(taking.org_unit_id);
        SALES_RETURN_IF_ERROR(PriceQuote(tx, q, policy, RoleOf(call.principal), now));
        SALES_ASSIGN_OR_RETURN(int64_t id, QuoteStore::Insert(tx, q, call.principal.user_id, now));
        SALES_RETURN_IF_ERROR(
            Audit(tx, call, id, "QUOTE_CREATED", v1::QUOTE_STATUS_UNSPECIFIED, v1::QUOTE_STATUS_DRAFT, "", now));
        v1::CreateQuoteResponse out;
        SALES_ASSIGN_OR_RETURN(auto rec, QuoteStore::Load(tx, id, false));
        *out.mutable_quote() = rec.quote;
        return out;
      });
}

grpc::Status OrdersApi::GetQuote(grpc::ServerContext* ctx, const v1::GetQuoteRequest* req, v1::GetQuoteResponse* resp) {
  return ServeRead<v1::GetQuoteResponse>(
      ctx, OrdersMethod("GetQuote"), rt_, resp,
      [&](CallContext&) { return req->quote_id() > 0 ? absl::OkStatus() : InvalidField("quote_id", "required"); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetQuoteResponse> {
        SALES_ASSIGN_OR_RETURN(auto rec, LoadVisibleQuote(tx, call.principal, req->quote_id(), false));
        v1::GetQuoteResponse out;
        *out.mutable_quote() = rec.quote;
        return out;
      });
}

grpc::Status OrdersApi::ListQuotes(grpc::ServerContext* ctx, const v1::ListQuotesRequest* req,
                                   v1::ListQuotesResponse* resp) {
  int page = 0;
  int64_t before = 0;
  return ServeRead<v1::ListQuotesResponse>(
      ctx, OrdersMethod("ListQuotes"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(page, PageSize(req->page_size(), kPageOfDocuments));
        SALES_ASSIGN_OR_RETURN(before, DecodePageToken(req->page_token()));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListQuotesResponse> {
        SALES_ASSIGN_OR_RETURN(auto scope, ScopeOf(tx, call.principal));
        QuoteStore::ListFilter f;
        f.before_id = before;
        f.customer_id = req->customer_id();
        f.rep_id = req->rep_id();
        f.only_rep_scope = scope.rep_id;
        SALES_ASSIGN_OR_RETURN(auto units, ListUnitsFor(tx, scope, req->org_unit_id()));
        f.restrict_units = units.restrict;
        f.org_units = std::move(units.units);
        if (req->status() != v1::QUOTE_STATUS_UNSPECIFIED) f.status = EnumShort(req->status());
        if (req->has_quote_dates()) {
          if (req->quote_dates().has_start()) f.from_date = FormatDbDate(req->quote_dates().start());
          if (req->quote_dates().has_end()) f.to_date = FormatDbDate(req->quote_dates().end());
        }
        SALES_ASSIGN_OR_RETURN(auto ids, QuoteStore::ListIds(tx, f, page + 1));
        v1::ListQuotesResponse out;
        bool more = static_cast<int>(ids.size()) > page;
        if (more) ids.pop_back();
        SALES_ASSIGN_OR_RETURN(auto quotes, QuoteStore::LoadMany(tx, ids));
        for (auto& rec : quotes) *out.add_quotes() = std::move(rec.quote);
        if (more) out.set_next_page_token(EncodePageToken(ids.back()));
        return out;
      });
}

grpc::Status OrdersApi::UpdateQuote(grpc::ServerContext* ctx, const v1::UpdateQuoteRequest* req,
                                    v1::UpdateQuoteResponse* resp) {
  std::vector<std::string> paths;
  return ServeMutation<v1::UpdateQuoteRequest, v1::UpdateQuoteResponse>(
      ctx, OrdersMethod("UpdateQuote"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        SALES_RETURN_IF_ERROR(RequireQuoteWriter(call.principal));
        SALES_ASSIGN_OR_RETURN(paths, ValidateQuoteChange(*req));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) {
        SqlOrderBook book(tx, nullptr);
        return DocumentEdits(*rt_.clock).EditQuote(tx, book, call, *req, paths);
      });
}

grpc::Status OrdersApi::SubmitQuote(grpc::ServerContext* ctx, const v1::SubmitQuoteRequest* req,
                                    v1::SubmitQuoteResponse* resp) {
  return ServeMutation<v1::SubmitQuoteRequest, v1::SubmitQuoteResponse>(
      ctx, OrdersMethod("SubmitQuote"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        SALES_RETURN_IF_ERROR(RequireQuoteWriter(call.principal));
        return req->quote_id() > 0 ? absl::OkStatus() : InvalidField("quote_id", "required");
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::SubmitQuoteResponse> {
        SALES_ASSIGN_OR_RETURN(auto rec, LoadVisibleQuote(tx, call.principal, req->quote_id(), true));
        const v1::Quote& q = rec.quote;
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), q.etag(), "quote", q.id()));
        SALES_RETURN_IF_ERROR(CheckQuoteAction(q.status(), QuoteAction::kSubmit));
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(auto policy, PolicyStore::Get(tx));
        SALES_ASSIGN_OR_RETURN(auto steps, RouteQuote(tx, q, policy, RoleOf(call.principal)));
        SALES_RETURN_IF_ERROR(OpenApprovalSteps(tx, v1::SUBJECT_TYPE_QUOTE, q.id(), steps, call.principal, now));
        v1::QuoteStatus to = steps.empty() ? v1::QUOTE_STATUS_APPROVED : v1::QUOTE_STATUS_PENDING_APPROVAL;
        if (steps.empty()) SALES_RETURN_IF_ERROR(QuoteStore::ApproveFees(tx, q.id()));
        SALES_RETURN_IF_ERROR(QuoteStore::SetStatus(tx, q.id(), to, "", 0, now));
        SALES_RETURN_IF_ERROR(Audit(tx, call, q.id(), "QUOTE_SUBMITTED", q.status(), to,
                                    steps.empty() ? "within the preparer's authority" : "", now));
        v1::SubmitQuoteResponse out;
        SALES_ASSIGN_OR_RETURN(auto after, QuoteStore::Load(tx, q.id(), false));
        *out.mutable_quote() = after.quote;
        return out;
      });
}

namespace {

template <typename Req, typename Resp>
grpc::Status DecideQuote(ServiceRuntime& rt, grpc::ServerContext* ctx, const char* method, const Req* req, Resp* resp,
                         bool approve) {
  return ServeMutation<Req, Resp>(
      ctx, OrdersMethod(method), rt, *req, resp,
      [&](CallContext& call) -> absl::Status {
        SALES_RETURN_IF_ERROR(RequireRole(call.principal, {kRoleManager, kRoleDirector, kRoleAdmin}, "decide quotes"));
        std::vector<FieldViolation> v;
        if (req->quote_id() <= 0) v.push_back({"quote_id", "required"});
        if (!approve && req->reason().empty()) v.push_back({"reason", "required"});
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<Resp> {
        SALES_ASSIGN_OR_RETURN(auto rec, QuoteStore::Load(tx, req->quote_id(), true));
        const v1::Quote& q = rec.quote;
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), q.etag(), "quote", q.id()));
        SALES_RETURN_IF_ERROR(CheckQuoteAction(q.status(), approve ? QuoteAction::kApprove : QuoteAction::kReject));
        SALES_ASSIGN_OR_RETURN(auto steps, ApprovalStore::ForSubject(tx, v1::SUBJECT_TYPE_QUOTE, q.id()));
        SALES_ASSIGN_OR_RETURN(auto step, StepForCaller(steps, call.principal));
        SALES_RETURN_IF_ERROR(
            CheckApprover(tx, call.principal, step.step.level(), q.org_unit_id(), step.requester_user));
        absl::Time now = rt.clock->Now();
        SALES_RETURN_IF_ERROR(ApprovalStore::Decide(
            tx, step.step.id(), approve ? v1::APPROVAL_STEP_STATUS_APPROVED : v1::APPROVAL_STEP_STATUS_REJECTED,
            call.principal, req->reason(), now));
        v1::QuoteStatus to = v1::QUOTE_STATUS_PENDING_APPROVAL;
        if (!approve) {
          SALES_RETURN_IF_ERROR(ApprovalStore::WithdrawPending(tx, v1::SUBJECT_TYPE_QUOTE, q.id(), now));
          to = v1::QUOTE_STATUS_REJECTED;
        } else {
          SALES_ASSIGN_OR_RETURN(auto after_steps, ApprovalStore::ForSubject(tx, v1::SUBJECT_TYPE_QUOTE, q.id()));
          if (!AnyPending(after_steps)) {
            to = v1::QUOTE_STATUS_APPROVED;
            SALES_RETURN_IF_ERROR(QuoteStore::ApproveFees(tx, q.id()));
          }
        }
        SALES_RETURN_IF_ERROR(QuoteStore::SetStatus(tx, q.id(), to, approve ? "" : req->reason(), 0, now));
        SALES_RETURN_IF_ERROR(AuditStore::Append(
            tx,
            {v1::SUBJECT_TYPE_QUOTE, q.id(),
             absl::StrCat(approve ? "QUOTE_STEP_APPROVED_" : "QUOTE_STEP_REJECTED_", EnumShort(step.step.level())),
             EnumShort(q.status()), EnumShort(to), req->reason()},
            call.principal, call.request_id, now));
        Resp out;
        SALES_ASSIGN_OR_RETURN(auto after, QuoteStore::Load(tx, q.id(), false));
        *out.mutable_quote() = after.quote;
        return out;
      });
}

}  // namespace

grpc::Status OrdersApi::ApproveQuote(grpc::ServerContext* ctx, const v1::ApproveQuoteRequest* req,
                                     v1::ApproveQuoteResponse* resp) {
  return DecideQuote(rt_, ctx, "ApproveQuote", req, resp, true);
}

grpc::Status OrdersApi::RejectQuote(grpc::ServerContext* ctx, const v1::RejectQuoteRequest* req,
                                    v1::RejectQuoteResponse* resp) {
  return DecideQuote(rt_, ctx, "RejectQuote", req, resp, false);
}

grpc::Status OrdersApi::CancelQuote(grpc::ServerContext* ctx, const v1::CancelQuoteRequest* req,
                                    v1::CancelQuoteResponse* resp) {
  return ServeMutation<v1::CancelQuoteRequest, v1::CancelQuoteResponse>(
      ctx, OrdersMethod("CancelQuote"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        SALES_RETURN_IF_ERROR(RequireQuoteWriter(call.principal));
        std::vector<FieldViolation> v;
        if (req->quote_id() <= 0) v.push_back({"quote_id", "required"});
        if (req->reason().empty()) v.push_back({"reason", "required"});
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::CancelQuoteResponse> {
        SALES_ASSIGN_OR_RETURN(auto rec, LoadVisibleQuote(tx, call.principal, req->quote_id(), true));
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), rec.quote.etag(), "quote", rec.quote.id()));
        SALES_RETURN_IF_ERROR(CheckQuoteAction(rec.quote.status(), QuoteAction::kCancel));
        absl::Time now = rt_.clock->Now();
        SALES_RETURN_IF_ERROR(ApprovalStore::WithdrawPending(tx, v1::SUBJECT_TYPE_QUOTE, rec.quote.id(), now));
        SALES_RETURN_IF_ERROR(
            QuoteStore::SetStatus(tx, rec.quote.id(), v1::QUOTE_STATUS_CANCELLED, req->reason(), 0, now));
        SALES_RETURN_IF_ERROR(Audit(tx, call, rec.quote.id(), "QUOTE_CANCELLED", rec.quote.status(),
                                    v1::QUOTE_STATUS_CANCELLED, req->reason(), now));
        v1::CancelQuoteResponse out;
        SALES_ASSIGN_OR_RETURN(auto after, QuoteStore::Load(tx, rec.quote.id(), false));
        *out.mutable_quote() = after.quote;
        return out;
      });
}

grpc::Status OrdersApi::ConvertQuoteToOrder(grpc::ServerContext* ctx, const v1::ConvertQuoteToOrderRequest* req,
                                            v1::ConvertQuoteToOrderResponse* resp) {
  return ServeMutation<v1::ConvertQuoteToOrderRequest, v1::ConvertQuoteToOrderResponse>(
      ctx, OrdersMethod("ConvertQuoteToOrder"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        SALES_RETURN_IF_ERROR(RequireQuoteWriter(call.principal));
        SALES_RETURN_IF_ERROR(ValidateConversion(*req));
        // Which customer: read without locks, then ask customers-svc before
        // the converting transaction.
        SALES_ASSIGN_OR_RETURN(auto rec, rt_.pool->Transact<QuoteRecord>([&](db::Transaction& tx) {
          return QuoteStore::Load(tx, req->quote_id(), false);
        }));
        SALES_ASSIGN_OR_RETURN(auto customer, customers_->FetchCustomer(&call, rec.quote.customer_id()));
        return RefuseBlacklisted(customer);
      },
      [&](db::Transaction& tx, CallContext& call) {
        SqlOrderBook book(tx, rt_.outbox);
        return QuoteConversion(*rt_.clock).Convert(book, call, *req);
      });
}

grpc::Status OrdersApi::ExpireQuotes(grpc::ServerContext* ctx, const v1::ExpireQuotesRequest* req,
                                     v1::ExpireQuotesResponse* resp) {
  return ServeMutation<v1::ExpireQuotesRequest, v1::ExpireQuotesResponse>(
      ctx, OrdersMethod("ExpireQuotes"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        SALES_RETURN_IF_ERROR(RequireRole(call.principal, {kRoleAdmin, kRoleService}, "run the quote expiry sweep"));
        if (!req->has_as_of()) return InvalidField("as_of", "required");
        return ValidateDate(req->as_of(), "as_of");
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ExpireQuotesResponse> {
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(auto ids, QuoteStore::ExpiredCandidates(tx, FormatDbDate(req->as_of())));
        v1::ExpireQuotesResponse out;
        for (int64_t id : ids) {
          SALES_ASSIGN_OR_RETURN(auto rec, QuoteStore::Load(tx, id, false));
          SALES_RETURN_IF_ERROR(ApprovalStore::WithdrawPending(tx, v1::SUBJECT_TYPE_QUOTE, id, now));
          SALES_RETURN_IF_ERROR(QuoteStore::SetStatus(tx, id, v1::QUOTE_STATUS_EXPIRED, "passed valid_until", 0, now));
          SALES_RETURN_IF_ERROR(Audit(tx, call, id, "QUOTE_EXPIRED", rec.quote.status(), v1::QUOTE_STATUS_EXPIRED,
                                      absl::StrCat("valid until ", FormatDbDate(rec.quote.valid_until())), now));
          out.add_expired_quote_ids(id);
        }
        out.set_expired_count(out.expired_quote_ids_size());
        return out;
      });
}

}  // namespace sales::orders
