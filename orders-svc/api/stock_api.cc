// Warehouses, stock levels, receipts, adjustments, transfers, the ledger and
// reservations (库存).
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "orders-svc/api/orders_api.h"
#include "orders-svc/api/orders_support.h"
#include "orders-svc/app/catalog_upkeep.h"
#include "orders-svc/store/audit_store.h"
#include "orders-svc/store/product_store.h"
#include "orders-svc/store/stock_store.h"
#include "orders-svc/store/warehouse_store.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/field_mask.h"
#include "platform/handlers.h"
#include "platform/roles.h"
#include "platform/status.h"

namespace sales::orders {
namespace {

// The warehouse's id and the mask; without a mask the request carries the
// whole warehouse, checked as sent.
absl::StatusOr<std::vector<std::string>> ValidateWarehouseChange(const v1::UpdateWarehouseRequest& req) {
  if (req.warehouse().id() <= 0) return InvalidField("warehouse.id", "required");
  SALES_ASSIGN_OR_RETURN(auto paths,
                         UpdatePaths(req.update_mask(), {"name", "kind", "address", "allocation_priority", "active"}));
  if (req.update_mask().paths().empty()) SALES_RETURN_IF_ERROR(ValidateWarehouse(req.warehouse(), false));
  return paths;
}

MovementContext Movement(const CallContext& call, absl::Time now, v1::StockMovementKind kind, std::string reason,
                         std::string reference, const common::v1::Date& date) {
  MovementContext m;
  m.kind = kind;
  m.reason = std::move(reason);
  m.reference = std::move(reference);
  m.movement_date = DayOr(date, now);
  m.actor = call.principal;
  m.request_id = call.request_id;
  m.now = now;
  return m;
}

absl::Status RequireActiveWarehouse(db::Transaction& tx, int64_t id, const std::string& field) {
  auto w = WarehouseStore::Get(tx, id);
  if (absl::IsNotFound(w.status())) return w.status();
  if (!w.ok()) return w.status();
  if (!w->active()) {
    return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("warehouse ", w->code(), " is inactive")),
                         "WAREHOUSE_INACTIVE", kOrdersDomain, {{"field", field}});
  }
  return absl::OkStatus();
}

}  // namespace

grpc::Status OrdersApi::CreateWarehouse(grpc::ServerContext* ctx, const v1::CreateWarehouseRequest* req,
                                        v1::CreateWarehouseResponse* resp) {
  return ServeMutation<v1::CreateWarehouseRequest, v1::CreateWarehouseResponse>(
      ctx, OrdersMethod("CreateWarehouse"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        SALES_RETURN_IF_ERROR(RequireRole(call.principal, {kRoleAdmin}, "create warehouses"));
        return ValidateWarehouse(req->warehouse(), true);
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::CreateWarehouseResponse> {
        v1::Warehouse w = req->warehouse();
        w.set_active(true);  // new warehouses take stock; deactivate with UpdateWarehouse
        absl::Time now = rt_.clock->Now();
        v1::CreateWarehouseResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_warehouse(), WarehouseStore::Insert(tx, w, now));
        SALES_RETURN_IF_ERROR(AuditStore::Append(
            tx, {v1::SUBJECT_TYPE_WAREHOUSE, out.warehouse().id(), "WAREHOUSE_CREATED", "", EnumShort(w.kind()), ""},
            call.principal, call.request_id, now));
        return out;
      });
}

grpc::Status OrdersApi::GetWarehouse(grpc::ServerContext* ctx, const v1::GetWarehouseRequest* req,
                                     v1::GetWarehouseResponse* resp) {
  return ServeRead<v1::GetWarehouseResponse>(
      ctx, OrdersMethod("GetWarehouse"), rt_, resp,
      [&](CallContext&) {
        return req->warehouse_id() > 0 ? absl::OkStatus() : InvalidField("warehouse_id", "required");
      },
      [&](db::Transaction& tx, CallContext&) -> absl::StatusOr<v1::GetWarehouseResponse> {
        v1::GetWarehouseResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_warehouse(), WarehouseStore::Get(tx, req->warehouse_id()));
        return out;
      });
}

grpc::Status OrdersApi::ListWarehouses(grpc::ServerContext* ctx, const v1::ListWarehousesRequest* req,
                                       v1::ListWarehousesResponse* resp) {
  int page = 0;
  int64_t after = 0;
  return ServeRead<v1::ListWarehousesResponse>(
      ctx, OrdersMethod("ListWarehouses"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(page, PageSize(req->page_size(), kPageOfDocuments));
        SALES_ASSIGN_OR_RETURN(after, DecodePageToken(req->page_token()));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext&) -> absl::StatusOr<v1::ListWarehousesResponse> {
        v1::ListWarehousesResponse out;
        SALES_ASSIGN_OR_RETURN(auto items,
                               WarehouseStore::List(tx, req->kind(), req->include_inactive(), after, page + 1));
        FillPage(std::move(items), page, &out, [](v1::ListWarehousesResponse* r) { return r->add_warehouses(); });
        return out;
      });
}

