#include "gateway/views.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <atomic>
#include <functional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "gateway/gateway.h"
#include "gateway/request_check.h"
#include "platform/convert.h"
#include "platform/log.h"
#include "platform/roles.h"
#include "platform/status.h"
#include "sales/gateway/v1/gateway_service.grpc.pb.h"

namespace sales::gateway {
namespace {

namespace gv1 = ::sales::gateway::v1;
namespace pb = ::google::protobuf;

std::string CodeName(grpc::StatusCode code) { return absl::StatusCodeToString(static_cast<absl::StatusCode>(code)); }

std::string SerializeToString(const pb::Message& m) { return m.SerializeAsString(); }

// A set of calls made at once; `then` runs (on the thread of the last
// answer) when every one has answered or failed. Each part's answer is
// parsed into the field of `view` named like the part; a part that fails
// leaves its field unset and is listed in `failures`.
class Fanout {
 public:
  Fanout(Gateway* gw, Admission who, std::chrono::system_clock::time_point deadline, pb::Message* view,
         pb::RepeatedPtrField<gv1::PartFailure>* failures)
      : gw_(gw), who_(std::move(who)), deadline_(deadline), view_(view), failures_(failures) {}

  void Add(const std::string& part, const std::string& method, const pb::Message& request) {
    auto p = std::make_unique<Part>();
    p->part = part;
    p->method = method;
    p->route = gw_->methods().Find("/" + method);
    const pb::FieldDescriptor* field = view_->GetDescriptor()->FindFieldByName(part);
    p->out = field != nullptr ? view_->GetReflection()->MutableMessage(view_, field) : nullptr;
    std::string bytes = SerializeToString(request);
    grpc::Slice slice(bytes);
    p->request = grpc::ByteBuffer(&slice, 1);
    parts_.push_back(std::move(p));
  }

  // Starts every part; `then` gets control once all are back.
  void Run(std::function<void()> then) {
    then_ = std::move(then);
    remaining_ = static_cast<int>(parts_.size()) + 1;
    auto policy = gw_->policy();
    for (auto& p : parts_) {
      Part* part = p.get();
      if (part->route == nullptr || part->out == nullptr) {
        part->status = grpc::Status(grpc::StatusCode::INTERNAL, "the view names an unknown method");
        Arrived();
        continue;
      }
      if (policy == nullptr || !policy->Allows(who_.principal.role, part->route->name)) {
        part->status = grpc::Status(grpc::StatusCode::PERMISSION_DENIED,
                                    absl::StrCat("role ", who_.principal.role, " may not call ", part->route->name));
        Arrived();
        continue;
      }
      part->ctx.set_deadline(deadline_);
      AttachIdentity(*gw_, who_, part->route->path, &part->ctx);
      gw_->Stub(part->route->backend)
          ->UnaryCall(&part->ctx, part->route->path, grpc::StubOptions(), &part->request, &part->response,
                      [this, part](grpc::Status st) {
                        part->status = std::move(st);
                        Arrived();
                      });
    }
    Arrived();
  }

  // The status of a part (after Run's `then`).
  const grpc::Status& StatusOf(const std::string& part) const {
    for (const auto& p : parts_) {
      if (p->part == part) return p->status;
    }
    static const grpc::Status kMissing(grpc::StatusCode::INTERNAL, "no such part");
    return kMissing;
  }

 private:
  struct Part {
    std::string part, method;
    const MethodRoute* route = nullptr;
    pb::Message* out = nullptr;
    grpc::ClientContext ctx;
    grpc::ByteBuffer request, response;
    grpc::Status status;
  };

