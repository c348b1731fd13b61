#include "finance-svc/app/collections_desk.h"

#include <string>

#include "absl/strings/str_cat.h"
#include "finance-svc/app/access.h"
#include "finance-svc/domain/amount_text.h"
#include "finance-svc/domain/errors.h"
#include "finance-svc/domain/ladder_rules.h"
#include "finance-svc/store/collections_store.h"
#include "finance-svc/store/sql_collections_book.h"
#include "platform/convert.h"
#include "platform/money.h"
#include "platform/roles.h"
#include "platform/status.h"
#include "sales/finance/v1/events.pb.h"

namespace sales::finance {
namespace {

// The case's rep may record the customer's letters and the notices they
// deliver; everything else on a case is finance's.
bool MayRecordOnCase(const Principal& p, const CaseRecord& c) {
  return IsFinanceStaff(p) || (p.role == kRoleRep && p.rep_id != 0 && p.rep_id == c.rep_id);
}

// Locks a case for a change: NOT_FOUND when unknown or outside the caller's
// scope, PERMISSION_DENIED when the role may not do it, ABORTED when stale,
// FAILED_PRECONDITION when closed.
absl::StatusOr<CaseRecord> LockCase(db::Transaction& tx, const CallContext& call, int64_t id, const std::string& etag,
                                    bool rep_may) {
  SALES_ASSIGN_OR_RETURN(CaseRecord c, CollectionsStore::GetCase(tx, id, /*for_update=*/true));
  SALES_ASSIGN_OR_RETURN(FinanceScope scope, LoadScope(tx, call.principal));
  if (!scope.Allows(c.rep_id, c.org_unit_id)) return NotFound("collection case", id);
  if (rep_may ? !MayRecordOnCase(call.principal, c) : !IsFinanceStaff(call.principal)) {
    return Denied(rep_may ? "only finance or the case's rep may record this" : "only finance may do this");
  }
  SALES_RETURN_IF_ERROR(CheckEtag(etag, c.version, "collection case", id));
  if (c.facts.closed_on.has_value()) {
    return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("collection case ", id, " is closed")),
                         "CASE_CLOSED", kFinanceDomain);
  }
  return c;
}

absl::Status CheckDocumentDate(const CaseRecord& c, const common::v1::Date& d, const std::string& field,
                               absl::CivilDay today) {
  SALES_RETURN_IF_ERROR(ValidateDate(d, field));
  std::string why = CheckLadderDocumentDate(c.facts.due_on, ToCivilDay(d), today);
  return why.empty() ? absl::OkStatus() : InvalidField(field, why);
}

}  // namespace

LadderContext CollectionsDesk::LadderContextOf(const CallContext& call) const {
  LadderContext lc;
  lc.outbox = &outbox_;
  lc.actor.user_id = call.principal.user_id.empty() ? std::string("anonymous") : call.principal.user_id;
  lc.actor.role = call.principal.role;
  lc.actor.request_id = call.request_id;
  lc.now = clock_.Now();
  lc.today = BusinessDay(lc.now);
  return lc;
}