grpc::Status OrdersApi::UpdateWarehouse(grpc::ServerContext* ctx, const v1::UpdateWarehouseRequest* req,
                                        v1::UpdateWarehouseResponse* resp) {
  std::vector<std::string> paths;
  return ServeMutation<v1::UpdateWarehouseRequest, v1::UpdateWarehouseResponse>(
      ctx, OrdersMethod("UpdateWarehouse"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        SALES_RETURN_IF_ERROR(RequireRole(call.principal, {kRoleAdmin}, "change warehouses"));
        SALES_ASSIGN_OR_RETURN(paths, ValidateWarehouseChange(*req));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) {
        return CatalogUpkeep(*rt_.clock, *rt_.outbox).UpdateWarehouse(tx, call, *req, paths);
      });
}

grpc::Status OrdersApi::ListStockLevels(grpc::ServerContext* ctx, const v1::ListStockLevelsRequest* req,
                                        v1::ListStockLevelsResponse* resp) {
  int page = 0;
  int64_t offset = 0;
  return ServeRead<v1::ListStockLevelsResponse>(
      ctx, OrdersMethod("ListStockLevels"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(page, PageSize(req->page_size(), kPageOfRecords));
        SALES_ASSIGN_OR_RETURN(offset, DecodePageToken(req->page_token()));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext&) -> absl::StatusOr<v1::ListStockLevelsResponse> {
        v1::ListStockLevelsResponse out;
        SALES_ASSIGN_OR_RETURN(auto items, StockStore::ListLevels(tx, req->warehouse_id(), req->product_id(),
                                                                  !req->include_empty(), offset, page + 1));
        bool more = static_cast<int>(items.size()) > page;
        if (more) items.pop_back();
        for (auto& l : items) {
          if (req->product_line_id() > 0) {
            SALES_ASSIGN_OR_RETURN(auto p, ProductStore::Get(tx, l.product_id()));
            if (p.product_line_id() != req->product_line_id()) continue;
          }
          *out.add_stock_levels() = std::move(l);
        }
        if (more) out.set_next_page_token(EncodePageToken(offset + page));
        return out;
      });
}

