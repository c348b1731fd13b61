// Ownership and protection (domain.md §4, seed 001 客户登记制度, 首问负责制):
// the lapse sweep into the shared pool (公海), claims, releases, transfers
// and hand-overs (交接), the ownership history, referrals and the dormancy
// sweep.
#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "customers-svc/api/customer_view.h"
#include "customers-svc/api/customers_api.h"
#include "customers-svc/domain/field_limits.h"
#include "customers-svc/domain/normalize.h"
#include "customers-svc/domain/protection.h"
#include "customers-svc/store/customer_store.h"
#include "customers-svc/store/org_copy_store.h"
#include "customers-svc/store/ownership_store.h"
#include "platform/handlers.h"
#include "platform/cancellation.h"
#include "platform/idempotency.h"
#include "platform/org/org_replica.h"
#include "platform/status.h"
#include "sales/customers/v1/events.pb.h"

namespace sales::customers {
namespace {

constexpr char kService[] = "sales.customers.v1.CustomersService";
std::string M(const char* method) { return absl::StrCat("/", kService, "/", method); }

// Lapses are committed in batches of this many prospects.
constexpr int kSweepBatch = 500;

absl::Status Precondition(const std::string& what, const char* reason) {
  return WithErrorInfo(absl::FailedPreconditionError(what), reason, kDomain);
}

absl::Status SweepCaller(const CustomerViewer& v) {
  if (v.service || (v.everything && (v.principal.role == kRoleAdmin || !v.principal.authenticated()))) {
    return absl::OkStatus();
  }
  return Denied("sweeps run as a service identity or ADMIN");
}

absl::Status AsOfDate(const common::v1::Date& d, absl::CivilDay today) {
  if (d.year() == 0 && d.month() == 0 && d.day() == 0) return InvalidField("as_of", "required");
  return NotInFuture(d, "as_of", today);
}

}  // namespace

grpc::Status CustomersApi::ListOwnershipHistory(grpc::ServerContext* ctx, const v1::ListOwnershipHistoryRequest* req,
                                                v1::ListOwnershipHistoryResponse* resp) {
  int page = 0;
  int64_t after = 0;
  return ServeRead<v1::ListOwnershipHistoryResponse>(
      ctx, M("ListOwnershipHistory"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        if (req->customer_id() <= 0) return InvalidField("customer_id", "required, > 0");
        SALES_ASSIGN_OR_RETURN(page, PageSize(req->page_size(), 100, 500));
        if (!req->page_token().empty()) {
          SALES_ASSIGN_OR_RETURN(after, DecodePageToken(req->page_token()));
        }
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListOwnershipHistoryResponse> {
        SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
        SALES_ASSIGN_OR_RETURN(auto rec, CustomerStore::Get(tx, req->customer_id()));
        if (!viewer.Sees(rec)) return Denied("the ownership history is read by the owner, their manager and above");
        SALES_ASSIGN_OR_RETURN(auto records, CustomerStore::History(tx, rec.customer.id(), after, page + 1));
        v1::ListOwnershipHistoryResponse out;
        FillPage(std::move(records), page, &out, [](auto* r) { return r->add_records(); });
        return out;
      });
}

absl::StatusOr<std::vector<int64_t>> CustomersApi::SweepLapsed(absl::CivilDay as_of, const CallContext& call,
                                                               int* examined) {
  SALES_ASSIGN_OR_RETURN(int window, rt_.pool->Transact<int>([&](db::Transaction& tx) { return ProtectionDays(tx); }));
  SALES_ASSIGN_OR_RETURN(int64_t owned, rt_.pool->Transact<int64_t>(
                                            [&](db::Transaction& tx) { return CustomerStore::CountOwnedProspects(tx); }));
  *examined = static_cast<int>(owned);
  // Protected through base + window; lapsed on as_of when base + window <
  // as_of, i.e. base < as_of - window.
  absl::CivilDay base_before = as_of - window;
  Who sweeper = Who::Of(call.principal);
  std::vector<int64_t> lapsed;
  int64_t after = 0;
  while (true) {
    // Batches already committed stay; a cancelled sweep does no more.
    SALES_RETURN_IF_ERROR(StopIfCancelled(call));
    SALES_ASSIGN_OR_RETURN(
        auto batch, rt_.pool->Transact<std::vector<int64_t>>([&](db::Transaction& tx)
                                                                 -> absl::StatusOr<std::vector<int64_t>> {
          SALES_ASSIGN_OR_RETURN(auto recs, CustomerStore::LapsedProspects(tx, base_before, after, kSweepBatch));
          std::vector<int64_t> ids;
          absl::Time now = rt_.clock->Now();
          for (const auto& rec : recs) {
            CustomerStore::OwnerChange ch;
            ch.to_rep_id = 0;
            ch.kind = v1::OWNERSHIP_CHANGE_KIND_LAPSED;
            absl::CivilDay until = ProtectedUntil(*rec.protection_base, window);
            ch.reason = absl::StrCat("no follow-up within ", window, " days: protected through ",
                                     absl::FormatCivilTime(until), ", swept for ", absl::FormatCivilTime(as_of));
            ch.who = sweeper;
            ch.last_follow_up_date = *rec.protection_base;
            SALES_RETURN_IF_ERROR(MoveOwner(tx, *rt_.outbox, rec, ch, call.request_id, now).status());
            ids.push_back(rec.customer.id());
          }
          return ids;
        }));
    for (int64_t id : batch) lapsed.push_back(id);
    if (static_cast<int>(batch.size()) < kSweepBatch) break;
    after = batch.back();
  }
  return lapsed;
}

grpc::Status CustomersApi::RunLapseSweep(grpc::ServerContext* ctx, const v1::RunLapseSweepRequest* req,
                                         v1::RunLapseSweepResponse* resp) {
  return Serve(ctx, M("RunLapseSweep"), *rt_.verifier, [&](CallContext& call) -> absl::Status {
    SALES_RETURN_IF_ERROR(ValidateRequestId(req->request_id()));
    absl::CivilDay today = BusinessDay(rt_.clock->Now());
    SALES_RETURN_IF_ERROR(AsOfDate(req->as_of(), today));
    SALES_ASSIGN_OR_RETURN(auto viewer,
                           rt_.pool->Transact<CustomerViewer>([&](db::Transaction& tx) { return LoadViewer(tx, call.principal); }));
    SALES_RETURN_IF_ERROR(SweepCaller(viewer));
    // Each batch commits on its own; a sweep killed half-way is finished by
    // the next run, and running it again for the same date finds nothing
    // new. But one run at a time: the transaction that claims the request
    // id and keeps the answer first takes the lapse sweep's lock row, and
    // stays open while the batches commit beside it (on other connections).
    // A concurrent repeat of this request id waits on the claim and gets
    // this answer; a concurrent run under another id (a second CronJob pod,
    // an operator's manual run) waits on the lock row and then sweeps what
    // is left, as it would after this run. Without it two runs split the
    // day's prospects between them, each answered and announced its share,
    // and the answer kept for the request id could be the smaller one.
    SALES_ASSIGN_OR_RETURN(
        *resp, RunIdempotent<v1::RunLapseSweepResponse>(
                   *rt_.pool, call.principal.user_id, call.method, req->request_id(), *req,
                   [&](db::Transaction& tx) -> absl::StatusOr<v1::RunLapseSweepResponse> {
                     SALES_ASSIGN_OR_RETURN(bool locked, CustomerStore::LockLapseSweep(tx));
                     if (!locked) return absl::FailedPreconditionError("sweep_locks has no 'lapse' row");
                     int examined = 0;
                     SALES_ASSIGN_OR_RETURN(auto lapsed, SweepLapsed(ToCivilDay(req->as_of()), call, &examined));
                     v1::RunLapseSweepResponse out;
                     out.set_lapsed_count(static_cast<int32_t>(lapsed.size()));
                     out.set_examined_count(examined);
                     for (int64_t id : lapsed) out.add_lapsed_customer_ids(id);
                     v1::LapseSweepCompletedEvent e;
                     *e.mutable_as_of() = req->as_of();
                     e.set_lapsed_count(out.lapsed_count());
                     // The per-customer owner events carry the ids; the
                     // summary keeps the first ones only, to stay small.
                     for (size_t i = 0; i < lapsed.size() && i < 10000; ++i) e.add_lapsed_customer_ids(lapsed[i]);
                     SALES_RETURN_IF_ERROR(rt_.outbox->Append(tx, "LapseSweep", FormatDbDate(req->as_of()), e,
                                                              call.request_id));
                     return out;
                   }));
    return absl::OkStatus();
  });
}

grpc::Status CustomersApi::ListPoolCustomers(grpc::ServerContext* ctx, const v1::ListPoolCustomersRequest* req,
                                             v1::ListPoolCustomersResponse* resp) {
  CustomerFilter f;
  return ServeRead<v1::ListPoolCustomersResponse>(
      ctx, M("ListPoolCustomers"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(f.limit, PageSize(req->page_size(), 100, 500));
        if (!req->page_token().empty()) {
          SALES_ASSIGN_OR_RETURN(f.after_id, DecodePageToken(req->page_token()));
        }
        for (int t : req->types()) {
          if (t == 0 || !v1::CustomerType_IsValid(t)) return InvalidField("types", "unknown customer type");
          f.types.push_back(t);
        }
        SALES_RETURN_IF_ERROR(CheckLength(req->region(), kMaxRegionChars, "region"));
        if (req->previous_owner_rep_id() < 0) return InvalidField("previous_owner_rep_id", "must be >= 0");
        f.region = req->region();
        f.previous_owner_rep_id = req->previous_owner_rep_id();
        if (req->has_entered_after()) f.pool_entered_after = FromTimestamp(req->entered_after());
        f.pool_only = true;
        f.newest_pool_first = true;
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListPoolCustomersResponse> {
        SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
        SALES_ASSIGN_OR_RETURN(int window, ProtectionDays(tx));
        absl::CivilDay today = BusinessDay(rt_.clock->Now());
        SALES_ASSIGN_OR_RETURN(auto recs, CustomerStore::List(tx, f));
        std::vector<v1::Customer> items;
        for (const auto& r : recs) items.push_back(Present(r, viewer, window, today));
        v1::ListPoolCustomersResponse out;
        FillPage(std::move(items), f.limit, &out, [](auto* r) { return r->add_customers(); });
        return out;
      });
}

grpc::Status CustomersApi::ClaimCustomer(grpc::ServerContext* ctx, const v1::ClaimCustomerRequest* req,
                                         v1::ClaimCustomerResponse* resp) {
  return ServeMutation<v1::ClaimCustomerRequest, v1::ClaimCustomerResponse>(
      ctx, M("ClaimCustomer"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        std::vector<FieldViolation> v;
        if (req->customer_id() <= 0) v.push_back({"customer_id", "required, > 0"});
        if (req->etag().empty()) v.push_back({"etag", "required: a claim race has one winner"});
        CheckLength(req->reason(), kMaxReasonChars, "reason", &v);
        if (!v.empty()) return InvalidFields(std::move(v));
        if (call.principal.authenticated() && (call.principal.role != kRoleRep || call.principal.rep_id == 0)) {
          return Denied("only reps claim pool customers");
        }
        if (!call.principal.authenticated()) return Denied("only reps claim pool customers");
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ClaimCustomerResponse> {
        SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
        absl::Time now = rt_.clock->Now();
        absl::CivilDay today = BusinessDay(now);
        SALES_ASSIGN_OR_RETURN(auto rec, CustomerStore::Lock(tx, req->customer_id()));
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), rec.customer.etag(), "customer", rec.customer.id()));
        SALES_ASSIGN_OR_RETURN(int window, ProtectionDays(tx));
        if (rec.customer.status() == v1::CUSTOMER_STATUS_BLACKLISTED) {
          return Precondition(absl::StrCat("customer ", rec.customer.id(), " is blacklisted"), "CUSTOMER_BLACKLISTED");
        }
        if (rec.customer.primary_customer_id() != 0) {
          return Precondition("a family member follows its primary customer; claim the primary", "FAMILY_MEMBER");
        }
        if (rec.customer.owner_rep_id() != 0) {
          v1::ProtectionState state = StateOf(rec, window, today);
          return WithErrorInfo(
              absl::FailedPreconditionError(absl::StrCat(
                  "customer ", rec.customer.id(), " is not in the pool: ",
                  state == v1::PROTECTION_STATE_ACCOUNT ? "an account of rep " : "protected for rep ",
                  rec.customer.owner_rep_id())),
              "NOT_IN_POOL", kDomain, {{"owner_rep_id", absl::StrCat(rec.customer.owner_rep_id())}});
        }
        SALES_RETURN_IF_ERROR(CheckOwner(tx, viewer.rep_id, "caller"));
        CustomerStore::OwnerChange ch;
        ch.to_rep_id = viewer.rep_id;
        ch.kind = v1::OWNERSHIP_CHANGE_KIND_CLAIMED;
        ch.reason = req->reason().empty() ? "claimed from the pool" : req->reason();
        ch.who = viewer.who;
        if (rec.customer.status() == v1::CUSTOMER_STATUS_PROSPECT) ch.new_base = today;
        v1::ClaimCustomerResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_record(), MoveOwner(tx, *rt_.outbox, rec, ch, call.request_id, now));
        SALES_ASSIGN_OR_RETURN(auto after, CustomerStore::Get(tx, rec.customer.id()));
        *out.mutable_customer() = Present(after, viewer, window, today);
        return out;
      });
}

