// Credit for orders (业绩归属) and collisions (撞单), and what the orders feed
// changes: first purchase turns a prospect into an account, a purchase
// revives a dormant account, a non-owner's order of a protected prospect is
// recorded for the manager.
#include "absl/strings/str_cat.h"
#include "customers-svc/api/customer_view.h"
#include "customers-svc/api/customers_api.h"
#include "customers-svc/domain/errors.h"
#include "customers-svc/domain/field_limits.h"
#include "customers-svc/domain/protection.h"
#include "customers-svc/store/customer_store.h"
#include "customers-svc/store/ownership_store.h"
#include "platform/handlers.h"
#include "platform/org/org_replica.h"
#include "platform/status.h"
#include "sales/customers/v1/events.pb.h"
#include "sales/orders/v1/events.pb.h"

namespace sales::customers {
namespace {

std::vector<OwnershipInterval> Intervals(const std::vector<v1::OwnershipRecord>& records) {
  std::vector<OwnershipInterval> out;
  for (const auto& r : records) {
    OwnershipInterval i;
    i.rep_id = r.to_rep_id();
    i.from = FromTimestamp(r.effective_time());
    if (r.has_end_time()) i.to = FromTimestamp(r.end_time());
    i.kind = r.kind();
    out.push_back(i);
  }
  return out;
}

// The record covering the end of the order's business day (the last one
// wins ties, as in the domain rule).
const v1::OwnershipRecord* Covering(const std::vector<v1::OwnershipRecord>& records, absl::CivilDay day) {
  absl::Time t = StartOfBusinessDay(day + 1) - absl::Nanoseconds(1);
  const v1::OwnershipRecord* found = nullptr;
  for (const auto& r : records) {
    if (FromTimestamp(r.effective_time()) <= t && (!r.has_end_time() || FromTimestamp(r.end_time()) > t)) found = &r;
  }
  return found;
}

absl::StatusOr<std::vector<v1::OwnershipRecord>> FullHistory(db::Transaction& tx, int64_t customer_id) {
  std::vector<v1::OwnershipRecord> all;
  int64_t after = 0;
  while (true) {
    SALES_ASSIGN_OR_RETURN(auto page, CustomerStore::History(tx, customer_id, after, 1000));
    for (auto& r : page) all.push_back(std::move(r));
    if (page.size() < 1000) break;
    after = all.back().id();
  }
  return all;
}

struct Resolution {
  v1::ResolveCreditedRepResponse response;
  int64_t owner_rep_id = 0;
};

// The rule (domain/protection.h) over the stored history, plus what only
// the store knows: an unswept lapse frees the order, a manager's ruling on a
// collision of this order overrides.
absl::StatusOr<Resolution> Resolve(db::Transaction& tx, const CustomerRecord& rec, absl::CivilDay order_date,
                                   int64_t taking_rep_id, int64_t order_id, int window) {
  const CustomerRecord* deciding = &rec;
  CustomerRecord primary;
  if (rec.customer.primary_customer_id() != 0) {
    SALES_ASSIGN_OR_RETURN(primary, CustomerStore::Get(tx, rec.customer.primary_customer_id()));
    deciding = &primary;
  }
  SALES_ASSIGN_OR_RETURN(auto records, FullHistory(tx, deciding->customer.id()));
  CreditQuery q;
  q.history = Intervals(records);
  q.order_date = order_date;
  q.taking_rep_id = taking_rep_id;
  if (deciding->customer.has_first_purchase_date()) {
    q.first_purchase_date = ToCivilDay(deciding->customer.first_purchase_date());
  }
  q.via_family_link = deciding != &rec;
  SALES_ASSIGN_OR_RETURN(auto res, ResolveCreditedRep(q));
  const v1::OwnershipRecord* cover = Covering(records, order_date);
  Resolution out;
  out.owner_rep_id = res.owner_rep_id;
  auto& r = out.response;
  r.set_deciding_customer_id(deciding->customer.id());
  r.set_status(deciding->customer.status());
  if (cover != nullptr) r.set_ownership_record_id(cover->id());
  if (res.basis == v1::CREDIT_BASIS_PROTECTING_OWNER && cover != nullptr && !cover->has_end_time() &&
      deciding->customer.status() == v1::CUSTOMER_STATUS_PROSPECT && deciding->protection_base.has_value()) {
    if (LapsedOn(*deciding->protection_base, window, order_date)) {
      // Protection ended before the order; the sweep has not moved it yet,
      // but the owner no longer has the right to it (7 days without
      // follow-up): the taking rep is credited, no collision.
      res.credited_rep_id = taking_rep_id;
      res.basis = v1::CREDIT_BASIS_TAKING_REP;
      res.collision = false;
      out.owner_rep_id = 0;
    } else {
      *r.mutable_protected_until() = FromCivilDay(ProtectedUntil(*deciding->protection_base, window));
    }
  }
  if (order_id > 0 && res.collision) {
    SALES_ASSIGN_OR_RETURN(auto ruling, CollisionStore::StatusOfOrder(tx, order_id));
    if (ruling.has_value() && *ruling == v1::COLLISION_STATUS_OVERRULED) {
      res.credited_rep_id = taking_rep_id;
      res.basis = v1::CREDIT_BASIS_MANAGER_RULING;
      res.collision = false;
    }
  }
  r.set_credited_rep_id(res.credited_rep_id);
  r.set_basis(res.basis);
  r.set_collision(res.collision);
  SALES_ASSIGN_OR_RETURN(int64_t unit, UnitOfRep(tx, res.credited_rep_id));
  r.set_credited_org_unit_id(unit);
  return out;
}

absl::Status CollisionScope(const Viewer& v, const v1::Collision& c) {
  if (v.all) return absl::OkStatus();
  if (v.ManagesUnit(c.org_unit_id())) return absl::OkStatus();
  return Denied("collisions are reviewed by the owner's manager");
}

// The filters into `f` (scope aside).
absl::Status ValidateListCollisions(const v1::ListCollisionsRequest& request, CollisionStore::Filter& f) {
  SALES_ASSIGN_OR_RETURN(f.limit, PageSize(request.page_size(), kPageOfRecords));
  if (!request.page_token().empty()) {
    SALES_ASSIGN_OR_RETURN(f.before_id, DecodePageToken(request.page_token()));
  }
  for (int s : request.statuses()) {
    if (s == 0 || !v1::CollisionStatus_IsValid(s)) return InvalidField("statuses", "unknown status");
    f.statuses.push_back(s);
  }
  if (request.rep_id() < 0) return InvalidField("rep_id", "must be >= 0");
  f.rep_id = request.rep_id();
  if (request.has_order_dates()) {
    if (request.order_dates().has_start()) {
      SALES_RETURN_IF_ERROR(ValidateDate(request.order_dates().start(), "order_dates.start"));
      f.from = ToCivilDay(request.order_dates().start());
    }
    if (request.order_dates().has_end()) {
      SALES_RETURN_IF_ERROR(ValidateDate(request.order_dates().end(), "order_dates.end"));
      f.to = ToCivilDay(request.order_dates().end());
    }
    if (f.from && f.to && *f.to < *f.from) return InvalidField("order_dates", "end before start");
  }
  return absl::OkStatus();
}

// A collision and the manager's non-blank note.
absl::Status ValidateReviewCollision(const v1::ReviewCollisionRequest& request) {
  std::vector<FieldViolation> v;
  if (request.collision_id() <= 0) v.push_back({"collision_id", "required, > 0"});
  bool blank = request.note().find_first_not_of(" \t\r\n") == std::string::npos;
  if (blank) v.push_back({"note", "required, non-blank"});
  CheckLength(request.note(), kMaxLongReasonChars, "note", &v);
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

}  // namespace

grpc::Status CustomersApi::ResolveCreditedRep(grpc::ServerContext* ctx, const v1::ResolveCreditedRepRequest* req,
                                              v1::ResolveCreditedRepResponse* resp) {
  return ServeRead<v1::ResolveCreditedRepResponse>(
      ctx, CustomersMethod("ResolveCreditedRep"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        std::vector<FieldViolation> v;
        if (req->customer_id() <= 0) v.push_back({"customer_id", "required, > 0"});
        if (req->taking_rep_id() <= 0) v.push_back({"taking_rep_id", "required, > 0"});
        if (req->order_id() < 0) v.push_back({"order_id", "must be >= 0"});
        auto d = ValidateDate(req->order_date(), "order_date");
        if (!req->has_order_date()) {
          v.push_back({"order_date", "required"});
        } else if (!d.ok()) {
          v.push_back({"order_date", std::string(d.message())});
        }
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ResolveCreditedRepResponse> {
        SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
        SALES_ASSIGN_OR_RETURN(auto rec, CustomerStore::Get(tx, req->customer_id()));
        if (viewer.rep && !viewer.ReadsAll() && req->taking_rep_id() != viewer.rep_id) {
          return Denied("a rep asks only about orders they take");
        }
        if (rt_.HasPeer("targets")) {
          SALES_ASSIGN_OR_RETURN(auto rep, OrgReplica::Rep(tx, req->taking_rep_id()));
          if (!rep.has_value()) return NotFound("rep", req->taking_rep_id());
        }
        if (rec.customer.status() == v1::CUSTOMER_STATUS_BLACKLISTED) {
          return WithErrorInfo(
              absl::FailedPreconditionError(
                  absl::StrCat("customer ", rec.customer.id(), " is blacklisted: ", rec.customer.blacklist_reason())),
              "CUSTOMER_BLACKLISTED", kCustomersDomain);
        }
        SALES_ASSIGN_OR_RETURN(int window, ProtectionDays(tx));
        SALES_ASSIGN_OR_RETURN(
            auto res, Resolve(tx, rec, ToCivilDay(req->order_date()), req->taking_rep_id(), req->order_id(), window));
        return res.response;
      });
}

grpc::Status CustomersApi::ListCollisions(grpc::ServerContext* ctx, const v1::ListCollisionsRequest* req,
                                          v1::ListCollisionsResponse* resp) {
  CollisionStore::Filter f;
  return ServeRead<v1::ListCollisionsResponse>(
      ctx, CustomersMethod("ListCollisions"), rt_, resp, [&](CallContext&) { return ValidateListCollisions(*req, f); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListCollisionsResponse> {
        SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
        if (req->org_unit_id() != 0) {
          SALES_ASSIGN_OR_RETURN(f.units, OrgReplica::Subtree(tx, req->org_unit_id()));
        }
        f.all_visible = viewer.ReadsAll();
        if (!f.all_visible) {
          f.visible_units = viewer.ManagedUnits();
          f.visible_rep = viewer.rep ? viewer.rep_id : 0;
          if (!viewer.manager && !viewer.rep) return Denied("collisions are for managers and the reps involved");
        }
        SALES_ASSIGN_OR_RETURN(auto items, CollisionStore::List(tx, f));
        v1::ListCollisionsResponse out;
        FillPage(std::move(items), f.limit, &out, [](auto* r) { return r->add_collisions(); });
        return out;
      });
}

grpc::Status CustomersApi::ReviewCollision(grpc::ServerContext* ctx, const v1::ReviewCollisionRequest* req,
                                           v1::ReviewCollisionResponse* resp) {
  return ServeMutation<v1::ReviewCollisionRequest, v1::ReviewCollisionResponse>(
      ctx, CustomersMethod("ReviewCollision"), rt_, *req, resp,
      [&](CallContext&) { return ValidateReviewCollision(*req); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ReviewCollisionResponse> {
        SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(auto c, CollisionStore::Get(tx, req->collision_id(), true));
        SALES_RETURN_IF_ERROR(CollisionScope(viewer, c));
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), c.etag(), "collision", c.id()));
        if (c.status() != v1::COLLISION_STATUS_OPEN) {
          return WithErrorInfo(
              absl::FailedPreconditionError(absl::StrCat("collision ", c.id(), " was already reviewed")),
              "ALREADY_REVIEWED", kCustomersDomain);
        }
        if (req->decision() != v1::COLLISION_STATUS_UPHELD && req->decision() != v1::COLLISION_STATUS_OVERRULED) {
          return WithErrorInfo(absl::FailedPreconditionError("decision must be UPHELD or OVERRULED"), "BAD_DECISION",
                               kCustomersDomain);
        }
        int64_t credited = req->decision() == v1::COLLISION_STATUS_OVERRULED ? c.taking_rep_id() : c.owner_rep_id();
        SALES_RETURN_IF_ERROR(
            CollisionStore::Review(tx, c.id(), req->decision(), credited, req->note(), viewer.who, now));
        SALES_ASSIGN_OR_RETURN(auto after, CollisionStore::Get(tx, c.id(), false));
        SALES_RETURN_IF_ERROR(
            AuditStore::Append(tx, c.customer_id(), viewer.who, "COLLISION_REVIEWED",
                               absl::StrCat("order ", c.order_id(), " credited to rep ", c.credited_rep_id()),
                               absl::StrCat(v1::CollisionStatus_Name(req->decision()), ": credited to rep ", credited),
                               req->note(), call.request_id, now));
        v1::CollisionReviewedEvent e;
        *e.mutable_collision() = after;
        e.set_previous_credited_rep_id(c.credited_rep_id());
        SALES_RETURN_IF_ERROR(rt_.outbox->Append(tx, "Collision", absl::StrCat(c.id()), e, call.request_id));
        v1::ReviewCollisionResponse out;
        *out.mutable_collision() = after;
        return out;
      });
}

absl::Status ApplyOrdersEvent(db::Transaction& tx, Outbox& outbox, const common::v1::Event& event, absl::Time now) {
  orders::v1::OrderEventHeader header;
  common::v1::Money amount;
  bool confirmed = false;
  if (event.event_type() == "OrderConfirmedEvent") {
    orders::v1::OrderConfirmedEvent e;
    if (!event.payload().UnpackTo(&e)) return InvalidField("payload", "not an OrderConfirmedEvent");
    header = e.order();
    amount = e.total_amount();
    confirmed = true;
  } else if (event.event_type() == "OrderShippedEvent") {
    // A shipment of an order whose confirmation was missed still proves a
    // purchase; the order counts once either way.
    orders::v1::OrderShippedEvent e;
    if (!event.payload().UnpackTo(&e)) return InvalidField("payload", "not an OrderShippedEvent");
    header = e.order();
    amount = e.total_amount();
  } else {
    return absl::OkStatus();
  }
  if (header.customer_id() <= 0 || header.order_id() <= 0) return InvalidField("order", "no customer or order id");
  SALES_RETURN_IF_ERROR(ValidateDate(header.order_date(), "order.order_date"));
  auto locked = CustomerStore::Lock(tx, header.customer_id());
  if (absl::IsNotFound(locked.status())) return InvalidField("order.customer_id", "unknown customer");
  if (!locked.ok()) return locked.status();
  CustomerRecord rec = *locked;
  Who orders = Who::System("orders-svc");
  absl::CivilDay day = ToCivilDay(header.order_date());
  std::string request_id = event.request_id();

  // Collision (撞单): the order was credited to someone other than the rep
  // who took it. Recorded once per order.
  if (confirmed && header.credited_rep_id() != 0 && header.taking_rep_id() != 0 &&
      header.credited_rep_id() != header.taking_rep_id()) {
    v1::Collision c;
    c.set_customer_id(rec.customer.id());
    c.set_order_id(header.order_id());
    *c.mutable_order_date() = header.order_date();
    *c.mutable_order_amount() = amount;
    c.set_owner_rep_id(header.credited_rep_id());
    c.set_taking_rep_id(header.taking_rep_id());
    c.set_credited_rep_id(header.credited_rep_id());
    SALES_ASSIGN_OR_RETURN(int64_t unit, UnitOfRep(tx, header.credited_rep_id()));
    c.set_org_unit_id(unit != 0 ? unit : header.credited_org_unit_id());
    SALES_ASSIGN_OR_RETURN(auto inserted, CollisionStore::Insert(tx, c, now));
    if (inserted.has_value()) {
      SALES_RETURN_IF_ERROR(AuditStore::Append(tx, rec.customer.id(), orders, "COLLISION_RECORDED",
                                               absl::StrCat("taken by rep ", header.taking_rep_id()),
                                               absl::StrCat("credited to rep ", header.credited_rep_id()),
                                               absl::StrCat("order ", header.order_number()), request_id, now));
      v1::CollisionRecordedEvent ev;
      *ev.mutable_collision() = *inserted;
      SALES_RETURN_IF_ERROR(outbox.Append(tx, "Collision", absl::StrCat(inserted->id()), ev, request_id));
    }
  }

  SALES_ASSIGN_OR_RETURN(bool fresh,
                         OrdersSeenStore::MarkSeen(tx, header.order_id(), rec.customer.id(), header.order_date()));
  if (!fresh) return absl::OkStatus();

  v1::CustomerStatus from = rec.customer.status();
  absl::CivilDay first = rec.customer.has_first_purchase_date() ? ToCivilDay(rec.customer.first_purchase_date()) : day;
  absl::CivilDay last = rec.customer.has_last_purchase_date() ? ToCivilDay(rec.customer.last_purchase_date()) : day;
  first = std::min(first, day);
  last = std::max(last, day);
  v1::CustomerStatus to = from;
  if (from == v1::CUSTOMER_STATUS_PROSPECT || from == v1::CUSTOMER_STATUS_DORMANT) to = v1::CUSTOMER_STATUS_ACTIVE;
  SALES_RETURN_IF_ERROR(CustomerStore::SetPurchase(tx, rec.customer.id(), to, first, last, now));

  if (from == v1::CUSTOMER_STATUS_PROSPECT && rec.customer.owner_rep_id() == 0 && header.credited_rep_id() != 0) {
    // Bought from the pool: the credited rep's account from now on.
    CustomerStore::OwnerChange ch;
    ch.customer_id = rec.customer.id();
    ch.to_rep_id = header.credited_rep_id();
    ch.kind = v1::OWNERSHIP_CHANGE_KIND_CLAIMED;
    ch.reason = absl::StrCat("first purchase from the pool, order ", header.order_number());
    ch.who = orders;
    SALES_ASSIGN_OR_RETURN(auto record, CustomerStore::ChangeOwner(tx, ch, now));
    SALES_RETURN_IF_ERROR(AuditStore::Append(tx, rec.customer.id(), orders, "CLAIMED", "pool",
                                             absl::StrCat("rep ", ch.to_rep_id), ch.reason, request_id, now));
    v1::CustomerOwnerChangedEvent oe;
    oe.set_customer_id(rec.customer.id());
    oe.set_to_rep_id(ch.to_rep_id);
    SALES_ASSIGN_OR_RETURN(int64_t to_unit, UnitOfRep(tx, ch.to_rep_id));
    oe.set_to_org_unit_id(to_unit);
    oe.set_kind(ch.kind);
    oe.set_reason(ch.reason);
    *oe.mutable_effective_time() = ToTimestamp(now);
    oe.set_status(to);
    oe.set_ownership_record_id(record.id());
    *oe.mutable_actor() = orders.ToActor();
    SALES_RETURN_IF_ERROR(outbox.Append(tx, "Customer", absl::StrCat(rec.customer.id()), oe, request_id));
    rec.customer.set_owner_rep_id(ch.to_rep_id);
  }
  if (to != from) {
    SALES_ASSIGN_OR_RETURN(int64_t unit, UnitOfRep(tx, rec.customer.owner_rep_id()));
    std::string why = from == v1::CUSTOMER_STATUS_PROSPECT
                          ? absl::StrCat("first purchase, order ", header.order_number())
                          : absl::StrCat("purchase again, order ", header.order_number());
    SALES_RETURN_IF_ERROR(AuditStore::Append(tx, rec.customer.id(), orders, "STATUS_CHANGED",
                                             v1::CustomerStatus_Name(from), v1::CustomerStatus_Name(to), why,
                                             request_id, now));
    v1::CustomerStatusChangedEvent se;
    se.set_customer_id(rec.customer.id());
    se.set_from_status(from);
    se.set_to_status(to);
    se.set_owner_rep_id(rec.customer.owner_rep_id());
    se.set_owner_org_unit_id(unit);
    *se.mutable_effective_date() = header.order_date();
    se.set_reason(why);
    *se.mutable_actor() = orders.ToActor();
    SALES_RETURN_IF_ERROR(outbox.Append(tx, "Customer", absl::StrCat(rec.customer.id()), se, request_id));
    if (from == v1::CUSTOMER_STATUS_PROSPECT) {
      v1::CustomerConvertedEvent ce;
      ce.set_customer_id(rec.customer.id());
      ce.set_owner_rep_id(rec.customer.owner_rep_id());
      ce.set_owner_org_unit_id(unit);
      ce.set_order_id(header.order_id());
      *ce.mutable_first_purchase_date() = header.order_date();
      *ce.mutable_order_amount() = amount;
      ce.set_customer_type(rec.customer.type());
      ce.set_region(rec.customer.region());
      *ce.mutable_register_time() = rec.customer.register_time();
      SALES_RETURN_IF_ERROR(outbox.Append(tx, "Customer", absl::StrCat(rec.customer.id()), ce, request_id));
    }
  }
  return absl::OkStatus();
}

}  // namespace sales::customers
