#include "finance-svc/api/finance_api.h"

#include "absl/strings/str_cat.h"
#include "finance-svc/domain/payment.h"
#include "finance-svc/store/payment_store.h"
#include "platform/feed_handler.h"
#include "platform/handlers.h"
#include "platform/org/org_replica.h"
#include "platform/status.h"

std::vector<sales::MigrationFile> FinanceMigrations();

namespace sales::finance {
namespace {
constexpr char kService[] = "sales.finance.v1.FinanceService";
std::string M(const char* method) { return absl::StrCat("/", kService, "/", method); }
}  // namespace

grpc::Status FinanceApi::RecordPayment(grpc::ServerContext* ctx, const v1::RecordPaymentRequest* req,
                                       v1::RecordPaymentResponse* resp) {
  return ServeMutation<v1::RecordPaymentRequest, v1::RecordPaymentResponse>(
      ctx, M("RecordPayment"), rt_, *req, resp,
      [&](CallContext&) {
        return req->has_payment() ? ValidateNewPayment(req->payment()) : InvalidField("payment", "required");
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::RecordPaymentResponse> {
        v1::RecordPaymentResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_payment(),
                               PaymentStore::Insert(tx, req->payment(), rt_.clock->Now()));
        v1::PaymentRecordedEvent event;
        *event.mutable_payment() = out.payment();
        SALES_RETURN_IF_ERROR(
            rt_.outbox->Append(tx, "Payment", absl::StrCat(out.payment().id()), event, call.request_id));
        return out;
      });
}

grpc::Status FinanceApi::GetPayment(grpc::ServerContext* ctx, const v1::GetPaymentRequest* req,
                                    v1::GetPaymentResponse* resp) {
  return ServeRead<v1::GetPaymentResponse>(
      ctx, M("GetPayment"), rt_, resp,
      [&](CallContext&) { return req->id() > 0 ? absl::OkStatus() : InvalidField("id", "required, > 0"); },
      [&](db::Transaction& tx, CallContext&) -> absl::StatusOr<v1::GetPaymentResponse> {
        v1::GetPaymentResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_payment(), PaymentStore::Get(tx, req->id()));
        return out;
      });
}

grpc::Status FinanceApi::StreamEvents(grpc::ServerContext* ctx, const v1::StreamEventsRequest* req,
                                      grpc::ServerWriter<v1::StreamEventsResponse>* writer) {
  return ServeEventFeed(ctx, M("StreamEvents"), *rt_.verifier, *rt_.outbox, *req, writer);
}

ServiceDefinition MakeServiceDefinition() {
  ServiceDefinition def = DefineService<FinanceApi>("finance", 50064, FinanceMigrations(), kService);
  // Managers' scope and rep checks read a copy of the org tree from targets.
  def.shared_migrations.push_back(OrgReplicaMigrations());
  auto build = def.build;
  def.build = [build](ServiceRuntime& rt) -> absl::StatusOr<std::vector<BuiltService>> {
    SALES_ASSIGN_OR_RETURN(auto services, build(rt));
    SALES_RETURN_IF_ERROR(KeepOrgReplica(rt));
    return services;
  };
  return def;
}

}  // namespace sales::finance