absl::StatusOr<v1::RecordOverdueConfirmationResponse> CollectionsDesk::RecordOverdueConfirmation(
    db::Transaction& tx, const CallContext& call, const v1::RecordOverdueConfirmationRequest& request) {
  LadderContext lc = LadderContextOf(call);
  SqlCollectionsBook book(tx, &outbox_);
  CollectionsLadder ladder(book, lc);
  SALES_ASSIGN_OR_RETURN(CaseRecord c, LockCase(tx, call, request.case_id(), request.etag(), /*rep_may=*/true));
  const auto& conf = request.confirmation();
  SALES_RETURN_IF_ERROR(CheckDocumentDate(c, conf.signed_on(), "confirmation.signed_on", lc.today));
  if (conf.confirmed_amount().currency_code() != c.currency) {
    return InvalidField("confirmation.confirmed_amount.currency_code", "must be the invoice's currency");
  }
  if (c.facts.confirmed_on.has_value()) {
    return WithErrorInfo(absl::FailedPreconditionError("the confirmation letter is already recorded"),
                         "ALREADY_CONFIRMED", kFinanceDomain);
  }
  c.facts.confirmed_on = ToCivilDay(conf.signed_on());
  c.confirmed_minor = conf.confirmed_amount().minor_units();
  c.confirmed_by = conf.signed_by();
  c.confirmation_reference = conf.document_reference();
  std::string detail = absl::StrCat("confirmed ", FormatFen(c.confirmed_minor), " signed by ", conf.signed_by());
  if (c.confirmed_minor != c.overdue_minor) {
    absl::StrAppend(&detail, " (our figure ", FormatFen(c.overdue_minor), ")");
  }
  SALES_RETURN_IF_ERROR(ladder.RecordStep(c, StepRecord{.kind = v1::COLLECTION_STEP_KIND_CONFIRMATION_RECORDED,
                                                        .effective_on = *c.facts.confirmed_on,
                                                        .deadline_on = ConfirmationDeadline(c.facts.due_on),
                                                        .detail = detail}));
  SALES_RETURN_IF_ERROR(CollectionsStore::UpdateCase(tx, c, lc.now));
  v1::RecordOverdueConfirmationResponse out;
  SALES_ASSIGN_OR_RETURN(*out.mutable_collection_case(), CaseToProto(tx, c, true));
  return out;
}

absl::StatusOr<v1::RecordDunningNoticeResponse> CollectionsDesk::RecordDunningNotice(
    db::Transaction& tx, const CallContext& call, const v1::RecordDunningNoticeRequest& request) {
  LadderContext lc = LadderContextOf(call);
  SqlCollectionsBook book(tx, &outbox_);
  CollectionsLadder ladder(book, lc);
  SALES_ASSIGN_OR_RETURN(CaseRecord c, LockCase(tx, call, request.case_id(), request.etag(), /*rep_may=*/true));
  const auto& n = request.notice();
  SALES_RETURN_IF_ERROR(CheckDocumentDate(c, n.sent_on(), "notice.sent_on", lc.today));
  absl::CivilDay sent = ToCivilDay(n.sent_on());
  v1::RecordDunningNoticeResponse out;
  if (n.kind() == v1::DUNNING_NOTICE_KIND_FIRST) {
    if (c.facts.first_notice_on.has_value()) {
      return WithErrorInfo(absl::FailedPreconditionError("the first notice is already recorded"),
                           "NOTICE_ALREADY_RECORDED", kFinanceDomain);
    }
    c.facts.first_notice_on = sent;
    c.first_notice_minor = c.overdue_minor;
    c.first_notice_method = n.delivery_method();
    c.first_notice_reference = n.document_reference();
    SALES_RETURN_IF_ERROR(
        ladder.RecordStep(c, StepRecord{.kind = v1::COLLECTION_STEP_KIND_FIRST_NOTICE,
                                        .effective_on = sent,
                                        .deadline_on = FirstNoticeDeadline(c.facts.due_on),
                                        .detail = absl::StrCat("first notice for ", FormatFen(c.overdue_minor),
                                                               ": written repayment plan requested; supply stops "
                                                               "unless settled by ",
                                                               DayText(SecondNoticeDay(sent)))}));
  } else {
    if (!c.facts.first_notice_on.has_value()) {
      return WithErrorInfo(absl::FailedPreconditionError("the first notice is not recorded yet"),
                           "FIRST_NOTICE_MISSING", kFinanceDomain);
    }
    if (sent < *c.facts.first_notice_on) return InvalidField("notice.sent_on", "before the first notice");
    if (c.facts.second_notice_on.has_value()) {
      return WithErrorInfo(absl::FailedPreconditionError("the second notice is already recorded"),
                           "NOTICE_ALREADY_RECORDED", kFinanceDomain);
    }
    c.facts.second_notice_on = sent;
    c.second_notice_minor = c.overdue_minor;
    c.second_notice_method = n.delivery_method();
    c.second_notice_reference = n.document_reference();
    SALES_RETURN_IF_ERROR(
        ladder.RecordStep(c, StepRecord{.kind = v1::COLLECTION_STEP_KIND_SECOND_NOTICE,
                                        .effective_on = sent,
                                        .deadline_on = SecondNoticeDay(*c.facts.first_notice_on),
                                        .detail = absl::StrCat("second notice for ", FormatFen(c.overdue_minor))}));
    SALES_ASSIGN_OR_RETURN(auto hold, ladder.StopSupply(c, sent));
    out.set_credit_hold_id(hold.first);
  }
  SALES_RETURN_IF_ERROR(CollectionsStore::UpdateCase(tx, c, lc.now));
  SALES_ASSIGN_OR_RETURN(*out.mutable_collection_case(), CaseToProto(tx, c, true));
  return out;
}

