// Who the caller is to customers-svc and what they may see and do
// (domain.md §1): the one scope type of the service, read by every handler
// and use case. A rep sees their own customers, a manager (or a
// receptionist) their unit's subtree, finance and service identities read
// everything, the director and ADMIN act on everything.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "customers-svc/domain/errors.h"
#include "customers-svc/domain/masking.h"
#include "customers-svc/store/customer_store.h"
#include "platform/mysql.h"
#include "platform/principal.h"
#include "sales/common/v1/audit.pb.h"

namespace sales::customers {

struct Viewer {
  Principal principal;
  Who who;
  bool all = false;  // ADMIN, SALES_DIRECTOR, development mode (anonymous): acts on everything
  bool finance = false;
  bool service = false;
  bool receptionist = false;
  bool manager = false;  // a SALES_MANAGER placed in an org unit (`units` is their subtree)
  bool rep = false;      // a SALES_REP with a rep id
  int64_t rep_id = 0;    // set with `rep`
  // The subtree of a manager's or a receptionist's unit, their own unit
  // included, ascending; empty for everyone else.
  std::vector<int64_t> units;

  // The caller in the role, placed or not (the engagement side's checks).
  bool IsRep() const;
  bool IsManager() const;
  bool IsReceptionist() const;

  // `all`, finance and service identities read everything.
  bool ReadsAll() const { return all || finance || service; }
  // The unit is in `units`.
  bool HasUnit(int64_t unit) const;
  // Reads what is kept in the unit (everything for the all-readers).
  bool SeesUnit(int64_t unit) const { return ReadsAll() || HasUnit(unit); }
  // Acts on what is kept in the unit (everything for director and ADMIN).
  bool ActsOnUnit(int64_t unit) const { return all || HasUnit(unit); }
  // A manager over the unit (a real unit, in their subtree).
  bool ManagesUnit(int64_t unit) const { return manager && unit != 0 && HasUnit(unit); }
  // A manager's subtree; empty for everyone else, receptionists included
  // (customer lists, hand-overs and follow-ups are scoped to managers).
  std::vector<int64_t> ManagedUnits() const { return manager ? units : std::vector<int64_t>(); }

  // Who this caller is to the masking rule (domain/masking.h).
  MaskingViewer Masking() const;
  // Full (unmasked) view: own customer, a manager's subtree, or all-readers
  // (VisibilityOf == kFull).
  bool Sees(const CustomerRecord& c) const;
  CustomerVisibility VisibilityOf(const CustomerRecord& c) const;
  // Acts as the customer's manager: admin/director, or a manager whose
  // subtree holds the owner (pool customers: any manager).
  bool Manages(const CustomerRecord& c) const;
  bool IsOwner(const CustomerRecord& c) const { return rep && rep_id != 0 && c.customer.owner_rep_id() == rep_id; }

  // Narrows a store's list filter (`all`, `offices`, `scope_rep_id`) to
  // what this caller reads: everything, their offices, or their own rows.
  template <typename Filter>
  void ScopeReads(Filter* f) const {
    f->all = ReadsAll();
    f->offices = units;
    f->scope_rep_id = principal.rep_id;
  }

  // A viewer who sees everything, for what goes on the feed.
  static Viewer Everything() {
    Viewer v;
    v.all = true;
    return v;
  }
};

absl::StatusOr<Viewer> LoadViewer(db::Transaction& tx, const Principal& principal);

// PERMISSION_DENIED (NOT_ALLOWED) saying who may do it: the customers,
// ownership, follow-up and credit methods.
absl::Status Denied(const std::string& what);
// PERMISSION_DENIED (PERMISSION_DENIED, the caller's role attached): "role
// X may not <what>", the engagement methods (rotation, leads, complaints,
// visits, reports, settings).
absl::Status Denied(const Viewer& v, absl::string_view what);

// Sweeps (lapse, dormancy) run as a service identity or ADMIN (or in
// development mode); PERMISSION_DENIED otherwise.
absl::Status MayRunSweep(const Viewer& v);

// The caller as events and engagement records name who acted.
common::v1::Actor ActorOf(const Principal& p);

}  // namespace sales::customers
