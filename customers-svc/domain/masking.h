// What of a customer a caller may see (domain.md §1): "Contact details of a
// customer owned by someone else are masked (name and city only)". The one
// place that decides it; every read of customers-svc that hands out a
// Customer goes through MaskForViewer.
#pragma once

#include <cstdint>
#include <vector>

#include "sales/customers/v1/customer.pb.h"

namespace sales::customers {

// The caller as far as masking is concerned; the api layer fills it from the
// principal and the organization copy (CustomerViewer::Masking()).
struct MaskingViewer {
  // ADMIN, SALES_DIRECTOR, FINANCE, service identities and the development
  // mode: their scope is every customer.
  bool reads_all = false;
  // The caller's rep id when they are a SALES_REP; 0 otherwise.
  int64_t rep_id = 0;
  // A SALES_MANAGER's org unit subtree (their own unit included); empty
  // for everyone else.
  std::vector<int64_t> units;
};

enum class CustomerVisibility {
  // Everything: the owning rep, a manager whose subtree holds the owner's
  // unit, and the all-readers.
  kFull,
  // A customer in the shared pool (公海), owned by nobody, seen by anyone
  // else: a rep may claim it (ClaimCustomer needs its etag; type, region and
  // pool entry time are what reps choose by), so only the ways of reaching
  // the customer are withheld until it is theirs.
  kPool,
  // Owned by someone else (another rep's customer, or one outside a
  // manager's subtree): name and city only.
  kNameAndCity,
};

// Decides from the owner (owner_rep_id, owner_org_unit_id) alone.
CustomerVisibility VisibilityOf(const v1::Customer& c, const MaskingViewer& v);

// The customer as `v` may see it. For kNameAndCity only id, name, city and
// `masked` (true) are set: the id stays because the caller already holds it
// (it is how they asked: GetCustomer, BatchGetCustomers, the id a duplicate
// check named) and it is needed to refer to the customer in a dispute or to
// match a batch answer to its request; it tells nothing about the customer.
// For kPool the contact details are cleared (phone kept as "138****8000").
v1::Customer MaskForViewer(const v1::Customer& c, const MaskingViewer& v);
v1::Customer MaskTo(const v1::Customer& c, CustomerVisibility visibility);

}  // namespace sales::customers