  void Arrived() {
    if (remaining_.fetch_sub(1, std::memory_order_acq_rel) != 1) return;
    // Every part is back: parse answers on this one thread.
    for (auto& p : parts_) {
      if (p->status.ok()) {
        std::vector<grpc::Slice> slices;
        std::string bytes;
        if (p->response.Dump(&slices).ok()) {
          for (const auto& s : slices) bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
        }
        if (!p->out->ParseFromString(bytes)) {
          p->status = grpc::Status(grpc::StatusCode::DATA_LOSS, "unreadable answer");
        }
      }
      if (!p->status.ok()) {
        if (p->out != nullptr) {
          view_->GetReflection()->ClearField(view_, view_->GetDescriptor()->FindFieldByName(p->part));
          p->out = nullptr;
        }
        auto* f = failures_->Add();
        f->set_part(p->part);
        f->set_method(p->method);
        f->set_code(CodeName(p->status.error_code()));
        f->set_message(p->status.error_message());
      }
    }
    // The continuation may free this fan-out (it ends the view call that
    // owns it): run it from the stack and touch nothing after.
    auto then = std::move(then_);
    then();
  }

  Gateway* gw_;
  Admission who_;
  std::chrono::system_clock::time_point deadline_;
  pb::Message* view_;
  pb::RepeatedPtrField<gv1::PartFailure>* failures_;
  std::vector<std::unique_ptr<Part>> parts_;
  std::atomic<int> remaining_{0};
  std::function<void()> then_;
};

int32_t ListLimit(int32_t asked) { return asked <= 0 ? 20 : std::min(asked, 100); }

sales::common::v1::Period ThisYear() {
  sales::common::v1::Period p;
  p.set_kind(sales::common::v1::PERIOD_KIND_YEAR);
  auto* start = p.mutable_start();
  start->set_year(static_cast<int32_t>(absl::ToCivilYear(absl::Now(), CompanyTimeZone()).year()));
  start->set_month(1);
  start->set_day(1);
  return p;
}

// A targets request about this year's sales amount, as every dashboard
// shows it (progress and ranking alike).
template <typename TargetsRequest>
TargetsRequest SalesThisYear() {
  TargetsRequest r;
  *r.mutable_period() = ThisYear();
  r.set_metric(sales::targets::v1::METRIC_SALES_AMOUNT);
  return r;
}

// The reps ranked by this year's sales within `unit` (0: the caller's scope).
sales::targets::v1::GetRankingRequest RepRankingThisYear(int64_t unit, int32_t limit) {
  auto ranking = SalesThisYear<sales::targets::v1::GetRankingRequest>();
  ranking.set_org_unit_id(unit);
  ranking.set_rank_reps(true);
  ranking.set_limit(limit);
  return ranking;
}

// One view call: admission, the caller's deadline for every part, and the
// reactor finished exactly once.
class ViewCall {
 public:
  ViewCall(Gateway* gw, grpc::CallbackServerContext* ctx, const char* method)
      : gw_(gw), ctx_(ctx), method_(method), reactor_(ctx->DefaultReactor()) {}

  // Admission, then the request as the proxy checks every forwarded call's:
  // its bytes must parse as the view's request type and its fields keep
  // their contract's shape (platform/request_shape.h). The views take raw
  // bytes for this: a typed callback method would answer UNIMPLEMENTED to
  // bytes that do not parse, before any code of ours ran.
  bool Admitted(const grpc::ByteBuffer& raw, pb::Message* request) {
    absl::Status admitted = Admit(*gw_, *ctx_, method_, &who_);
    if (admitted.ok()) admitted = ParseCheckedRequest(raw, request);
    if (!admitted.ok()) {
      Finish(admitted);
      return false;
    }
    return true;
  }

  // The typed request and response of this call, and where the answer's
  // bytes go when it finishes well.
  void Exchange(std::unique_ptr<pb::Message> request, std::unique_ptr<pb::Message> response, grpc::ByteBuffer* out) {
    request_ = std::move(request);
    response_ = std::move(response);
    out_ = out;
  }
  pb::Message* request() { return request_.get(); }
  pb::Message* response() { return response_.get(); }

  std::chrono::system_clock::time_point PartDeadline() const {
    auto cap = std::chrono::system_clock::now() + absl::ToChronoNanoseconds(gw_->options().view_part_deadline);
    return std::min(cap, ctx_->deadline());
  }

