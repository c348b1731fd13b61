// Follow-ups (客户跟踪表, seed 001 客户追踪制度): a rep records contacts with
// their own or pool customers (app/follow_ups.h); reads in scope.
#include "absl/strings/str_cat.h"
#include "customers-svc/api/customer_view.h"
#include "customers-svc/api/customers_api.h"
#include "customers-svc/app/follow_ups.h"
#include "customers-svc/domain/field_limits.h"
#include "customers-svc/store/customer_store.h"
#include "customers-svc/store/follow_up_store.h"
#include "platform/handlers.h"
#include "platform/org/org_replica.h"
#include "platform/roles.h"
#include "platform/status.h"

namespace sales::customers {
namespace {

// The follow-up's shape, every bad field at once, then that a rep records
// it: dated on or before `today`, a channel, content and intent within
// their columns, a next step not before the follow-up.
absl::Status ValidateRecordFollowUp(const v1::RecordFollowUpRequest& request, const Principal& p,
                                    absl::CivilDay today) {
  if (!request.has_follow_up()) return InvalidField("follow_up", "required");
  const v1::FollowUp& f = request.follow_up();
  std::vector<FieldViolation> v;
  if (f.customer_id() <= 0) v.push_back({"follow_up.customer_id", "required, > 0"});
  auto d = NotInFuture(f.date(), "follow_up.date", today);
  if (!f.has_date()) {
    v.push_back({"follow_up.date", "required"});
  } else if (!d.ok()) {
    v.push_back({"follow_up.date", std::string(d.message())});
  }
  if (f.channel() == v1::FOLLOW_UP_CHANNEL_UNSPECIFIED || !v1::FollowUpChannel_IsValid(f.channel())) {
    v.push_back({"follow_up.channel", "visit, phone, message or email"});
  }
  if (f.content().empty()) v.push_back({"follow_up.content", "required"});
  CheckLength(f.content(), kMaxFollowUpContentChars, "follow_up.content", &v);
  if (f.intent_level() == v1::INTENT_LEVEL_UNSPECIFIED || !v1::IntentLevel_IsValid(f.intent_level())) {
    v.push_back({"follow_up.intent_level", "required"});
  }
  CheckLength(f.next_step(), kMaxFollowUpNextStepChars, "follow_up.next_step", &v);
  CheckLength(f.market_note(), kMaxFollowUpMarketNoteChars, "follow_up.market_note", &v);
  if (f.has_next_step_date()) {
    auto nd = ValidateDate(f.next_step_date(), "follow_up.next_step_date");
    if (!nd.ok()) {
      v.push_back({"follow_up.next_step_date", std::string(nd.message())});
    } else if (d.ok() && ToCivilDay(f.next_step_date()) < ToCivilDay(f.date())) {
      v.push_back({"follow_up.next_step_date", "must be on or after the follow-up date"});
    }
  }
  if (f.contact_id() < 0) v.push_back({"follow_up.contact_id", "must be >= 0"});
  if (!v.empty()) return InvalidFields(std::move(v));
  if (!p.authenticated() || p.role != kRoleRep || p.rep_id == 0) {
    return Denied("follow-ups are recorded by the rep who made them");
  }
  return absl::OkStatus();
}

// The filters into `f` (scope aside).
absl::Status ValidateListFollowUps(const v1::ListFollowUpsRequest& request, FollowUpStore::Filter& f) {
  SALES_ASSIGN_OR_RETURN(f.limit, PageSize(request.page_size(), kPageOfRecords));
  if (!request.page_token().empty()) {
    SALES_ASSIGN_OR_RETURN(f.before_id, DecodePageToken(request.page_token()));
  }
  if (request.customer_id() < 0) return InvalidField("customer_id", "must be >= 0");
  if (request.rep_id() < 0) return InvalidField("rep_id", "must be >= 0");
  if (request.org_unit_id() < 0) return InvalidField("org_unit_id", "must be >= 0");
  f.customer_id = request.customer_id();
  f.rep_id = request.rep_id();
  for (int c : request.channels()) {
    if (c == 0 || !v1::FollowUpChannel_IsValid(c)) return InvalidField("channels", "unknown channel");
    f.channels.push_back(c);
  }
  if (request.has_dates()) {
    if (request.dates().has_start()) {
      SALES_RETURN_IF_ERROR(ValidateDate(request.dates().start(), "dates.start"));
      f.from = ToCivilDay(request.dates().start());
    }
    if (request.dates().has_end()) {
      SALES_RETURN_IF_ERROR(ValidateDate(request.dates().end(), "dates.end"));
      f.to = ToCivilDay(request.dates().end());
    }
    if (f.from && f.to && *f.to < *f.from) return InvalidField("dates", "end before start");
  }
  return absl::OkStatus();
}

}  // namespace

grpc::Status CustomersApi::RecordFollowUp(grpc::ServerContext* ctx, const v1::RecordFollowUpRequest* req,
                                          v1::RecordFollowUpResponse* resp) {
  return ServeMutation<v1::RecordFollowUpRequest, v1::RecordFollowUpResponse>(
      ctx, CustomersMethod("RecordFollowUp"), rt_, *req, resp,
      [&](CallContext& call) { return ValidateRecordFollowUp(*req, call.principal, BusinessDay(rt_.clock->Now())); },
      [&](db::Transaction& tx, CallContext& call) {
        return FollowUps(*rt_.clock, *rt_.outbox).Record(tx, call, req->follow_up());
      });
}

grpc::Status CustomersApi::GetFollowUp(grpc::ServerContext* ctx, const v1::GetFollowUpRequest* req,
                                       v1::GetFollowUpResponse* resp) {
  return ServeRead<v1::GetFollowUpResponse>(
      ctx, CustomersMethod("GetFollowUp"), rt_, resp,
      [&](CallContext&) { return req->id() > 0 ? absl::OkStatus() : InvalidField("id", "required, > 0"); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetFollowUpResponse> {
        SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
        SALES_ASSIGN_OR_RETURN(auto f, FollowUpStore::Get(tx, req->id()));
        SALES_ASSIGN_OR_RETURN(auto rec, CustomerStore::Get(tx, f.customer_id()));
        bool own = viewer.rep && f.rep_id() == viewer.rep_id;
        SALES_ASSIGN_OR_RETURN(int64_t unit, UnitOfRep(tx, f.rep_id()));
        if (!own && !viewer.Sees(rec) && !viewer.ManagesUnit(unit)) {
          return Denied("follow-ups are read by their rep, the owner's manager and above");
        }
        v1::GetFollowUpResponse out;
        *out.mutable_follow_up() = f;
        return out;
      });
}

grpc::Status CustomersApi::ListFollowUps(grpc::ServerContext* ctx, const v1::ListFollowUpsRequest* req,
                                         v1::ListFollowUpsResponse* resp) {
  FollowUpStore::Filter f;
  return ServeRead<v1::ListFollowUpsResponse>(
      ctx, CustomersMethod("ListFollowUps"), rt_, resp, [&](CallContext&) { return ValidateListFollowUps(*req, f); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListFollowUpsResponse> {
        SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
        if (req->org_unit_id() != 0) {
          SALES_ASSIGN_OR_RETURN(f.units, OrgReplica::Subtree(tx, req->org_unit_id()));
          if (f.units.empty()) f.units.push_back(req->org_unit_id());
        }
        f.all_visible = viewer.ReadsAll();
        if (!f.all_visible) {
          f.visible_units = viewer.ManagedUnits();
          f.visible_rep = viewer.rep ? viewer.rep_id : 0;
        }
        SALES_ASSIGN_OR_RETURN(auto items, FollowUpStore::List(tx, f));
        v1::ListFollowUpsResponse out;
        FillPage(std::move(items), f.limit, &out, [](auto* r) { return r->add_follow_ups(); });
        return out;
      });
}

}  // namespace sales::customers
