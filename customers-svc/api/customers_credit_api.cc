// Credit profile, investigations and holds (domain.md §4 Credit): finance
// sets terms and limits; finance and managers set holds; finance's
// collections ladder sets and releases holds through its event feed.
#include "absl/strings/str_cat.h"
#include "customers-svc/api/customer_view.h"
#include "customers-svc/api/customers_api.h"
#include "customers-svc/domain/field_limits.h"
#include "customers-svc/store/credit_store.h"
#include "customers-svc/store/customer_store.h"
#include "platform/handlers.h"
#include "platform/money.h"
#include "platform/org/org_replica.h"
#include "platform/status.h"
#include "sales/customers/v1/events.pb.h"
#include "sales/finance/v1/events.pb.h"

namespace sales::customers {
namespace {

constexpr char kService[] = "sales.customers.v1.CustomersService";
std::string M(const char* method) { return absl::StrCat("/", kService, "/", method); }

// The customer whose profile applies: family members use their primary's.
int64_t CreditHolder(const CustomerRecord& rec) {
  return rec.customer.primary_customer_id() != 0 ? rec.customer.primary_customer_id() : rec.customer.id();
}

// Who keeps a customer's credit (investigations, holds): finance, the
// director/admin, or a manager over the customer.
bool KeepsCredit(const CustomerViewer& v, const CustomerRecord& rec) {
  return v.everything || v.finance || (v.manager && v.Manages(rec));
}

absl::StatusOr<v1::CreditProfile> ProfileFor(db::Transaction& tx, const CustomerRecord& rec) {
  int64_t holder = CreditHolder(rec);
  SALES_ASSIGN_OR_RETURN(auto p, CreditStore::Get(tx, holder));
  p.set_customer_id(rec.customer.id());
  if (holder != rec.customer.id()) p.set_primary_customer_id(holder);
  return p;
}

// Who may read a profile: the owner, their manager, finance, the director,
// services (orders-svc at confirmation, finance-svc at invoicing).
absl::Status MayReadCredit(const CustomerViewer& v, const CustomerRecord& rec) {
  if (v.ReadsAll() || v.IsOwner(rec) || (v.manager && v.Manages(rec))) return absl::OkStatus();
  return Denied("credit profiles are read by the owner, their manager, finance and the director");
}

absl::Status RequireReason(const std::string& reason, const char* field = "reason") {
  bool blank = true;
  for (char ch : reason) blank = blank && (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r');
  if (blank) return InvalidField(field, "required, non-blank");
  return CheckLength(reason, kMaxLongReasonChars, field);
}

std::string LimitText(const v1::CreditProfile& p) {
  return absl::StrCat(p.credit_limit().minor_units(), " ", p.credit_limit().currency_code(), ", ",
                      p.payment_terms_days(), " days, ", v1::CreditRating_Name(p.rating()));
}

// Sets a hold on the profile holder (locked) and writes audit and, when the
// customer was not on hold before, the hold event.
absl::StatusOr<v1::CreditProfile> PlaceHold(db::Transaction& tx, Outbox& outbox, const CustomerRecord& rec,
                                            const HoldRow& hold, const Who& who, const std::string& request_id,
                                            absl::Time now) {
  int64_t holder = CreditHolder(rec);
  SALES_ASSIGN_OR_RETURN(auto before, CreditStore::Lock(tx, holder, now));
  HoldRow h = hold;
  h.customer_id = holder;
  SALES_RETURN_IF_ERROR(CreditStore::InsertHold(tx, h, who, now).status());
  SALES_RETURN_IF_ERROR(CreditStore::Touch(tx, holder, now));
  SALES_RETURN_IF_ERROR(AuditStore::Append(tx, holder, who, "CREDIT_HOLD_SET",
                                           before.hold().on_hold() ? "on hold" : "not on hold", "on hold",
                                           absl::StrCat(v1::CreditHoldSource_Name(h.source), ": ", h.reason),
                                           request_id, now));
  SALES_ASSIGN_OR_RETURN(auto after, CreditStore::Get(tx, holder));
  if (!before.hold().on_hold()) {
    v1::CreditHoldSetEvent e;
    e.set_customer_id(holder);
    SALES_ASSIGN_OR_RETURN(auto members, CustomerStore::FamilyMembers(tx, holder));
    for (int64_t m : members) e.add_linked_customer_ids(m);
    *e.mutable_hold() = after.hold();
    SALES_ASSIGN_OR_RETURN(auto owner_rec, CustomerStore::Get(tx, holder));
    e.set_owner_rep_id(owner_rec.customer.owner_rep_id());
    SALES_RETURN_IF_ERROR(outbox.Append(tx, "Customer", absl::StrCat(holder), e, request_id));
  }
  return after;
}

// Releases the given active holds of the holder; the released event goes
// out only when no hold remains (orders re-check waiting orders then).
absl::StatusOr<v1::CreditProfile> LiftHolds(db::Transaction& tx, Outbox& outbox, int64_t holder,
                                            const std::vector<HoldRow>& holds, const Who& who,
                                            const std::string& reason, const std::string& request_id,
                                            absl::Time now) {
  for (const auto& h : holds) {
    SALES_RETURN_IF_ERROR(CreditStore::ReleaseHold(tx, h.id, who, reason, now));
    SALES_RETURN_IF_ERROR(AuditStore::Append(tx, holder, who, "CREDIT_HOLD_RELEASED",
                                             absl::StrCat("on hold (", v1::CreditHoldSource_Name(h.source), ": ",
                                                          h.reason, ")"),
                                             "released", reason, request_id, now));
  }
  SALES_RETURN_IF_ERROR(CreditStore::Touch(tx, holder, now));
  SALES_ASSIGN_OR_RETURN(auto after, CreditStore::Get(tx, holder));
  if (!after.hold().on_hold() && !holds.empty()) {
    v1::CreditHoldReleasedEvent e;
    e.set_customer_id(holder);
    SALES_ASSIGN_OR_RETURN(auto members, CustomerStore::FamilyMembers(tx, holder));
    for (int64_t m : members) e.add_linked_customer_ids(m);
    e.set_reason(reason);
    e.set_source(holds.back().source);
    *e.mutable_released_by() = who.ToActor();
    *e.mutable_release_time() = ToTimestamp(now);
    SALES_ASSIGN_OR_RETURN(auto owner_rec, CustomerStore::Get(tx, holder));
    e.set_owner_rep_id(owner_rec.customer.owner_rep_id());
    SALES_RETURN_IF_ERROR(outbox.Append(tx, "Customer", absl::StrCat(holder), e, request_id));
  }
  return after;
}

}  // namespace

grpc::Status CustomersApi::GetCreditProfile(grpc::ServerContext* ctx, const v1::GetCreditProfileRequest* req,
                                            v1::GetCreditProfileResponse* resp) {
  return ServeRead<v1::GetCreditProfileResponse>(
      ctx, M("GetCreditProfile"), rt_, resp,
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
      ctx, M("BatchGetCreditProfiles"), rt_, resp,
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
      ctx, M("UpdateCreditProfile"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        std::vector<FieldViolation> v;
        if (req->customer_id() <= 0) v.push_back({"customer_id", "required, > 0"});
        if (!req->has_credit_limit()) {
          v.push_back({"credit_limit", "required"});
        } else {
          auto m = ValidateMoney(req->credit_limit(), "credit_limit", Sign::kNonNegative);
          if (!m.ok()) v.push_back({"credit_limit", std::string(m.message())});
          if (req->credit_limit().currency_code() != "CNY") {
            v.push_back({"credit_limit.currency_code", "must be the company currency CNY"});
          }
        }
        if (req->payment_terms_days() < 0 || req->payment_terms_days() > 365) {
          v.push_back({"payment_terms_days", "must be 0..365"});
        }
        if (!v1::CreditRating_IsValid(req->rating())) v.push_back({"rating", "unknown rating"});
        for (auto& fv : FieldViolationsOf(RequireReason(req->reason()))) v.push_back(fv);
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::UpdateCreditProfileResponse> {
        SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
        if (!viewer.everything && !viewer.finance) return Denied("credit terms are set by finance or the director");
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(auto rec, CustomerStore::Lock(tx, req->customer_id()));
        if (rec.customer.primary_customer_id() != 0) {
          return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat(
                                   "customer ", rec.customer.id(), " is a family member of ",
                                   rec.customer.primary_customer_id(), ": change the primary's profile")),
                               "FAMILY_MEMBER", kDomain);
        }
        SALES_ASSIGN_OR_RETURN(auto before, CreditStore::Lock(tx, rec.customer.id(), now));
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), before.etag(), "credit profile", rec.customer.id()));
        v1::CreditRating rating = req->rating() == v1::CREDIT_RATING_UNSPECIFIED ? before.rating() : req->rating();
        SALES_RETURN_IF_ERROR(CreditStore::Update(tx, rec.customer.id(), req->credit_limit().minor_units(), "CNY",
                                                  req->payment_terms_days(), rating, now));
        SALES_ASSIGN_OR_RETURN(auto after, CreditStore::Get(tx, rec.customer.id()));
        SALES_RETURN_IF_ERROR(AuditStore::Append(tx, rec.customer.id(), viewer.who, "CREDIT_PROFILE_UPDATED",
                                                 LimitText(before), LimitText(after), req->reason(), call.request_id,
                                                 now));
        v1::CreditProfileChangedEvent e;
        *e.mutable_profile() = after;
        *e.mutable_previous_credit_limit() = before.credit_limit();
        e.set_previous_payment_terms_days(before.payment_terms_days());
        *e.mutable_actor() = viewer.who.ToActor();
        SALES_RETURN_IF_ERROR(rt_.outbox->Append(tx, "Customer", absl::StrCat(rec.customer.id()), e, call.request_id));
        v1::UpdateCreditProfileResponse out;
        *out.mutable_profile() = after;
        return out;
      });
}

