// Follow-ups (客户跟踪表, seed 001 客户追踪制度): a rep records contacts with
// their own or pool customers; a follow-up within the window extends the
// prospect's protection, one on a pool customer claims it.
#include "absl/strings/str_cat.h"
#include "customers-svc/api/customer_view.h"
#include "customers-svc/api/customers_api.h"
#include "customers-svc/domain/field_limits.h"
#include "customers-svc/domain/protection.h"
#include "customers-svc/store/contact_store.h"
#include "customers-svc/store/customer_store.h"
#include "customers-svc/store/follow_up_store.h"
#include "platform/handlers.h"
#include "platform/org/org_replica.h"
#include "platform/status.h"
#include "sales/customers/v1/events.pb.h"

namespace sales::customers {
namespace {

constexpr char kService[] = "sales.customers.v1.CustomersService";
std::string M(const char* method) { return absl::StrCat("/", kService, "/", method); }

}  // namespace

grpc::Status CustomersApi::RecordFollowUp(grpc::ServerContext* ctx, const v1::RecordFollowUpRequest* req,
                                          v1::RecordFollowUpResponse* resp) {
  v1::FollowUp f = req->follow_up();
  return ServeMutation<v1::RecordFollowUpRequest, v1::RecordFollowUpResponse>(
      ctx, M("RecordFollowUp"), rt_, *req, resp,
      [&](CallContext& call) -> absl::Status {
        if (!req->has_follow_up()) return InvalidField("follow_up", "required");
        std::vector<FieldViolation> v;
        absl::CivilDay today = BusinessDay(rt_.clock->Now());
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
        if (!call.principal.authenticated() || call.principal.role != kRoleRep || call.principal.rep_id == 0) {
          return Denied("follow-ups are recorded by the rep who made them");
        }
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::RecordFollowUpResponse> {
        SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
        absl::Time now = rt_.clock->Now();
        absl::CivilDay today = BusinessDay(now);
        absl::CivilDay day = ToCivilDay(f.date());
        SALES_ASSIGN_OR_RETURN(int window, ProtectionDays(tx));
        SALES_ASSIGN_OR_RETURN(auto rec, CustomerStore::Lock(tx, f.customer_id()));
        if (rec.customer.status() == v1::CUSTOMER_STATUS_BLACKLISTED) {
          return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("customer ", rec.customer.id(), " is blacklisted")),
                               "CUSTOMER_BLACKLISTED", kDomain);
        }
        if (day < BusinessDay(FromTimestamp(rec.customer.register_time()))) {
          return InvalidField("follow_up.date", "before the customer was registered");
        }
        if (f.contact_id() != 0) {
          auto contact = ContactStore::Get(tx, f.contact_id(), false);
          if (!contact.ok() || contact->customer_id() != rec.customer.id()) {
            return InvalidField("follow_up.contact_id", "not a contact of this customer");
          }
        }
        bool in_pool = rec.customer.owner_rep_id() == 0;
        if (!in_pool && rec.customer.owner_rep_id() != viewer.rep_id) {
          return Denied(absl::StrCat("customer ", rec.customer.id(), " belongs to another rep"));
        }
        if (in_pool) {
          if (rec.customer.primary_customer_id() != 0) {
            return WithErrorInfo(absl::FailedPreconditionError("a family member follows its primary customer"),
                                 "FAMILY_MEMBER", kDomain);
          }
          // A follow-up on a pool customer claims it for the rep.
          CustomerStore::OwnerChange ch;
          ch.to_rep_id = viewer.rep_id;
          ch.kind = v1::OWNERSHIP_CHANGE_KIND_CLAIMED;
          ch.reason = "claimed by a follow-up";
          ch.who = viewer.who;
          if (rec.customer.status() == v1::CUSTOMER_STATUS_PROSPECT) ch.new_base = today;
          SALES_RETURN_IF_ERROR(MoveOwner(tx, *rt_.outbox, rec, ch, call.request_id, now).status());
          SALES_ASSIGN_OR_RETURN(rec, CustomerStore::Get(tx, rec.customer.id()));
        }
        f.set_rep_id(viewer.rep_id);
        std::optional<absl::CivilDay> last = day;
        if (rec.customer.has_last_follow_up_date()) last = std::max(day, ToCivilDay(rec.customer.last_follow_up_date()));
        absl::CivilDay base = rec.protection_base.value_or(day);
        bool prospect = rec.customer.status() == v1::CUSTOMER_STATUS_PROSPECT && rec.customer.primary_customer_id() == 0;
        // Never more than the window apart: a follow-up after protection
        // ended does not revive it (the sweep moves the customer).
        bool within = prospect && !LapsedOn(base, window, day);
        if (within && day > base) base = day;
        f.set_extended_protection(within);
        if (prospect) *f.mutable_protected_until() = FromCivilDay(ProtectedUntil(base, window));
        SALES_RETURN_IF_ERROR(CustomerStore::SetProtectionBase(tx, rec.customer.id(), base, last, now));
        SALES_ASSIGN_OR_RETURN(int64_t unit, UnitOfRep(tx, viewer.rep_id));
        v1::RecordFollowUpResponse out;
        SALES_ASSIGN_OR_RETURN(*out.mutable_follow_up(), FollowUpStore::Insert(tx, f, unit, now));
        SALES_ASSIGN_OR_RETURN(auto after, CustomerStore::Get(tx, rec.customer.id()));
        *out.mutable_customer() = Present(after, viewer, window, today);
        v1::FollowUpRecordedEvent e;
        *e.mutable_follow_up() = out.follow_up();
        e.set_owner_rep_id(after.customer.owner_rep_id());
        e.set_org_unit_id(unit);
        SALES_RETURN_IF_ERROR(rt_.outbox->Append(tx, "Customer", absl::StrCat(rec.customer.id()), e, call.request_id));
        return out;
      });
}

