#include "customers-svc/app/lead_rotation.h"

#include "absl/strings/str_cat.h"
#include "customers-svc/app/customers_support.h"
#include "customers-svc/app/duty_rotation.h"
#include "customers-svc/app/viewer.h"
#include "customers-svc/domain/rotation.h"
#include "customers-svc/store/credit_store.h"
#include "customers-svc/store/customer_store.h"
#include "customers-svc/store/rotation_store.h"
#include "customers-svc/store/settings_store.h"
#include "platform/convert.h"
#include "platform/roles.h"
#include "platform/status.h"
#include "sales/customers/v1/events.pb.h"

namespace sales::customers {
namespace {

// What reception may see of an existing customer it was routed to.
v1::Customer MaskedForReception(const v1::Customer& c) {
  v1::Customer out;
  out.set_id(c.id());
  out.set_name(c.name());
  out.set_city(c.city());
  out.set_type(c.type());
  out.set_status(c.status());
  out.set_owner_rep_id(c.owner_rep_id());
  out.set_masked(true);
  return out;
}

bool ConsumedTurn(v1::LeadOutcome o) {
  return o == v1::LEAD_OUTCOME_ASSIGNED_BY_ROTATION || o == v1::LEAD_OUTCOME_ASSIGNED_BY_MAKE_UP_TURN ||
         o == v1::LEAD_OUTCOME_ASSIGNED_BY_BANKED_TURN || o == v1::LEAD_OUTCOME_POOL_CUSTOMER_ASSIGNED;
}

// Whether the lead's customer has bought (an account now).
absl::StatusOr<bool> HasBought(db::Transaction& tx, int64_t customer_id) {
  if (customer_id == 0) return false;
  SALES_ASSIGN_OR_RETURN(auto status, CustomerStore::StatusOf(tx, customer_id));
  if (!status.has_value()) return false;
  return *status == v1::CUSTOMER_STATUS_ACTIVE || *status == v1::CUSTOMER_STATUS_DORMANT;
}

absl::StatusOr<SurveyRecord> PendingReport(db::Transaction& tx, const Viewer& v, int64_t id, const std::string& etag) {
  SALES_ASSIGN_OR_RETURN(auto rec, SurveyStore::Get(tx, id, true));
  if (!v.all && !(v.IsManager() && v.ActsOnUnit(rec.office_id))) {
    return Denied(v, "decide market-survey reports (the office's manager or the director)");
  }
  SALES_RETURN_IF_ERROR(CheckEtag(etag, rec.version, "market survey report", id));
  if (rec.report.status() != v1::MARKET_SURVEY_REPORT_STATUS_PENDING) {
    return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat(
                             "the report is already ", v1::MarketSurveyReportStatus_Name(rec.report.status()))),
                         "SURVEY_DECIDED", kCustomersDomain);
  }
  return rec;
}

}  // namespace

