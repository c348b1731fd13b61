// Signs principals for the services: the same HMAC-SHA256 over
// principal + "\n" + request_id as PrincipalVerifier::Sign, with the keyed
// OpenSSL MAC context made once and copied per call (OpenSSL 3 looks the
// algorithm up again on every one-shot HMAC, which costs more than the MAC).
#pragma once

#include <memory>
#include <string>

#include "absl/strings/string_view.h"

namespace sales::gateway {

class PrincipalSigner {
 public:
  explicit PrincipalSigner(const std::string& secret);
  ~PrincipalSigner();
  PrincipalSigner(const PrincipalSigner&) = delete;
  PrincipalSigner& operator=(const PrincipalSigner&) = delete;

  // Lower-case hex, as the services compare it.
  std::string Sign(absl::string_view principal, absl::string_view request_id) const;
  bool enforcing() const { return enforcing_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  bool enforcing_;
};

}  // namespace sales::gateway
