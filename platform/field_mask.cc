#include "platform/field_mask.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "google/protobuf/util/field_mask_util.h"
#include "platform/status.h"

namespace sales {

absl::StatusOr<std::vector<std::string>> UpdatePaths(const google::protobuf::FieldMask& mask,
                                                     std::initializer_list<absl::string_view> changeable) {
  std::vector<std::string> paths;
  if (mask.paths().empty()) {
    for (absl::string_view p : changeable) paths.emplace_back(p);
    return paths;
  }
  std::vector<FieldViolation> v;
  for (int i = 0; i < mask.paths_size(); ++i) {
    const std::string& p = mask.paths(i);
    const std::string field = absl::StrCat("update_mask.paths[", i, "]");
    if (std::find(changeable.begin(), changeable.end(), p) == changeable.end()) {
      v.push_back({field, absl::StrCat("\"", p, "\" is not a field this method changes")});
    } else if (std::find(paths.begin(), paths.end(), p) != paths.end()) {
      v.push_back({field, absl::StrCat("\"", p, "\" appears twice")});
    } else {
      paths.push_back(p);
    }
  }
  if (!v.empty()) return InvalidFields(std::move(v));
  return paths;
}

bool Touches(const std::vector<std::string>& paths, absl::string_view field) {
  for (const auto& p : paths) {
    if (p == field ||
        (p.size() > field.size() && absl::string_view(p).substr(0, field.size()) == field && p[field.size()] == '.')) {
      return true;
    }
  }
  return false;
}

void ApplyUpdatePaths(const std::vector<std::string>& paths, const google::protobuf::Message& requested,
                      google::protobuf::Message* stored) {
  google::protobuf::FieldMask mask;
  for (const auto& p : paths) mask.add_paths(p);
  google::protobuf::util::FieldMaskUtil::MergeOptions options;
  options.set_replace_message_fields(true);
  options.set_replace_repeated_fields(true);
  google::protobuf::util::FieldMaskUtil::MergeMessageTo(requested, mask, options, stored);
}

}  // namespace sales
