// Moving and closing org units, moving reps and changing their status — all
// keeping history.
#include "absl/strings/str_cat.h"
#include "platform/convert.h"
#include "platform/handlers.h"
#include "platform/status.h"
#include "sales/targets/v1/events.pb.h"
#include "targets-svc/api/targets_api.h"
#include "targets-svc/app/plan_support.h"
#include "targets-svc/app/viewer.h"
#include "targets-svc/domain/errors.h"
#include "targets-svc/domain/org.h"
#include "targets-svc/domain/roster.h"
#include "targets-svc/store/org_store.h"
#include "targets-svc/store/roster_store.h"

namespace sales::targets {
namespace {

std::string ActorText(const Principal& p) { return p.authenticated() ? p.Encode() : std::string(); }

absl::Status CheckReasonAndDate(const std::string& reason, const common::v1::Date& date, bool has_date,
                                const char* date_field) {
  std::vector<FieldViolation> v;
  if (reason.empty() || reason.size() > 2000) v.push_back({"reason", "required, at most 2000 bytes"});
  if (has_date) {
    for (auto& f : FieldViolationsOf(ValidateDate(date, date_field))) v.push_back(f);
  }
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

common::v1::Date DateOr(const common::v1::Date& d, bool has, const Clock& clock) {
  if (has) return d;
  return FromCivilDay(BusinessDay(clock.Now()));
}

absl::StatusOr<v1::Rep> LockRep(db::Transaction& tx, int64_t id, const std::string& etag) {
  SALES_RETURN_IF_ERROR(RepStore::Lock(tx, id));
  SALES_ASSIGN_OR_RETURN(auto rep, RepStore::Get(tx, id));
  SALES_RETURN_IF_ERROR(CheckEtag(etag, rep.etag(), "rep", id));
  return rep;
}

// A unit the request names, locked; one that does not exist is a bad
// argument on `field`, not a missing resource of the call.
absl::StatusOr<v1::OrgUnit> LockNamedUnit(db::Transaction& tx, int64_t id, const char* field) {
  auto unit = OrgStore::Get(tx, id, /*for_update=*/true);
  if (absl::IsNotFound(unit.status())) return InvalidField(field, "no such org unit");
  SALES_RETURN_IF_ERROR(unit.status());
  return unit;
}

// The new parent is open, another than the current one, not below the unit
// and of a kind the unit may sit under.
absl::Status CheckNewParent(db::Transaction& tx, const v1::OrgUnit& unit, const v1::OrgUnit& parent) {
  if (parent.state() == v1::ORG_UNIT_STATE_CLOSED) {
    return WithErrorInfo(absl::FailedPreconditionError("the new parent is closed"), "UNIT_CLOSED", kTargetsDomain);
  }
  if (unit.parent_id() == parent.id()) {
    return WithErrorInfo(absl::FailedPreconditionError("the unit already sits there"), "NO_CHANGE", kTargetsDomain);
  }
  SALES_ASSIGN_OR_RETURN(auto ancestors, OrgStore::Ancestors(tx, parent.id()));
  SALES_RETURN_IF_ERROR(CheckNoCycle(unit.id(), parent.id(), ancestors));
  return CheckParentFits(unit.kind(), parent.kind());
}

// Not the company, not closed already, and empty: children and reps move
// first, so nothing is orphaned.
absl::Status CheckClosable(db::Transaction& tx, const v1::OrgUnit& unit) {
  if (unit.kind() == v1::ORG_UNIT_KIND_COMPANY) {
    return WithErrorInfo(absl::FailedPreconditionError("the company cannot be closed"), "COMPANY", kTargetsDomain);
  }
  if (unit.state() == v1::ORG_UNIT_STATE_CLOSED) {
    return WithErrorInfo(absl::FailedPreconditionError("the unit is already closed"), "UNIT_CLOSED", kTargetsDomain);
  }
  SALES_ASSIGN_OR_RETURN(auto counts, OrgStore::ActiveChildrenAndReps(tx, unit.id()));
  if (counts.first > 0 || counts.second > 0) {
    return WithErrorInfo(
        absl::FailedPreconditionError(absl::StrCat("the unit still has ", counts.first, " active units and ",
                                                   counts.second, " reps; move them first")),
        "UNIT_NOT_EMPTY", kTargetsDomain);
  }
  return absl::OkStatus();
}

// A rep who has not left moves to another open unit that takes reps.
absl::Status CheckRepMove(const v1::Rep& rep, const v1::OrgUnit& to) {
  if (rep.status() == v1::REP_STATUS_LEFT) {
    return WithErrorInfo(absl::FailedPreconditionError("the rep has left"), "REP_STATUS", kTargetsDomain);
  }
  if (to.state() == v1::ORG_UNIT_STATE_CLOSED || to.id() == rep.org_unit_id()) {
    return WithErrorInfo(absl::FailedPreconditionError("the target unit is closed or the rep's own"), "BAD_TARGET_UNIT",
                         kTargetsDomain);
  }
  return CheckRepUnit(to);
}

}  // namespace

grpc::Status TargetsApi::MoveOrgUnit(grpc::ServerContext* ctx, const v1::MoveOrgUnitRequest* req,
                                     v1::MoveOrgUnitResponse* resp) {
  return ServeMutation<v1::MoveOrgUnitRequest, v1::MoveOrgUnitResponse>(
      ctx, TargetsMethod("MoveOrgUnit"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->id() <= 0) return InvalidField("id", "required, > 0");
        if (req->new_parent_id() <= 0) return InvalidField("new_parent_id", "required, > 0");
        return CheckReasonAndDate(req->reason(), req->effective_date(), req->has_effective_date(), "effective_date");
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::MoveOrgUnitResponse> {
        SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
        if (!viewer.act_everywhere) return RoleNotAllowed(viewer, "move org units");
        SALES_ASSIGN_OR_RETURN(auto unit, OrgStore::Get(tx, req->id(), /*for_update=*/true));
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), unit.etag(), "org unit", unit.id()));
        SALES_ASSIGN_OR_RETURN(auto parent, LockNamedUnit(tx, req->new_parent_id(), "new_parent_id"));
        SALES_RETURN_IF_ERROR(CheckNewParent(tx, unit, parent));
        common::v1::Date from = DateOr(req->effective_date(), req->has_effective_date(), *rt_.clock);
        SALES_RETURN_IF_ERROR(OrgStore::SetParent(tx, unit.id(), parent.id(), rt_.clock->Now()));
        SALES_RETURN_IF_ERROR(OrgStore::RecordPlacement(tx, unit.id(), parent.id(), from, req->reason(),
                                                        ActorText(call.principal), rt_.clock->Now()));
        v1::MoveOrgUnitResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_org_unit(), OrgStore::Get(tx, unit.id()));
        v1::OrgUnitMovedEvent e;
        *e.mutable_org_unit() = out.org_unit();
        e.set_from_parent_id(unit.parent_id());
        e.set_to_parent_id(parent.id());
        *e.mutable_effective_date() = from;
        e.set_reason(req->reason());
        SALES_RETURN_IF_ERROR(rt_.outbox->Append(tx, "OrgUnit", absl::StrCat(unit.id()), e, call.request_id));
        return out;
      });
}

