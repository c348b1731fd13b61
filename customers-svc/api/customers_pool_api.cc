// Ownership and protection (domain.md §4, seed 001 客户登记制度, 首问负责制):
// the lapse sweep into the shared pool (公海, app/lapse_sweep.h), claims,
// releases, transfers and hand-overs (交接) and referrals
// (app/customer_handover.h), the ownership history and the dormancy sweep.
#include <set>

#include "absl/strings/str_cat.h"
#include "customers-svc/api/customer_view.h"
#include "customers-svc/api/customers_api.h"
#include "customers-svc/app/customer_handover.h"
#include "customers-svc/app/lapse_sweep.h"
#include "customers-svc/domain/field_limits.h"
#include "customers-svc/domain/normalize.h"
#include "customers-svc/store/customer_store.h"
#include "customers-svc/store/ownership_store.h"
#include "customers-svc/store/sql_customer_book.h"
#include "platform/handlers.h"
#include "platform/idempotency.h"
#include "platform/roles.h"
#include "platform/status.h"

namespace sales::customers {
namespace {

absl::Status AsOfDate(const common::v1::Date& d, absl::CivilDay today) {
  if (d.year() == 0 && d.month() == 0 && d.day() == 0) return InvalidField("as_of", "required");
  return NotInFuture(d, "as_of", today);
}

// A customer, its etag (a claim race has one winner) and a reason within
// its column; only reps claim.
absl::Status ValidateClaimCustomer(const v1::ClaimCustomerRequest& request, const Principal& p) {
  std::vector<FieldViolation> v;
  if (request.customer_id() <= 0) v.push_back({"customer_id", "required, > 0"});
  if (request.etag().empty()) v.push_back({"etag", "required: a claim race has one winner"});
  CheckLength(request.reason(), kMaxReasonChars, "reason", &v);
  if (!v.empty()) return InvalidFields(std::move(v));
  if (p.authenticated() && (p.role != kRoleRep || p.rep_id == 0)) {
    return Denied("only reps claim pool customers");
  }
  if (!p.authenticated()) return Denied("only reps claim pool customers");
  return absl::OkStatus();
}

absl::Status ValidateTransferCustomer(const v1::TransferCustomerRequest& request) {
  std::vector<FieldViolation> v;
  if (request.customer_id() <= 0) v.push_back({"customer_id", "required, > 0"});
  if (request.to_rep_id() <= 0) v.push_back({"to_rep_id", "required, > 0"});
  for (auto& fv : FieldViolationsOf(RequireText(request.reason(), "reason", kMaxReasonChars))) v.push_back(fv);
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

// The giving rep, 1..50 distinct receiving reps, a reason, and the statuses
// handed over (into `statuses`; none: all).
absl::Status ValidateHandOverCustomers(const v1::HandOverCustomersRequest& request, std::vector<int64_t>& statuses) {
  std::vector<FieldViolation> v;
  if (request.from_rep_id() <= 0) v.push_back({"from_rep_id", "required, > 0"});
  if (request.to_rep_ids().empty()) v.push_back({"to_rep_ids", "at least one receiving rep"});
  if (request.to_rep_ids_size() > 50) v.push_back({"to_rep_ids", "at most 50 reps"});
  std::set<int64_t> seen;
  for (int i = 0; i < request.to_rep_ids_size(); ++i) {
    if (request.to_rep_ids(i) <= 0) v.push_back({absl::StrCat("to_rep_ids[", i, "]"), "must be > 0"});
    if (!seen.insert(request.to_rep_ids(i)).second) v.push_back({absl::StrCat("to_rep_ids[", i, "]"), "listed twice"});
  }
  for (auto& fv : FieldViolationsOf(RequireText(request.reason(), "reason", kMaxReasonChars))) v.push_back(fv);
  for (int s : request.statuses()) {
    if (s == 0 || !v1::CustomerStatus_IsValid(s)) {
      v.push_back({"statuses", "unknown status"});
    } else {
      statuses.push_back(s);
    }
  }
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

// The referrer and the referred person's name and phone (normalised into
// `r`), an expected visit date when given.
absl::Status ValidateRegisterReferral(const v1::RegisterReferralRequest& request, v1::Referral& r) {
  if (!request.has_referral()) return InvalidField("referral", "required");
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
}

}  // namespace

grpc::Status CustomersApi::ListOwnershipHistory(grpc::ServerContext* ctx, const v1::ListOwnershipHistoryRequest* req,
                                                v1::ListOwnershipHistoryResponse* resp) {
  int page = 0;
  int64_t after = 0;
  return ServeRead<v1::ListOwnershipHistoryResponse>(
      ctx, CustomersMethod("ListOwnershipHistory"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        if (req->customer_id() <= 0) return InvalidField("customer_id", "required, > 0");
        SALES_ASSIGN_OR_RETURN(page, PageSize(req->page_size(), kPageOfRecords));
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

grpc::Status CustomersApi::RunLapseSweep(grpc::ServerContext* ctx, const v1::RunLapseSweepRequest* req,
                                         v1::RunLapseSweepResponse* resp) {
  return Serve(ctx, CustomersMethod("RunLapseSweep"), *rt_.verifier, [&](CallContext& call) -> absl::Status {
    SALES_RETURN_IF_ERROR(ValidateRequestId(req->request_id()));
    SALES_RETURN_IF_ERROR(AsOfDate(req->as_of(), BusinessDay(rt_.clock->Now())));
    SALES_ASSIGN_OR_RETURN(
        auto viewer, rt_.pool->Transact<Viewer>([&](db::Transaction& tx) { return LoadViewer(tx, call.principal); }));
    SALES_RETURN_IF_ERROR(MayRunSweep(viewer));
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
    SqlCustomerBooks books(*rt_.pool, *rt_.outbox);
    LapseSweep sweep(books, *rt_.clock);
    SALES_ASSIGN_OR_RETURN(*resp,
                           RunIdempotent<v1::RunLapseSweepResponse>(*rt_.pool, call.principal.user_id, call.method,
                                                                    req->request_id(), *req, [&](db::Transaction& tx) {
                                                                      SqlCustomerBook turn(tx, rt_.outbox);
                                                                      return sweep.Run(turn, call, *req);
                                                                    }));
    return absl::OkStatus();
  });
}

grpc::Status CustomersApi::ListPoolCustomers(grpc::ServerContext* ctx, const v1::ListPoolCustomersRequest* req,
                                             v1::ListPoolCustomersResponse* resp) {
  CustomerFilter f;
  return ServeRead<v1::ListPoolCustomersResponse>(
      ctx, CustomersMethod("ListPoolCustomers"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(f.limit, PageSize(req->page_size(), kPageOfRecords));
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
      ctx, CustomersMethod("ClaimCustomer"), rt_, *req, resp,
      [&](CallContext& call) { return ValidateClaimCustomer(*req, call.principal); },
      [&](db::Transaction& tx, CallContext& call) {
        return CustomerHandover(*rt_.clock, *rt_.outbox, TargetsConfigured()).Claim(tx, call, *req);
      });
}

grpc::Status CustomersApi::ReleaseCustomer(grpc::ServerContext* ctx, const v1::ReleaseCustomerRequest* req,
                                           v1::ReleaseCustomerResponse* resp) {
  return ServeMutation<v1::ReleaseCustomerRequest, v1::ReleaseCustomerResponse>(
      ctx, CustomersMethod("ReleaseCustomer"), rt_, *req, resp,
      [&](CallContext&) { return ValidateIdAndReason(req->customer_id(), "customer_id", req->reason()); },
      [&](db::Transaction& tx, CallContext& call) {
        return CustomerHandover(*rt_.clock, *rt_.outbox, TargetsConfigured()).Release(tx, call, *req);
      });
}

grpc::Status CustomersApi::TransferCustomer(grpc::ServerContext* ctx, const v1::TransferCustomerRequest* req,
                                            v1::TransferCustomerResponse* resp) {
  return ServeMutation<v1::TransferCustomerRequest, v1::TransferCustomerResponse>(
      ctx, CustomersMethod("TransferCustomer"), rt_, *req, resp,
      [&](CallContext&) { return ValidateTransferCustomer(*req); },
      [&](db::Transaction& tx, CallContext& call) {
        return CustomerHandover(*rt_.clock, *rt_.outbox, TargetsConfigured()).Transfer(tx, call, *req);
      });
}

grpc::Status CustomersApi::HandOverCustomers(grpc::ServerContext* ctx, const v1::HandOverCustomersRequest* req,
                                             v1::HandOverCustomersResponse* resp) {
  std::vector<int64_t> statuses;
  return ServeMutation<v1::HandOverCustomersRequest, v1::HandOverCustomersResponse>(
      ctx, CustomersMethod("HandOverCustomers"), rt_, *req, resp,
      [&](CallContext&) { return ValidateHandOverCustomers(*req, statuses); },
      [&](db::Transaction& tx, CallContext& call) {
        return CustomerHandover(*rt_.clock, *rt_.outbox, TargetsConfigured()).HandOver(tx, call, *req, statuses);
      });
}

grpc::Status CustomersApi::ListHandovers(grpc::ServerContext* ctx, const v1::ListHandoversRequest* req,
                                         v1::ListHandoversResponse* resp) {
  int page = 0;
  int64_t before = 0;
  return ServeRead<v1::ListHandoversResponse>(
      ctx, CustomersMethod("ListHandovers"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(page, PageSize(req->page_size(), kPageOfDocuments));
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
          SALES_ASSIGN_OR_RETURN(reps, RepsInUnits(tx, viewer.ManagedUnits()));
          if (viewer.rep) reps.push_back(viewer.rep_id);
        }
        SALES_ASSIGN_OR_RETURN(auto items,
                               HandoverStore::List(tx, req->from_rep_id(), reps, viewer.ReadsAll(), before, page));
        v1::ListHandoversResponse out;
        FillPage(std::move(items), page, &out, [](auto* r) { return r->add_handovers(); });
        return out;
      });
}

grpc::Status CustomersApi::RegisterReferral(grpc::ServerContext* ctx, const v1::RegisterReferralRequest* req,
                                            v1::RegisterReferralResponse* resp) {
  v1::Referral r = req->referral();
  return ServeMutation<v1::RegisterReferralRequest, v1::RegisterReferralResponse>(
      ctx, CustomersMethod("RegisterReferral"), rt_, *req, resp,
      [&](CallContext&) { return ValidateRegisterReferral(*req, r); },
      [&](db::Transaction& tx, CallContext& call) {
        return CustomerHandover(*rt_.clock, *rt_.outbox, TargetsConfigured()).RegisterReferral(tx, call, r);
      });
}

grpc::Status CustomersApi::CancelReferral(grpc::ServerContext* ctx, const v1::CancelReferralRequest* req,
                                          v1::CancelReferralResponse* resp) {
  return ServeMutation<v1::CancelReferralRequest, v1::CancelReferralResponse>(
      ctx, CustomersMethod("CancelReferral"), rt_, *req, resp,
      [&](CallContext&) { return ValidateIdAndReason(req->referral_id(), "referral_id", req->reason()); },
      [&](db::Transaction& tx, CallContext& call) {
        return CustomerHandover(*rt_.clock, *rt_.outbox, TargetsConfigured()).CancelReferral(tx, call, *req);
      });
}

grpc::Status CustomersApi::ListReferrals(grpc::ServerContext* ctx, const v1::ListReferralsRequest* req,
                                         v1::ListReferralsResponse* resp) {
  int page = 0;
  int64_t before = 0;
  std::vector<int64_t> statuses;
  return ServeRead<v1::ListReferralsResponse>(
      ctx, CustomersMethod("ListReferrals"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(page, PageSize(req->page_size(), kPageOfRecords));
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
          SALES_ASSIGN_OR_RETURN(reps, RepsInUnits(tx, viewer.ManagedUnits()));
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
      ctx, CustomersMethod("RunDormancySweep"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status { return AsOfDate(req->as_of(), BusinessDay(rt_.clock->Now())); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::RunDormancySweepResponse> {
        SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
        SALES_RETURN_IF_ERROR(MayRunSweep(viewer));
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
