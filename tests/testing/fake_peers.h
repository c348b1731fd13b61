// Peer services for application tests, without gRPC or a database: each
// answers from its maps at once (NOT_FOUND or "absent" for what is not
// there), or `down` when set, and counts the questions it was asked.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "platform/peers/customers_peer.h"
#include "platform/peers/finance_peer.h"
#include "platform/peers/targets_peer.h"
#include "platform/status.h"

namespace sales::testing {

// A fake's answer to "the record with this key, if any": `down` when set,
// else the record or nullopt.
template <typename V>
void AnswerMaybe(const absl::Status& down, const std::map<int64_t, V>& records, int64_t key,
                 absl::StatusOr<std::optional<V>>* out) {
  if (!down.ok()) {
    *out = down;
  } else if (auto it = records.find(key); it != records.end()) {
    *out = std::optional<V>(it->second);
  } else {
    *out = std::optional<V>();
  }
}

class FakeCustomersPeer final : public peers::CustomersPeer {
 public:
  std::map<int64_t, customers::v1::Customer> customers;
  std::map<int64_t, customers::v1::CreditProfile> profiles;
  std::map<int64_t, customers::v1::ResolveCreditedRepResponse> credited;  // by customer id
  absl::Status down;                                                      // when set, every question answers it
  int calls = 0;

  void GetCustomer(peers::PeerBatch&, int64_t id, absl::StatusOr<customers::v1::Customer>* out) override {
    ++calls;
    if (!down.ok()) {
      *out = down;
    } else if (auto it = customers.find(id); it != customers.end()) {
      *out = it->second;
    } else {
      *out = NotFound("customer", id);
    }
  }
  void ResolveCreditedRep(peers::PeerBatch&, const customers::v1::ResolveCreditedRepRequest& request,
                          absl::StatusOr<customers::v1::ResolveCreditedRepResponse>* out) override {
    ++calls;
    if (!down.ok()) {
      *out = down;
    } else if (auto it = credited.find(request.customer_id()); it != credited.end()) {
      *out = it->second;
    } else {
      customers::v1::ResolveCreditedRepResponse taking;
      taking.set_credited_rep_id(request.taking_rep_id());
      *out = taking;
    }
  }
  void GetCreditProfile(peers::PeerBatch&, int64_t id,
                        absl::StatusOr<std::optional<customers::v1::CreditProfile>>* out) override {
    ++calls;
    AnswerMaybe(down, profiles, id, out);
  }
  absl::Duration deadline() const override { return absl::Seconds(2); }
};

class FakeFinancePeer final : public peers::FinancePeer {
 public:
  std::map<int64_t, finance::v1::CustomerExposure> exposures;
  absl::Status down;
  int calls = 0;

  void GetCustomerExposure(peers::PeerBatch&, int64_t id, absl::StatusOr<finance::v1::CustomerExposure>* out) override {
    ++calls;
    if (!down.ok()) {
      *out = down;
      return;
    }
    auto it = exposures.find(id);
    finance::v1::CustomerExposure none;
    none.set_customer_id(id);
    *out = it != exposures.end() ? it->second : none;
  }
  absl::Duration deadline() const override { return absl::Seconds(2); }
};

class FakeTargetsPeer final : public peers::TargetsPeer {
 public:
  std::map<int64_t, targets::v1::ProductLine> product_lines;
  std::map<int64_t, targets::v1::OrgUnit> org_units;
  // Progress by the request's node, as "<org unit id>/<rep id>".
  std::map<std::string, targets::v1::Progress> progress;
  absl::Status down;
  int calls = 0;

  void GetProductLine(peers::PeerBatch&, int64_t id,
                      absl::StatusOr<std::optional<targets::v1::ProductLine>>* out) override {
    ++calls;
    AnswerMaybe(down, product_lines, id, out);
  }
  void GetProgress(peers::PeerBatch&, const targets::v1::GetProgressRequest& request,
                   absl::StatusOr<targets::v1::Progress>* out) override {
    ++calls;
    if (!down.ok()) {
      *out = down;
      return;
    }
    auto it = progress.find(absl::StrCat(request.node().org_unit_id(), "/", request.node().rep_id()));
    if (it == progress.end()) {
      *out =
          NotFound("progress", request.node().rep_id() != 0 ? request.node().rep_id() : request.node().org_unit_id());
    } else {
      *out = it->second;
    }
  }
  void GetOrgUnit(peers::PeerBatch&, int64_t id, absl::StatusOr<std::optional<targets::v1::OrgUnit>>* out) override {
    ++calls;
    AnswerMaybe(down, org_units, id, out);
  }
  absl::Duration deadline() const override { return absl::Seconds(2); }
};

}  // namespace sales::testing