absl::StatusOr<v1::RegisterLeadResponse> LeadRotation::RegisterLead(db::Transaction& tx, const CallContext& call,
                                                                    const v1::RegisterLeadRequest& request,
                                                                    const v1::Customer& entered) {
  SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
  const int64_t office = request.office_id();
  if (!(v.principal.role == kRoleAdmin || !v.principal.authenticated()) &&
      !(v.IsReceptionist() && v.ActsOnUnit(office))) {
    return Denied(v, "register reception leads (the office's receptionist)");
  }
  SALES_ASSIGN_OR_RETURN(auto settings, LoadCustomerSettings(tx));
  std::vector<FieldViolation> bad;
  bool region_ok = false;
  for (const auto& r : settings.regions()) region_ok = region_ok || r.code() == entered.region();
  if (!region_ok) bad.push_back({"customer.region", absl::StrCat("unknown region ", entered.region())});
  bool channel_ok = false;
  for (const auto& c : settings.source_channels()) channel_ok = channel_ok || c == entered.source_channel();
  if (!channel_ok) {
    bad.push_back({"customer.source_channel", absl::StrCat("unknown source channel ", entered.source_channel())});
  }
  if (!bad.empty()) return InvalidFields(std::move(bad));
  const int32_t party = request.party_size() == 0 ? 1 : request.party_size();
  if (party > settings.max_rotation_party_size()) {
    return WithErrorInfo(absl::FailedPreconditionError(
                             absl::StrCat("a party of ", party, " is larger than ", settings.max_rotation_party_size(),
                                          ": the manager places it (来客超过4人由销售经理酌情安排)")),
                         "PARTY_TOO_LARGE", kCustomersDomain,
                         {{"max_rotation_party_size", absl::StrCat(settings.max_rotation_party_size())}});
  }
  SALES_RETURN_IF_ERROR(CheckOffice(tx, office, "office_id"));
  // The row lock that serialises assignments of this office.
  SALES_ASSIGN_OR_RETURN(RotationRecord rot, LockRotation(tx, office));
  SALES_ASSIGN_OR_RETURN(auto match, FindLeadCustomer(tx, entered));

  const absl::Time now = clock_.Now();
  LeadRecord lead;
  lead.lead.set_office_id(office);
  lead.lead.set_channel(request.channel());
  lead.lead.set_party_size(party);
  lead.lead.set_inquiry(request.inquiry());
  lead.contact_name = entered.name();
  lead.contact_phone = entered.normalized_phone();
  lead.customer_type = entered.type();
  lead.region = entered.region();
  lead.city = entered.city();
  bool rotation_changed = false;
  if (match.has_value() && match->owned) {
    // 客户说与某位业务员有过联系: its rep receives it, no turn is used.
    lead.lead.set_customer_id(match->customer.id());
    lead.lead.set_assigned_rep_id(match->customer.owner_rep_id());
    lead.lead.set_outcome(v1::LEAD_OUTCOME_ROUTED_TO_OWNER);
  } else {
    SALES_ASSIGN_OR_RETURN(Absences away, AbsenceStore::AwayAt(tx, MemberReps(rot.state), now));
    auto assigned = Assign(rot.state, away);
    if (!assigned.ok()) {
      if (absl::IsFailedPrecondition(assigned.status())) {
        return WithErrorInfo(assigned.status(), "NO_REP_AVAILABLE", kCustomersDomain);
      }
      return assigned.status();
    }
    lead.lead.set_assigned_rep_id(assigned->rep_id);
    lead.turn_outcome = assigned->outcome;
    lead.lead.set_outcome(match.has_value() ? v1::LEAD_OUTCOME_POOL_CUSTOMER_ASSIGNED : assigned->outcome);
    if (match.has_value()) lead.lead.set_customer_id(match->customer.id());
    for (const Skip& s : assigned->skipped) *lead.lead.add_skipped() = ToSkippedTurn(s);
    rot.state = assigned->state;
    rotation_changed = true;
  }
  SALES_ASSIGN_OR_RETURN(lead.assigned_unit_id, UnitOfRep(tx, lead.lead.assigned_rep_id()));
  if (rotation_changed) {
    SALES_ASSIGN_OR_RETURN(rot, RotationStore::Save(tx, rot, now));
  }
  SALES_ASSIGN_OR_RETURN(LeadRecord saved, LeadStore::Insert(tx, lead, ActorOf(call.principal), now));

  v1::RegisterLeadResponse out;
  if (match.has_value() && match->owned) {
    *out.mutable_customer() = MaskedForReception(match->customer);
  } else if (match.has_value()) {
    SALES_ASSIGN_OR_RETURN(v1::Customer c,
                           ClaimLeadCustomer(tx, call, match->customer, saved.lead.assigned_rep_id(), saved.lead.id()));
    *out.mutable_customer() = MaskedForReception(c);
  } else {
    SALES_ASSIGN_OR_RETURN(v1::Customer c,
                           RegisterLeadCustomer(tx, call, entered, saved.lead.assigned_rep_id(), saved.lead.id()));
    if (c.id() != 0) {
      SALES_RETURN_IF_ERROR(LeadStore::SetCustomer(tx, saved.lead.id(), c.id()));
      saved.lead.set_customer_id(c.id());
    }
    *out.mutable_customer() = c;
  }
  v1::LeadAssignedEvent e;
  *e.mutable_lead() = saved.lead;
  e.set_org_unit_id(saved.assigned_unit_id);
  SALES_RETURN_IF_ERROR(outbox_.Append(tx, "Lead", absl::StrCat(saved.lead.id()), e, call.request_id));
  *out.mutable_lead() = saved.lead;
  return out;
}

