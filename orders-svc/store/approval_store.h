// Approval steps of quotes and orders (approval_steps table).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "platform/call.h"
#include "platform/mysql.h"
#include "sales/orders/v1/approval.pb.h"

namespace sales::orders {

struct StoredStep {
  v1::ApprovalStep step;
  v1::SubjectType subject_type = v1::SUBJECT_TYPE_UNSPECIFIED;
  int64_t subject_id = 0;
  std::string requester_user;
  int64_t requester_rep = 0;
};

class ApprovalStore {
 public:
  static absl::Status Insert(db::Transaction& tx, v1::SubjectType type, int64_t subject_id,
                             const v1::ApprovalStep& step, const Principal& requester, absl::Time now);
  // Steps of one document, oldest first (withdrawn ones included).
  // The steps of several subjects of one type, by subject then id.
  static absl::StatusOr<std::vector<StoredStep>> ForSubjects(db::Transaction& tx, v1::SubjectType type,
                                                             const std::vector<int64_t>& subject_ids);
  static absl::StatusOr<std::vector<StoredStep>> ForSubject(db::Transaction& tx, v1::SubjectType type,
                                                            int64_t subject_id);
  static absl::Status Decide(db::Transaction& tx, int64_t step_id, v1::ApprovalStepStatus status, const Principal& by,
                             absl::string_view reason, absl::Time now);
  // Every PENDING step of the document becomes WITHDRAWN (edit, cancel).
  static absl::Status WithdrawPending(db::Transaction& tx, v1::SubjectType type, int64_t subject_id, absl::Time now);
  // Pending steps of quotes and orders, oldest first, after `after_id`.
  static absl::StatusOr<std::vector<StoredStep>> Pending(db::Transaction& tx, v1::SubjectType type, int64_t after_id,
                                                         int limit);
};

}  // namespace sales::orders