absl::StatusOr<v1::RecordRepaymentPlanResponse> CollectionsDesk::RecordRepaymentPlan(
    db::Transaction& tx, const CallContext& call, const v1::RecordRepaymentPlanRequest& request) {
  LadderContext lc = LadderContextOf(call);
  SqlCollectionsBook book(tx, &outbox_);
  CollectionsLadder ladder(book, lc);
  SALES_ASSIGN_OR_RETURN(CaseRecord c, LockCase(tx, call, request.case_id(), request.etag(), /*rep_may=*/true));
  const auto& plan = request.plan();
  SALES_RETURN_IF_ERROR(CheckDocumentDate(c, plan.received_on(), "plan.received_on", lc.today));
  int64_t sum = 0;
  for (const auto& in : plan.installments()) {
    if (in.amount().currency_code() != c.currency) {
      return InvalidField("plan.installments.amount.currency_code", "must be the invoice's currency");
    }
    sum += in.amount().minor_units();
  }
  if (sum > c.overdue_minor) {
    return InvalidField("plan.installments", absl::StrCat("instalments total ", FormatFen(sum),
                                                          " exceeds the overdue amount ", FormatFen(c.overdue_minor)));
  }
  bool replaces = c.plan_received_on.has_value();
  c.plan_received_on = ToCivilDay(plan.received_on());
  c.plan_signed_by = plan.signed_by();
  c.plan_reference = plan.document_reference();
  SALES_RETURN_IF_ERROR(CollectionsStore::ReplacePlan(tx, c.id, plan));
  SALES_RETURN_IF_ERROR(ladder.RecordStep(
      c, StepRecord{.kind = v1::COLLECTION_STEP_KIND_REPAYMENT_PLAN_RECORDED,
                    .effective_on = *c.plan_received_on,
                    .detail = absl::StrCat(replaces ? "revised " : "", "repayment plan: ", plan.installments_size(),
                                           " instalments totalling ", FormatFen(sum), ", last due ",
                                           FormatDbDate(plan.installments().rbegin()->due_on()))}));
  SALES_RETURN_IF_ERROR(CollectionsStore::UpdateCase(tx, c, lc.now));
  v1::RecordRepaymentPlanResponse out;
  SALES_ASSIGN_OR_RETURN(*out.mutable_collection_case(), CaseToProto(tx, c, true));
  return out;
}

absl::StatusOr<v1::StartLegalPreparationResponse> CollectionsDesk::StartLegalPreparation(
    db::Transaction& tx, const CallContext& call, const v1::StartLegalPreparationRequest& request) {
  LadderContext lc = LadderContextOf(call);
  SqlCollectionsBook book(tx, &outbox_);
  CollectionsLadder ladder(book, lc);
  SALES_ASSIGN_OR_RETURN(CaseRecord c, LockCase(tx, call, request.case_id(), request.etag(), /*rep_may=*/false));
  if (!c.facts.second_notice_on.has_value()) {
    return WithErrorInfo(absl::FailedPreconditionError("the second notice is not recorded yet"),
                         "SECOND_NOTICE_MISSING", kFinanceDomain);
  }
  if (c.facts.legal_started_on.has_value()) {
    return WithErrorInfo(absl::FailedPreconditionError("legal preparation already started"), "LEGAL_ALREADY_STARTED",
                         kFinanceDomain);
  }
  absl::CivilDay on = ToCivilDay(request.started_on());
  if (on < *c.facts.second_notice_on) return InvalidField("started_on", "before the second notice");
  if (on > lc.today) return InvalidField("started_on", "in the future");
  c.facts.legal_started_on = on;
  SALES_RETURN_IF_ERROR(ladder.RecordStep(
      c, StepRecord{.kind = v1::COLLECTION_STEP_KIND_LEGAL_PREPARATION_STARTED,
                    .effective_on = on,
                    .detail = request.note().empty() ? "legal preparation started" : request.note()}));
  SALES_RETURN_IF_ERROR(CollectionsStore::UpdateCase(tx, c, lc.now));
  v1::StartLegalPreparationResponse out;
  SALES_ASSIGN_OR_RETURN(*out.mutable_collection_case(), CaseToProto(tx, c, true));
  return out;
}

