#include "customers-svc/app/customers_support.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "customers-svc/domain/errors.h"
#include "customers-svc/domain/normalize.h"
#include "customers-svc/domain/protection.h"
#include "customers-svc/store/org_copy_store.h"
#include "customers-svc/store/rotation_store.h"
#include "customers-svc/store/settings_store.h"
#include "customers-svc/store/sql_customer_book.h"
#include "platform/convert.h"
#include "platform/status.h"
#include "sales/customers/v1/events.pb.h"

namespace sales::customers {
namespace {

constexpr int64_t kOfficeKind = 3;  // sales.targets.v1.ORG_UNIT_KIND_OFFICE
constexpr int32_t kRepActive = 2;   // REP_STATUS_ACTIVE
constexpr int32_t kRepProbation = 1;

// Splits UTF-8 into code points (names are Chinese: bytes would cut
// characters in half).
std::vector<std::string> CodePoints(const std::string& s) {
  std::vector<std::string> out;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 1;
    out.push_back(s.substr(i, n));
    i += n;
  }
  return out;
}

}  // namespace

absl::Status Precondition(const std::string& what, const char* reason) {
  return WithErrorInfo(absl::FailedPreconditionError(what), reason, kCustomersDomain);
}

absl::StatusOr<int> ProtectionDays(db::Transaction& tx) {
  SALES_ASSIGN_OR_RETURN(auto s, LoadCustomerSettings(tx));
  return ProtectionWindow(s.protection_days());
}

absl::StatusOr<int> DormancyDays(db::Transaction& tx) {
  SALES_ASSIGN_OR_RETURN(auto s, LoadCustomerSettings(tx));
  if (s.dormancy_days() < 30 || s.dormancy_days() > 1095) return 180;
  return s.dormancy_days();
}