absl::StatusOr<v1::ReassignLeadResponse> LeadRotation::ReassignLead(db::Transaction& tx, const CallContext& call,
                                                                    const v1::ReassignLeadRequest& request) {
  SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
  SALES_ASSIGN_OR_RETURN(auto lead, LeadStore::Get(tx, request.lead_id(), true));
  const int64_t office = lead.lead.office_id();
  if (!v.all && !(v.IsManager() && v.ActsOnUnit(office))) {
    return Denied(v, "rule on a lead's assignment (the office's manager)");
  }
  SALES_RETURN_IF_ERROR(CheckEtag(request.etag(), lead.version, "lead", lead.lead.id()));
  if (lead.lead.outcome() == v1::LEAD_OUTCOME_MARKET_SURVEY) {
    return WithErrorInfo(absl::FailedPreconditionError("the lead was approved as a market survey"),
                         "LEAD_MARKET_SURVEY", kCustomersDomain);
  }
  const int64_t from = lead.lead.assigned_rep_id();
  if (from == request.to_rep_id()) {
    return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("the lead is already with rep ", from)), "SAME_REP",
                         kCustomersDomain);
  }
  SALES_ASSIGN_OR_RETURN(RotationRecord rot, LockRotation(tx, office));
  bool in_rotation = false;
  for (const auto& m : rot.state.members) in_rotation = in_rotation || (m.rep_id == request.to_rep_id() && m.active);
  if (!in_rotation) {
    return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat(
                             "rep ", request.to_rep_id(), " is not an active member of the office's rotation")),
                         "REP_NOT_IN_ROTATION", kCustomersDomain);
  }
  SALES_RETURN_IF_ERROR(CheckRepInOffice(tx, request.to_rep_id(), office, "to_rep_id"));
  v1::Customer customer;
  if (lead.lead.customer_id() != 0) {
    SALES_ASSIGN_OR_RETURN(customer, ReassignLeadCustomer(tx, call, lead.lead.customer_id(), from, request.to_rep_id(),
                                                          request.reason(), lead.lead.id()));
  } else {
    customer.set_name(lead.contact_name);
    customer.set_city(lead.city);
    customer.set_owner_rep_id(request.to_rep_id());
  }
  const absl::Time now = clock_.Now();
  if (request.restore_turn() && ConsumedTurn(lead.turn_outcome)) {
    bool from_active = false;
    for (const auto& m : rot.state.members) from_active = from_active || (m.rep_id == from && m.active);
    if (from_active) {
      SALES_ASSIGN_OR_RETURN(rot.state, GrantMakeUpTurn(rot.state, from));
      SALES_ASSIGN_OR_RETURN(rot, RotationStore::Save(tx, rot, now));
      SALES_RETURN_IF_ERROR(AppendRotationEvent(outbox_, tx, rot, "TURN_RESTORED",
                                                absl::StrCat("lead ", lead.lead.id(), ": ", request.reason()),
                                                call.principal, call.request_id));
    }
  }
  SALES_ASSIGN_OR_RETURN(int64_t unit, UnitOfRep(tx, request.to_rep_id()));
  SALES_RETURN_IF_ERROR(LeadStore::Reassign(tx, lead.lead.id(), request.to_rep_id(), unit, v1::LEAD_OUTCOME_REASSIGNED,
                                            request.reason(),
                                            customer.id() != 0 ? customer.id() : lead.lead.customer_id()));
  SALES_ASSIGN_OR_RETURN(lead, LeadStore::Get(tx, lead.lead.id(), false));
  v1::LeadAssignedEvent e;
  *e.mutable_lead() = lead.lead;
  e.set_org_unit_id(unit);
  SALES_RETURN_IF_ERROR(outbox_.Append(tx, "Lead", absl::StrCat(lead.lead.id()), e, call.request_id));
  v1::ReassignLeadResponse out;
  *out.mutable_lead() = lead.lead;
  *out.mutable_customer() = customer;
  return out;
}

