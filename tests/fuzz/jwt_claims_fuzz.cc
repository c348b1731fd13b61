// JWT verification past the signature (gateway/jwt_verifier.h): the input is
// a token's claims text, which the harness signs with the test key, so every
// input reaches the verifier's claim rules (exp/nbf/iat, iss, aud, sub,
// role, rep_id, org_unit_id) rather than stopping at a bad signature.
// Properties (jwt_fixture.h): refusals are UNAUTHENTICATED with a documented
// reason; an accepted token's claims say what the principal says, it is
// within exp/nbf and refused outside them; cached and uncached verification
// agree.
#include <cstdint>
#include <string>

#include "tests/fuzz/jwt_fixture.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;  // the token stays under the verifier's 8 KiB cap
  fuzz_jwt::Fixture& f = fuzz_jwt::Get();
  std::string claims(reinterpret_cast<const char*>(data), size);
  fuzz_jwt::CheckToken(f.Token(R"({"alg":"ES256","typ":"JWT","kid":"fuzz-es"})", claims));
  return 0;
}
