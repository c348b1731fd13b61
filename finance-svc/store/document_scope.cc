#include "finance-svc/store/document_scope.h"

#include "absl/strings/str_cat.h"
#include "platform/convert.h"

namespace sales::finance {

std::string ScopeSql(const DocumentScope& scope, const char* rep_col, const char* unit_col, db::Params* params) {
  if (scope.all) return "";
  std::string s = absl::StrCat(" AND (", rep_col, " = ?");
  params->push_back(scope.rep_id);  // 0 matches nothing real
  if (!scope.units.empty()) {
    absl::StrAppend(&s, " OR ", unit_col, " IN (", db::AppendInList(scope.units, *params), ")");
  }
  absl::StrAppend(&s, ")");
  return s;
}

std::string DateRangeSql(const common::v1::DateRange& range, const char* column, db::Params* params) {
  std::string sql;
  if (range.has_start()) {
    absl::StrAppend(&sql, " AND ", column, " >= ?");
    params->push_back(FormatDbDate(range.start()));
  }
  if (range.has_end()) {
    absl::StrAppend(&sql, " AND ", column, " <= ?");
    params->push_back(FormatDbDate(range.end()));
  }
  return sql;
}

}  // namespace sales::finance