absl::StatusOr<v1::ReportMarketSurveyResponse> LeadRotation::ReportMarketSurvey(
    db::Transaction& tx, const CallContext& call, const v1::ReportMarketSurveyRequest& request) {
  SALES_ASSIGN_OR_RETURN(auto lead, LeadStore::Get(tx, request.lead_id(), true));
  if (call.principal.rep_id == 0 || lead.lead.assigned_rep_id() != call.principal.rep_id) {
    return WithErrorInfo(absl::FailedPreconditionError("the lead was not assigned to the calling rep"),
                         "LEAD_NOT_YOURS", kCustomersDomain);
  }
  if (!ConsumedTurn(lead.turn_outcome) || lead.lead.outcome() == v1::LEAD_OUTCOME_REASSIGNED) {
    return WithErrorInfo(
        absl::FailedPreconditionError("only a lead received by a rotation turn (and still held) can be reported"),
        "LEAD_NOT_A_TURN", kCustomersDomain);
  }
  SALES_ASSIGN_OR_RETURN(bool bought, HasBought(tx, lead.lead.customer_id()));
  if (bought) {
    return WithErrorInfo(absl::FailedPreconditionError("the lead's customer has bought: not a market survey"),
                         "CUSTOMER_HAS_BOUGHT", kCustomersDomain);
  }
  auto rec = SurveyStore::Insert(tx, lead.lead.id(), call.principal.rep_id, lead.lead.office_id(), request.reason(),
                                 clock_.Now());
  if (absl::IsAlreadyExists(rec.status())) {
    return WithErrorInfo(absl::FailedPreconditionError("the lead already has a market-survey report"),
                         "SURVEY_ALREADY_REPORTED", kCustomersDomain);
  }
  SALES_RETURN_IF_ERROR(rec.status());
  v1::MarketSurveyReportedEvent e;
  *e.mutable_report() = rec->report;
  SALES_RETURN_IF_ERROR(outbox_.Append(tx, "MarketSurveyReport", absl::StrCat(rec->report.id()), e, call.request_id));
  v1::ReportMarketSurveyResponse out;
  *out.mutable_report() = rec->report;
  return out;
}

absl::StatusOr<v1::ApproveMarketSurveyReportResponse> LeadRotation::ApproveMarketSurvey(
    db::Transaction& tx, const CallContext& call, const v1::ApproveMarketSurveyReportRequest& request) {
  SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
  SALES_ASSIGN_OR_RETURN(auto rec, PendingReport(tx, v, request.report_id(), request.etag()));
  SALES_ASSIGN_OR_RETURN(RotationRecord rot, LockRotation(tx, rec.office_id));
  // One make-up turn per approved report; the report can be decided
  // only once, so the turn is granted only once.
  SALES_ASSIGN_OR_RETURN(rot.state, GrantMakeUpTurn(rot.state, rec.report.rep_id()));
  const absl::Time now = clock_.Now();
  SALES_ASSIGN_OR_RETURN(rot, RotationStore::Save(tx, rot, now));
  SALES_RETURN_IF_ERROR(SurveyStore::Decide(tx, rec.report.id(), v1::MARKET_SURVEY_REPORT_STATUS_APPROVED,
                                            request.note(), ActorOf(call.principal), now));
  SALES_RETURN_IF_ERROR(LeadStore::SetOutcome(tx, rec.report.lead_id(), v1::LEAD_OUTCOME_MARKET_SURVEY));
  SALES_ASSIGN_OR_RETURN(rec, SurveyStore::Get(tx, rec.report.id(), false));
  v1::MarketSurveyReportDecidedEvent e;
  *e.mutable_report() = rec.report;
  e.set_make_up_turn_granted(true);
  SALES_RETURN_IF_ERROR(outbox_.Append(tx, "MarketSurveyReport", absl::StrCat(rec.report.id()), e, call.request_id));
  SALES_RETURN_IF_ERROR(AppendRotationEvent(outbox_, tx, rot, "MAKE_UP_TURN_GRANTED",
                                            absl::StrCat("market-survey report ", rec.report.id()), call.principal,
                                            call.request_id));
  v1::ApproveMarketSurveyReportResponse out;
  *out.mutable_report() = rec.report;
  *out.mutable_rotation() = ToProto(rot);
  return out;
}

absl::StatusOr<v1::RejectMarketSurveyReportResponse> LeadRotation::RejectMarketSurvey(
    db::Transaction& tx, const CallContext& call, const v1::RejectMarketSurveyReportRequest& request) {
  SALES_ASSIGN_OR_RETURN(Viewer v, LoadViewer(tx, call.principal));
  SALES_ASSIGN_OR_RETURN(auto rec, PendingReport(tx, v, request.report_id(), request.etag()));
  SALES_RETURN_IF_ERROR(SurveyStore::Decide(tx, rec.report.id(), v1::MARKET_SURVEY_REPORT_STATUS_REJECTED,
                                            request.reason(), ActorOf(call.principal), clock_.Now()));
  SALES_ASSIGN_OR_RETURN(rec, SurveyStore::Get(tx, rec.report.id(), false));
  v1::MarketSurveyReportDecidedEvent e;
  *e.mutable_report() = rec.report;
  e.set_make_up_turn_granted(false);
  SALES_RETURN_IF_ERROR(outbox_.Append(tx, "MarketSurveyReport", absl::StrCat(rec.report.id()), e, call.request_id));
  v1::RejectMarketSurveyReportResponse out;
  *out.mutable_report() = rec.report;
  return out;
}

