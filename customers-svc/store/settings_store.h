// SQL for the company-wide customers settings (settings.proto
// CustomersSettings): protection window, dormancy, visit rules, regions,
// source channels, rotation party size. Owned by the engagement side; the
// core side reads protection_days / dormancy_days / regions through
// LoadCustomerSettings.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "platform/mysql.h"
#include "sales/customers/v1/settings.pb.h"

namespace sales::customers {

// Defaults of settings.proto: protection 7 days, dormancy 180, visit rules
// KA 1/7, A 2/21, B/C/community/distributor 1/30, wholesaler 1/60, look-ahead
// 7, regions EAST/NORTH/SOUTH/WEST/CENTRAL, channels WALK_IN, HOTLINE,
// REFERRAL, EXHIBITION, WEB, party size 4.
v1::CustomersSettings DefaultCustomerSettings();

// Fills every unset field of `s` from the defaults (0 / empty lists count
// as unset: none of them is a valid configured value).
void FillSettingDefaults(v1::CustomersSettings& s);

// The current settings with defaults filled, etag and update_time set.
// Safe to call inside any transaction (a plain read of one row).
absl::StatusOr<v1::CustomersSettings> LoadCustomerSettings(db::Transaction& tx);

class SettingsStore {
 public:
  // As LoadCustomerSettings; `for_update` locks the row.
  static absl::StatusOr<v1::CustomersSettings> Get(db::Transaction& tx, bool for_update = false);
  // Writes the whole settings message, bumping the version, and records who
  // changed which fields and why.
  static absl::Status Save(db::Transaction& tx, const v1::CustomersSettings& s, const std::vector<std::string>& fields,
                           const std::string& reason, const std::string& actor_user, const std::string& actor_role,
                           const std::string& request_id, absl::Time now);
};

}  // namespace sales::customers