absl::Status CheckRegionAndChannel(db::Transaction& tx, const std::string& region, const std::string& channel,
                                   const std::string& prefix) {
  SALES_ASSIGN_OR_RETURN(auto s, LoadCustomerSettings(tx));
  std::vector<FieldViolation> v;
  bool region_ok = false;
  for (const auto& r : s.regions()) region_ok = region_ok || r.code() == region;
  if (!region_ok) v.push_back({prefix + "region", absl::StrCat("unknown region \"", region, "\"")});
  if (!channel.empty()) {
    bool channel_ok = false;
    for (const auto& c : s.source_channels()) channel_ok = channel_ok || c == channel;
    if (!channel_ok) v.push_back({prefix + "source_channel", absl::StrCat("unknown source channel \"", channel, "\"")});
  }
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

v1::ProtectionState StateOf(const CustomerRecord& rec, int window, absl::CivilDay today) {
  const v1::Customer& c = rec.customer;
  switch (c.status()) {
    case v1::CUSTOMER_STATUS_BLACKLISTED:
      return v1::PROTECTION_STATE_BLOCKED;
    case v1::CUSTOMER_STATUS_ACTIVE:
    case v1::CUSTOMER_STATUS_DORMANT:
      return c.owner_rep_id() == 0 ? v1::PROTECTION_STATE_IN_POOL : v1::PROTECTION_STATE_ACCOUNT;
    default:
      break;
  }
  if (c.owner_rep_id() == 0) return v1::PROTECTION_STATE_IN_POOL;
  // Family members follow their primary: protected while linked.
  if (c.primary_customer_id() != 0 || !rec.protection_base.has_value()) return v1::PROTECTION_STATE_PROTECTED;
  // Lapsed but not yet swept reads as what the sweep will make it.
  return LapsedOn(*rec.protection_base, window, today) ? v1::PROTECTION_STATE_IN_POOL : v1::PROTECTION_STATE_PROTECTED;
}

v1::Customer Present(const CustomerRecord& rec, const Viewer& v, int window, absl::CivilDay today) {
  v1::Customer c = rec.customer;
  c.set_protection_state(StateOf(rec, window, today));
  if (c.status() == v1::CUSTOMER_STATUS_PROSPECT && c.owner_rep_id() != 0 && rec.protection_base.has_value() &&
      c.primary_customer_id() == 0) {
    *c.mutable_protected_until() = FromCivilDay(ProtectedUntil(*rec.protection_base, window));
  }
  return MaskTo(c, v.VisibilityOf(rec));
}

std::string MaskName(const std::string& name) {
  auto cps = CodePoints(name);
  if (cps.size() <= 2) return cps.empty() ? "" : cps[0] + "*";
  size_t head = cps.size() >= 8 ? 3 : 1;
  size_t tail = cps.size() >= 8 ? 4 : 1;
  std::string out;
  for (size_t i = 0; i < head; ++i) out += cps[i];
  out += "**";
  for (size_t i = cps.size() - tail; i < cps.size(); ++i) out += cps[i];
  return out;
}

v1::DuplicateMatch MatchOf(db::Transaction& tx, const CustomerStore::Match& m, const Viewer& v, int window,
                           absl::CivilDay today) {
  const v1::Customer& c = m.record.customer;
  bool sees = v.Sees(m.record);
  v1::DuplicateMatch d;
  d.set_customer_id(c.id());
  d.set_masked_name(sees ? c.name() : MaskName(c.name()));
  d.set_city(c.city());
  d.set_masked_phone(sees ? c.normalized_phone() : MaskPhone(c.normalized_phone()));
  for (auto k : m.keys) d.add_matched_keys(k);
  d.set_owner_rep_id(c.owner_rep_id());
  d.set_status(c.status());
  d.set_protection_state(StateOf(m.record, window, today));
  if (d.protection_state() == v1::PROTECTION_STATE_PROTECTED && m.record.protection_base.has_value()) {
    *d.mutable_protected_until() = FromCivilDay(ProtectedUntil(*m.record.protection_base, window));
  }
  *d.mutable_register_time() = c.register_time();
  if (c.owner_rep_id() != 0) {
    // The rep's name so the caller can talk to the holder (the org copy has
    // no phone numbers).
    auto name = OrgCopyStore::RepName(tx, c.owner_rep_id());
    if (name.ok() && name->has_value()) d.set_owner_rep_name(**name);
  }
  return d;
}

absl::Status AlreadyRegistered(db::Transaction& tx, const CustomerStore::Match& m, const Viewer& v, int window,
                               absl::CivilDay today) {
  v1::DuplicateMatch d = MatchOf(tx, m, v, window, today);
  std::string keys;
  for (auto k : m.keys) {
    absl::StrAppend(&keys, keys.empty() ? "" : ",",
                    k == v1::DUPLICATE_KEY_PHONE    ? "phone"
                    : k == v1::DUPLICATE_KEY_TAX_ID ? "tax_id"
                                                    : "name");
  }
  absl::Status st = WithErrorInfo(
      absl::AlreadyExistsError(absl::StrCat(
          "customer already registered as #", d.customer_id(), " ", d.masked_name(), " (", d.city(), "), held by ",
          d.owner_rep_id() == 0 ? std::string("the shared pool")
                                : absl::StrCat("rep ", d.owner_rep_id(), " ", d.owner_rep_name()),
          "; matched on ", keys)),
      "CUSTOMER_EXISTS", kCustomersDomain,
      {{"customer_id", absl::StrCat(d.customer_id())},
       {"owner_rep_id", absl::StrCat(d.owner_rep_id())},
       {"owner_rep_name", d.owner_rep_name()},
       {"masked_name", d.masked_name()},
       {"city", d.city()},
       {"phone", d.masked_phone()},
       {"matched_keys", keys},
       {"protection_state", v1::ProtectionState_Name(d.protection_state())}});
  // The holder itself travels in the status details (customer.proto:
  // DuplicateMatch packed in google.protobuf.Any), masked for the caller.
  st.SetPayload(absl::StrCat("type.googleapis.com/", v1::DuplicateMatch::descriptor()->full_name()),
                absl::Cord(d.SerializeAsString()));
  return st;
}

absl::Status AppendStatusChanged(db::Transaction& tx, Outbox& outbox, const CustomerRecord& rec,
                                 v1::CustomerStatus from, v1::CustomerStatus to, const common::v1::Date& effective,
                                 const std::string& reason, const Who& who, const std::string& request_id) {
  v1::CustomerStatusChangedEvent e;
  e.set_customer_id(rec.customer.id());
  e.set_from_status(from);
  e.set_to_status(to);
  e.set_owner_rep_id(rec.customer.owner_rep_id());
  e.set_owner_org_unit_id(rec.customer.owner_org_unit_id());
  *e.mutable_effective_date() = effective;
  e.set_reason(reason);
  *e.mutable_actor() = who.ToActor();
  return outbox.Append(tx, "Customer", absl::StrCat(rec.customer.id()), e, request_id);
}

absl::StatusOr<v1::OwnershipRecord> MoveOwner(CustomerBook& book, const CustomerRecord& rec,
                                              CustomerStore::OwnerChange ch, const std::string& request_id,
                                              absl::Time now) {
  ch.customer_id = rec.customer.id();
  ch.from_rep_id = rec.customer.owner_rep_id();
  SALES_ASSIGN_OR_RETURN(auto record, book.ChangeOwner(ch, now));
  auto who_text = [](int64_t rep) { return rep == 0 ? std::string("pool") : absl::StrCat("rep ", rep); };
  std::string action = v1::OwnershipChangeKind_Name(ch.kind);
  absl::StrReplaceAll({{"OWNERSHIP_CHANGE_KIND_", ""}}, &action);
  SALES_RETURN_IF_ERROR(book.Audit(rec.customer.id(), ch.who, action, who_text(ch.from_rep_id), who_text(ch.to_rep_id),
                                   ch.reason, request_id, now));
  v1::CustomerOwnerChangedEvent e;
  e.set_customer_id(rec.customer.id());
  e.set_from_rep_id(ch.from_rep_id);
  e.set_to_rep_id(ch.to_rep_id);
  SALES_ASSIGN_OR_RETURN(int64_t from_unit, UnitOfRep(book, ch.from_rep_id));
  SALES_ASSIGN_OR_RETURN(int64_t to_unit, UnitOfRep(book, ch.to_rep_id));
  e.set_from_org_unit_id(from_unit);
  e.set_to_org_unit_id(to_unit);
  e.set_kind(ch.kind);
  e.set_reason(ch.reason);
  *e.mutable_effective_time() = ToTimestamp(now);
  e.set_status(rec.customer.status());
  e.set_handover_id(ch.handover_id);
  e.set_ownership_record_id(record.id());
  *e.mutable_actor() = ch.who.ToActor();
  SALES_RETURN_IF_ERROR(book.Publish("Customer", absl::StrCat(rec.customer.id()), e, request_id));
  // 直系亲属视为同一客户: members move with their primary.
  SALES_ASSIGN_OR_RETURN(auto members, book.FamilyMembers(rec.customer.id()));
  for (int64_t m : members) {
    SALES_ASSIGN_OR_RETURN(auto member, book.LockCustomer(m));
    if (member.customer.owner_rep_id() == ch.to_rep_id) continue;
    CustomerStore::OwnerChange mc = ch;
    mc.reason = absl::StrCat("follows primary customer #", rec.customer.id(), ": ", ch.reason);
    SALES_RETURN_IF_ERROR(MoveOwner(book, member, mc, request_id, now).status());
  }
  return record;
}

absl::StatusOr<v1::OwnershipRecord> MoveOwner(db::Transaction& tx, Outbox& outbox, const CustomerRecord& rec,
                                              CustomerStore::OwnerChange ch, const std::string& request_id,
                                              absl::Time now) {
  SqlCustomerBook book(tx, &outbox);
  return MoveOwner(book, rec, std::move(ch), request_id, now);
}

absl::StatusOr<int64_t> UnitOfRep(CustomerBook& book, int64_t rep_id) {
  if (rep_id == 0) return 0;
  SALES_ASSIGN_OR_RETURN(auto rep, book.Rep(rep_id));
  return rep.has_value() ? rep->org_unit_id : 0;
}

absl::StatusOr<int64_t> UnitOfRep(db::Transaction& tx, int64_t rep_id) {
  SqlCustomerBook book(tx, nullptr);
  return UnitOfRep(book, rep_id);
}

absl::Status CheckOwner(db::Transaction& tx, bool targets_configured, int64_t rep_id, const std::string& field) {
  SALES_ASSIGN_OR_RETURN(auto rep, OrgReplica::Rep(tx, rep_id));
  if (!rep.has_value()) {
    // Reps are checked once the organization copy is fed (targets
    // configured, or reps already copied); a bare development setup without
    // targets has nothing to check against.
    bool fed = targets_configured;
    if (!fed) {
      SALES_ASSIGN_OR_RETURN(fed, OrgCopyStore::AnyRep(tx));
    }
    if (fed) return InvalidField(field, absl::StrCat("unknown rep ", rep_id));
    return absl::OkStatus();
  }
  if (rep->left()) {
    return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("rep ", rep_id, " has left the company")),
                         "REP_LEFT", kCustomersDomain, {{"rep_id", absl::StrCat(rep_id)}});
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<int64_t>> RepsInUnits(db::Transaction& tx, const std::vector<int64_t>& units) {
  return OrgCopyStore::RepsInUnits(tx, units);
}

absl::StatusOr<bool> OrgKnown(db::Transaction& tx) { return OrgCopyStore::AnyUnit(tx); }

absl::StatusOr<std::optional<RepInfo>> KnownRep(db::Transaction& tx, int64_t rep_id) {
  SALES_ASSIGN_OR_RETURN(auto rep, OrgReplica::Rep(tx, rep_id));
  if (rep.has_value()) return rep;
  SALES_ASSIGN_OR_RETURN(bool known, OrgKnown(tx));
  if (known) return NotFound("rep", rep_id);
  return std::optional<RepInfo>();
}

absl::Status CheckOffice(db::Transaction& tx, int64_t office_id, absl::string_view field) {
  SALES_ASSIGN_OR_RETURN(auto kind, OrgCopyStore::UnitKind(tx, office_id));
  if (!kind.has_value()) {
    SALES_ASSIGN_OR_RETURN(bool known, OrgKnown(tx));
    if (known) return NotFound("office", office_id);
    return absl::OkStatus();
  }
  if (*kind != kOfficeKind) return InvalidField(std::string(field), "must be an org unit of kind OFFICE");
  return absl::OkStatus();
}

absl::Status CheckRepInOffice(db::Transaction& tx, int64_t rep_id, int64_t office_id, absl::string_view field) {
  SALES_ASSIGN_OR_RETURN(auto rep, KnownRep(tx, rep_id));
  if (!rep.has_value()) return absl::OkStatus();
  if (rep->status != kRepActive && rep->status != kRepProbation) {
    return WithErrorInfo(absl::FailedPreconditionError(absl::StrCat("rep ", rep_id, " is not active")),
                         "REP_NOT_ACTIVE", kCustomersDomain, {{"field", std::string(field)}});
  }
  SALES_ASSIGN_OR_RETURN(bool within, OrgReplica::IsWithin(tx, rep->org_unit_id, office_id));
  if (!within) {
    return WithErrorInfo(
        absl::FailedPreconditionError(absl::StrCat("rep ", rep_id, " does not belong to office ", office_id)),
        "REP_NOT_IN_OFFICE", kCustomersDomain, {{"field", std::string(field)}});
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<int64_t>> OfficesInScope(db::Transaction& tx, const Viewer& v) {
  SALES_ASSIGN_OR_RETURN(bool known, OrgKnown(tx));
  std::vector<int64_t> out;
  if (!known) {
    if (!v.ReadsAll()) return out;
    return ReceptionReportStore::KnownOffices(tx);
  }
  SALES_ASSIGN_OR_RETURN(auto offices, OrgCopyStore::UnitsOfKind(tx, kOfficeKind));
  for (int64_t office : offices) {
    if (v.SeesUnit(office)) out.push_back(office);
  }
  return out;
}

absl::StatusOr<Span> SpanOf(const common::v1::Period& p, const std::string& field) {
  SALES_RETURN_IF_ERROR(ValidateDate(p.start(), field + ".start"));
  absl::CivilDay start = ToCivilDay(p.start());
  switch (p.kind()) {
    case common::v1::PERIOD_KIND_WEEK:
      return Span{start, start + 6};
    case common::v1::PERIOD_KIND_MONTH:
      if (start.day() != 1) return InvalidField(field + ".start", "a month starts on day 1");
      return Span{start, absl::CivilDay(absl::CivilMonth(start) + 1) - 1};
    case common::v1::PERIOD_KIND_QUARTER:
      if (start.day() != 1 || (start.month() - 1) % 3 != 0) {
        return InvalidField(field + ".start", "a quarter starts on Jan, Apr, Jul or Oct 1");
      }
      return Span{start, absl::CivilDay(absl::CivilMonth(start) + 3) - 1};
    case common::v1::PERIOD_KIND_YEAR:
      if (start.day() != 1 || start.month() != 1) return InvalidField(field + ".start", "a year starts on Jan 1");
      return Span{start, absl::CivilDay(start.year() + 1, 1, 1) - 1};
    default:
      return InvalidField(field + ".kind", "WEEK, MONTH, QUARTER or YEAR");
  }
}

common::v1::DateRange RangeOf(const Span& s) {
  common::v1::DateRange r;
  *r.mutable_start() = FromCivilDay(s.start);
  *r.mutable_end() = FromCivilDay(s.end);
  return r;
}

}  // namespace sales::customers