// ---- The customer side of a lead ----------------------------------------------
// Registers, claims and moves customers through the customer store
// (customer rows, ownership records, audit) and publishes the events the
// customer use cases do, inside the lead's transaction.

absl::StatusOr<std::optional<LeadRotation::LeadCustomerMatch>> LeadRotation::FindLeadCustomer(
    db::Transaction& tx, const v1::Customer& entered) {
  SALES_ASSIGN_OR_RETURN(auto matches, CustomerStore::FindDuplicates(tx, {entered.normalized_phone()}, entered.tax_id(),
                                                                     entered.normalized_name()));
  if (matches.empty()) return std::optional<LeadCustomerMatch>();
  const v1::Customer& c = matches.front().record.customer;
  if (c.status() == v1::CUSTOMER_STATUS_BLACKLISTED) {
    return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("the visitor matches blacklisted customer #",
                                                                    c.id(), ": no rep is assigned")),
                         "CUSTOMER_BLACKLISTED", kCustomersDomain, {{"customer_id", absl::StrCat(c.id())}});
  }
  LeadCustomerMatch m;
  m.customer = c;
  m.owned = c.owner_rep_id() != 0;
  return std::optional<LeadCustomerMatch>(std::move(m));
}

absl::StatusOr<v1::Customer> LeadRotation::RegisterLeadCustomer(db::Transaction& tx, const CallContext& call,
                                                                const v1::Customer& entered, int64_t rep_id,
                                                                int64_t lead_id) {
  const absl::Time now = clock_.Now();
  const Who who = Who::Of(call.principal);
  v1::Customer c = entered;
  c.set_owner_rep_id(rep_id);
  c.set_status(v1::CUSTOMER_STATUS_PROSPECT);
  c.set_lead_id(lead_id);
  // Protection starts today for the rep whose turn it was (首问负责制).
  auto inserted = CustomerStore::Insert(tx, c, now, BusinessDay(now), who);
  if (absl::IsAlreadyExists(inserted.status())) {
    return WithErrorInfo(absl::AbortedError("the same customer was registered at the same moment; retry the lead"),
                         "CUSTOMER_RACE", kCustomersDomain);
  }
  SALES_RETURN_IF_ERROR(inserted.status());
  const int64_t id = inserted->customer.id();
  SALES_RETURN_IF_ERROR(CreditStore::Lock(tx, id, now).status());
  const std::string reason = absl::StrCat("reception lead ", lead_id, " by rotation");
  SALES_RETURN_IF_ERROR(
      CustomerStore::OpenFirstRecord(tx, id, rep_id, v1::OWNERSHIP_CHANGE_KIND_ROTATION_ASSIGNED, reason, who, now)
          .status());
  SALES_RETURN_IF_ERROR(AuditStore::Append(tx, id, who, "REGISTERED", "", absl::StrCat("owner rep ", rep_id), reason,
                                           call.request_id, now));
  SALES_ASSIGN_OR_RETURN(auto rec, CustomerStore::Get(tx, id));
  v1::CustomerRegisteredEvent event;
  *event.mutable_customer() = rec.customer;
  SALES_RETURN_IF_ERROR(outbox_.Append(tx, "Customer", absl::StrCat(id), event, call.request_id));
  return rec.customer;
}

absl::StatusOr<v1::Customer> LeadRotation::ClaimLeadCustomer(db::Transaction& tx, const CallContext& call,
                                                             const v1::Customer& pool_customer, int64_t rep_id,
                                                             int64_t lead_id) {
  SALES_ASSIGN_OR_RETURN(auto rec, CustomerStore::Lock(tx, pool_customer.id()));
  if (rec.customer.owner_rep_id() != 0) {
    return WithErrorInfo(absl::AbortedError("the pool customer was claimed meanwhile; retry the lead"),
                         "CUSTOMER_CLAIMED", kCustomersDomain);
  }
  return MoveCustomer(tx, call, rec, rep_id, v1::OWNERSHIP_CHANGE_KIND_ROTATION_ASSIGNED,
                      absl::StrCat("pool customer came in as reception lead ", lead_id));
}

