// The customers port in memory, for application tests without a database:
// the test fills the public maps, the use case reads and writes through the
// CustomerBook interface, and the test asserts on the maps and on what was
// audited and published. Reads and writes follow the SQL stores
// (store/customer_store.cc): LapsedProspects selects what its statement
// selects, ChangeOwner closes the open ownership record and stores the new
// owner and protection base the way the UPDATE does, so a use case that
// skips a rule shows up here as a wrong state. FakeCustomerBooks gives each
// unit of work a transaction of its own: a unit that fails is rolled back,
// the ones before it stay.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "customers-svc/app/customer_book.h"
#include "platform/convert.h"
#include "platform/status.h"

namespace sales::testing {

class FakeCustomerBook final : public customers::CustomerBook {
 public:
  // One message appended to the feed, kept serialized (read it back with
  // EventsOf<E>()).
  struct Event {
    std::string aggregate_type;
    std::string aggregate_id;
    std::string type;  // full proto name, e.g. "sales.customers.v1.CustomerOwnerChangedEvent"
    std::string payload;
    std::string request_id;
  };
  // One row of the customer audit trail.
  struct AuditRow {
    int64_t customer_id = 0;
    customers::Who who;
    std::string action, from, to, reason, request_id;
    absl::Time at;
  };

  // ---- What the test sets up (and reads back) ----
  // The customer state the book holds; copied whole on every transaction a
  // FakeCustomerBooks rolls back.
  struct State {
    std::map<int64_t, customers::CustomerRecord> customers;  // by id
    std::map<int64_t, RepInfo> reps;                         // the org copy
    customers::v1::CustomersSettings settings;               // protection_days 0: the default applies
    bool lapse_lock_row = true;                              // the V003 sweep_locks 'lapse' row exists
    std::map<int64_t, int64_t> versions;                     // changes per customer (the etag)
    // ---- What the use case wrote ----
    std::vector<customers::v1::OwnershipRecord> ownership;  // every record, ids from 1
    std::vector<AuditRow> audits;
    std::vector<Event> events;
  };
  State state;

  // ---- What the use case did (kept across rollbacks) ----
  // Every call, in order ("LockLapseSweep", "LapsedProspects(after=0)", ...).
  std::vector<std::string> calls;
  int lapse_locks = 0;  // LockLapseSweep calls that found the row
  // ChangeOwner fails (INTERNAL) for this customer, to break a batch.
  std::optional<int64_t> fail_change_owner_for;

  template <typename E>
  std::vector<E> EventsOf() const {
    std::vector<E> out;
    for (const auto& e : state.events) {
      if (e.type != E().GetTypeName()) continue;
      out.emplace_back();
      out.back().ParseFromString(e.payload);
    }
    return out;
  }
  std::vector<AuditRow> AuditsOf(int64_t customer_id) const {
    std::vector<AuditRow> out;
    for (const auto& a : state.audits) {
      if (a.customer_id == customer_id) out.push_back(a);
    }
    return out;
  }
  std::vector<customers::v1::OwnershipRecord> RecordsOf(int64_t customer_id) const {
    std::vector<customers::v1::OwnershipRecord> out;
    for (const auto& r : state.ownership) {
      if (r.customer_id() == customer_id) out.push_back(r);
    }
    return out;
  }
  const customers::v1::Customer& Customer(int64_t id) const { return state.customers.at(id).customer; }