  // A fan-out of this call's parts into `view` (every view response has a
  // failed_parts list), each part under the caller's identity and deadline.
  template <typename View>
  std::unique_ptr<Fanout> PartsInto(View* view) const {
    return std::make_unique<Fanout>(gw_, who_, PartDeadline(), view, view->mutable_failed_parts());
  }

  void Finish(const absl::Status& st) {
    if (!who_.request_id.empty()) ctx_->AddTrailingMetadata(kRequestIdHeader, who_.request_id);
    if (!st.ok() || gw_->options().access_log == AccessLog::kAll) {
      Log(st.ok() ? LogLevel::kInfo : LogLevel::kWarn, "call",
          {{"method", method_},
           {"request_id", who_.request_id},
           {"principal", who_.principal.user_id},
           {"code", absl::StatusCodeToString(st.code())},
           {"error", std::string(st.message())}});
    }
    grpc::Status status = ToGrpcStatus(st);
    if (st.ok() && out_ != nullptr && response_ != nullptr) {
      std::string bytes = response_->SerializeAsString();
      grpc::Slice slice(bytes);
      *out_ = grpc::ByteBuffer(&slice, 1);
    }
    reactor_->Finish(status);
    delete this;
  }

  Gateway* gw_;
  grpc::CallbackServerContext* ctx_;
  std::string method_;
  grpc::ServerUnaryReactor* reactor_;
  Admission who_;
  std::unique_ptr<Fanout> first_, rest_;
  std::unique_ptr<pb::Message> request_, response_;
  grpc::ByteBuffer* out_ = nullptr;
};

using RawViews =
    gv1::GatewayService::WithRawCallbackMethod_Customer360<gv1::GatewayService::WithRawCallbackMethod_RepDashboard<
        gv1::GatewayService::WithRawCallbackMethod_ManagerDashboard<gv1::GatewayService::Service>>>;

class AggregateViews final : public RawViews {
 public:
  explicit AggregateViews(Gateway* gw) : gw_(gw) {}

  // One view call over raw bytes: admitted and parsed by ViewCall, then the
  // typed view runs and ViewCall writes its answer.
  template <typename Request, typename Response>
  grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* in, grpc::ByteBuffer* out,
                                  const char* method,
                                  void (AggregateViews::*view)(ViewCall*, const Request*, Response*)) {
    auto* call = new ViewCall(gw_, ctx, method);
    grpc::ServerUnaryReactor* reactor = call->reactor_;
    call->Exchange(std::make_unique<Request>(), std::make_unique<Response>(), out);
    auto* req = static_cast<Request*>(call->request());
    auto* resp = static_cast<Response*>(call->response());
    if (!call->Admitted(*in, req)) return reactor;
    (this->*view)(call, req, resp);
    return reactor;
  }

  grpc::ServerUnaryReactor* Customer360(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* in,
                                        grpc::ByteBuffer* out) override {
    return Serve<gv1::Customer360Request, gv1::Customer360Response>(
        ctx, in, out, "sales.gateway.v1.GatewayService/Customer360", &AggregateViews::Customer360View);
  }

