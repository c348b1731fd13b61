// Credit profile, investigations and holds (domain.md §4 Credit): finance
// sets terms and limits; finance and managers set holds; finance's
// collections ladder sets and releases holds through its event feed. The
// changes are app/credit_file.h.
#include <map>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "customers-svc/api/customer_view.h"
#include "customers-svc/api/customers_api.h"
#include "customers-svc/app/credit_file.h"
#include "customers-svc/domain/field_limits.h"
#include "customers-svc/store/credit_store.h"
#include "customers-svc/store/customer_store.h"
#include "platform/field_mask.h"
#include "platform/handlers.h"
#include "platform/money.h"
#include "platform/org/org_replica.h"
#include "platform/status.h"
#include "sales/finance/v1/events.pb.h"

namespace sales::customers {
namespace {

// The customers of ListHeld's (oldest hold id, customer id) pairs, in
// their order.
std::vector<int64_t> HeldCustomers(const std::vector<std::pair<int64_t, int64_t>>& held) {
  std::vector<int64_t> out;
  out.reserve(held.size());
  for (const auto& [hold_id, customer_id] : held) out.push_back(customer_id);
  return out;
}

absl::Status RequireReason(const std::string& reason, const char* field = "reason") {
  bool blank = true;
  for (char ch : reason) blank = blank && (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r');
  if (blank) return InvalidField(field, "required, non-blank");
  return CheckLength(reason, kMaxLongReasonChars, field);
}

// A mask naming only terms UpdateCreditProfile changes; a CNY limit, terms
// of 0..365 days and a known rating — those the mask names, the others stay
// as stored; a reason.
absl::Status ValidateUpdateCreditProfile(const v1::UpdateCreditProfileRequest& request) {
  SALES_ASSIGN_OR_RETURN(auto paths, CreditTermsPaths(request.update_mask()));
  std::vector<FieldViolation> v;
  if (request.customer_id() <= 0) v.push_back({"customer_id", "required, > 0"});
  if (Touches(paths, "credit_limit")) {
    if (!request.has_credit_limit()) {
      v.push_back({"credit_limit", "required"});
    } else {
      auto m = ValidateMoney(request.credit_limit(), "credit_limit", Sign::kNonNegative);
      if (!m.ok()) v.push_back({"credit_limit", std::string(m.message())});
      if (request.credit_limit().currency_code() != "CNY") {
        v.push_back({"credit_limit.currency_code", "must be the company currency CNY"});
      }
    }
  }
  if (Touches(paths, "payment_terms_days") &&
      (request.payment_terms_days() < 0 || request.payment_terms_days() > 365)) {
    v.push_back({"payment_terms_days", "must be 0..365"});
  }
  if (Touches(paths, "rating")) {
    if (!v1::CreditRating_IsValid(request.rating())) {
      v.push_back({"rating", "unknown rating"});
    } else if (request.rating() == v1::CREDIT_RATING_UNSPECIFIED && !request.update_mask().paths().empty()) {
      // Without a mask UNSPECIFIED keeps the rating; a mask that names the
      // rating asks to change it, so it must say to what.
      v.push_back({"rating", "required when update_mask names it"});
    }
  }
  for (auto& fv : FieldViolationsOf(RequireReason(request.reason()))) v.push_back(fv);
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

// The investigation's shape: dated on or before `today`, a method and a
// rating, the investigator and findings within their columns, a
// non-negative CNY recommendation (required to apply one).
absl::Status ValidateRecordCreditInvestigation(const v1::RecordCreditInvestigationRequest& request,
                                               absl::CivilDay today) {
  std::vector<FieldViolation> v;
  if (request.customer_id() <= 0) v.push_back({"customer_id", "required, > 0"});
  if (!request.has_investigation()) return InvalidField("investigation", "required");
  const auto& inv = request.investigation();
  auto d = NotInFuture(inv.date(), "investigation.date", today);
  if (!d.ok()) v.push_back({"investigation.date", std::string(d.message())});
  if (inv.method() == v1::CREDIT_INVESTIGATION_METHOD_UNSPECIFIED ||
      !v1::CreditInvestigationMethod_IsValid(inv.method())) {
    v.push_back({"investigation.method", "required"});
  }
  if (inv.rating() == v1::CREDIT_RATING_UNSPECIFIED || !v1::CreditRating_IsValid(inv.rating())) {
    v.push_back({"investigation.rating", "required"});
  }
  CheckLength(inv.investigator(), kMaxInvestigatorChars, "investigation.investigator", &v);
  if (inv.findings().size() > kMaxFindingsBytes) {
    v.push_back({"investigation.findings", absl::StrCat("at most ", kMaxFindingsBytes, " bytes")});
  }
  if (inv.has_recommended_limit()) {
    auto m = ValidateMoney(inv.recommended_limit(), "investigation.recommended_limit", Sign::kNonNegative);
    if (!m.ok() || inv.recommended_limit().currency_code() != "CNY") {
      v.push_back({"investigation.recommended_limit", "a non-negative CNY amount"});
    }
  } else if (request.apply_recommended_limit()) {
    v.push_back({"apply_recommended_limit", "needs investigation.recommended_limit"});
  }
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

// A customer and the hold's reason.
absl::Status ValidateHoldChange(int64_t customer_id, const std::string& reason) {
  std::vector<FieldViolation> v;
  if (customer_id <= 0) v.push_back({"customer_id", "required, > 0"});
  for (auto& fv : FieldViolationsOf(RequireReason(reason))) v.push_back(fv);
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

}  // namespace

grpc::Status CustomersApi::GetCreditProfile(grpc::ServerContext* ctx, const v1::GetCreditProfileRequest* req,
                                            v1::GetCreditProfileResponse* resp) {
  return ServeRead<v1::GetCreditProfileResponse>(
      ctx, CustomersMethod("GetCreditProfile"), rt_, resp,
      [&](CallContext&) {
        return req->customer_id() > 0 ? absl::OkStatus() : InvalidField("customer_id", "required, > 0");
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetCreditProfileResponse> {
        SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
        SALES_ASSIGN_OR_RETURN(auto rec, CustomerStore::Get(tx, req->customer_id()));
        SALES_RETURN_IF_ERROR(MayReadCredit(viewer, rec));
        v1::GetCreditProfileResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_profile(), ProfileFor(tx, rec));
        return out;
      });
}

grpc::Status CustomersApi::BatchGetCreditProfiles(grpc::ServerContext* ctx,
                                                  const v1::BatchGetCreditProfilesRequest* req,
                                                  v1::BatchGetCreditProfilesResponse* resp) {
  return ServeRead<v1::BatchGetCreditProfilesResponse>(
      ctx, CustomersMethod("BatchGetCreditProfiles"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        if (req->customer_ids().empty()) return InvalidField("customer_ids", "at least one id required");
        if (req->customer_ids_size() > 500) return InvalidField("customer_ids", "at most 500 ids");
        for (int i = 0; i < req->customer_ids_size(); ++i) {
          if (req->customer_ids(i) <= 0) return InvalidField(absl::StrCat("customer_ids[", i, "]"), "must be > 0");
        }
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::BatchGetCreditProfilesResponse> {
        SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
        std::vector<int64_t> ids(req->customer_ids().begin(), req->customer_ids().end());
        SALES_ASSIGN_OR_RETURN(auto recs, CustomerStore::GetMany(tx, ids));
        std::map<int64_t, const CustomerRecord*> by_id;
        for (const auto& r : recs) by_id[r.customer.id()] = &r;
        v1::BatchGetCreditProfilesResponse out;
        for (int64_t id : ids) {
          auto it = by_id.find(id);
          if (it == by_id.end()) {
            out.add_missing_ids(id);
            continue;
          }
          SALES_RETURN_IF_ERROR(MayReadCredit(viewer, *it->second));
          SALES_ASSIGN_OR_RETURN(*out.add_profiles(), ProfileFor(tx, *it->second));
        }
        return out;
      });
}

grpc::Status CustomersApi::UpdateCreditProfile(grpc::ServerContext* ctx, const v1::UpdateCreditProfileRequest* req,
                                               v1::UpdateCreditProfileResponse* resp) {
  return ServeMutation<v1::UpdateCreditProfileRequest, v1::UpdateCreditProfileResponse>(
      ctx, CustomersMethod("UpdateCreditProfile"), rt_, *req, resp,
      [&](CallContext&) { return ValidateUpdateCreditProfile(*req); },
      [&](db::Transaction& tx, CallContext& call) {
        return CreditFile(*rt_.clock, *rt_.outbox).UpdateProfile(tx, call, *req);
      });
}

grpc::Status CustomersApi::RecordCreditInvestigation(grpc::ServerContext* ctx,
                                                     const v1::RecordCreditInvestigationRequest* req,
                                                     v1::RecordCreditInvestigationResponse* resp) {
  return ServeMutation<v1::RecordCreditInvestigationRequest, v1::RecordCreditInvestigationResponse>(
      ctx, CustomersMethod("RecordCreditInvestigation"), rt_, *req, resp,
      [&](CallContext&) { return ValidateRecordCreditInvestigation(*req, BusinessDay(rt_.clock->Now())); },
      [&](db::Transaction& tx, CallContext& call) {
        return CreditFile(*rt_.clock, *rt_.outbox).RecordInvestigation(tx, call, *req);
      });
}

grpc::Status CustomersApi::ListCreditInvestigations(grpc::ServerContext* ctx,
                                                    const v1::ListCreditInvestigationsRequest* req,
                                                    v1::ListCreditInvestigationsResponse* resp) {
  int page = 0;
  int64_t before = 0;
  return ServeRead<v1::ListCreditInvestigationsResponse>(
      ctx, CustomersMethod("ListCreditInvestigations"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        if (req->customer_id() <= 0) return InvalidField("customer_id", "required, > 0");
        SALES_ASSIGN_OR_RETURN(page, PageSize(req->page_size(), kPageOfDocuments));
        if (!req->page_token().empty()) {
          SALES_ASSIGN_OR_RETURN(before, DecodePageToken(req->page_token()));
        }
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListCreditInvestigationsResponse> {
        SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
        SALES_ASSIGN_OR_RETURN(auto rec, CustomerStore::Get(tx, req->customer_id()));
        SALES_RETURN_IF_ERROR(MayReadCredit(viewer, rec));
        int64_t holder = CreditHolder(rec);
        SALES_ASSIGN_OR_RETURN(auto items, CreditStore::ListInvestigations(tx, holder, before, page));
        v1::ListCreditInvestigationsResponse out;
        FillPage(std::move(items), page, &out, [](auto* r) { return r->add_investigations(); });
        return out;
      });
}

grpc::Status CustomersApi::SetCreditHold(grpc::ServerContext* ctx, const v1::SetCreditHoldRequest* req,
                                         v1::SetCreditHoldResponse* resp) {
  return ServeMutation<v1::SetCreditHoldRequest, v1::SetCreditHoldResponse>(
      ctx, CustomersMethod("SetCreditHold"), rt_, *req, resp,
      [&](CallContext&) { return ValidateHoldChange(req->customer_id(), req->reason()); },
      [&](db::Transaction& tx, CallContext& call) {
        return CreditFile(*rt_.clock, *rt_.outbox).SetHold(tx, call, *req);
      });
}

grpc::Status CustomersApi::ReleaseCreditHold(grpc::ServerContext* ctx, const v1::ReleaseCreditHoldRequest* req,
                                             v1::ReleaseCreditHoldResponse* resp) {
  return ServeMutation<v1::ReleaseCreditHoldRequest, v1::ReleaseCreditHoldResponse>(
      ctx, CustomersMethod("ReleaseCreditHold"), rt_, *req, resp,
      [&](CallContext&) { return ValidateHoldChange(req->customer_id(), req->reason()); },
      [&](db::Transaction& tx, CallContext& call) {
        return CreditFile(*rt_.clock, *rt_.outbox).ReleaseHold(tx, call, *req);
      });
}

grpc::Status CustomersApi::ListCreditHolds(grpc::ServerContext* ctx, const v1::ListCreditHoldsRequest* req,
                                           v1::ListCreditHoldsResponse* resp) {
  CreditStore::HoldFilter f;
  return ServeRead<v1::ListCreditHoldsResponse>(
      ctx, CustomersMethod("ListCreditHolds"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(f.limit, PageSize(req->page_size(), kPageOfRecords));
        if (!req->page_token().empty()) {
          SALES_ASSIGN_OR_RETURN(f.after_hold_id, DecodePageToken(req->page_token()));
        }
        for (int s : req->sources()) {
          if (s == 0 || !v1::CreditHoldSource_IsValid(s)) return InvalidField("sources", "unknown source");
          f.sources.push_back(s);
        }
        if (req->owner_rep_id() < 0) return InvalidField("owner_rep_id", "must be >= 0");
        if (req->org_unit_id() < 0) return InvalidField("org_unit_id", "must be >= 0");
        f.owner_rep_id = req->owner_rep_id();
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListCreditHoldsResponse> {
        SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
        if (req->org_unit_id() != 0) {
          SALES_ASSIGN_OR_RETURN(f.units, OrgReplica::Subtree(tx, req->org_unit_id()));
        }
        f.all_visible = viewer.ReadsAll();
        if (!f.all_visible) {
          f.visible_units = viewer.ManagedUnits();
          if (viewer.rep) f.visible_reps.push_back(viewer.rep_id);
        }
        SALES_ASSIGN_OR_RETURN(auto held, CreditStore::ListHeld(tx, f));
        bool more = static_cast<int>(held.size()) > f.limit;
        if (more) held.pop_back();
        SALES_ASSIGN_OR_RETURN(auto profiles, CreditStore::GetMany(tx, HeldCustomers(held)));
        v1::ListCreditHoldsResponse out;
        out.mutable_profiles()->Add(profiles.begin(), profiles.end());
        if (more && !held.empty()) out.set_next_page_token(EncodePageToken(held.back().first));
        return out;
      });
}

absl::Status ApplyFinanceEvent(db::Transaction& tx, Outbox& outbox, const common::v1::Event& event, absl::Time now) {
  Who finance = Who::System("finance-svc");
  if (event.event_type() == "CustomerHoldSetEvent") {
    finance::v1::CustomerHoldSetEvent e;
    if (!event.payload().UnpackTo(&e)) return InvalidField("payload", "not a CustomerHoldSetEvent");
    SALES_ASSIGN_OR_RETURN(auto seen, CreditStore::FindFinanceHold(tx, e.credit_hold_id()));
    if (seen.has_value()) return absl::OkStatus();  // redelivered
    auto rec = CustomerStore::Lock(tx, e.customer_id());
    if (absl::IsNotFound(rec.status())) return InvalidField("customer_id", "unknown customer");
    if (!rec.ok()) return rec.status();
    HoldRow h;
    h.source = e.source() == finance::v1::CREDIT_HOLD_SOURCE_COLLECTIONS ? v1::CREDIT_HOLD_SOURCE_COLLECTIONS
                                                                         : v1::CREDIT_HOLD_SOURCE_FINANCE;
    h.reason = e.reason().empty() ? "finance hold" : e.reason();
    h.collection_case_id = e.collection_case_ids().empty() ? 0 : e.collection_case_ids(0);
    h.finance_hold_id = e.credit_hold_id();
    return PlaceHold(tx, outbox, *rec, h, finance, event.request_id(), now).status();
  }
  if (event.event_type() == "CustomerHoldReleasedEvent") {
    finance::v1::CustomerHoldReleasedEvent e;
    if (!event.payload().UnpackTo(&e)) return InvalidField("payload", "not a CustomerHoldReleasedEvent");
    SALES_ASSIGN_OR_RETURN(auto seen, CreditStore::FindFinanceHold(tx, e.credit_hold_id()));
    if (!seen.has_value() || !seen->active) return absl::OkStatus();  // unknown or already released
    SALES_RETURN_IF_ERROR(CustomerStore::Lock(tx, seen->customer_id).status());
    SALES_RETURN_IF_ERROR(CreditStore::Lock(tx, seen->customer_id, now).status());
    return LiftHolds(tx, outbox, seen->customer_id, {*seen}, finance,
                     e.reason().empty() ? "released by finance" : e.reason(), event.request_id(), now)
        .status();
  }
  return absl::OkStatus();
}

}  // namespace sales::customers