namespace {

// The shape of a receipt: a warehouse, products, quantities in range, a real date.
absl::Status ValidateReceipt(const v1::RecordStockReceiptRequest& req) {
  std::vector<FieldViolation> v;
  SALES_RETURN_IF_ERROR(CheckRepeatedCap(req.lines_size(), kMaxStockLines, "lines"));
  if (req.warehouse_id() <= 0) v.push_back({"warehouse_id", "required"});
  if (req.lines().empty()) v.push_back({"lines", "required, at least one"});
  for (int i = 0; i < req.lines_size(); ++i) {
    if (req.lines(i).product_id() <= 0) v.push_back({absl::StrCat("lines[", i, "].product_id"), "required"});
    if (!QuantityInRange(req.lines(i).quantity(), false)) {
      v.push_back({absl::StrCat("lines[", i, "].quantity"), QuantityRule(false)});
    }
  }
  if (req.has_receipt_date()) {
    for (auto& f : FieldViolationsOf(ValidateDate(req.receipt_date(), "receipt_date"))) v.push_back(f);
  }
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

// The shape of a transfer: two different warehouses, quantities in range.
absl::Status ValidateTransfer(const v1::TransferStockRequest& req) {
  std::vector<FieldViolation> v;
  if (req.from_warehouse_id() <= 0) v.push_back({"from_warehouse_id", "required"});
  if (req.to_warehouse_id() <= 0) v.push_back({"to_warehouse_id", "required"});
  if (req.from_warehouse_id() == req.to_warehouse_id()) v.push_back({"to_warehouse_id", "same as the source"});
  SALES_RETURN_IF_ERROR(CheckRepeatedCap(req.lines_size(), kMaxStockLines, "lines"));
  if (req.lines().empty()) v.push_back({"lines", "required"});
  for (int i = 0; i < req.lines_size(); ++i) {
    if (!QuantityInRange(req.lines(i).quantity(), false)) {
      v.push_back({absl::StrCat("lines[", i, "].quantity"), QuantityRule(false)});
    }
  }
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

}  // namespace

grpc::Status OrdersApi::RecordStockReceipt(grpc::ServerContext* ctx, const v1::RecordStockReceiptRequest* req,
                                           v1::RecordStockReceiptResponse* resp) {
  return ServeMutation<v1::RecordStockReceiptRequest, v1::RecordStockReceiptResponse>(
      ctx, OrdersMethod("RecordStockReceipt"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        SALES_RETURN_IF_ERROR(RequireRole(call.principal, {kRoleAdmin, kRoleWarehouse}, "record stock receipts"));
        return ValidateReceipt(*req);
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::RecordStockReceiptResponse> {
        SALES_RETURN_IF_ERROR(RequireActiveWarehouse(tx, req->warehouse_id(), "warehouse_id"));
        absl::Time now = rt_.clock->Now();
        MovementContext m =
            Movement(call, now, v1::STOCK_MOVEMENT_KIND_RECEIPT, req->reason(), req->reference(), req->receipt_date());
        // Lock order: ascending product within the warehouse.
        std::vector<v1::StockQuantity> lines(req->lines().begin(), req->lines().end());
        std::stable_sort(lines.begin(), lines.end(),
                         [](const auto& a, const auto& b) { return a.product_id() < b.product_id(); });
        v1::RecordStockReceiptResponse out;
        for (const auto& l : lines) {
          SALES_RETURN_IF_ERROR(ProductStore::Get(tx, l.product_id()).status());
          SALES_ASSIGN_OR_RETURN(auto level,
                                 StockStore::MoveOnHand(tx, req->warehouse_id(), l.product_id(), l.quantity(), 0, m));
          *out.add_stock_levels() = level;
        }
        SALES_ASSIGN_OR_RETURN(auto ledger, StockStore::MovementsOfRequest(tx, call.request_id));
        for (auto& mv : ledger) *out.add_movements() = std::move(mv);
        return out;
      });
}

grpc::Status OrdersApi::AdjustStock(grpc::ServerContext* ctx, const v1::AdjustStockRequest* req,
                                    v1::AdjustStockResponse* resp) {
  return ServeMutation<v1::AdjustStockRequest, v1::AdjustStockResponse>(
      ctx, OrdersMethod("AdjustStock"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        SALES_RETURN_IF_ERROR(RequireRole(call.principal, {kRoleAdmin, kRoleWarehouse}, "adjust stock"));
        std::vector<FieldViolation> v;
        if (req->warehouse_id() <= 0) v.push_back({"warehouse_id", "required"});
        if (req->product_id() <= 0) v.push_back({"product_id", "required"});
        if (!QuantityInRange(req->quantity_delta(), true)) v.push_back({"quantity_delta", QuantityRule(true)});
        if (req->adjustment_reason() == v1::STOCK_ADJUSTMENT_REASON_UNSPECIFIED) {
          v.push_back({"adjustment_reason", "required"});
        }
        if (req->reason().empty()) v.push_back({"reason", "required"});
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::AdjustStockResponse> {
        SALES_RETURN_IF_ERROR(WarehouseStore::Get(tx, req->warehouse_id()).status());
        SALES_RETURN_IF_ERROR(ProductStore::Get(tx, req->product_id()).status());
        int64_t expected = 0;
        if (!req->etag().empty()) {
          if (req->etag().size() < 2 || req->etag()[0] != 'v' || !absl::SimpleAtoi(req->etag().substr(1), &expected)) {
            return InvalidField("etag", "not an etag of this service");
          }
        }
        absl::Time now = rt_.clock->Now();
        MovementContext m = Movement(call, now, v1::STOCK_MOVEMENT_KIND_ADJUSTMENT, req->reason(), "", {});
        m.adjustment_reason = req->adjustment_reason();
        v1::AdjustStockResponse out;
        SALES_ASSIGN_OR_RETURN(
            *out.mutable_stock_level(),
            StockStore::MoveOnHand(tx, req->warehouse_id(), req->product_id(), req->quantity_delta(), expected, m));
        SALES_ASSIGN_OR_RETURN(auto ledger, StockStore::MovementsOfRequest(tx, call.request_id));
        if (!ledger.empty()) *out.mutable_movement() = ledger.back();
        return out;
      });
}

grpc::Status OrdersApi::TransferStock(grpc::ServerContext* ctx, const v1::TransferStockRequest* req,
                                      v1::TransferStockResponse* resp) {
  return ServeMutation<v1::TransferStockRequest, v1::TransferStockResponse>(
      ctx, OrdersMethod("TransferStock"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        SALES_RETURN_IF_ERROR(RequireRole(call.principal, {kRoleAdmin, kRoleWarehouse}, "transfer stock"));
        return ValidateTransfer(*req);
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::TransferStockResponse> {
        SALES_RETURN_IF_ERROR(WarehouseStore::Get(tx, req->from_warehouse_id()).status());
        SALES_RETURN_IF_ERROR(RequireActiveWarehouse(tx, req->to_warehouse_id(), "to_warehouse_id"));
        absl::Time now = rt_.clock->Now();
        // Both rows of a product are touched in ascending warehouse order.
        int64_t first = std::min(req->from_warehouse_id(), req->to_warehouse_id());
        for (const auto& l : req->lines()) {
          SALES_RETURN_IF_ERROR(ProductStore::Get(tx, l.product_id()).status());
          for (int64_t wh :
               {first, first == req->from_warehouse_id() ? req->to_warehouse_id() : req->from_warehouse_id()}) {
            bool out_leg = wh == req->from_warehouse_id();
            MovementContext m = Movement(
                call, now, out_leg ? v1::STOCK_MOVEMENT_KIND_TRANSFER_OUT : v1::STOCK_MOVEMENT_KIND_TRANSFER_IN,
                req->reason(), absl::StrCat(out_leg ? req->to_warehouse_id() : req->from_warehouse_id()), {});
            auto moved = StockStore::MoveOnHand(tx, wh, l.product_id(), out_leg ? -l.quantity() : l.quantity(), 0, m);
            if (!moved.ok() && out_leg && ErrorReason(moved.status()) == "STOCK_BELOW_RESERVED") {
              return WithErrorInfo(
                  absl::FailedPreconditionError(absl::StrCat("warehouse ", wh, " lacks ", l.quantity(),
                                                             " available of product ", l.product_id())),
                  "INSUFFICIENT_STOCK", kOrdersDomain);
            }
            if (!moved.ok()) return moved.status();
          }
        }
        v1::TransferStockResponse out;
        SALES_ASSIGN_OR_RETURN(auto ledger, StockStore::MovementsOfRequest(tx, call.request_id));
        for (auto& mv : ledger) *out.add_movements() = std::move(mv);
        return out;
      });
}

grpc::Status OrdersApi::ListStockMovements(grpc::ServerContext* ctx, const v1::ListStockMovementsRequest* req,
                                           v1::ListStockMovementsResponse* resp) {
  int page = 0;
  int64_t after = 0;
  return ServeRead<v1::ListStockMovementsResponse>(
      ctx, OrdersMethod("ListStockMovements"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(page, PageSize(req->page_size(), kPageOfRecords));
        SALES_ASSIGN_OR_RETURN(after, DecodePageToken(req->page_token()));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext&) -> absl::StatusOr<v1::ListStockMovementsResponse> {
        v1::ListStockMovementsResponse out;
        SALES_ASSIGN_OR_RETURN(auto items,
                               StockStore::ListMovements(tx, req->warehouse_id(), req->product_id(), after, page + 1));
        std::vector<v1::StockMovement> kept;
        for (auto& m : items) {
          if (req->kind() != v1::STOCK_MOVEMENT_KIND_UNSPECIFIED && m.kind() != req->kind()) continue;
          kept.push_back(std::move(m));
        }
        FillPage(std::move(kept), page, &out, [](v1::ListStockMovementsResponse* r) { return r->add_movements(); });
        return out;
      });
}

grpc::Status OrdersApi::ListReservations(grpc::ServerContext* ctx, const v1::ListReservationsRequest* req,
                                         v1::ListReservationsResponse* resp) {
  int page = 0;
  int64_t after = 0;
  return ServeRead<v1::ListReservationsResponse>(
      ctx, OrdersMethod("ListReservations"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(page, PageSize(req->page_size(), kPageOfRecords));
        SALES_ASSIGN_OR_RETURN(after, DecodePageToken(req->page_token()));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext&) -> absl::StatusOr<v1::ListReservationsResponse> {
        v1::ListReservationsResponse out;
        SALES_ASSIGN_OR_RETURN(auto items, StockStore::ListReservations(tx, req->order_id(), req->warehouse_id(),
                                                                        req->product_id(), false, after, page + 1));
        std::vector<v1::Reservation> kept;
        for (auto& r : items) {
          if (req->status() != v1::RESERVATION_STATUS_UNSPECIFIED && r.status() != req->status()) continue;
          kept.push_back(std::move(r));
        }
        FillPage(std::move(kept), page, &out, [](v1::ListReservationsResponse* r) { return r->add_reservations(); });
        return out;
      });
}

}  // namespace sales::orders