grpc::Status CustomersApi::ReleaseCustomer(grpc::ServerContext* ctx, const v1::ReleaseCustomerRequest* req,
                                           v1::ReleaseCustomerResponse* resp) {
  return ServeMutation<v1::ReleaseCustomerRequest, v1::ReleaseCustomerResponse>(
      ctx, M("ReleaseCustomer"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        std::vector<FieldViolation> v;
        if (req->customer_id() <= 0) v.push_back({"customer_id", "required, > 0"});
        for (auto& fv : FieldViolationsOf(RequireText(req->reason(), "reason", kMaxReasonChars))) v.push_back(fv);
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ReleaseCustomerResponse> {
        SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(auto rec, CustomerStore::Lock(tx, req->customer_id()));
        if (!viewer.IsOwner(rec) && !viewer.Manages(rec)) return Denied("only the owner or their manager releases a customer");
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), rec.customer.etag(), "customer", rec.customer.id()));
        if (rec.customer.status() != v1::CUSTOMER_STATUS_PROSPECT || rec.customer.owner_rep_id() == 0) {
          return Precondition("only an owned prospect is released; accounts move by transfer", "NOT_A_PROTECTED_PROSPECT");
        }
        if (rec.customer.primary_customer_id() != 0) {
          return Precondition("a family member follows its primary customer", "FAMILY_MEMBER");
        }
        CustomerStore::OwnerChange ch;
        ch.to_rep_id = 0;
        ch.kind = v1::OWNERSHIP_CHANGE_KIND_RELEASED;
        ch.reason = req->reason();
        ch.who = viewer.who;
        ch.last_follow_up_date = rec.protection_base;
        SALES_RETURN_IF_ERROR(MoveOwner(tx, *rt_.outbox, rec, ch, call.request_id, now).status());
        SALES_ASSIGN_OR_RETURN(int window, ProtectionDays(tx));
        SALES_ASSIGN_OR_RETURN(auto after, CustomerStore::Get(tx, rec.customer.id()));
        v1::ReleaseCustomerResponse out;
        *out.mutable_customer() = Present(after, viewer, window, BusinessDay(now));
        return out;
      });
}