grpc::Status CustomersApi::RecordCreditInvestigation(grpc::ServerContext* ctx,
                                                     const v1::RecordCreditInvestigationRequest* req,
                                                     v1::RecordCreditInvestigationResponse* resp) {
  return ServeMutation<v1::RecordCreditInvestigationRequest, v1::RecordCreditInvestigationResponse>(
      ctx, M("RecordCreditInvestigation"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        std::vector<FieldViolation> v;
        if (req->customer_id() <= 0) v.push_back({"customer_id", "required, > 0"});
        if (!req->has_investigation()) return InvalidField("investigation", "required");
        const auto& inv = req->investigation();
        auto today = BusinessDay(rt_.clock->Now());
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
        } else if (req->apply_recommended_limit()) {
          v.push_back({"apply_recommended_limit", "needs investigation.recommended_limit"});
        }
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::RecordCreditInvestigationResponse> {
        SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(auto rec, CustomerStore::Lock(tx, req->customer_id()));
        if (!KeepsCredit(viewer, rec)) {
          return Denied("credit investigations are recorded by finance, managers and the director");
        }
        int64_t holder = CreditHolder(rec);
        SALES_ASSIGN_OR_RETURN(auto before, CreditStore::Lock(tx, holder, now));
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), before.etag(), "credit profile", holder));
        v1::CreditInvestigation inv = req->investigation();
        inv.set_customer_id(holder);
        SALES_ASSIGN_OR_RETURN(auto stored, CreditStore::InsertInvestigation(tx, inv, viewer.who, now));
        std::optional<int64_t> limit;
        if (req->apply_recommended_limit()) limit = inv.recommended_limit().minor_units();
        SALES_RETURN_IF_ERROR(
            CreditStore::SetInvestigation(tx, holder, inv.date(), inv.method(), inv.rating(), limit, now));
        SALES_ASSIGN_OR_RETURN(auto after, CreditStore::Get(tx, holder));
        SALES_RETURN_IF_ERROR(AuditStore::Append(
            tx, holder, viewer.who, "CREDIT_INVESTIGATION_RECORDED", LimitText(before), LimitText(after),
            absl::StrCat(v1::CreditInvestigationMethod_Name(inv.method()), " ", inv.investigator()), call.request_id,
            now));
        v1::CreditProfileChangedEvent e;
        *e.mutable_profile() = after;
        *e.mutable_previous_credit_limit() = before.credit_limit();
        e.set_previous_payment_terms_days(before.payment_terms_days());
        *e.mutable_actor() = viewer.who.ToActor();
        SALES_RETURN_IF_ERROR(rt_.outbox->Append(tx, "Customer", absl::StrCat(holder), e, call.request_id));
        v1::RecordCreditInvestigationResponse out;
        *out.mutable_investigation() = stored;
        *out.mutable_profile() = after;
        return out;
      });
}

