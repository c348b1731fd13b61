// Update methods take an update_mask (AIP-134). The paths it names are
// copied from the request's resource onto the resource as stored; the
// rest of the stored resource stays as it is. An empty mask means every
// field the method lets a caller change — what each update did before it
// had a mask — so clients written before masks keep working.
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/field_mask.pb.h"
#include "google/protobuf/message.h"

namespace sales {

// The paths an update asks for: the mask's, checked against the fields the
// method may change (INVALID_ARGUMENT on `update_mask.paths[i]` for an
// unknown or read-only path, or one named twice), or all of `changeable`
// when the mask is empty.
absl::StatusOr<std::vector<std::string>> UpdatePaths(const google::protobuf::FieldMask& mask,
                                                     std::initializer_list<absl::string_view> changeable);

// True when `paths` (from UpdatePaths) names `field` or a field inside it.
bool Touches(const std::vector<std::string>& paths, absl::string_view field);

// Copies the fields `paths` name from `requested` onto `stored` (same
// message type). Message and repeated fields are replaced whole, never
// merged, so a path means "make it this".
void ApplyUpdatePaths(const std::vector<std::string>& paths, const google::protobuf::Message& requested,
                      google::protobuf::Message* stored);

}  // namespace sales