grpc::Status CustomersApi::TransferCustomer(grpc::ServerContext* ctx, const v1::TransferCustomerRequest* req,
                                            v1::TransferCustomerResponse* resp) {
  return ServeMutation<v1::TransferCustomerRequest, v1::TransferCustomerResponse>(
      ctx, M("TransferCustomer"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        std::vector<FieldViolation> v;
        if (req->customer_id() <= 0) v.push_back({"customer_id", "required, > 0"});
        if (req->to_rep_id() <= 0) v.push_back({"to_rep_id", "required, > 0"});
        for (auto& fv : FieldViolationsOf(RequireText(req->reason(), "reason", kMaxReasonChars))) v.push_back(fv);
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::TransferCustomerResponse> {
        SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
        absl::Time now = rt_.clock->Now();
        absl::CivilDay today = BusinessDay(now);
        SALES_ASSIGN_OR_RETURN(auto rec, CustomerStore::Lock(tx, req->customer_id()));
        SALES_RETURN_IF_ERROR(CheckOwner(tx, req->to_rep_id(), "to_rep_id"));
        SALES_ASSIGN_OR_RETURN(int64_t to_unit, UnitOfRep(tx, req->to_rep_id()));
        if (!viewer.everything && !(viewer.manager && viewer.Manages(rec) && viewer.InUnits(to_unit))) {
          return Denied("a transfer is made by a manager of both reps");
        }
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), rec.customer.etag(), "customer", rec.customer.id()));
        if (rec.customer.status() == v1::CUSTOMER_STATUS_BLACKLISTED) {
          return Precondition(absl::StrCat("customer ", rec.customer.id(), " is blacklisted"), "CUSTOMER_BLACKLISTED");
        }
        if (rec.customer.primary_customer_id() != 0) {
          return Precondition("a family member follows its primary customer; transfer the primary", "FAMILY_MEMBER");
        }
        if (rec.customer.owner_rep_id() == req->to_rep_id()) {
          return Precondition(absl::StrCat("rep ", req->to_rep_id(), " already owns customer ", rec.customer.id()),
                              "SAME_OWNER");
        }
        CustomerStore::OwnerChange ch;
        ch.to_rep_id = req->to_rep_id();
        ch.kind = v1::OWNERSHIP_CHANGE_KIND_TRANSFERRED;
        ch.reason = req->reason();
        ch.who = viewer.who;
        // A transferred prospect gets a fresh protection window with its
        // new owner.
        if (rec.customer.status() == v1::CUSTOMER_STATUS_PROSPECT) ch.new_base = today;
        v1::TransferCustomerResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_record(), MoveOwner(tx, *rt_.outbox, rec, ch, call.request_id, now));
        SALES_ASSIGN_OR_RETURN(int window, ProtectionDays(tx));
        SALES_ASSIGN_OR_RETURN(auto after, CustomerStore::Get(tx, rec.customer.id()));
        *out.mutable_customer() = Present(after, viewer, window, today);
        return out;
      });
}

