// Thin wrappers over OpenSSL; no hand-written cryptography.
#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace sales {

// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(absl::string_view data);
// Lower-case hex HMAC-SHA256 of `data` under `key`.
std::string HmacSha256Hex(absl::string_view key, absl::string_view data);
// Constant-time comparison for MACs.
bool ConstantTimeEquals(absl::string_view a, absl::string_view b);
// 128 random bits as 32 hex characters (request ids).
std::string RandomHexId();

}  // namespace sales
