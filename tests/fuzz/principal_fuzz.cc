// The principal the gateway vouches for and its proof (platform/principal.h),
// through the public API only:
//   - PercentEncode gives only unreserved characters and '%', and
//     PercentDecode takes it back to the same bytes, whatever they are;
//   - Principal::Encode is printable ASCII (a legal header value) for any
//     user name (张三, tabs, newlines, NUL) and Decode gives the principal
//     back; whatever Decode accepts re-encodes to something it decodes alike;
//   - a proof Sign made verifies for that call only: another principal,
//     request id, method or service, a time outside the validity window, a
//     key the verifier does not hold or a changed character are refused with
//     UNAUTHENTICATED and a documented reason; a verifier holding the signing
//     key as its second (rotation) key accepts it; arbitrary proof text is
//     never accepted.
#include <fuzzer/FuzzedDataProvider.h>

#include <algorithm>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "platform/principal.h"
#include "platform/roles.h"
#include "platform/status.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using sales::Principal;
using sales::PrincipalKey;
using sales::PrincipalVerifier;

const absl::Time kNow = absl::FromUnixSeconds(1800000000);

bool Same(const Principal& a, const Principal& b) {
  return a.user_id == b.user_id && a.role == b.role && a.rep_id == b.rep_id && a.org_unit_id == b.org_unit_id;
}

void CheckRefused(const absl::Status& st, const std::string& ctx) {
  static const std::set<std::string> kReasons = {"PRINCIPAL_UNVERIFIED", "PRINCIPAL_KEY_UNKNOWN",
                                                 "PRINCIPAL_PROOF_EXPIRED"};
  FUZZ_CHECK(!st.ok(), ctx);
  FUZZ_CHECK(st.code() == absl::StatusCode::kUnauthenticated, st.ToString() + " " + ctx);
  FUZZ_CHECK(kReasons.count(sales::ErrorReason(st)) == 1, st.ToString() + " " + ctx);
}