grpc::Status CustomersApi::ListCreditInvestigations(grpc::ServerContext* ctx,
                                                    const v1::ListCreditInvestigationsRequest* req,
                                                    v1::ListCreditInvestigationsResponse* resp) {
  int page = 0;
  int64_t before = 0;
  return ServeRead<v1::ListCreditInvestigationsResponse>(
      ctx, M("ListCreditInvestigations"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        if (req->customer_id() <= 0) return InvalidField("customer_id", "required, > 0");
        SALES_ASSIGN_OR_RETURN(page, PageSize(req->page_size(), 50, 200));
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
      ctx, M("SetCreditHold"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        std::vector<FieldViolation> v;
        if (req->customer_id() <= 0) v.push_back({"customer_id", "required, > 0"});
        for (auto& fv : FieldViolationsOf(RequireReason(req->reason()))) v.push_back(fv);
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::SetCreditHoldResponse> {
        SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(auto rec, CustomerStore::Lock(tx, req->customer_id()));
        if (!KeepsCredit(viewer, rec)) {
          return Denied("credit holds are set by finance, the customer's manager or the director");
        }
        int64_t holder = CreditHolder(rec);
        SALES_ASSIGN_OR_RETURN(auto before, CreditStore::Lock(tx, holder, now));
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), before.etag(), "credit profile", holder));
        if (before.hold().on_hold()) {
          return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("customer ", holder, " is already on hold: ",
                                                                          before.hold().reason())),
                               "ALREADY_ON_HOLD", kDomain);
        }
        HoldRow h;
        h.source = viewer.finance ? v1::CREDIT_HOLD_SOURCE_FINANCE : v1::CREDIT_HOLD_SOURCE_MANAGER;
        h.reason = req->reason();
        SALES_ASSIGN_OR_RETURN(auto after, PlaceHold(tx, *rt_.outbox, rec, h, viewer.who, call.request_id, now));
        after.set_customer_id(rec.customer.id());
        if (holder != rec.customer.id()) after.set_primary_customer_id(holder);
        v1::SetCreditHoldResponse out;
        *out.mutable_profile() = after;
        return out;
      });
}

