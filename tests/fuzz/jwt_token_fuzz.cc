// JWT verification from the raw `authorization` header (gateway/
// jwt_verifier.h): whatever a client sends, before any signature is known
// good. The same bytes are also taken as "<header>.<payload>" and re-signed
// with the test key, so mutated headers (alg, kid, typ) and payload
// encodings are judged past the signature too.
// Properties: VerifyHeader is Verify of the bearer token; refusals are
// UNAUTHENTICATED with a documented reason; accepted tokens hold the claim
// properties of jwt_fixture.h; cached and uncached verification agree.
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "tests/fuzz/jwt_fixture.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 10000) return 0;
  fuzz_jwt::Fixture& f = fuzz_jwt::Get();
  std::string header(reinterpret_cast<const char*>(data), size);
  std::string ctx = "header " + FuzzShow(header);

  auto verdict = f.cached.VerifyHeader(header, fuzz_jwt::kNow);
  absl::string_view token = header;
  if (absl::ConsumePrefix(&token, "Bearer ") || absl::ConsumePrefix(&token, "bearer ")) {
    token = absl::StripAsciiWhitespace(token);
    auto direct = f.uncached.Verify(token, fuzz_jwt::kNow);
    FUZZ_CHECK(verdict.ok() == direct.ok(), ctx);
    if (!verdict.ok()) {
      FUZZ_CHECK(sales::ErrorReason(verdict.status()) == sales::ErrorReason(direct.status()), ctx);
    }
    fuzz_jwt::CheckToken(std::string(token));
  } else {
    FUZZ_CHECK(!verdict.ok(), ctx);
    fuzz_jwt::CheckRefusal(verdict.status(), ctx);
  }

  // Re-signed: the first two segments as they are, with a valid signature.
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() >= 2) {
    std::string input = absl::StrCat(parts[0], ".", parts[1]);
    fuzz_jwt::CheckToken(absl::StrCat(input, ".", absl::WebSafeBase64Escape(f.SignEs256(input))));
  }
  return 0;
}