grpc::Status TargetsApi::CloseOrgUnit(grpc::ServerContext* ctx, const v1::CloseOrgUnitRequest* req,
                                      v1::CloseOrgUnitResponse* resp) {
  return ServeMutation<v1::CloseOrgUnitRequest, v1::CloseOrgUnitResponse>(
      ctx, TargetsMethod("CloseOrgUnit"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->id() <= 0) return InvalidField("id", "required, > 0");
        return CheckReasonAndDate(req->reason(), req->closed_date(), req->has_closed_date(), "closed_date");
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::CloseOrgUnitResponse> {
        SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
        if (!viewer.act_everywhere) return RoleNotAllowed(viewer, "close org units");
        SALES_ASSIGN_OR_RETURN(auto unit, OrgStore::Get(tx, req->id(), /*for_update=*/true));
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), unit.etag(), "org unit", unit.id()));
        SALES_RETURN_IF_ERROR(CheckClosable(tx, unit));
        common::v1::Date date = DateOr(req->closed_date(), req->has_closed_date(), *rt_.clock);
        SALES_RETURN_IF_ERROR(OrgStore::Close(tx, unit.id(), date, rt_.clock->Now()));
        v1::CloseOrgUnitResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_org_unit(), OrgStore::Get(tx, unit.id()));
        v1::OrgUnitClosedEvent e;
        e.set_org_unit_id(unit.id());
        e.set_parent_id(unit.parent_id());
        *e.mutable_closed_date() = date;
        e.set_reason(req->reason());
        SALES_RETURN_IF_ERROR(rt_.outbox->Append(tx, "OrgUnit", absl::StrCat(unit.id()), e, call.request_id));
        return out;
      });
}