grpc::Status CustomersApi::HandOverCustomers(grpc::ServerContext* ctx, const v1::HandOverCustomersRequest* req,
                                             v1::HandOverCustomersResponse* resp) {
  std::vector<int64_t> statuses;
  return ServeMutation<v1::HandOverCustomersRequest, v1::HandOverCustomersResponse>(
      ctx, M("HandOverCustomers"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        std::vector<FieldViolation> v;
        if (req->from_rep_id() <= 0) v.push_back({"from_rep_id", "required, > 0"});
        if (req->to_rep_ids().empty()) v.push_back({"to_rep_ids", "at least one receiving rep"});
        if (req->to_rep_ids_size() > 50) v.push_back({"to_rep_ids", "at most 50 reps"});
        std::set<int64_t> seen;
        for (int i = 0; i < req->to_rep_ids_size(); ++i) {
          if (req->to_rep_ids(i) <= 0) v.push_back({absl::StrCat("to_rep_ids[", i, "]"), "must be > 0"});
          if (!seen.insert(req->to_rep_ids(i)).second) v.push_back({absl::StrCat("to_rep_ids[", i, "]"), "listed twice"});
        }
        for (auto& fv : FieldViolationsOf(RequireText(req->reason(), "reason", kMaxReasonChars))) v.push_back(fv);
        for (int s : req->statuses()) {
          if (s == 0 || !v1::CustomerStatus_IsValid(s)) {
            v.push_back({"statuses", "unknown status"});
          } else {
            statuses.push_back(s);
          }
        }
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::HandOverCustomersResponse> {
        SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
        absl::Time now = rt_.clock->Now();
        absl::CivilDay today = BusinessDay(now);
        // The giving rep may have left already: that is the usual reason.
        SALES_ASSIGN_OR_RETURN(auto from, OrgReplica::Rep(tx, req->from_rep_id()));
        SALES_ASSIGN_OR_RETURN(bool any_reps, OrgCopyStore::AnyRep(tx));
        if (!from.has_value() && any_reps) return NotFound("rep", req->from_rep_id());
        int64_t from_unit = from.has_value() ? from->org_unit_id : 0;
        std::vector<int64_t> to_units;
        for (int64_t to : req->to_rep_ids()) {
          if (to == req->from_rep_id()) {
            return Precondition(absl::StrCat("rep ", to, " cannot receive their own customers"), "SAME_REP");
          }
          SALES_ASSIGN_OR_RETURN(auto rep, OrgReplica::Rep(tx, to));
          if (!rep.has_value() && any_reps) return NotFound("rep", to);
          if (rep.has_value() && rep->left()) {
            return Precondition(absl::StrCat("receiving rep ", to, " has left"), "REP_NOT_ACTIVE");
          }
          to_units.push_back(rep.has_value() ? rep->org_unit_id : 0);
        }
        if (!viewer.everything) {
          bool ok = viewer.manager && viewer.InUnits(from_unit);
          for (int64_t u : to_units) ok = ok && viewer.InUnits(u);
          if (!ok) return Denied("a hand-over is made by a manager of the giving and the receiving reps");
        }
        v1::Handover h;
        h.set_from_rep_id(req->from_rep_id());
        for (int64_t to : req->to_rep_ids()) h.add_to_rep_ids(to);
        h.set_reason(req->reason());
        SALES_ASSIGN_OR_RETURN(int64_t handover_id, HandoverStore::Insert(tx, h, viewer.who, now));
        SALES_ASSIGN_OR_RETURN(auto owned, CustomerStore::OwnedBy(tx, req->from_rep_id(), statuses));
        v1::HandOverCustomersResponse out;
        int next = 0;
        for (const auto& rec : owned) {
          // Family members move with their primary (MoveOwner) when the
          // primary is handed over; handed over alone, they would split.
          if (rec.customer.primary_customer_id() != 0) continue;
          CustomerStore::OwnerChange ch;
          ch.to_rep_id = req->to_rep_ids(next % req->to_rep_ids_size());
          ++next;
          ch.kind = v1::OWNERSHIP_CHANGE_KIND_HANDED_OVER;
          ch.reason = req->reason();
          ch.who = viewer.who;
          ch.handover_id = handover_id;
          if (rec.customer.status() == v1::CUSTOMER_STATUS_PROSPECT) ch.new_base = today;
          SALES_RETURN_IF_ERROR(MoveOwner(tx, *rt_.outbox, rec, ch, call.request_id, now).status());
          out.add_customer_ids(rec.customer.id());
        }
        SALES_RETURN_IF_ERROR(HandoverStore::SetCount(tx, handover_id, out.customer_ids_size()));
        SALES_ASSIGN_OR_RETURN(*out.mutable_handover(), HandoverStore::Get(tx, handover_id));
        return out;
      });
}

grpc::Status CustomersApi::ListHandovers(grpc::ServerContext* ctx, const v1::ListHandoversRequest* req,
                                         v1::ListHandoversResponse* resp) {
  int page = 0;
  int64_t before = 0;
  return ServeRead<v1::ListHandoversResponse>(
      ctx, M("ListHandovers"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(page, PageSize(req->page_size(), 50, 200));
        if (!req->page_token().empty()) {
          SALES_ASSIGN_OR_RETURN(before, DecodePageToken(req->page_token()));
        }
        if (req->from_rep_id() < 0) return InvalidField("from_rep_id", "must be >= 0");
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListHandoversResponse> {
        SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
        std::vector<int64_t> reps;
        if (!viewer.ReadsAll()) {
          SALES_ASSIGN_OR_RETURN(reps, RepsInUnits(tx, viewer.units));
          if (viewer.rep) reps.push_back(viewer.rep_id);
        }
        SALES_ASSIGN_OR_RETURN(auto items, HandoverStore::List(tx, req->from_rep_id(), reps, viewer.ReadsAll(), before, page));
        v1::ListHandoversResponse out;
        FillPage(std::move(items), page, &out, [](auto* r) { return r->add_handovers(); });
        return out;
      });
}

grpc::Status CustomersApi::RegisterReferral(grpc::ServerContext* ctx, const v1::RegisterReferralRequest* req,
                                            v1::RegisterReferralResponse* resp) {
  v1::Referral r = req->referral();
  return ServeMutation<v1::RegisterReferralRequest, v1::RegisterReferralResponse>(
      ctx, M("RegisterReferral"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        if (!req->has_referral()) return InvalidField("referral", "required");
        std::vector<FieldViolation> v;
        if (r.referrer_customer_id() <= 0) v.push_back({"referral.referrer_customer_id", "required, > 0"});
        if (r.referred_name().empty()) v.push_back({"referral.referred_name", "required"});
        CheckLength(r.referred_name(), kMaxReferredNameChars, "referral.referred_name", &v);
        if (r.referred_phone().empty()) {
          v.push_back({"referral.referred_phone", "required"});
        } else if (!CheckLength(r.referred_phone(), kMaxPhoneChars, "referral.referred_phone", &v)) {
          auto phone = NormalizePhone(r.referred_phone());
          if (!phone.ok()) {
            v.push_back({"referral.referred_phone", std::string(phone.status().message())});
          } else {
            r.set_referred_phone(*phone);
          }
        }
        if (r.has_expected_visit_date()) {
          auto d = ValidateDate(r.expected_visit_date(), "referral.expected_visit_date");
          if (!d.ok()) v.push_back({"referral.expected_visit_date", std::string(d.message())});
        }
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::RegisterReferralResponse> {
        SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(auto referrer, CustomerStore::Get(tx, r.referrer_customer_id()));
        if (!viewer.IsOwner(referrer) && !viewer.Manages(referrer) && !viewer.receptionist) {
          return Denied("a referral is registered by the referrer's rep, reception or a manager");
        }
        SALES_ASSIGN_OR_RETURN(auto existing, CustomerStore::FindDuplicates(tx, {r.referred_phone()}, "", ""));
        if (!existing.empty()) {
          return WithErrorInfo(absl::AlreadyExistsError(absl::StrCat(
                                   "the referred phone already belongs to customer #", existing[0].record.customer.id(),
                                   ": it counts as a new customer, not a referral")),
                               "CUSTOMER_EXISTS", kDomain);
        }
        SALES_ASSIGN_OR_RETURN(auto pending, ReferralStore::PendingForPhone(tx, r.referred_phone()));
        if (pending.has_value()) {
          return WithErrorInfo(absl::AlreadyExistsError(absl::StrCat("referral #", pending->id(),
                                                                     " is already pending for this phone")),
                               "REFERRAL_PENDING", kDomain);
        }
        r.set_referrer_rep_id(referrer.customer.owner_rep_id());
        v1::RegisterReferralResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_referral(), ReferralStore::Insert(tx, r, viewer.who, now));
        SALES_RETURN_IF_ERROR(AuditStore::Append(tx, referrer.customer.id(), viewer.who, "REFERRAL_REGISTERED", "",
                                                 absl::StrCat("referral #", out.referral().id(), " ",
                                                              MaskPhone(r.referred_phone())),
                                                 r.referred_name(), call.request_id, now));
        return out;
      });
}

grpc::Status CustomersApi::CancelReferral(grpc::ServerContext* ctx, const v1::CancelReferralRequest* req,
                                          v1::CancelReferralResponse* resp) {
  return ServeMutation<v1::CancelReferralRequest, v1::CancelReferralResponse>(
      ctx, M("CancelReferral"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        std::vector<FieldViolation> v;
        if (req->referral_id() <= 0) v.push_back({"referral_id", "required, > 0"});
        for (auto& fv : FieldViolationsOf(RequireText(req->reason(), "reason", kMaxReasonChars))) v.push_back(fv);
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::CancelReferralResponse> {
        SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(auto r, ReferralStore::Get(tx, req->referral_id(), true));
        SALES_ASSIGN_OR_RETURN(auto referrer, CustomerStore::Get(tx, r.referrer_customer_id()));
        bool own = viewer.rep && r.referrer_rep_id() == viewer.rep_id;
        if (!own && !viewer.Manages(referrer) && r.registered_by().user_id() != viewer.who.user_id) {
          return Denied("a referral is cancelled by its rep, who registered it, or a manager");
        }
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), r.etag(), "referral", r.id()));
        if (r.status() != v1::REFERRAL_STATUS_PENDING) {
          return Precondition(absl::StrCat("referral ", r.id(), " is ", v1::ReferralStatus_Name(r.status())),
                              "REFERRAL_NOT_PENDING");
        }
        SALES_RETURN_IF_ERROR(ReferralStore::Cancel(tx, r.id()));
        SALES_RETURN_IF_ERROR(AuditStore::Append(tx, referrer.customer.id(), viewer.who, "REFERRAL_CANCELLED", "PENDING",
                                                 "CANCELLED", req->reason(), call.request_id, now));
        v1::CancelReferralResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_referral(), ReferralStore::Get(tx, r.id(), false));
        return out;
      });
}

