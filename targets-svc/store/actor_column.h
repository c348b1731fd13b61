// The columns that record who acted (a plan's owner and signer, an audit
// row's actor, an expense's recorder, a review's reviewer...) hold the
// caller's Principal as Principal::Encode wrote it; every store reads them
// back into the API's Actor the same way.
#pragma once

#include <string>

#include "platform/principal.h"
#include "sales/common/v1/audit.pb.h"

namespace sales::targets {

// The Actor of an encoded principal. A row written without an identity
// (development mode stores "") reads as an Actor with nothing set.
inline common::v1::Actor DecodeActor(const std::string& encoded) {
  common::v1::Actor a;
  Principal p;
  if (Principal::Decode(encoded, &p)) {
    a.set_user_id(p.user_id);
    a.set_role(p.role);
    a.set_rep_id(p.rep_id);
    a.set_org_unit_id(p.org_unit_id);
  }
  return a;
}

}  // namespace sales::targets