absl::StatusOr<v1::RecordLegalFileReadyResponse> CollectionsDesk::RecordLegalFileReady(
    db::Transaction& tx, const CallContext& call, const v1::RecordLegalFileReadyRequest& request) {
  LadderContext lc = LadderContextOf(call);
  SqlCollectionsBook book(tx, &outbox_);
  CollectionsLadder ladder(book, lc);
  SALES_ASSIGN_OR_RETURN(CaseRecord c, LockCase(tx, call, request.case_id(), request.etag(), /*rep_may=*/false));
  if (c.stage != v1::COLLECTION_STAGE_LEGAL_PREPARATION) {
    return WithErrorInfo(absl::FailedPreconditionError("the case is not in legal preparation"),
                         "NOT_IN_LEGAL_PREPARATION", kFinanceDomain);
  }
  absl::CivilDay on = ToCivilDay(request.ready_on());
  if (on < *c.facts.legal_started_on) return InvalidField("ready_on", "before legal preparation started");
  if (on > lc.today) return InvalidField("ready_on", "in the future");
  c.facts.legal_ready_on = on;
  c.legal_file_reference = request.legal_file_reference();
  SALES_RETURN_IF_ERROR(
      ladder.RecordStep(c, StepRecord{.kind = v1::COLLECTION_STEP_KIND_LEGAL_READY,
                                      .effective_on = on,
                                      .detail = absl::StrCat("legal file ", c.legal_file_reference)}));
  SALES_RETURN_IF_ERROR(CollectionsStore::UpdateCase(tx, c, lc.now));
  v1::RecordLegalFileReadyResponse out;
  SALES_ASSIGN_OR_RETURN(*out.mutable_collection_case(), CaseToProto(tx, c, true));
  return out;
}

absl::StatusOr<v1::CloseCollectionCaseResponse> CollectionsDesk::CloseCollectionCase(
    db::Transaction& tx, const CallContext& call, const v1::CloseCollectionCaseRequest& request) {
  LadderContext lc = LadderContextOf(call);
  SqlCollectionsBook book(tx, &outbox_);
  CollectionsLadder ladder(book, lc);
  SALES_ASSIGN_OR_RETURN(CaseRecord c, LockCase(tx, call, request.case_id(), request.etag(), /*rep_may=*/false));
  absl::CivilDay on = ToCivilDay(request.closed_on());
  if (on > lc.today) return InvalidField("closed_on", "in the future");
  SALES_RETURN_IF_ERROR(ladder.CloseCase(c, on, v1::CASE_CLOSE_REASON_MANUAL, request.reason()));
  v1::CloseCollectionCaseResponse out;
  SALES_ASSIGN_OR_RETURN(int64_t released, ladder.ReleaseHoldIfClear(c.customer_id, "NOTHING_OVERDUE"));
  out.set_released_credit_hold_id(released);
  SALES_ASSIGN_OR_RETURN(*out.mutable_collection_case(), CaseToProto(tx, c, true));
  return out;
}