bool Unreserved(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '~' ||
         c == ':' || c == '@';
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const char* kRoles[] = {sales::kRoleAdmin, sales::kRoleDirector, sales::kRoleManager,
                                 sales::kRoleRep,   sales::kRoleClerk,    sales::kRoleService};
  static const char* kMethods[] = {
      "/sales.orders.v1.OrdersService/CreateOrder", "/sales.customers.v1.CustomersService/GetCustomer",
      "/sales.finance.v1.FinanceService/RunCollectionsSweep", "/sales.targets.v1.TargetsService/ListReps"};
  static const PrincipalVerifier* signer =
      new PrincipalVerifier(std::vector<PrincipalKey>{{"k1", "fuzz-secret-one"}, {"k2", "fuzz-secret-two"}});
  static const PrincipalVerifier* rotated =
      new PrincipalVerifier(std::vector<PrincipalKey>{{"k3", "fuzz-secret-three"}, {"k1", "fuzz-secret-one"}});
  static const PrincipalVerifier* other_key =
      new PrincipalVerifier(std::vector<PrincipalKey>{{"k2", "fuzz-secret-two"}});
  static const PrincipalVerifier* same_id_other_secret =
      new PrincipalVerifier(std::vector<PrincipalKey>{{"k1", "not-the-secret"}});

  FuzzedDataProvider in(data, size);
  Principal p;
  p.user_id = in.ConsumeRandomLengthString(300);
  bool known_role = in.ConsumeBool();
  p.role = known_role ? kRoles[in.ConsumeIntegralInRange<size_t>(0, 5)] : in.ConsumeRandomLengthString(80);
  p.rep_id = in.ConsumeIntegral<int64_t>();
  p.org_unit_id = in.ConsumeIntegral<int64_t>();
  std::string request_id = in.ConsumeRandomLengthString(80);
  bool known_method = in.ConsumeBool();
  std::string method =
      known_method ? kMethods[in.ConsumeIntegralInRange<size_t>(0, 3)] : in.ConsumeRandomLengthString(120);
  int64_t signed_ago = in.ConsumeIntegralInRange<int64_t>(-120, 120);
  size_t flip = in.ConsumeIntegral<size_t>();
  std::string text = in.ConsumeRemainingBytesAsString();
  std::string ctx = "user " + FuzzShow(p.user_id) + " role " + FuzzShow(p.role) + " rid " + FuzzShow(request_id) +
                    " method " + FuzzShow(method);

  // Percent-encoding.
  std::string pct = sales::PercentEncode(text);
  for (char c : pct) FUZZ_CHECK(Unreserved(c) || c == '%', FuzzShow(text) + " -> " + pct);
  std::string raw;
  FUZZ_CHECK(sales::PercentDecode(pct, &raw) && raw == text, FuzzShow(text));
  if (sales::PercentDecode(text, &raw)) {
    for (char c : text) FUZZ_CHECK(Unreserved(c) || c == '%', "decoded " + FuzzShow(text));
  }

  // Encode/Decode.
  std::string encoded = p.Encode();
  for (char c : encoded) FUZZ_CHECK(c >= 0x20 && c <= 0x7e, ctx + " -> " + FuzzShow(encoded));
  Principal back;
  bool decoded = Principal::Decode(encoded, &back);
  if (decoded) FUZZ_CHECK(Same(back, p), ctx + " -> " + encoded);
  if (!p.user_id.empty() && p.user_id.size() <= sales::kMaxUserIdBytes && known_role) {
    FUZZ_CHECK(decoded, ctx + " -> " + encoded);
  }
  Principal any;
  if (Principal::Decode(text, &any)) {
    FUZZ_CHECK(!any.user_id.empty() && !any.role.empty(), FuzzShow(text));
    Principal again;
    FUZZ_CHECK(Principal::Decode(any.Encode(), &again) && Same(again, any), FuzzShow(text));
  }

  // Proofs.
  absl::Time issued = kNow - absl::Seconds(signed_ago);
  std::string proof = signer->Sign(encoded, request_id, method, issued);
  absl::Status verdict = signer->Verify(encoded, proof, request_id, method, "", kNow);
  bool in_window = signed_ago <= absl::ToInt64Seconds(sales::kPrincipalProofValidity) &&
                   -signed_ago <= absl::ToInt64Seconds(sales::kPrincipalProofFutureSkew);
  if (decoded && known_method && in_window) {
    // A well-formed call signed within the window: it must be accepted
    // unless its request id is one the gateway would never send.
    bool plain_rid = !request_id.empty() && request_id.size() <= 64 &&
                     std::all_of(request_id.begin(), request_id.end(), [](char c) { return c > 0x20 && c < 0x7f; });
    if (plain_rid) FUZZ_CHECK(verdict.ok(), ctx + " " + verdict.ToString());
  }
  if (!in_window) CheckRefused(verdict, ctx + " signed " + std::to_string(signed_ago) + "s ago");
  if (verdict.ok()) {
    FUZZ_CHECK(rotated->Verify(encoded, proof, request_id, method, "", kNow).ok(), ctx);
    CheckRefused(other_key->Verify(encoded, proof, request_id, method, "", kNow), ctx + " other key");
    CheckRefused(same_id_other_secret->Verify(encoded, proof, request_id, method, "", kNow), ctx + " other secret");
    CheckRefused(signer->Verify(encoded + "x", proof, request_id, method, "", kNow), ctx + " other principal");
    CheckRefused(signer->Verify(encoded, proof, request_id + "x", method, "", kNow), ctx + " other request id");
    CheckRefused(signer->Verify(encoded, proof, request_id, method + "x", "", kNow), ctx + " other method");
    CheckRefused(signer->Verify(encoded, proof, request_id, method, "not-" + sales::TargetServiceOf(method), kNow),
                 ctx + " other service");
    CheckRefused(signer->Verify(encoded, proof, request_id, method, "",
                                issued + sales::kPrincipalProofValidity + absl::Seconds(1)),
                 ctx + " after its validity");
    if (!proof.empty()) {
      std::string changed = proof;
      size_t at = flip % changed.size();
      changed[at] = changed[at] == '0' ? '1' : '0';
      CheckRefused(signer->Verify(encoded, changed, request_id, method, "", kNow), ctx + " changed " + changed);
    }
  }
  // Text nobody signed is never a proof.
  if (text != proof)
    CheckRefused(signer->Verify(encoded, text, request_id, method, "", kNow), "proof " + FuzzShow(text));
  return 0;
}
