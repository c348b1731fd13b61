#include "customers-svc/domain/protection.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "platform/status.h"

namespace sales::customers {
namespace {

// common.v1.Date's range; also keeps day differences far inside int.
bool YearInRange(absl::CivilDay d) { return d.year() >= 1900 && d.year() <= 9999; }

}  // namespace

absl::Status ValidateProtectionDays(int window_days) {
  if (window_days < kMinProtectionDays || window_days > kMaxProtectionDays) {
    return InvalidField("protection_days", absl::StrCat("must be ", kMinProtectionDays, "..", kMaxProtectionDays,
                                                        " days, got ", window_days));
  }
  return absl::OkStatus();
}

int ProtectionWindow(int configured_days) {
  if (configured_days < kMinProtectionDays || configured_days > kMaxProtectionDays) return kDefaultProtectionDays;
  return configured_days;
}

absl::CivilDay ProtectedUntil(absl::CivilDay last_follow_up_or_registration, int window_days) {
  return last_follow_up_or_registration + window_days;
}

bool LapsedOn(absl::CivilDay last_follow_up_or_registration, int window_days, absl::CivilDay as_of) {
  return as_of > ProtectedUntil(last_follow_up_or_registration, window_days);
}

absl::StatusOr<ProtectionView> ClassifyProtection(absl::CivilDay last_follow_up_or_registration, int window_days,
                                                  absl::CivilDay as_of, int lapsing_within_days) {
  std::vector<FieldViolation> violations;
  if (!ValidateProtectionDays(window_days).ok()) {
    violations.push_back(
        {"protection_days", absl::StrCat("must be ", kMinProtectionDays, "..", kMaxProtectionDays, " days")});
  }
  if (lapsing_within_days < 0 || lapsing_within_days > kMaxLapsingWithinDays) {
    violations.push_back({"lapsing_within_days", absl::StrCat("must be 0..", kMaxLapsingWithinDays, " days")});
  }
  if (!YearInRange(as_of) || !YearInRange(last_follow_up_or_registration)) {
    violations.push_back({"as_of", "year must be 1900..9999"});
  } else if (as_of < last_follow_up_or_registration) {
    // A follow-up after the evaluation date would make the answer depend on
    // the future; the caller mixed up its dates.
    violations.push_back({"as_of", "must not be before the last follow-up date"});
  }
  if (!violations.empty()) return InvalidFields(std::move(violations));

  ProtectionView view;
  view.protected_until = ProtectedUntil(last_follow_up_or_registration, window_days);
  view.days_left = static_cast<int>(view.protected_until - as_of);
  if (view.days_left < 0) {
    view.standing = ProtectionStanding::kLapsed;
  } else if (view.days_left < lapsing_within_days) {
    // protected_until < as_of + k  <=>  days_left < k.
    view.standing = ProtectionStanding::kLapsingSoon;
  } else {
    view.standing = ProtectionStanding::kProtected;
  }
  return view;
}

v1::ProtectionState ToProtectionState(ProtectionStanding standing) {
  return standing == ProtectionStanding::kLapsed ? v1::PROTECTION_STATE_IN_POOL : v1::PROTECTION_STATE_PROTECTED;
}

int64_t OwnerAt(const std::vector<OwnershipInterval>& history, absl::Time at) {
  // Scan backwards: the last covering interval wins, as ties go by id.
  for (auto it = history.rbegin(); it != history.rend(); ++it) {
    if (it->from <= at && (!it->to.has_value() || at < *it->to)) return it->rep_id;
  }
  return 0;
}

absl::StatusOr<CreditResolution> ResolveCreditedRep(const CreditQuery& query) {
  std::vector<FieldViolation> violations;
  if (query.taking_rep_id <= 0) {
    violations.push_back({"taking_rep_id", "must be a rep id (> 0)"});
  }
  for (size_t i = 0; i < query.history.size(); ++i) {
    const OwnershipInterval& r = query.history[i];
    if (r.rep_id < 0) {
      violations.push_back({absl::StrCat("history[", i, "].rep_id"), "must be >= 0 (0 = pool)"});
    }
    if (r.to.has_value() && *r.to <= r.from) {
      violations.push_back({absl::StrCat("history[", i, "].to"), "must be after from"});
    }
  }
  if (!YearInRange(query.order_date)) {
    violations.push_back({"order_date", "year must be 1900..9999"});
  }
  if (!violations.empty()) return InvalidFields(std::move(violations));

  // End of the order's business day: one nanosecond before the next day's
  // start (absl::Time resolution is finer, but no record is stamped finer
  // than a microsecond, so nothing falls in between).
  const absl::Time end_of_day = StartOfBusinessDay(query.order_date + 1) - absl::Nanoseconds(1);
  CreditResolution out;
  out.owner_rep_id = OwnerAt(query.history, end_of_day);
  if (out.owner_rep_id == 0) {
    out.credited_rep_id = query.taking_rep_id;
    out.basis = v1::CREDIT_BASIS_TAKING_REP;
    return out;
  }
  out.credited_rep_id = out.owner_rep_id;
  out.collision = query.taking_rep_id != out.owner_rep_id;
  if (query.via_family_link) {
    out.basis = v1::CREDIT_BASIS_FAMILY_PRIMARY_OWNER;
  } else if (query.first_purchase_date.has_value() && *query.first_purchase_date < query.order_date) {
    out.basis = v1::CREDIT_BASIS_ACCOUNT_OWNER;
  } else {
    out.basis = v1::CREDIT_BASIS_PROTECTING_OWNER;
  }
  return out;
}

bool ReferralCounts(absl::Time referral_register_time, absl::Time first_visit_time, bool already_registered_customer) {
  return !already_registered_customer && referral_register_time < first_visit_time;
}

v1::ReferralStatus ReferralOutcome(absl::Time referral_register_time, std::optional<absl::Time> first_visit_time,
                                   bool already_registered_customer) {
  if (already_registered_customer) return v1::REFERRAL_STATUS_NOT_COUNTED;
  if (!first_visit_time.has_value()) return v1::REFERRAL_STATUS_PENDING;
  return ReferralCounts(referral_register_time, *first_visit_time, false) ? v1::REFERRAL_STATUS_COUNTED
                                                                          : v1::REFERRAL_STATUS_NOT_COUNTED;
}

}  // namespace sales::customers