grpc::Status TargetsApi::MoveRep(grpc::ServerContext* ctx, const v1::MoveRepRequest* req, v1::MoveRepResponse* resp) {
  return ServeMutation<v1::MoveRepRequest, v1::MoveRepResponse>(
      ctx, TargetsMethod("MoveRep"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (req->id() <= 0) return InvalidField("id", "required, > 0");
        if (req->to_org_unit_id() <= 0) return InvalidField("to_org_unit_id", "required, > 0");
        return CheckReasonAndDate(req->reason(), req->effective_date(), req->has_effective_date(), "effective_date");
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::MoveRepResponse> {
        SALES_ASSIGN_OR_RETURN(auto rep, LockRep(tx, req->id(), req->etag()));
        SALES_ASSIGN_OR_RETURN(auto to, LockNamedUnit(tx, req->to_org_unit_id(), "to_org_unit_id"));
        SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
        if (!CanManage(viewer, rep.org_unit_id()) || !CanManage(viewer, to.id())) {
          return OutOfScope(absl::StrCat("moving rep ", rep.id(), " between these units"));
        }
        SALES_RETURN_IF_ERROR(CheckRepMove(rep, to));
        common::v1::Date from = DateOr(req->effective_date(), req->has_effective_date(), *rt_.clock);
        SALES_RETURN_IF_ERROR(
            RepHistoryStore::SetRep(tx, rep.id(), to.id(), rep.status(), rep.status_since(), rt_.clock->Now()));
        SALES_RETURN_IF_ERROR(RepHistoryStore::Record(tx, rep.id(), to.id(), rep.status(), from, req->reason(),
                                                      ActorText(call.principal), rt_.clock->Now()));
        v1::MoveRepResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_rep(), RepStore::Get(tx, rep.id()));
        v1::RepMovedEvent e;
        e.set_rep_id(rep.id());
        e.set_user_id(rep.user_id());
        e.set_from_org_unit_id(rep.org_unit_id());
        e.set_to_org_unit_id(to.id());
        *e.mutable_effective_date() = from;
        e.set_reason(req->reason());
        SALES_RETURN_IF_ERROR(rt_.outbox->Append(tx, "Rep", absl::StrCat(rep.id()), e, call.request_id));
        return out;
      });
}

// A rep who leaves may not leave a unit without its manager: the unit's
// manager is replaced (UpdateOrgUnit) first.
absl::Status CheckNotManaging(db::Transaction& tx, int64_t rep_id) {
  SALES_ASSIGN_OR_RETURN(auto units, OrgStore::ManagedBy(tx, rep_id));
  if (units.empty()) return absl::OkStatus();
  return WithErrorInfo(absl::FailedPreconditionError(
                           absl::StrCat("the rep manages org unit ", units.front(), "; name another manager first")),
                       "MANAGES_UNIT", kTargetsDomain, {{"org_unit_id", absl::StrCat(units.front())}});
}

