// Normalisation for duplicate detection (domain.md §4 Duplicates): the same
// customer typed differently must collide.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sales::customers {

// Digits only, without +86/0086; mobile numbers are 11 digits starting
// with 1, landlines keep their 0 area code (e.g. "02161234567").
// INVALID_ARGUMENT when it is neither.
absl::StatusOr<std::string> NormalizePhone(absl::string_view phone);

// Full-width → half-width, ASCII lower case, whitespace and punctuation
// removed, common company suffixes (有限公司, 有限责任公司, 股份有限公司,
// Co., Ltd ...) stripped.
std::string NormalizeName(absl::string_view name);

// Upper case, full-width → half-width, spaces removed; 15 or 18
// characters of 0-9A-Z; INVALID_ARGUMENT otherwise.
absl::StatusOr<std::string> NormalizeTaxId(absl::string_view tax_id);

// Masks a holder's phone for a caller who does not own the customer:
// "138****8000".
std::string MaskPhone(absl::string_view normalized_phone);

}  // namespace sales::customers
