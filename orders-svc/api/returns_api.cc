// Returns (退货(换货)流程 [001]): the rep raises the request, someone checks
// name, spec, quantity and genuineness (verification), the manager approves,
// and the warehouse receives the goods as a negative shipment (红字出库单)
// that puts intact goods back on hand and damaged ones into quarantine.
#include <map>
#include <optional>
#include <set>

#include "absl/strings/str_cat.h"
#include "orders-svc/api/orders_api.h"
#include "orders-svc/api/orders_support.h"
#include "orders-svc/app/order_desk.h"
#include "orders-svc/domain/errors.h"
#include "orders-svc/domain/limits.h"
#include "orders-svc/domain/return_rules.h"
#include "orders-svc/store/enum_names.h"
#include "orders-svc/store/order_store.h"
#include "orders-svc/store/return_store.h"
#include "orders-svc/store/shipment_document_store.h"
#include "orders-svc/store/shipment_store.h"
#include "orders-svc/store/stock_store.h"
#include "platform/convert.h"
#include "platform/handlers.h"
#include "platform/money.h"
#include "platform/roles.h"
#include "platform/status.h"
#include "sales/orders/v1/events.pb.h"

namespace sales::orders {


namespace {

absl::Status ValidateReturnInput(const v1::CreateReturnRequest& req) {
  if (!req.has_return_request()) return InvalidField("return_request", "required");
  const auto& r = req.return_request();
  SALES_RETURN_IF_ERROR(CheckRepeatedCap(r.lines_size(), kMaxDocumentLines, "return_request.lines"));
  std::vector<FieldViolation> v;
  if (r.order_id() <= 0) v.push_back({"return_request.order_id", "required"});
  if (r.reason().empty()) v.push_back({"return_request.reason", "required: the customer's reason"});
  if (r.reason().size() > 1000) v.push_back({"return_request.reason", "at most 1000 characters"});
  if (r.lines().empty()) v.push_back({"return_request.lines", "at least one line"});
  for (int i = 0; i < r.lines_size(); ++i) {
    const auto& l = r.lines(i);
    std::string f = absl::StrCat("return_request.lines[", i, "]");
    if (l.order_line_id() <= 0) v.push_back({f + ".order_line_id", "required"});
    if (!QuantityInRange(l.requested_quantity(), false)) {
      v.push_back({f + ".requested_quantity", QuantityRule(false)});
    }
    if (l.claimed_condition() == v1::ITEM_CONDITION_UNSPECIFIED) v.push_back({f + ".claimed_condition", "required"});
    if (l.shipment_id() < 0) v.push_back({f + ".shipment_id", "must be >= 0"});
  }
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

// Loads the return and its order, the order row locked first (the same lock
// order as shipping), and checks the etag and the transition.
struct Loaded {
  OrderWithReservations order;
  ReturnRecord ret;
};
absl::StatusOr<Loaded> LoadForChange(db::Transaction& tx, int64_t return_id, const std::string& etag,
                                     ReturnAction action) {
  SALES_ASSIGN_OR_RETURN(auto probe, ReturnStore::Load(tx, return_id, false));
  Loaded out;
  SALES_ASSIGN_OR_RETURN(out.order, StockStore::LoadOrder(tx, probe.request.order_id(), true));
  SALES_ASSIGN_OR_RETURN(out.ret, ReturnStore::Load(tx, return_id, true));
  SALES_RETURN_IF_ERROR(CheckEtag(etag, out.ret.version, "return request", return_id));
  SALES_RETURN_IF_ERROR(CheckReturnAction(out.ret.request.status(), action));
  return out;
}

int64_t RequesterUnit(const Loaded& l) {
  return l.ret.requester.org_unit_id ? l.ret.requester.org_unit_id : l.ret.credited_org_unit_id;
}

}  // namespace

grpc::Status OrdersApi::CreateReturn(grpc::ServerContext* ctx, const v1::CreateReturnRequest* req,
                                         v1::CreateReturnResponse* resp) {
  return ServeMutation<v1::CreateReturnRequest, v1::CreateReturnResponse>(
      ctx, OrdersMethod("CreateReturn"), rt_, *req, resp, [&](CallContext&) { return ValidateReturnInput(*req); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::CreateReturnResponse> {
        const absl::Time now = rt_.clock->Now();
        SALES_RETURN_IF_ERROR(RequireRole(
            call.principal, {kRoleRep, kRoleClerk, kRoleManager, kRoleDirector, kRoleAdmin}, "raise returns"));
        v1::ReturnRequest in = req->return_request();
        SALES_ASSIGN_OR_RETURN(auto order,
                               LoadOrderInScope(tx, call.principal, in.order_id(), /*for_update=*/true));
        const v1::SalesOrder& o = order.record.order;
        SALES_ASSIGN_OR_RETURN(auto pending, ReturnStore::PendingByLine(tx, o.id(), 0));
        std::vector<FieldViolation> bad;
        for (int i = 0; i < in.lines_size(); ++i) {
          const std::string f = absl::StrCat("return_request.lines[", i, "]");
          if (FindLine(o, in.lines(i).order_line_id()) == nullptr) {
            bad.push_back({f + ".order_line_id", absl::StrCat("not a line of order ", o.id())});
          }
          if (in.lines(i).shipment_id() != 0) {
            SALES_ASSIGN_OR_RETURN(int64_t wh, ReturnDestinationStore::ShippedFrom(tx, in.lines(i).order_line_id(),
                                                                                 in.lines(i).shipment_id()));
            if (wh == 0) bad.push_back({f + ".shipment_id", "no outbound shipment of this line"});
          }
        }
        if (!bad.empty()) return InvalidFields(std::move(bad));
        std::map<int64_t, int64_t> in_this_request;
        for (int i = 0; i < in.lines_size(); ++i) {
          auto* l = in.mutable_lines(i);
          const v1::OrderLine* ol = FindLine(o, l->order_line_id());
          ReturnableLine rl{ol->shipped_quantity(), ol->returned_quantity(),
                            pending[ol->id()] + in_this_request[ol->id()]};
          SALES_RETURN_IF_ERROR(CheckReturnQuantity(rl, l->requested_quantity(),
                                                    absl::StrCat("return_request.lines[", i, "].requested_quantity")));
          in_this_request[ol->id()] += l->requested_quantity();
          l->set_product_id(ol->product_id());
          l->set_sku(ol->sku());
          *l->mutable_unit_price() = ol->unit_price();
        }
        in.set_customer_id(o.customer_id());
        in.set_credited_rep_id(o.credited_rep_id());
        SALES_ASSIGN_OR_RETURN(int64_t id, ReturnStore::Insert(tx, in, o.credited_org_unit_id(), o.currency_code(),
                                                               static_cast<int>(BusinessDay(now).year()),
                                                               call.principal, now));
        SALES_RETURN_IF_ERROR(Audit(tx, v1::SUBJECT_TYPE_RETURN_REQUEST, id, "RETURN_REQUESTED", "",
                                                "REQUESTED", in.reason(), call, now));
        v1::CreateReturnResponse out;
        SALES_ASSIGN_OR_RETURN(auto rec, ReturnStore::Load(tx, id, false));
        *out.mutable_return_request() = std::move(rec.request);
        return out;
      });
}

grpc::Status OrdersApi::GetReturn(grpc::ServerContext* ctx, const v1::GetReturnRequest* req,
                                      v1::GetReturnResponse* resp) {
  return ServeRead<v1::GetReturnResponse>(
      ctx, OrdersMethod("GetReturn"), rt_, resp,
      [&](CallContext&) {
        return req->return_request_id() > 0 ? absl::OkStatus() : InvalidField("return_request_id", "required");
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetReturnResponse> {
        SALES_ASSIGN_OR_RETURN(auto rec, ReturnStore::Load(tx, req->return_request_id(), false));
        SALES_ASSIGN_OR_RETURN(auto order,
                               LoadOrderInScope(tx, call.principal, rec.request.order_id(), false));
        v1::GetReturnResponse out;
        *out.mutable_return_request() = std::move(rec.request);
        return out;
      });
}

grpc::Status OrdersApi::ListReturns(grpc::ServerContext* ctx, const v1::ListReturnsRequest* req,
                                        v1::ListReturnsResponse* resp) {
  return ServeRead<v1::ListReturnsResponse>(
      ctx, OrdersMethod("ListReturns"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_RETURN_IF_ERROR(PageSize(req->page_size(), 50, 200).status());
        return DecodePageToken(req->page_token()).status();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListReturnsResponse> {
        SALES_ASSIGN_OR_RETURN(int page, PageSize(req->page_size(), 50, 200));
        SALES_ASSIGN_OR_RETURN(auto scope, ScopeOf(tx, call.principal));
        ReturnStore::Filter f;
        f.order_id = req->order_id();
        f.customer_id = req->customer_id();
        f.rep_id = req->rep_id();
        if (req->status() != v1::RETURN_STATUS_UNSPECIFIED) f.status = EnumShort(req->status());
        if (req->create_dates().has_start()) {
          f.from_time = FormatDbTime(StartOfBusinessDay(ToCivilDay(req->create_dates().start())));
        }
        if (req->create_dates().has_end()) {
          f.to_time = FormatDbTime(StartOfBusinessDay(ToCivilDay(req->create_dates().end()) + 1));
        }
        if (!scope.all) {
          f.only_rep = scope.rep_id;
          if (scope.rep_id == 0) {
            f.restrict_units = true;
            f.units = scope.units;
          }
        }
        SALES_ASSIGN_OR_RETURN(f.before_id, DecodePageToken(req->page_token()));
        SALES_ASSIGN_OR_RETURN(auto rows, ReturnStore::List(tx, f, page + 1));
        std::vector<v1::ReturnRequest> items;
        for (auto& r : rows) items.push_back(std::move(r.request));
        v1::ListReturnsResponse out;
        FillPage(std::move(items), page, &out, [](auto* r) { return r->add_return_requests(); });
        return out;
      });
}

grpc::Status OrdersApi::VerifyReturn(grpc::ServerContext* ctx, const v1::VerifyReturnRequest* req,
                                         v1::VerifyReturnResponse* resp) {
  return ServeMutation<v1::VerifyReturnRequest, v1::VerifyReturnResponse>(
      ctx, OrdersMethod("VerifyReturn"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        std::vector<FieldViolation> v;
        SALES_RETURN_IF_ERROR(CheckRepeatedCap(req->lines_size(), kMaxDocumentLines, "lines"));
        if (req->return_request_id() <= 0) v.push_back({"return_request_id", "required"});
        if (req->lines().empty()) v.push_back({"lines", "one result per return line"});
        if (req->notes().size() > 2000) v.push_back({"notes", "at most 2000 characters"});
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::VerifyReturnResponse> {
        const absl::Time now = rt_.clock->Now();
        SALES_RETURN_IF_ERROR(RequireRole(
            call.principal, {kRoleRep, kRoleClerk, kRoleWarehouse, kRoleManager, kRoleDirector, kRoleAdmin},
            "verify returns"));
        SALES_ASSIGN_OR_RETURN(auto l, LoadForChange(tx, req->return_request_id(), req->etag(), ReturnAction::kVerify));
        SALES_ASSIGN_OR_RETURN(auto scope, ScopeOf(tx, call.principal));
        SALES_RETURN_IF_ERROR(CheckSees(scope, l.order.record));
        std::map<int64_t, const v1::ReturnLine*> by_id;
        for (const auto& rl : l.ret.request.lines()) by_id[rl.id()] = &rl;
        std::map<int64_t, v1::ReturnLineVerification> results;
        std::vector<FieldViolation> bad;
        for (int i = 0; i < req->lines_size(); ++i) {
          const auto& v = req->lines(i);
          std::string f = absl::StrCat("lines[", i, "]");
          auto it = by_id.find(v.return_line_id());
          if (it == by_id.end()) {
            bad.push_back({f + ".return_line_id", "not a line of this return"});
            continue;
          }
          if (results.count(v.return_line_id())) {
            bad.push_back({f + ".return_line_id", "given twice"});
            continue;
          }
          if (auto st = CheckVerification(it->second->requested_quantity(), v.verified_quantity(),
                                          v.verified_condition(), f);
              !st.ok()) {
            for (auto& fv : FieldViolationsOf(st)) bad.push_back(fv);
            continue;
          }
          v1::ReturnLineVerification stored = v;
          // Goods that are not ours are not taken back, whatever was counted.
          if (!Acceptable(v.verified_condition())) stored.set_verified_quantity(0);
          results[v.return_line_id()] = stored;
        }
        for (const auto& [id, line] : by_id) {
          if (!results.count(id) && bad.empty()) {
            bad.push_back({"lines", absl::StrCat("return line ", id, " has no result")});
          }
        }
        if (!bad.empty()) return InvalidFields(std::move(bad));
        bool nothing = true;
        for (const auto& [id, v] : results) {
          if (v.verified_quantity() > 0) nothing = false;
        }
        v1::ReturnStatus to = ReturnStatusAfter(ReturnAction::kVerify, nothing);
        SALES_RETURN_IF_ERROR(
            ReturnStore::SaveVerification(tx, l.ret.request.id(), results, req->notes(), call.principal, to, now));
        if (to == v1::RETURN_STATUS_VERIFIED) {
          SALES_RETURN_IF_ERROR(OpenManagerStep(tx, v1::SUBJECT_TYPE_RETURN_REQUEST, l.ret.request.id(),
                                                            v1::APPROVAL_TRIGGER_RETURN, l.ret.requester, now));
        } else {
          SALES_RETURN_IF_ERROR(ReturnStore::SetStatus(tx, l.ret.request.id(), to, "nothing accepted at verification",
                                                       0, now));
        }
        SALES_RETURN_IF_ERROR(Audit(tx, v1::SUBJECT_TYPE_RETURN_REQUEST, l.ret.request.id(),
                                                "RETURN_VERIFIED", "REQUESTED", EnumShort(to), req->notes(), call,
                                                now));
        v1::VerifyReturnResponse out;
        SALES_ASSIGN_OR_RETURN(auto rec, ReturnStore::Load(tx, l.ret.request.id(), false));
        *out.mutable_return_request() = std::move(rec.request);
        return out;
      });
}

grpc::Status OrdersApi::ApproveReturn(grpc::ServerContext* ctx, const v1::ApproveReturnRequest* req,
                                          v1::ApproveReturnResponse* resp) {
  return ServeMutation<v1::ApproveReturnRequest, v1::ApproveReturnResponse>(
      ctx, OrdersMethod("ApproveReturn"), rt_, *req, resp,
      [&](CallContext&) {
        return req->return_request_id() > 0 ? absl::OkStatus() : InvalidField("return_request_id", "required");
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ApproveReturnResponse> {
        const absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(auto l,
                               LoadForChange(tx, req->return_request_id(), req->etag(), ReturnAction::kApprove));
        SALES_RETURN_IF_ERROR(CheckDecider(tx, call.principal, l.ret.requester.user_id, RequesterUnit(l)));
        SALES_RETURN_IF_ERROR(DecidePendingStep(tx, v1::SUBJECT_TYPE_RETURN_REQUEST, l.ret.request.id(),
                                                            v1::APPROVAL_STEP_STATUS_APPROVED, call.principal,
                                                            req->reason(), now));
        SALES_RETURN_IF_ERROR(ReturnStore::SetStatus(tx, l.ret.request.id(), v1::RETURN_STATUS_APPROVED, "", 0, now));
        SALES_RETURN_IF_ERROR(Audit(tx, v1::SUBJECT_TYPE_RETURN_REQUEST, l.ret.request.id(),
                                                "RETURN_APPROVED", "VERIFIED", "APPROVED", req->reason(), call, now));
        v1::ApproveReturnResponse out;
        SALES_ASSIGN_OR_RETURN(auto rec, ReturnStore::Load(tx, l.ret.request.id(), false));
        *out.mutable_return_request() = std::move(rec.request);
        return out;
      });
}

grpc::Status OrdersApi::RejectReturn(grpc::ServerContext* ctx, const v1::RejectReturnRequest* req,
                                         v1::RejectReturnResponse* resp) {
  return ServeMutation<v1::RejectReturnRequest, v1::RejectReturnResponse>(
      ctx, OrdersMethod("RejectReturn"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->return_request_id() <= 0) return InvalidField("return_request_id", "required");
        return RequireReason(req->reason());
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::RejectReturnResponse> {
        const absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(auto l, LoadForChange(tx, req->return_request_id(), req->etag(), ReturnAction::kReject));
        const auto from = l.ret.request.status();
        if (from == v1::RETURN_STATUS_VERIFIED) {
          // Past verification only the approving side refuses.
          SALES_RETURN_IF_ERROR(
              CheckDecider(tx, call.principal, l.ret.requester.user_id, RequesterUnit(l)));
        } else {
          // At verification the verifier (clerk, warehouse) may refuse too.
          SALES_RETURN_IF_ERROR(RequireRole(
              call.principal, {kRoleClerk, kRoleWarehouse, kRoleManager, kRoleDirector, kRoleAdmin},
              "reject returns"));
          SALES_ASSIGN_OR_RETURN(auto scope, ScopeOf(tx, call.principal));
          SALES_RETURN_IF_ERROR(CheckSees(scope, l.order.record));
        }
        SALES_RETURN_IF_ERROR(DecidePendingStep(tx, v1::SUBJECT_TYPE_RETURN_REQUEST, l.ret.request.id(),
                                                            v1::APPROVAL_STEP_STATUS_REJECTED, call.principal,
                                                            req->reason(), now));
        SALES_RETURN_IF_ERROR(
            ReturnStore::SetStatus(tx, l.ret.request.id(), v1::RETURN_STATUS_REJECTED, req->reason(), 0, now));
        SALES_RETURN_IF_ERROR(Audit(tx, v1::SUBJECT_TYPE_RETURN_REQUEST, l.ret.request.id(),
                                                "RETURN_REJECTED", EnumShort(from), "REJECTED", req->reason(), call,
                                                now));
        v1::RejectReturnResponse out;
        SALES_ASSIGN_OR_RETURN(auto rec, ReturnStore::Load(tx, l.ret.request.id(), false));
        *out.mutable_return_request() = std::move(rec.request);
        return out;
      });
}

grpc::Status OrdersApi::CancelReturn(grpc::ServerContext* ctx, const v1::CancelReturnRequest* req,
                                         v1::CancelReturnResponse* resp) {
  return ServeMutation<v1::CancelReturnRequest, v1::CancelReturnResponse>(
      ctx, OrdersMethod("CancelReturn"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->return_request_id() <= 0) return InvalidField("return_request_id", "required");
        return RequireReason(req->reason());
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::CancelReturnResponse> {
        const absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(auto l, LoadForChange(tx, req->return_request_id(), req->etag(), ReturnAction::kCancel));
        bool own = call.principal.authenticated() && call.principal.user_id == l.ret.requester.user_id;
        if (!own) {
          SALES_RETURN_IF_ERROR(RequireRole(call.principal, {kRoleClerk, kRoleManager, kRoleDirector, kRoleAdmin},
                                                    "withdraw another's return"));
          SALES_ASSIGN_OR_RETURN(auto scope, ScopeOf(tx, call.principal));
          SALES_RETURN_IF_ERROR(CheckSees(scope, l.order.record));
        }
        SALES_RETURN_IF_ERROR(ApprovalStore::WithdrawPending(tx, v1::SUBJECT_TYPE_RETURN_REQUEST, l.ret.request.id(), now));
        SALES_RETURN_IF_ERROR(
            ReturnStore::SetStatus(tx, l.ret.request.id(), v1::RETURN_STATUS_CANCELLED, req->reason(), 0, now));
        SALES_RETURN_IF_ERROR(Audit(tx, v1::SUBJECT_TYPE_RETURN_REQUEST, l.ret.request.id(),
                                                "RETURN_CANCELLED", EnumShort(l.ret.request.status()), "CANCELLED",
                                                req->reason(), call, now));
        v1::CancelReturnResponse out;
        SALES_ASSIGN_OR_RETURN(auto rec, ReturnStore::Load(tx, l.ret.request.id(), false));
        *out.mutable_return_request() = std::move(rec.request);
        return out;
      });
}

grpc::Status OrdersApi::ReceiveReturn(grpc::ServerContext* ctx, const v1::ReceiveReturnRequest* req,
                                          v1::ReceiveReturnResponse* resp) {
  return ServeMutation<v1::ReceiveReturnRequest, v1::ReceiveReturnResponse>(
      ctx, OrdersMethod("ReceiveReturn"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        std::vector<FieldViolation> v;
        if (req->return_request_id() <= 0) v.push_back({"return_request_id", "required"});
        if (req->warehouse_id() < 0) v.push_back({"warehouse_id", "must be >= 0"});
        if (req->quarantine_warehouse_id() < 0) v.push_back({"quarantine_warehouse_id", "must be >= 0"});
        if (req->has_return_date()) {
          if (auto st = ValidateDate(req->return_date(), "return_date"); !st.ok()) {
            for (auto& fv : FieldViolationsOf(st)) v.push_back(fv);
          }
        }
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ReceiveReturnResponse> {
        const absl::Time now = rt_.clock->Now();
        SALES_RETURN_IF_ERROR(RequireRole(call.principal, {kRoleWarehouse, kRoleAdmin}, "receive returns"));
        SALES_ASSIGN_OR_RETURN(auto l,
                               LoadForChange(tx, req->return_request_id(), req->etag(), ReturnAction::kReceive));
        v1::SalesOrder& o = l.order.record.order;
        const auto& ret = l.ret.request;
        // Where each kind of goods goes; a named warehouse must fit its use.
        std::optional<WarehouseInfo> regular, quarantine;
        if (req->warehouse_id() != 0) {
          SALES_ASSIGN_OR_RETURN(regular, ReturnDestinationStore::Warehouse(tx, req->warehouse_id()));
          if (!regular) return NotFound("warehouse", req->warehouse_id());
          if (regular->kind != "REGULAR" || !regular->active) {
            return InvalidField("warehouse_id", "must be an active regular warehouse");
          }
        }
        bool needs_quarantine = false;
        for (const auto& rl : ret.lines()) {
          if (rl.verified_quantity() > 0 && GoesToQuarantine(rl.verified_condition())) needs_quarantine = true;
        }
        if (needs_quarantine) {
          if (req->quarantine_warehouse_id() != 0) {
            SALES_ASSIGN_OR_RETURN(quarantine, ReturnDestinationStore::Warehouse(tx, req->quarantine_warehouse_id()));
            if (!quarantine) return NotFound("warehouse", req->quarantine_warehouse_id());
            if (quarantine->kind != "QUARANTINE" || !quarantine->active) {
              return InvalidField("quarantine_warehouse_id", "must be an active quarantine warehouse");
            }
          } else {
            SALES_ASSIGN_OR_RETURN(quarantine, ReturnDestinationStore::FirstQuarantine(tx));
            if (!quarantine) {
              return WithErrorInfo(absl::FailedPreconditionError("damaged or defective goods need a quarantine "
                                                                 "warehouse and none is active"),
                                   "NO_QUARANTINE_WAREHOUSE", kOrdersDomain);
            }
          }
        }
        // Re-check the limit at receipt: other returns may have been received
        // since this one was raised.
        std::map<int64_t, int64_t> per_line;
        for (const auto& rl : ret.lines()) per_line[rl.order_line_id()] += rl.verified_quantity();
        for (const auto& [line_id, q] : per_line) {
          if (q == 0) continue;
          const v1::OrderLine* ol = FindLine(o, line_id);
          SALES_RETURN_IF_ERROR(CheckReturnQuantity({ol->shipped_quantity(), ol->returned_quantity(), 0}, q,
                                                    absl::StrCat("order line ", line_id)));
        }
        const absl::CivilDay day = req->has_return_date() ? ToCivilDay(req->return_date()) : BusinessDay(now);
        SALES_ASSIGN_OR_RETURN(auto unit_costs, ShipmentStore::LineUnitCosts(tx, o.id()));
        std::map<int64_t, std::vector<NewShipmentLine>> by_warehouse;
        std::map<int64_t, std::set<int64_t>> origins;  // warehouse → outbound shipments
        for (const auto& rl : ret.lines()) {
          if (rl.verified_quantity() <= 0) continue;
          const v1::OrderLine* ol = FindLine(o, rl.order_line_id());
          int64_t wh = 0;
          if (GoesToQuarantine(rl.verified_condition())) {
            wh = quarantine->id;
          } else if (regular) {
            wh = regular->id;
          } else {
            SALES_ASSIGN_OR_RETURN(wh, ReturnDestinationStore::ShippedFrom(tx, rl.order_line_id(), rl.shipment_id()));
          }
          if (wh == 0) return absl::InternalError("returned goods with no warehouse they shipped from");
          NewShipmentLine nl;
          nl.return_line_id = rl.id();
          auto& sl = nl.line;
          const int64_t q = rl.verified_quantity();
          sl.set_order_line_id(ol->id());
          sl.set_product_id(ol->product_id());
          sl.set_sku(ol->sku());
          sl.set_product_line_id(ol->product_line_id());
          sl.set_quantity(-q);
          *sl.mutable_unit_price() = ol->unit_price();
          const std::string qf = absl::StrCat("return line ", rl.id(), " verified_quantity");
          SALES_ASSIGN_OR_RETURN(int64_t net, AmountMul(-q, ol->unit_price().minor_units(), qf));
          SALES_ASSIGN_OR_RETURN(int64_t cost, AmountMul(-q, unit_costs[ol->id()], qf));
          *sl.mutable_net_amount() = MakeMoney(net, o.currency_code());
          *sl.mutable_cost_amount() = MakeMoney(cost, o.currency_code());
          sl.set_condition(rl.verified_condition());
          by_warehouse[wh].push_back(nl);
          if (rl.shipment_id() != 0) origins[wh].insert(rl.shipment_id());
        }
        MovementContext mc;
        mc.kind = v1::STOCK_MOVEMENT_KIND_RETURN;
        mc.reference = ret.request_number();
        mc.reason = ret.reason();
        mc.movement_date = day;
        mc.actor = call.principal;
        mc.request_id = call.request_id;
        mc.now = now;
        v1::ReceiveReturnResponse out;
        int64_t first_shipment = 0;
        for (auto& [wh, lines] : by_warehouse) {
          v1::OrderReturnedEvent event;
          for (const auto& nl : lines) {
            SALES_RETURN_IF_ERROR(
                StockStore::PutBack(tx, wh, nl.line.product_id(), -nl.line.quantity(), mc).status());
            SALES_RETURN_IF_ERROR(ShipmentStore::AddLineReturned(tx, nl.line.order_line_id(), -nl.line.quantity()));
            const v1::OrderLine* ol = FindLine(o, nl.line.order_line_id());
            auto* el = event.add_lines();
            el->set_order_line_id(ol->id());
            el->set_product_id(ol->product_id());
            el->set_sku(ol->sku());
            el->set_product_line_id(ol->product_line_id());
            el->set_commissionable(ol->commissionable());
            el->set_unit(ol->unit());
            el->set_quantity(nl.line.quantity());
            *el->mutable_list_price() = ol->list_price();
            el->set_discount_bp(ol->discount_bp());
            *el->mutable_unit_price() = ol->unit_price();
            *el->mutable_net_amount() = nl.line.net_amount();
            *el->mutable_cost_amount() = nl.line.cost_amount();
          }
          v1::Shipment s;
          s.set_kind(v1::SHIPMENT_KIND_RETURN);
          s.set_order_id(o.id());
          s.set_return_request_id(ret.id());
          s.set_warehouse_id(wh);
          s.set_customer_id(o.customer_id());
          s.set_credited_rep_id(o.credited_rep_id());
          *s.mutable_ship_date() = FromCivilDay(day);
          SALES_ASSIGN_OR_RETURN(s, ShipmentStore::InsertShipment(tx, s, lines, o.credited_org_unit_id(),
                                                                  o.currency_code(), call.principal, now));
          if (first_shipment == 0) first_shipment = s.id();
          SALES_RETURN_IF_ERROR(ShipmentDocumentStore::Create(tx, v1::DOCUMENT_TYPE_RETURN_RECEIPT, s.shipment_number(),
                                                              o.id(), 0, s.id(), now)
                                    .status());
          SALES_RETURN_IF_ERROR(
              ShipmentStore::AddOrderShippedAmount(tx, o.id(), s.total_amount().minor_units(), now));
          SALES_RETURN_IF_ERROR(Audit(tx, v1::SUBJECT_TYPE_SHIPMENT, s.id(), "RETURN_RECEIVED", "",
                                                  "DELIVERED", ret.request_number(), call, now));
          *event.mutable_order() = EventHeaderOf(o);
          event.set_return_request_id(ret.id());
          event.set_return_shipment_id(s.id());
          event.set_shipment_number(s.shipment_number());
          for (int64_t sid : origins[wh]) event.add_original_shipment_ids(sid);
          event.set_warehouse_id(wh);
          *event.mutable_return_date() = s.ship_date();
          *event.mutable_total_amount() = s.total_amount();
          event.set_reason(ret.reason());
          SALES_RETURN_IF_ERROR(rt_.outbox->Append(tx, "SalesOrder", absl::StrCat(o.id()), event, call.request_id));
          *out.add_return_shipments() = std::move(s);
        }
        SALES_RETURN_IF_ERROR(
            ReturnStore::SetStatus(tx, ret.id(), v1::RETURN_STATUS_RECEIVED, "", first_shipment, now));
        SALES_RETURN_IF_ERROR(Audit(tx, v1::SUBJECT_TYPE_RETURN_REQUEST, ret.id(), "RETURN_RECEIVED",
                                                "APPROVED", "RECEIVED", "", call, now));
        SALES_ASSIGN_OR_RETURN(auto rec, ReturnStore::Load(tx, ret.id(), false));
        *out.mutable_return_request() = std::move(rec.request);
        out.set_order_status(o.status());
        return out;
      });
}

}  // namespace sales::orders
