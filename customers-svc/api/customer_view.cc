#include "customers-svc/api/customer_view.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "sales/customers/v1/events.pb.h"
#include "customers-svc/domain/field_limits.h"
#include "customers-svc/domain/normalize.h"
#include "customers-svc/domain/protection.h"
#include "customers-svc/store/org_copy_store.h"
#include "customers-svc/store/settings_store.h"
#include "platform/convert.h"
#include "platform/org/org_replica.h"
#include "platform/status.h"

namespace sales::customers {
namespace {

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

bool CustomerViewer::InUnits(int64_t unit) const {
  return unit != 0 && std::find(units.begin(), units.end(), unit) != units.end();
}

MaskingViewer CustomerViewer::Masking() const {
  MaskingViewer m;
  m.reads_all = ReadsAll();
  m.rep_id = rep ? rep_id : 0;
  if (manager) m.units = units;
  return m;
}

CustomerVisibility CustomerViewer::VisibilityOf(const CustomerRecord& c) const {
  return sales::customers::VisibilityOf(c.customer, Masking());
}

bool CustomerViewer::Sees(const CustomerRecord& c) const { return VisibilityOf(c) == CustomerVisibility::kFull; }

bool CustomerViewer::Manages(const CustomerRecord& c) const {
  if (everything) return true;
  if (!manager) return false;
  if (c.customer.owner_rep_id() == 0) return true;
  return InUnits(c.owner_org_unit_id);
}

absl::StatusOr<CustomerViewer> LoadViewer(db::Transaction& tx, const Principal& principal) {
  CustomerViewer v;
  v.principal = principal;
  v.who = Who::Of(principal);
  const std::string& role = principal.role;
  if (!principal.authenticated() || role == kRoleAdmin || role == kRoleDirector) {
    v.everything = true;
    return v;
  }
  v.finance = role == kRoleFinance;
  v.service = role == kRoleService;
  v.receptionist = role == kRoleReceptionist;
  if (role == kRoleManager && principal.org_unit_id != 0) {
    v.manager = true;
    SALES_ASSIGN_OR_RETURN(v.units, OrgReplica::Subtree(tx, principal.org_unit_id));
    if (std::find(v.units.begin(), v.units.end(), principal.org_unit_id) == v.units.end()) {
      v.units.push_back(principal.org_unit_id);
    }
  }
  if (role == kRoleRep && principal.rep_id != 0) {
    v.rep = true;
    v.rep_id = principal.rep_id;
  }
  return v;
}

absl::Status Denied(const std::string& what) {
  return WithErrorInfo(absl::PermissionDeniedError(what), "NOT_ALLOWED", kDomain);
}

absl::StatusOr<int> ProtectionDays(db::Transaction& tx) {
  SALES_ASSIGN_OR_RETURN(auto s, LoadCustomerSettings(tx));
  if (s.protection_days() < kMinProtectionDays || s.protection_days() > kMaxProtectionDays) {
    return kDefaultProtectionDays;
  }
  return s.protection_days();
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
  return LapsedOn(*rec.protection_base, window, today) ? v1::PROTECTION_STATE_IN_POOL
                                                       : v1::PROTECTION_STATE_PROTECTED;
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

v1::Customer Present(const CustomerRecord& rec, const CustomerViewer& v, int window, absl::CivilDay today) {
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

absl::StatusOr<int64_t> UnitOfRep(db::Transaction& tx, int64_t rep_id) {
  if (rep_id == 0) return 0;
  SALES_ASSIGN_OR_RETURN(auto rep, OrgReplica::Rep(tx, rep_id));
  return rep.has_value() ? rep->org_unit_id : 0;
}

v1::DuplicateMatch MatchOf(db::Transaction& tx, const CustomerStore::Match& m, const CustomerViewer& v, int window,
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

absl::Status AlreadyRegistered(db::Transaction& tx, const CustomerStore::Match& m, const CustomerViewer& v,
                               int window, absl::CivilDay today) {
  v1::DuplicateMatch d = MatchOf(tx, m, v, window, today);
  std::string keys;
  for (auto k : m.keys) {
    absl::StrAppend(&keys, keys.empty() ? "" : ",",
                    k == v1::DUPLICATE_KEY_PHONE ? "phone" : k == v1::DUPLICATE_KEY_TAX_ID ? "tax_id" : "name");
  }
  absl::Status st = WithErrorInfo(
      absl::AlreadyExistsError(absl::StrCat("customer already registered as #", d.customer_id(), " ",
                                            d.masked_name(), " (", d.city(), "), held by ",
                                            d.owner_rep_id() == 0 ? std::string("the shared pool")
                                                                  : absl::StrCat("rep ", d.owner_rep_id(), " ",
                                                                                 d.owner_rep_name()),
                                            "; matched on ", keys)),
      "CUSTOMER_EXISTS", kDomain,
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

absl::StatusOr<v1::OwnershipRecord> MoveOwner(db::Transaction& tx, Outbox& outbox, const CustomerRecord& rec,
                                              CustomerStore::OwnerChange ch, const std::string& request_id,
                                              absl::Time now) {
  ch.customer_id = rec.customer.id();
  ch.from_rep_id = rec.customer.owner_rep_id();
  SALES_ASSIGN_OR_RETURN(auto record, CustomerStore::ChangeOwner(tx, ch, now));
  auto who_text = [](int64_t rep) { return rep == 0 ? std::string("pool") : absl::StrCat("rep ", rep); };
  std::string action = v1::OwnershipChangeKind_Name(ch.kind);
  absl::StrReplaceAll({{"OWNERSHIP_CHANGE_KIND_", ""}}, &action);
  SALES_RETURN_IF_ERROR(AuditStore::Append(tx, rec.customer.id(), ch.who, action, who_text(ch.from_rep_id),
                                           who_text(ch.to_rep_id), ch.reason, request_id, now));
  v1::CustomerOwnerChangedEvent e;
  e.set_customer_id(rec.customer.id());
  e.set_from_rep_id(ch.from_rep_id);
  e.set_to_rep_id(ch.to_rep_id);
  SALES_ASSIGN_OR_RETURN(int64_t from_unit, UnitOfRep(tx, ch.from_rep_id));
  SALES_ASSIGN_OR_RETURN(int64_t to_unit, UnitOfRep(tx, ch.to_rep_id));
  e.set_from_org_unit_id(from_unit);
  e.set_to_org_unit_id(to_unit);
  e.set_kind(ch.kind);
  e.set_reason(ch.reason);
  *e.mutable_effective_time() = ToTimestamp(now);
  e.set_status(rec.customer.status());
  e.set_handover_id(ch.handover_id);
  e.set_ownership_record_id(record.id());
  *e.mutable_actor() = ch.who.ToActor();
  SALES_RETURN_IF_ERROR(outbox.Append(tx, "Customer", absl::StrCat(rec.customer.id()), e, request_id));
  // 直系亲属视为同一客户: members move with their primary.
  SALES_ASSIGN_OR_RETURN(auto members, CustomerStore::FamilyMembers(tx, rec.customer.id()));
  for (int64_t m : members) {
    SALES_ASSIGN_OR_RETURN(auto member, CustomerStore::Lock(tx, m));
    if (member.customer.owner_rep_id() == ch.to_rep_id) continue;
    CustomerStore::OwnerChange mc = ch;
    mc.reason = absl::StrCat("follows primary customer #", rec.customer.id(), ": ", ch.reason);
    SALES_RETURN_IF_ERROR(MoveOwner(tx, outbox, member, mc, request_id, now).status());
  }
  return record;
}

absl::StatusOr<std::vector<int64_t>> RepsInUnits(db::Transaction& tx, const std::vector<int64_t>& units) {
  return OrgCopyStore::RepsInUnits(tx, units);
}

absl::Status RequireText(const std::string& text, const std::string& field, size_t max) {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) return InvalidField(field, "required, non-blank");
  return CheckLength(text, max, field);
}

absl::Status NotInFuture(const common::v1::Date& d, absl::string_view field, absl::CivilDay today) {
  SALES_RETURN_IF_ERROR(ValidateDate(d, field));
  if (ToCivilDay(d) > today) return InvalidField(std::string(field), "must not be in the future");
  return absl::OkStatus();
}

}  // namespace sales::customers