absl::StatusOr<v1::SetCreditHoldResponse> CollectionsDesk::SetCreditHold(db::Transaction& tx, const CallContext& call,
                                                                         const v1::SetCreditHoldRequest& request) {
  LadderContext lc = LadderContextOf(call);
  absl::CivilDay on = request.has_set_on() ? ToCivilDay(request.set_on()) : lc.today;
  if (on > lc.today) return InvalidField("set_on", "in the future");
  HoldRecord h;
  h.customer_id = request.customer_id();
  SALES_ASSIGN_OR_RETURN(h.rep_id, CollectionsStore::CustomerRep(tx, h.customer_id));
  if (call.principal.role == kRoleManager) {
    // A manager stops supply only to customers of reps in their unit.
    SALES_ASSIGN_OR_RETURN(FinanceScope scope, LoadScope(tx, call.principal));
    SALES_ASSIGN_OR_RETURN(int64_t unit, CollectionsStore::CustomerUnit(tx, h.customer_id));
    if (!scope.Allows(0, unit)) return Denied("the customer's owner is outside your unit");
  }
  h.source = v1::CREDIT_HOLD_SOURCE_MANUAL;
  h.reason = request.reason();
  SALES_ASSIGN_OR_RETURN(h.overdue_minor, CollectionsStore::CustomerOverdueMinor(tx, h.customer_id, on));
  h.set_on = on;
  SALES_ASSIGN_OR_RETURN(h.id, CollectionsStore::InsertHold(tx, h, lc.now));
  SALES_RETURN_IF_ERROR(CollectionsStore::SetCustomerOnHold(tx, h.customer_id, true, h.reason, lc.now));
  SALES_RETURN_IF_ERROR(
      CollectionsStore::Audit(tx, "CreditHold", h.id, "HOLD_SET", "", "ACTIVE", h.reason, lc.actor, lc.now));
  v1::CustomerHoldSetEvent ev;
  ev.set_credit_hold_id(h.id);
  ev.set_customer_id(h.customer_id);
  ev.set_rep_id(h.rep_id);
  ev.set_source(v1::CREDIT_HOLD_SOURCE_MANUAL);
  ev.set_reason(h.reason);
  *ev.mutable_set_on() = FromCivilDay(on);
  *ev.mutable_overdue_amount() = MakeMoney(h.overdue_minor, h.currency);
  SALES_RETURN_IF_ERROR(AppendFinanceEvent(tx, &outbox_, "CreditHold", h.id, ev, call.request_id, lc.now));
  v1::SetCreditHoldResponse out;
  SALES_ASSIGN_OR_RETURN(HoldRecord saved, CollectionsStore::GetHold(tx, h.id, false));
  *out.mutable_credit_hold() = HoldToProto(saved);
  return out;
}

absl::StatusOr<v1::ReleaseCreditHoldResponse> CollectionsDesk::ReleaseCreditHold(
    db::Transaction& tx, const CallContext& call, const v1::ReleaseCreditHoldRequest& request) {
  LadderContext lc = LadderContextOf(call);
  SqlCollectionsBook book(tx, &outbox_);
  CollectionsLadder ladder(book, lc);
  SALES_ASSIGN_OR_RETURN(HoldRecord h, CollectionsStore::GetHold(tx, request.id(), /*for_update=*/true));
  SALES_RETURN_IF_ERROR(CheckEtag(request.etag(), h.version, "credit hold", h.id));
  if (h.state != v1::CREDIT_HOLD_STATE_ACTIVE) {
    return WithErrorInfo(absl::FailedPreconditionError("the hold is already released"), "HOLD_RELEASED",
                         kFinanceDomain);
  }
  absl::CivilDay on = request.has_released_on() ? ToCivilDay(request.released_on()) : lc.today;
  if (on > lc.today) return InvalidField("released_on", "in the future");
  if (on < h.set_on) return InvalidField("released_on", "before the hold was set");
  SALES_RETURN_IF_ERROR(ladder.ReleaseHoldNow(h, on, request.reason()));
  v1::ReleaseCreditHoldResponse out;
  *out.mutable_credit_hold() = HoldToProto(h);
  return out;
}

}  // namespace sales::finance
