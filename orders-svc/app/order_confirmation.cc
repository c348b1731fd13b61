#include "orders-svc/app/order_confirmation.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "orders-svc/app/access.h"
#include "orders-svc/app/order_desk.h"
#include "orders-svc/domain/confirmation.h"
#include "orders-svc/domain/errors.h"
#include "orders-svc/domain/order_state.h"
#include "orders-svc/store/order_store.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/peers/peer_batch.h"
#include "platform/roles.h"
#include "platform/status.h"

namespace sales::orders {
namespace {

absl::Duration DependencyDeadline(const v1::OrderPolicy& p) {
  return absl::Milliseconds(p.dependency_deadline_ms() > 0 ? p.dependency_deadline_ms() : 2000);
}

absl::Status NoPendingStep(const v1::SalesOrder& o) {
  for (const auto& s : o.approvals()) {
    if (s.status() == v1::APPROVAL_STEP_STATUS_PENDING) {
      return ApprovalsPending(absl::StrCat("approval step ", s.id(), " (", EnumShort(s.level()), ") is pending"));
    }
  }
  return absl::OkStatus();
}

// The region of a unit: the unit directly below the root of its chain.
absl::StatusOr<int64_t> RegionOf(OrderBook& book, int64_t unit) {
  SALES_ASSIGN_OR_RETURN(auto chain, book.OrgChain(unit));
  if (chain.size() >= 2) return chain[chain.size() - 2];
  return unit;
}

// Confirmed: dates set from today and the policy's shipping deadline.
void MarkConfirmed(v1::SalesOrder& o, v1::OrderStatus to, const std::string& reason, const v1::OrderPolicy& policy,
                   absl::Time now) {
  absl::CivilDay today = BusinessDay(now);
  o.set_status(to);
  o.set_status_reason(reason);
  *o.mutable_confirm_time() = ToTimestamp(now);
  *o.mutable_confirm_date() = FromCivilDay(today);
  *o.mutable_ship_due_date() = FromCivilDay(ShipDueDate(today, policy));
}

}  // namespace

absl::StatusOr<ConfirmLook> OrderConfirmation::Peek(OrderBook& book, const CallContext& call, int64_t order_id) {
  ConfirmLook look;
  SALES_ASSIGN_OR_RETURN(look.order, LoadVisibleOrder(book, call.principal, order_id, false));
  SALES_ASSIGN_OR_RETURN(look.policy, book.Policy());
  return look;
}

absl::StatusOr<ConfirmLook> OrderConfirmation::Look(OrderBook& book, const CallContext& call, int64_t order_id,
                                                    const std::string& etag) {
  SALES_ASSIGN_OR_RETURN(ConfirmLook look, Peek(book, call, order_id));
  const v1::SalesOrder& o = look.order.order;
  // A status that does not confirm, or a stale etag, may be a repeat of a
  // confirmation that went through (e.g. put the order on credit hold): the
  // transaction answers it from the idempotency record, or refuses it.
  if (!NextOrderStatus(o.status(), OrderAction::kConfirm).ok()) return look;
  if (!CheckEtag(etag, o.etag(), "order", o.id()).ok()) return look;
  if (o.status() == v1::ORDER_STATUS_DRAFT) {
    SALES_ASSIGN_OR_RETURN(auto steps, RouteOrder(book, o, look.policy, RoleOf(call.principal)));
    if (!steps.empty()) return ApprovalsPending("the order needs approval: submit it first");
  }
  SALES_RETURN_IF_ERROR(NoPendingStep(o));
  look.ask_peers = true;
  return look;
}

absl::StatusOr<ConfirmFacts> OrderConfirmation::Gather(const CallContext& call, const ConfirmLook& look) {
  const v1::SalesOrder& o = look.order.order;
  customers::v1::ResolveCreditedRepRequest credited;
  credited.set_customer_id(o.customer_id());
  *credited.mutable_order_date() = o.order_date();
  credited.set_taking_rep_id(o.taking_rep_id());
  credited.set_order_id(o.id());
  absl::StatusOr<customers::v1::Customer> customer;
  absl::StatusOr<customers::v1::ResolveCreditedRepResponse> credit;
  absl::StatusOr<std::optional<customers::v1::CreditProfile>> profile;
  absl::StatusOr<finance::v1::CustomerExposure> exposure;
  {
    // The four questions are independent: asked together, under one deadline.
    peers::PeerBatch batch(&call, DependencyDeadline(look.policy));
    customers_.GetCustomer(batch, o.customer_id(), &customer);
    customers_.ResolveCreditedRep(batch, credited, &credit);
    customers_.GetCreditProfile(batch, o.customer_id(), &profile);
    finance_.GetCustomerExposure(batch, o.customer_id(), &exposure);
    batch.Wait();
  }
  ConfirmFacts f;
  SALES_ASSIGN_OR_RETURN(f.customer, std::move(customer));
  SALES_RETURN_IF_ERROR(RefuseBlacklisted(f.customer));
  SALES_ASSIGN_OR_RETURN(f.credited, std::move(credit));
  SALES_ASSIGN_OR_RETURN(auto known, std::move(profile));
  if (known.has_value()) {
    f.profile = *known;
  } else {
    f.profile.set_customer_id(o.customer_id());
  }
  SALES_ASSIGN_OR_RETURN(f.exposure, std::move(exposure));
  return f;
}

absl::StatusOr<v1::CreditCheck> OrderConfirmation::CheckCredit(OrderBook& book, const v1::SalesOrder& o,
                                                               const ConfirmFacts& f) {
  SALES_ASSIGN_OR_RETURN(int64_t open, book.ConfirmedUnshipped(o.customer_id(), o.id()));
  CreditInputs in;
  in.currency = o.currency_code();
  in.customer_hold = f.profile.hold().on_hold();
  in.customer_hold_reason = f.profile.hold().reason();
  in.credit_limit = f.profile.credit_limit().minor_units();
  in.finance_hold = f.exposure.on_hold();
  in.finance_hold_reason = f.exposure.hold_reason();
  in.finance_exposure = f.exposure.exposure().minor_units();
  in.shipped_unbilled = f.exposure.shipped_unbilled().minor_units();
  in.confirmed_unshipped = open;
  in.this_order = o.total_amount().minor_units();
  return EvaluateCredit(in, clock_.Now());
}

absl::StatusOr<v1::ConfirmOrderResponse> OrderConfirmation::Confirm(OrderBook& book, const CallContext& call,
                                                                    int64_t order_id, const std::string& etag,
                                                                    const std::optional<ConfirmFacts>& facts) {
  SALES_ASSIGN_OR_RETURN(auto rec, LoadVisibleOrder(book, call.principal, order_id, true));
  v1::SalesOrder o = rec.order;
  SALES_ASSIGN_OR_RETURN(auto to, NextOrderStatus(o.status(), OrderAction::kConfirm));
  SALES_RETURN_IF_ERROR(CheckEtag(etag, o.etag(), "order", o.id()));
  SALES_RETURN_IF_ERROR(NoPendingStep(o));
  if (!facts.has_value()) return absl::AbortedError("the order changed while it was being confirmed; retry");
  const absl::Time now = clock_.Now();
  SALES_ASSIGN_OR_RETURN(auto policy, book.Policy());
  if (o.status() == v1::ORDER_STATUS_DRAFT) {
    // Confirming a draft that needs no approval submits it implicitly.
    SALES_ASSIGN_OR_RETURN(auto steps, RouteOrder(book, o, policy, RoleOf(call.principal)));
    if (!steps.empty()) return ApprovalsPending("the order needs approval: submit it first");
    SALES_RETURN_IF_ERROR(book.ApproveSpecialFees(o.id()));
    for (auto& f : *o.mutable_special_fees()) f.set_approved(true);
  }
  const ConfirmFacts& f = *facts;
  o.set_customer_name(f.customer.name());
  o.set_customer_type(f.customer.type());
  if (o.ship_to_address().empty()) o.set_ship_to_address(f.customer.address());
  o.set_credited_rep_id(f.credited.credited_rep_id() != 0 ? f.credited.credited_rep_id() : o.taking_rep_id());
  o.set_credited_org_unit_id(f.credited.credited_org_unit_id() != 0 ? f.credited.credited_org_unit_id()
                                                                    : rec.taking_org_unit_id);
  SALES_ASSIGN_OR_RETURN(int64_t region, RegionOf(book, o.credited_org_unit_id()));
  o.set_region_org_unit_id(region);
  o.set_ownership_collision(o.credited_rep_id() != o.taking_rep_id());
  SALES_RETURN_IF_ERROR(book.LockCustomerCredit(o.customer_id()));
  SALES_ASSIGN_OR_RETURN(auto check, CheckCredit(book, o, f));
  *o.mutable_last_credit_check() = check;
  v1::ConfirmOrderResponse out;
  if (!check.passed()) {
    SALES_ASSIGN_OR_RETURN(to, NextOrderStatus(o.status(), OrderAction::kCreditHold));
    o.set_status(to);
    std::string why =
        absl::StrCat(check.customer_on_hold() ? "customer on hold; " : "", "exposure ", check.exposure().minor_units(),
                     " vs credit limit ", check.credit_limit().minor_units());
    o.set_status_reason(why);
    SALES_RETURN_IF_ERROR(book.SaveConfirmation(o, "", now));
    v1::OrderCreditHeldEvent e;
    *e.mutable_order() = EventHeaderOf(o);
    *e.mutable_total_amount() = o.total_amount();
    *e.mutable_credit_check() = check;
    SALES_RETURN_IF_ERROR(book.Publish("SalesOrder", o.id(), e, call.request_id));
    SALES_RETURN_IF_ERROR(AuditOrder(book, call, o.id(), "ORDER_CREDIT_HELD", rec.order.status(), to, why, now));
  } else {
    SALES_ASSIGN_OR_RETURN(auto reservations, ReserveOrder(book, o, now));
    MarkConfirmed(o, to, "", policy, now);
    SALES_RETURN_IF_ERROR(book.SaveConfirmation(o, "", now));
    SALES_RETURN_IF_ERROR(book.Publish("SalesOrder", o.id(), ConfirmedEvent(o, false, ""), call.request_id));
    SALES_RETURN_IF_ERROR(AuditOrder(
        book, call, o.id(), "ORDER_CONFIRMED", rec.order.status(), to,
        absl::StrCat("credited rep ", o.credited_rep_id(), ", headroom ", check.headroom().minor_units()), now));
    for (auto& r : reservations) *out.add_reservations() = std::move(r);
  }
  SALES_ASSIGN_OR_RETURN(auto after, book.LoadOrder(o.id(), false));
  *out.mutable_order() = after.order;
  *out.mutable_credit_check() = check;
  return out;
}

absl::StatusOr<v1::ReleaseCreditHoldResponse> OrderConfirmation::ReleaseHold(OrderBook& book, const CallContext& call,
                                                                             int64_t order_id, const std::string& etag,
                                                                             const std::string& reason) {
  SALES_ASSIGN_OR_RETURN(auto rec, book.LoadOrder(order_id, true));
  v1::SalesOrder o = rec.order;
  SALES_RETURN_IF_ERROR(CheckEtag(etag, o.etag(), "order", o.id()));
  SALES_ASSIGN_OR_RETURN(auto to, NextOrderStatus(o.status(), OrderAction::kReleaseHold));
  if (RoleOf(call.principal) == kRoleManager) {
    // A manager releases only within their chain of command.
    SALES_ASSIGN_OR_RETURN(
        auto chain, book.OrgChain(o.credited_org_unit_id() != 0 ? o.credited_org_unit_id() : rec.taking_org_unit_id));
    if (std::find(chain.begin(), chain.end(), call.principal.org_unit_id) == chain.end()) {
      return absl::PermissionDeniedError("the manager is not in the credited rep's chain");
    }
  }
  const absl::Time now = clock_.Now();
  SALES_ASSIGN_OR_RETURN(auto policy, book.Policy());
  SALES_ASSIGN_OR_RETURN(auto reservations, ReserveOrder(book, o, now));
  std::string release = absl::StrCat(call.principal.user_id, " (", RoleOf(call.principal), "): ", reason);
  MarkConfirmed(o, to, reason, policy, now);
  SALES_RETURN_IF_ERROR(book.SaveConfirmation(o, release, now));
  SALES_RETURN_IF_ERROR(book.Publish("SalesOrder", o.id(), ConfirmedEvent(o, true, release), call.request_id));
  SALES_RETURN_IF_ERROR(
      AuditOrder(book, call, o.id(), "ORDER_CREDIT_HOLD_RELEASED", rec.order.status(), to, reason, now));
  v1::ReleaseCreditHoldResponse out;
  SALES_ASSIGN_OR_RETURN(auto after, book.LoadOrder(o.id(), false));
  *out.mutable_order() = after.order;
  for (auto& r : reservations) *out.add_reservations() = std::move(r);
  return out;
}

}  // namespace sales::orders