  // ---- CustomerBook ----
  absl::StatusOr<customers::v1::CustomersSettings> Settings() override {
    calls.push_back("Settings");
    return state.settings;
  }
  absl::StatusOr<std::optional<RepInfo>> Rep(int64_t rep_id) override {
    calls.push_back(absl::StrCat("Rep(", rep_id, ")"));
    auto it = state.reps.find(rep_id);
    if (it == state.reps.end()) return std::optional<RepInfo>();
    return std::optional<RepInfo>(it->second);
  }
  absl::StatusOr<customers::CustomerRecord> LockCustomer(int64_t customer_id) override {
    calls.push_back(absl::StrCat("LockCustomer(", customer_id, ")"));
    auto it = state.customers.find(customer_id);
    if (it == state.customers.end()) return NotFound("customer", customer_id);
    return Read(it->second);
  }
  absl::StatusOr<std::vector<int64_t>> FamilyMembers(int64_t primary_id) override {
    calls.push_back(absl::StrCat("FamilyMembers(", primary_id, ")"));
    std::vector<int64_t> out;  // by member id, as the map is ordered
    for (const auto& [id, rec] : state.customers) {
      if (rec.customer.primary_customer_id() == primary_id) out.push_back(id);
    }
    return out;
  }
  absl::StatusOr<customers::v1::OwnershipRecord> ChangeOwner(const customers::CustomerStore::OwnerChange& ch,
                                                             absl::Time now) override {
    calls.push_back(absl::StrCat("ChangeOwner(", ch.customer_id, ")"));
    if (fail_change_owner_for == ch.customer_id) return absl::InternalError("connection lost");
    auto it = state.customers.find(ch.customer_id);
    if (it == state.customers.end()) return NotFound("customer", ch.customer_id);
    for (auto& r : state.ownership) {
      if (r.customer_id() == ch.customer_id && !r.has_end_time()) *r.mutable_end_time() = ToTimestamp(now);
    }
    customers::v1::OwnershipRecord r;
    r.set_id(static_cast<int64_t>(state.ownership.size()) + 1);
    r.set_customer_id(ch.customer_id);
    r.set_from_rep_id(ch.from_rep_id);
    r.set_to_rep_id(ch.to_rep_id);
    r.set_kind(ch.kind);
    *r.mutable_effective_time() = ToTimestamp(now);
    r.set_reason(ch.reason);
    *r.mutable_actor() = ch.who.ToActor();
    r.set_handover_id(ch.handover_id);
    if (ch.last_follow_up_date.has_value()) *r.mutable_last_follow_up_date() = FromCivilDay(*ch.last_follow_up_date);
    state.ownership.push_back(r);
    // As the UPDATE of customers: owner, previous owner, pool entry time
    // (set entering the pool, cleared otherwise), the new base (NULL when
    // none is given) and the version.
    customers::CustomerRecord& rec = it->second;
    rec.customer.set_owner_rep_id(ch.to_rep_id);
    rec.previous_owner_rep_id = ch.from_rep_id;
    if (ch.to_rep_id == 0) {
      *rec.customer.mutable_pool_entry_time() = ToTimestamp(now);
    } else {
      rec.customer.clear_pool_entry_time();
    }
    rec.protection_base = ch.new_base;
    ++state.versions[ch.customer_id];
    return r;
  }
  absl::StatusOr<int64_t> CountOwnedProspects() override {
    calls.push_back("CountOwnedProspects");
    int64_t n = 0;
    for (const auto& [id, rec] : state.customers) {
      if (rec.customer.status() == customers::v1::CUSTOMER_STATUS_PROSPECT && rec.customer.owner_rep_id() != 0) ++n;
    }
    return n;
  }
  absl::StatusOr<std::vector<customers::CustomerRecord>> LapsedProspects(absl::CivilDay base_before, int64_t after_id,
                                                                         int limit) override {
    calls.push_back(absl::StrCat("LapsedProspects(after=", after_id, ")"));
    // WHERE status = PROSPECT AND protection_base_date < ? AND owner_rep_id
    // IS NOT NULL AND primary_customer_id IS NULL AND id > ? ORDER BY id LIMIT ?
    std::vector<customers::CustomerRecord> out;
    for (const auto& [id, rec] : state.customers) {
      if (static_cast<int>(out.size()) >= limit) break;
      const auto& c = rec.customer;
      if (c.status() != customers::v1::CUSTOMER_STATUS_PROSPECT || !rec.protection_base.has_value() ||
          !(*rec.protection_base < base_before) || c.owner_rep_id() == 0 || c.primary_customer_id() != 0 ||
          id <= after_id) {
        continue;
      }
      out.push_back(Read(rec));
    }
    return out;
  }
  absl::StatusOr<bool> LockLapseSweep() override {
    calls.push_back("LockLapseSweep");
    if (state.lapse_lock_row) ++lapse_locks;
    return state.lapse_lock_row;
  }
  absl::Status Audit(int64_t customer_id, const customers::Who& who, const std::string& action, const std::string& from,
                     const std::string& to, const std::string& reason, const std::string& request_id,
                     absl::Time now) override {
    calls.push_back(absl::StrCat("Audit(", customer_id, ")"));
    state.audits.push_back({customer_id, who, action, from, to, reason, request_id, now});
    return absl::OkStatus();
  }
  absl::Status Publish(const std::string& aggregate_type, const std::string& aggregate_id,
                       const google::protobuf::Message& event, const std::string& request_id) override {
    calls.push_back(absl::StrCat("Publish(", aggregate_type, ")"));
    state.events.push_back({aggregate_type, aggregate_id, event.GetTypeName(), event.SerializeAsString(), request_id});
    return absl::OkStatus();
  }

 private:
  // A row as the store reads it: the etag from the version, the owner's
  // unit from the org copy.
  customers::CustomerRecord Read(const customers::CustomerRecord& rec) const {
    customers::CustomerRecord out = rec;
    auto v = state.versions.find(rec.customer.id());
    out.customer.set_etag(MakeEtag(v == state.versions.end() ? 1 : v->second + 1));
    auto rep = state.reps.find(rec.customer.owner_rep_id());
    out.owner_org_unit_id = rep == state.reps.end() ? 0 : rep->second.org_unit_id;
    return out;
  }
};

// Each unit of work over the one fake book, as if in a transaction of its
// own: committed when it returns OK, rolled back (the book's state restored)
// otherwise.
class FakeCustomerBooks final : public customers::CustomerBooks {
 public:
  explicit FakeCustomerBooks(FakeCustomerBook& book) : book_(book) {}

  int transactions = 0;  // units of work run
  int rolled_back = 0;

  absl::Status InTransaction(const std::function<absl::Status(customers::CustomerBook&)>& work) override {
    ++transactions;
    FakeCustomerBook::State before = book_.state;
    absl::Status st = work(book_);
    if (!st.ok()) {
      book_.state = std::move(before);
      ++rolled_back;
    }
    return st;
  }

 private:
  FakeCustomerBook& book_;
};

}  // namespace sales::testing