grpc::Status CustomersApi::ReleaseCreditHold(grpc::ServerContext* ctx, const v1::ReleaseCreditHoldRequest* req,
                                             v1::ReleaseCreditHoldResponse* resp) {
  return ServeMutation<v1::ReleaseCreditHoldRequest, v1::ReleaseCreditHoldResponse>(
      ctx, M("ReleaseCreditHold"), rt_, *req, resp,
      [&](CallContext&) -> absl::Status {
        std::vector<FieldViolation> v;
        if (req->customer_id() <= 0) v.push_back({"customer_id", "required, > 0"});
        for (auto& fv : FieldViolationsOf(RequireReason(req->reason()))) v.push_back(fv);
        if (!v.empty()) return InvalidFields(std::move(v));
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ReleaseCreditHoldResponse> {
        SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
        absl::Time now = rt_.clock->Now();
        SALES_ASSIGN_OR_RETURN(auto rec, CustomerStore::Lock(tx, req->customer_id()));
        if (!KeepsCredit(viewer, rec)) {
          return Denied("credit holds are released by finance, the customer's manager or the director");
        }
        int64_t holder = CreditHolder(rec);
        SALES_ASSIGN_OR_RETURN(auto before, CreditStore::Lock(tx, holder, now));
        SALES_RETURN_IF_ERROR(CheckEtag(req->etag(), before.etag(), "credit profile", holder));
        SALES_ASSIGN_OR_RETURN(auto holds, CreditStore::ActiveHolds(tx, holder));
        if (holds.empty()) {
          return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("customer ", holder, " is not on hold")),
                               "NOT_ON_HOLD", kDomain);
        }
        if (!viewer.everything && !viewer.finance) {
          // Managers lift only what managers set: a collections or finance
          // hold is finance's to release.
          for (const auto& h : holds) {
            if (h.source != v1::CREDIT_HOLD_SOURCE_MANAGER) {
              return Denied(absl::StrCat("a ", v1::CreditHoldSource_Name(h.source),
                                         " hold is released by finance, not by a manager"));
            }
          }
        }
        SALES_ASSIGN_OR_RETURN(auto after, LiftHolds(tx, *rt_.outbox, holder, holds, viewer.who, req->reason(),
                                                     call.request_id, now));
        after.set_customer_id(rec.customer.id());
        if (holder != rec.customer.id()) after.set_primary_customer_id(holder);
        v1::ReleaseCreditHoldResponse out;
        *out.mutable_profile() = after;
        return out;
      });
}

grpc::Status CustomersApi::ListCreditHolds(grpc::ServerContext* ctx, const v1::ListCreditHoldsRequest* req,
                                           v1::ListCreditHoldsResponse* resp) {
  CreditStore::HoldFilter f;
  return ServeRead<v1::ListCreditHoldsResponse>(
      ctx, M("ListCreditHolds"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(f.limit, PageSize(req->page_size(), 100, 500));
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
          f.visible_units = viewer.units;
          if (viewer.rep) f.visible_reps.push_back(viewer.rep_id);
        }
        SALES_ASSIGN_OR_RETURN(auto held, CreditStore::ListHeld(tx, f));
        bool more = static_cast<int>(held.size()) > f.limit;
        if (more) held.pop_back();
        v1::ListCreditHoldsResponse out;
        for (const auto& [hold_id, customer_id] : held) {
          SALES_ASSIGN_OR_RETURN(*out.add_profiles(), CreditStore::Get(tx, customer_id));
        }
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
    return LiftHolds(tx, outbox, seen->customer_id, {*seen}, finance, e.reason().empty() ? "released by finance" : e.reason(),
                     event.request_id(), now)
        .status();
  }
  return absl::OkStatus();
}

}  // namespace sales::customers
