#include "gateway/signer.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstdlib>

#include "platform/call.h"

namespace sales::gateway {

struct PrincipalSigner::Impl {
  EVP_MAC* mac = nullptr;
  EVP_MAC_CTX* keyed = nullptr;  // initialised with the key; copied per call
  std::string secret;
};

PrincipalSigner::PrincipalSigner(const std::string& secret) : impl_(std::make_unique<Impl>()) {
  enforcing_ = !secret.empty();
  impl_->secret = secret;
  impl_->mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (impl_->mac != nullptr) impl_->keyed = EVP_MAC_CTX_new(impl_->mac);
  if (impl_->keyed != nullptr) {
    char digest[] = "SHA256";
    OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_construct_end()};
    // An empty key still signs (development mode); OpenSSL wants a
    // non-null pointer either way.
    static const unsigned char kNoKey[1] = {0};
    const unsigned char* key =
        secret.empty() ? kNoKey : reinterpret_cast<const unsigned char*>(secret.data());
    if (EVP_MAC_init(impl_->keyed, key, secret.size(), params) != 1) {
      EVP_MAC_CTX_free(impl_->keyed);
      impl_->keyed = nullptr;
    }
  }
}

PrincipalSigner::~PrincipalSigner() {
  EVP_MAC_CTX_free(impl_->keyed);
  EVP_MAC_free(impl_->mac);
}

std::string PrincipalSigner::Sign(absl::string_view principal, absl::string_view request_id) const {
  EVP_MAC_CTX* ctx = impl_->keyed != nullptr ? EVP_MAC_CTX_dup(impl_->keyed) : nullptr;
  if (ctx == nullptr) {
    // Whatever went wrong above, the platform's one-shot path still signs.
    return PrincipalVerifier(impl_->secret).Sign(principal, request_id);
  }
  unsigned char out[EVP_MAX_MD_SIZE];
  size_t len = 0;
  static const unsigned char kNewline = '\n';
  bool ok = EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(principal.data()), principal.size()) == 1 &&
            EVP_MAC_update(ctx, &kNewline, 1) == 1 &&
            EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(request_id.data()), request_id.size()) == 1 &&
            EVP_MAC_final(ctx, out, &len, sizeof(out)) == 1;
  EVP_MAC_CTX_free(ctx);
  if (!ok) return PrincipalVerifier(impl_->secret).Sign(principal, request_id);
  static const char kHex[] = "0123456789abcdef";
  std::string hex(len * 2, '0');
  for (size_t i = 0; i < len; ++i) {
    hex[2 * i] = kHex[out[i] >> 4];
    hex[2 * i + 1] = kHex[out[i] & 0xf];
  }
  return hex;
}

}  // namespace sales::gateway