absl::StatusOr<v1::Customer> LeadRotation::ReassignLeadCustomer(db::Transaction& tx, const CallContext& call,
                                                                int64_t customer_id, int64_t from_rep_id,
                                                                int64_t to_rep_id, const std::string& reason,
                                                                int64_t lead_id) {
  SALES_ASSIGN_OR_RETURN(auto rec, CustomerStore::Lock(tx, customer_id));
  const v1::CustomerStatus s = rec.customer.status();
  if (s == v1::CUSTOMER_STATUS_ACTIVE || s == v1::CUSTOMER_STATUS_DORMANT) {
    return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat(
                             "customer ", customer_id, " has bought meanwhile: accounts move only by transfer")),
                         "CUSTOMER_HAS_BOUGHT", kCustomersDomain);
  }
  if (s == v1::CUSTOMER_STATUS_BLACKLISTED) {
    return WithErrorInfo(absl::FailedPreconditionError("the customer is blacklisted"), "CUSTOMER_BLACKLISTED",
                         kCustomersDomain);
  }
  if (rec.customer.owner_rep_id() != from_rep_id) {
    // Someone else holds it now (claimed or transferred): the ruling on the
    // lead does not override that.
    return WithErrorInfo(absl::FailedPreconditionError(
                             absl::StrCat("customer ", customer_id, " is no longer held by rep ", from_rep_id)),
                         "CUSTOMER_OWNER_CHANGED", kCustomersDomain);
  }
  return MoveCustomer(tx, call, rec, to_rep_id, v1::OWNERSHIP_CHANGE_KIND_REASSIGNED,
                      absl::StrCat("lead ", lead_id, " ruling: ", reason));
}

absl::StatusOr<v1::Customer> LeadRotation::MoveCustomer(db::Transaction& tx, const CallContext& call,
                                                        const CustomerRecord& rec, int64_t to_rep_id,
                                                        v1::OwnershipChangeKind kind, const std::string& reason) {
  const absl::Time now = clock_.Now();
  const Who who = Who::Of(call.principal);
  CustomerStore::OwnerChange ch;
  ch.customer_id = rec.customer.id();
  ch.from_rep_id = rec.customer.owner_rep_id();
  ch.to_rep_id = to_rep_id;
  ch.kind = kind;
  ch.reason = reason;
  ch.who = who;
  if (rec.customer.status() == v1::CUSTOMER_STATUS_PROSPECT) ch.new_base = BusinessDay(now);
  SALES_ASSIGN_OR_RETURN(v1::OwnershipRecord record, CustomerStore::ChangeOwner(tx, ch, now));
  SALES_RETURN_IF_ERROR(AuditStore::Append(tx, rec.customer.id(), who, v1::OwnershipChangeKind_Name(kind),
                                           absl::StrCat(ch.from_rep_id), absl::StrCat(to_rep_id), reason,
                                           call.request_id, now));
  SALES_ASSIGN_OR_RETURN(int64_t from_unit, UnitOfRep(tx, ch.from_rep_id));
  SALES_ASSIGN_OR_RETURN(int64_t to_unit, UnitOfRep(tx, to_rep_id));
  v1::CustomerOwnerChangedEvent e;
  e.set_customer_id(rec.customer.id());
  e.set_from_rep_id(ch.from_rep_id);
  e.set_to_rep_id(to_rep_id);
  e.set_from_org_unit_id(from_unit);
  e.set_to_org_unit_id(to_unit);
  e.set_kind(kind);
  e.set_reason(reason);
  *e.mutable_effective_time() = ToTimestamp(now);
  e.set_status(rec.customer.status());
  e.set_ownership_record_id(record.id());
  *e.mutable_actor() = ActorOf(call.principal);
  SALES_RETURN_IF_ERROR(outbox_.Append(tx, "Customer", absl::StrCat(rec.customer.id()), e, call.request_id));
  SALES_ASSIGN_OR_RETURN(auto after, CustomerStore::Get(tx, rec.customer.id()));
  return after.customer;
}

}  // namespace sales::customers