 private:
  void Customer360View(ViewCall* call, const gv1::Customer360Request* req, gv1::Customer360Response* resp) {
    if (req->customer_id() <= 0) {
      call->Finish(InvalidField("customer_id", "required"));
      return;
    }
    int64_t id = req->customer_id();
    int32_t limit = ListLimit(req->list_limit());
    // First the customer itself, as the caller: it decides whether there
    // is anything to show and whether this caller may see it.
    call->first_ = call->PartsInto(resp);
    sales::customers::v1::GetCustomerRequest get;
    get.set_id(id);
    call->first_->Add("customer", "sales.customers.v1.CustomersService/GetCustomer", get);
    call->first_->Run([this, call, resp, id, limit] {
      const grpc::Status& st = call->first_->StatusOf("customer");
      if (!st.ok()) {
        call->Finish(FromGrpcStatus(st));
        return;
      }
      const Principal& p = call->who_.principal;
      if (p.role == kRoleRep && resp->customer().customer().owner_rep_id() != p.rep_id) {
        resp->Clear();
        call->Finish(
            WithErrorInfo(absl::PermissionDeniedError("a rep sees the whole picture of their own customers only"),
                          "NOT_OWNER", "gateway.sales"));
        return;
      }
      resp->clear_failed_parts();
      call->rest_ = call->PartsInto(resp);
      sales::customers::v1::GetCreditProfileRequest credit;
      credit.set_customer_id(id);
      call->rest_->Add("credit_profile", "sales.customers.v1.CustomersService/GetCreditProfile", credit);
      sales::customers::v1::ListComplaintsRequest complaints;
      complaints.set_customer_id(id);
      complaints.set_page_size(limit);
      call->rest_->Add("complaints", "sales.customers.v1.CustomersService/ListComplaints", complaints);
      sales::orders::v1::ListOrdersRequest orders;
      orders.set_customer_id(id);
      orders.set_page_size(limit);
      call->rest_->Add("orders", "sales.orders.v1.OrdersService/ListOrders", orders);
      sales::finance::v1::GetCustomerBalanceRequest balance;
      balance.set_customer_id(id);
      call->rest_->Add("balance", "sales.finance.v1.FinanceService/GetCustomerBalance", balance);
      sales::finance::v1::ListCollectionCasesRequest cases;
      cases.set_customer_id(id);
      cases.set_page_size(limit);
      call->rest_->Add("collection_cases", "sales.finance.v1.FinanceService/ListCollectionCases", cases);
      call->rest_->Run([call] { call->Finish(absl::OkStatus()); });
    });
    return;
  }

 public:
  grpc::ServerUnaryReactor* RepDashboard(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* in,
                                         grpc::ByteBuffer* out) override {
    return Serve<gv1::RepDashboardRequest, gv1::RepDashboardResponse>(
        ctx, in, out, "sales.gateway.v1.GatewayService/RepDashboard", &AggregateViews::RepDashboardView);
  }

 private:
  void RepDashboardView(ViewCall* call, const gv1::RepDashboardRequest* req, gv1::RepDashboardResponse* resp) {
    const Principal& p = call->who_.principal;
    int64_t rep = req->rep_id() != 0 ? req->rep_id() : p.rep_id;
    if (rep <= 0) {
      call->Finish(InvalidField("rep_id", "required unless the caller is a rep"));
      return;
    }
    if (p.role == kRoleRep && rep != p.rep_id) {
      call->Finish(WithErrorInfo(absl::PermissionDeniedError("a rep sees their own dashboard only"), "NOT_OWNER",
                                 "gateway.sales"));
      return;
    }
    resp->set_rep_id(rep);
    int32_t limit = ListLimit(req->list_limit());
    RunRepParts(call, rep, resp, limit);
    return;
  }

 public:
  grpc::ServerUnaryReactor* ManagerDashboard(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* in,
                                             grpc::ByteBuffer* out) override {
    return Serve<gv1::ManagerDashboardRequest, gv1::ManagerDashboardResponse>(
        ctx, in, out, "sales.gateway.v1.GatewayService/ManagerDashboard", &AggregateViews::ManagerDashboardView);
  }

