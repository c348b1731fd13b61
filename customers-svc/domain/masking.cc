#include "customers-svc/domain/masking.h"

#include <algorithm>

#include "customers-svc/domain/normalize.h"

namespace sales::customers {

CustomerVisibility VisibilityOf(const v1::Customer& c, const MaskingViewer& v) {
  if (v.reads_all) return CustomerVisibility::kFull;
  if (c.owner_rep_id() == 0) return CustomerVisibility::kPool;
  if (v.rep_id != 0 && c.owner_rep_id() == v.rep_id) return CustomerVisibility::kFull;
  // A manager sees their org unit's subtree (domain.md §1). An owner whose
  // unit the org copy does not know (0) is in nobody's subtree.
  if (c.owner_org_unit_id() != 0 && std::find(v.units.begin(), v.units.end(), c.owner_org_unit_id()) != v.units.end()) {
    return CustomerVisibility::kFull;
  }
  return CustomerVisibility::kNameAndCity;
}

v1::Customer MaskTo(const v1::Customer& c, CustomerVisibility visibility) {
  switch (visibility) {
    case CustomerVisibility::kFull:
      return c;
    case CustomerVisibility::kNameAndCity: {
      // Built up from nothing rather than cleared field by field, so a
      // field added to Customer later is withheld until someone decides
      // otherwise here.
      v1::Customer out;
      out.set_id(c.id());
      out.set_name(c.name());
      out.set_city(c.city());
      out.set_masked(true);
      return out;
    }
    case CustomerVisibility::kPool:
      break;
  }
  v1::Customer out = c;
  out.set_masked(true);
  out.set_phone(MaskPhone(c.normalized_phone()));
  out.set_normalized_phone(MaskPhone(c.normalized_phone()));
  out.clear_tax_id();
  out.clear_normalized_tax_id();
  out.clear_address();
  out.clear_contacts();
  out.clear_notes();
  out.clear_blacklist_reason();
  return out;
}

v1::Customer MaskForViewer(const v1::Customer& c, const MaskingViewer& v) { return MaskTo(c, VisibilityOf(c, v)); }

}  // namespace sales::customers