// Activate, leave and offboard share one path: the status machine decides.
template <typename Request, typename Response>
grpc::Status ChangeRepStatus(ServiceRuntime& rt, grpc::ServerContext* ctx, const char* method, const Request& req,
                             Response* resp, RepStatusAction action, const common::v1::Date& date, bool has_date) {
  return ServeMutation<Request, Response>(
      ctx, TargetsMethod(method), rt, req, resp,
      [&](CallContext&) -> absl::Status {
        if (req.id() <= 0) return InvalidField("id", "required, > 0");
        return CheckReasonAndDate(req.reason(), date, has_date, "effective_date");
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<Response> {
        SALES_ASSIGN_OR_RETURN(auto rep, LockRep(tx, req.id(), req.etag()));
        SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
        if (!CanManage(viewer, rep.org_unit_id())) return OutOfScope(absl::StrCat("rep ", rep.id()));
        SALES_ASSIGN_OR_RETURN(v1::RepStatus next, NextRepStatus(rep.status(), action));
        if (action == RepStatusAction::kOffboard) SALES_RETURN_IF_ERROR(CheckNotManaging(tx, rep.id()));
        common::v1::Date from = DateOr(date, has_date, *rt.clock);
        SALES_RETURN_IF_ERROR(RepHistoryStore::SetRep(tx, rep.id(), rep.org_unit_id(), next, from, rt.clock->Now()));
        SALES_RETURN_IF_ERROR(RepHistoryStore::Record(tx, rep.id(), rep.org_unit_id(), next, from, req.reason(),
                                                      ActorText(call.principal), rt.clock->Now()));
        Response out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_rep(), RepStore::Get(tx, rep.id()));
        v1::RepStatusChangedEvent e;
        e.set_rep_id(rep.id());
        e.set_user_id(rep.user_id());
        e.set_org_unit_id(rep.org_unit_id());
        e.set_from_status(rep.status());
        e.set_to_status(next);
        *e.mutable_effective_date() = from;
        e.set_reason(req.reason());
        SALES_RETURN_IF_ERROR(rt.outbox->Append(tx, "Rep", absl::StrCat(rep.id()), e, call.request_id));
        return out;
      });
}

grpc::Status TargetsApi::ActivateRep(grpc::ServerContext* ctx, const v1::ActivateRepRequest* req,
                                     v1::ActivateRepResponse* resp) {
  return ChangeRepStatus(rt_, ctx, "ActivateRep", *req, resp, RepStatusAction::kActivate, req->effective_date(),
                         req->has_effective_date());
}

grpc::Status TargetsApi::PlaceRepOnLeave(grpc::ServerContext* ctx, const v1::PlaceRepOnLeaveRequest* req,
                                         v1::PlaceRepOnLeaveResponse* resp) {
  return ChangeRepStatus(rt_, ctx, "PlaceRepOnLeave", *req, resp, RepStatusAction::kPlaceOnLeave, req->effective_date(),
                         req->has_effective_date());
}

grpc::Status TargetsApi::OffboardRep(grpc::ServerContext* ctx, const v1::OffboardRepRequest* req,
                                     v1::OffboardRepResponse* resp) {
  return ChangeRepStatus(rt_, ctx, "OffboardRep", *req, resp, RepStatusAction::kOffboard, req->left_date(),
                         req->has_left_date());
}

grpc::Status TargetsApi::ListRepHistory(grpc::ServerContext* ctx, const v1::ListRepHistoryRequest* req,
                                        v1::ListRepHistoryResponse* resp) {
  int size = 0;
  int64_t after = 0;
  return ServeRead<v1::ListRepHistoryResponse>(
      ctx, TargetsMethod("ListRepHistory"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        if (req->rep_id() <= 0) return InvalidField("rep_id", "required, > 0");
        SALES_ASSIGN_OR_RETURN(size, PageSize(req->page_size()));
        SALES_ASSIGN_OR_RETURN(after, DecodePageToken(req->page_token()));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListRepHistoryResponse> {
        SALES_ASSIGN_OR_RETURN(Viewer viewer, LoadViewer(tx, call.principal));
        if (!CanSee(viewer, 0, req->rep_id())) return OutOfScope(absl::StrCat("rep ", req->rep_id(), "'s history"));
        std::vector<int64_t> ids;
        SALES_ASSIGN_OR_RETURN(auto entries, RepHistoryStore::List(tx, req->rep_id(), after, size + 1, &ids));
        v1::ListRepHistoryResponse out;
        bool more = static_cast<int>(entries.size()) > size;
        if (more) entries.pop_back();
        for (auto& e : entries) *out.add_entries() = std::move(e);
        if (more) out.set_next_page_token(EncodePageToken(ids[size - 1]));
        return out;
      });
}

}  // namespace sales::targets