grpc::Status CustomersApi::ListReferrals(grpc::ServerContext* ctx, const v1::ListReferralsRequest* req,
                                         v1::ListReferralsResponse* resp) {
  int page = 0;
  int64_t before = 0;
  std::vector<int64_t> statuses;
  return ServeRead<v1::ListReferralsResponse>(
      ctx, M("ListReferrals"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(page, PageSize(req->page_size(), 100, 500));
        if (!req->page_token().empty()) {
          SALES_ASSIGN_OR_RETURN(before, DecodePageToken(req->page_token()));
        }
        for (int s : req->statuses()) {
          if (s == 0 || !v1::ReferralStatus_IsValid(s)) return InvalidField("statuses", "unknown status");
          statuses.push_back(s);
        }
        if (req->referrer_customer_id() < 0) return InvalidField("referrer_customer_id", "must be >= 0");
        if (req->referrer_rep_id() < 0) return InvalidField("referrer_rep_id", "must be >= 0");
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListReferralsResponse> {
        SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
        bool all = viewer.ReadsAll() || viewer.receptionist;
        std::vector<int64_t> reps;
        if (!all) {
          SALES_ASSIGN_OR_RETURN(reps, RepsInUnits(tx, viewer.units));
          if (viewer.rep) reps.push_back(viewer.rep_id);
        }
        SALES_ASSIGN_OR_RETURN(auto items, ReferralStore::List(tx, req->referrer_customer_id(), req->referrer_rep_id(),
                                                               statuses, reps, all, before, page));
        v1::ListReferralsResponse out;
        FillPage(std::move(items), page, &out, [](auto* r) { return r->add_referrals(); });
        return out;
      });
}

grpc::Status CustomersApi::RunDormancySweep(grpc::ServerContext* ctx, const v1::RunDormancySweepRequest* req,
                                            v1::RunDormancySweepResponse* resp) {
  return ServeMutation<v1::RunDormancySweepRequest, v1::RunDormancySweepResponse>(
      ctx, M("RunDormancySweep"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status { return AsOfDate(req->as_of(), BusinessDay(rt_.clock->Now())); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::RunDormancySweepResponse> {
        SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
        SALES_RETURN_IF_ERROR(SweepCaller(viewer));
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(int days, DormancyDays(tx));
        absl::CivilDay as_of = ToCivilDay(req->as_of());
        // Dormant when the last purchase is more than `days` before as_of.
        SALES_ASSIGN_OR_RETURN(auto ids, CustomerStore::DormantCandidates(tx, as_of - days));
        v1::RunDormancySweepResponse out;
        for (int64_t id : ids) {
          SALES_ASSIGN_OR_RETURN(auto rec, CustomerStore::Get(tx, id));
          std::string why = absl::StrCat("no purchase for ", days, " days (last ",
                                         FormatDbDate(rec.customer.last_purchase_date()), ")");
          SALES_RETURN_IF_ERROR(CustomerStore::SetStatus(tx, id, v1::CUSTOMER_STATUS_DORMANT, "", 0, now));
          SALES_RETURN_IF_ERROR(AuditStore::Append(tx, id, viewer.who, "STATUS_CHANGED", "CUSTOMER_STATUS_ACTIVE",
                                                   "CUSTOMER_STATUS_DORMANT", why, call.request_id, now));
          SALES_RETURN_IF_ERROR(AppendStatusChanged(tx, *rt_.outbox, rec, v1::CUSTOMER_STATUS_ACTIVE,
                                                    v1::CUSTOMER_STATUS_DORMANT, req->as_of(), why, viewer.who,
                                                    call.request_id));
          out.add_dormant_customer_ids(id);
        }
        out.set_dormant_count(out.dormant_customer_ids_size());
        return out;
      });
}

}  // namespace sales::customers
