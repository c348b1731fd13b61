#include "customers-svc/api/customer_view.h"

#include <vector>

#include "customers-svc/domain/field_limits.h"
#include "platform/convert.h"
#include "platform/status.h"

namespace sales::customers {

absl::Status RequireText(const std::string& text, const std::string& field, size_t max) {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) return InvalidField(field, "required, non-blank");
  return CheckLength(text, max, field);
}

absl::Status ValidateIdAndReason(int64_t id, const char* id_field, const std::string& reason, size_t max) {
  std::vector<FieldViolation> v;
  if (id <= 0) v.push_back({id_field, "required, > 0"});
  for (auto& fv : FieldViolationsOf(RequireText(reason, "reason", max))) v.push_back(fv);
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

absl::Status NotInFuture(const common::v1::Date& d, absl::string_view field, absl::CivilDay today) {
  SALES_RETURN_IF_ERROR(ValidateDate(d, field));
  if (ToCivilDay(d) > today) return InvalidField(std::string(field), "must not be in the future");
  return absl::OkStatus();
}

absl::StatusOr<DayRange> ReadDayRange(const common::v1::DateRange& range, const std::string& field) {
  SALES_RETURN_IF_ERROR(ValidateDate(range.start(), field + ".start"));
  SALES_RETURN_IF_ERROR(ValidateDate(range.end(), field + ".end"));
  DayRange d{ToCivilDay(range.start()), ToCivilDay(range.end())};
  if (d.to < d.from) return InvalidField(field + ".end", absl::StrCat("must not be before ", field, ".start"));
  return d;
}

}  // namespace sales::customers
