// SQL for payments.
#pragma once

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "platform/mysql.h"
#include "sales/finance/v1/payment.pb.h"

namespace sales::finance {

class PaymentStore {
 public:
  // ALREADY_EXISTS (BANK_REFERENCE_RECORDED) when the notice was booked.
  static absl::StatusOr<v1::Payment> Insert(db::Transaction& tx, const v1::Payment& p, absl::Time now);
  static absl::StatusOr<v1::Payment> Get(db::Transaction& tx, int64_t id);
};

}  // namespace sales::finance
