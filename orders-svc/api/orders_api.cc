#include "orders-svc/api/orders_api.h"

#include "absl/strings/str_cat.h"
#include "orders-svc/domain/product.h"
#include "orders-svc/store/product_store.h"
#include "platform/feed_handler.h"
#include "platform/handlers.h"
#include "platform/status.h"

std::vector<sales::MigrationFile> OrdersMigrations();

namespace sales::orders {
namespace {
constexpr char kService[] = "sales.orders.v1.OrdersService";
std::string M(const char* method) { return absl::StrCat("/", kService, "/", method); }
}  // namespace

grpc::Status OrdersApi::CreateProduct(grpc::ServerContext* ctx, const v1::CreateProductRequest* req,
                                      v1::CreateProductResponse* resp) {
  return ServeMutation<v1::CreateProductRequest, v1::CreateProductResponse>(
      ctx, M("CreateProduct"), rt_, *req, resp,
      [&](CallContext&) {
        return req->has_product() ? ValidateNewProduct(req->product()) : InvalidField("product", "required");
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::CreateProductResponse> {
        v1::CreateProductResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_product(),
                               ProductStore::Insert(tx, req->product(), rt_.clock->Now()));
        v1::ProductCreatedEvent event;
        *event.mutable_product() = out.product();
        SALES_RETURN_IF_ERROR(
            rt_.outbox->Append(tx, "Product", absl::StrCat(out.product().id()), event, call.request_id));
        return out;
      });
}

grpc::Status OrdersApi::GetProduct(grpc::ServerContext* ctx, const v1::GetProductRequest* req,
                                   v1::GetProductResponse* resp) {
  return ServeRead<v1::GetProductResponse>(
      ctx, M("GetProduct"), rt_, resp,
      [&](CallContext&) { return req->id() > 0 ? absl::OkStatus() : InvalidField("id", "required, > 0"); },
      [&](db::Transaction& tx, CallContext&) -> absl::StatusOr<v1::GetProductResponse> {
        v1::GetProductResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_product(), ProductStore::Get(tx, req->id()));
        return out;
      });
}

grpc::Status OrdersApi::StreamEvents(grpc::ServerContext* ctx, const v1::StreamEventsRequest* req,
                                     grpc::ServerWriter<v1::StreamEventsResponse>* writer) {
  return ServeEventFeed(ctx, M("StreamEvents"), *rt_.verifier, *rt_.outbox, *req, writer);
}

ServiceDefinition MakeServiceDefinition() {
  return DefineService<OrdersApi>("orders", 50063, OrdersMigrations(), kService);
}

}  // namespace sales::orders