 private:
  void ManagerDashboardView(ViewCall* call, const gv1::ManagerDashboardRequest* req,
                            gv1::ManagerDashboardResponse* resp) {
    int64_t unit = req->org_unit_id() != 0 ? req->org_unit_id() : call->who_.principal.org_unit_id;
    if (unit <= 0) {
      call->Finish(InvalidField("org_unit_id", "required unless the caller belongs to a unit"));
      return;
    }
    resp->set_org_unit_id(unit);
    int32_t limit = ListLimit(req->list_limit());
    // The services scope each part to what the caller may see: a manager
    // asking about another subtree gets those parts refused by name.
    call->rest_ = call->PartsInto(resp);
    auto progress = SalesThisYear<sales::targets::v1::GetProgressRequest>();
    progress.mutable_node()->set_org_unit_id(unit);
    call->rest_->Add("progress", "sales.targets.v1.TargetsService/GetProgress", progress);
    auto ranking = RepRankingThisYear(unit, limit);
    call->rest_->Add("ranking", "sales.targets.v1.TargetsService/GetRanking", ranking);
    sales::orders::v1::ListPendingApprovalsRequest approvals;
    approvals.set_page_size(limit);
    call->rest_->Add("pending_approvals", "sales.orders.v1.OrdersService/ListPendingApprovals", approvals);
    sales::customers::v1::ListCollisionsRequest collisions;
    collisions.set_org_unit_id(unit);
    collisions.set_page_size(limit);
    call->rest_->Add("collisions", "sales.customers.v1.CustomersService/ListCollisions", collisions);
    sales::finance::v1::GetAgeingReportRequest ageing;
    ageing.set_org_unit_id(unit);
    ageing.set_page_size(limit);
    call->rest_->Add("ageing", "sales.finance.v1.FinanceService/GetAgeingReport", ageing);
    sales::finance::v1::ListCollectionCasesRequest cases;
    cases.set_org_unit_id(unit);
    cases.set_page_size(limit);
    call->rest_->Add("collection_cases", "sales.finance.v1.FinanceService/ListCollectionCases", cases);
    call->rest_->Run([call] { call->Finish(absl::OkStatus()); });
  }

  // RepDashboard's parts, all at once. The ranking is among the reps of
  // the caller's own unit for a rep, and of the caller's scope otherwise.
  void RunRepParts(ViewCall* call, int64_t rep, gv1::RepDashboardResponse* resp, int32_t limit) {
    call->rest_ = call->PartsInto(resp);
    auto progress = SalesThisYear<sales::targets::v1::GetProgressRequest>();
    progress.mutable_node()->set_rep_id(rep);
    call->rest_->Add("progress", "sales.targets.v1.TargetsService/GetProgress", progress);
    sales::customers::v1::ListVisitsDueRequest visits;
    visits.set_rep_id(rep);
    visits.set_page_size(limit);
    call->rest_->Add("visits_due", "sales.customers.v1.CustomersService/ListVisitsDue", visits);
    sales::orders::v1::ListQuotesRequest quotes;
    quotes.set_rep_id(rep);
    quotes.set_page_size(limit);
    call->rest_->Add("quotes", "sales.orders.v1.OrdersService/ListQuotes", quotes);
    sales::orders::v1::ListOrdersRequest orders;
    orders.set_rep_id(rep);
    orders.set_page_size(limit);
    call->rest_->Add("orders", "sales.orders.v1.OrdersService/ListOrders", orders);
    sales::finance::v1::ListCollectionCasesRequest cases;
    cases.set_rep_id(rep);
    cases.set_page_size(limit);
    call->rest_->Add("collection_cases", "sales.finance.v1.FinanceService/ListCollectionCases", cases);
    sales::finance::v1::ListCommissionStatementsRequest statements;
    statements.set_rep_id(rep);
    statements.set_page_size(limit);
    call->rest_->Add("commission_statements", "sales.finance.v1.FinanceService/ListCommissionStatements", statements);
    int64_t unit = call->who_.principal.role == kRoleRep ? call->who_.principal.org_unit_id : 0;
    auto ranking = RepRankingThisYear(unit, limit);
    call->rest_->Add("ranking", "sales.targets.v1.TargetsService/GetRanking", ranking);
    call->rest_->Run([call] { call->Finish(absl::OkStatus()); });
  }

  Gateway* gw_;
};

}  // namespace

std::unique_ptr<grpc::Service> MakeAggregateViews(Gateway* gateway) {
  return std::make_unique<AggregateViews>(gateway);
}

}  // namespace sales::gateway