grpc::Status CustomersApi::GetFollowUp(grpc::ServerContext* ctx, const v1::GetFollowUpRequest* req,
                                       v1::GetFollowUpResponse* resp) {
  return ServeRead<v1::GetFollowUpResponse>(
      ctx, M("GetFollowUp"), rt_, resp,
      [&](CallContext&) { return req->id() > 0 ? absl::OkStatus() : InvalidField("id", "required, > 0"); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::GetFollowUpResponse> {
        SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
        SALES_ASSIGN_OR_RETURN(auto f, FollowUpStore::Get(tx, req->id()));
        SALES_ASSIGN_OR_RETURN(auto rec, CustomerStore::Get(tx, f.customer_id()));
        bool own = viewer.rep && f.rep_id() == viewer.rep_id;
        SALES_ASSIGN_OR_RETURN(int64_t unit, UnitOfRep(tx, f.rep_id()));
        if (!own && !viewer.Sees(rec) && !(viewer.manager && viewer.InUnits(unit))) {
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
      ctx, M("ListFollowUps"), rt_, resp,
      [&](CallContext&) -> absl::Status {
        SALES_ASSIGN_OR_RETURN(f.limit, PageSize(req->page_size(), 100, 500));
        if (!req->page_token().empty()) {
          SALES_ASSIGN_OR_RETURN(f.before_id, DecodePageToken(req->page_token()));
        }
        if (req->customer_id() < 0) return InvalidField("customer_id", "must be >= 0");
        if (req->rep_id() < 0) return InvalidField("rep_id", "must be >= 0");
        if (req->org_unit_id() < 0) return InvalidField("org_unit_id", "must be >= 0");
        f.customer_id = req->customer_id();
        f.rep_id = req->rep_id();
        for (int c : req->channels()) {
          if (c == 0 || !v1::FollowUpChannel_IsValid(c)) return InvalidField("channels", "unknown channel");
          f.channels.push_back(c);
        }
        if (req->has_dates()) {
          if (req->dates().has_start()) {
            SALES_RETURN_IF_ERROR(ValidateDate(req->dates().start(), "dates.start"));
            f.from = ToCivilDay(req->dates().start());
          }
          if (req->dates().has_end()) {
            SALES_RETURN_IF_ERROR(ValidateDate(req->dates().end(), "dates.end"));
            f.to = ToCivilDay(req->dates().end());
          }
          if (f.from && f.to && *f.to < *f.from) return InvalidField("dates", "end before start");
        }
        return absl::OkStatus();
      },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListFollowUpsResponse> {
        SALES_ASSIGN_OR_RETURN(auto viewer, LoadViewer(tx, call.principal));
        if (req->org_unit_id() != 0) {
          SALES_ASSIGN_OR_RETURN(f.units, OrgReplica::Subtree(tx, req->org_unit_id()));
          if (f.units.empty()) f.units.push_back(req->org_unit_id());
        }
        f.all_visible = viewer.ReadsAll();
        if (!f.all_visible) {
          f.visible_units = viewer.units;
          f.visible_rep = viewer.rep ? viewer.rep_id : 0;
        }
        SALES_ASSIGN_OR_RETURN(auto items, FollowUpStore::List(tx, f));
        v1::ListFollowUpsResponse out;
        FillPage(std::move(items), f.limit, &out, [](auto* r) { return r->add_follow_ups(); });
        return out;
      });
}

}  // namespace sales::customers
