// Whose receivable documents a read may return, as the stores filter on it.
// app/access.h decides it from the caller; the stores turn it into
// SQL, so no statement text crosses from api/ into store/.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "platform/enum_names.h"
#include "platform/mysql.h"
#include "sales/common/v1/date.pb.h"

namespace sales::finance {

struct DocumentScope {
  bool all = false;            // everything financial
  int64_t rep_id = 0;          // a rep: this rep's documents (0 = none)
  std::vector<int64_t> units;  // a manager: these units' documents
};

// " AND (<rep_col> = ? OR <unit_col> IN (...))" restricting a query to the
// scope ("" for all); appends its parameters. Columns are the caller's
// constants, never request input.
std::string ScopeSql(const DocumentScope& scope, const char* rep_col, const char* unit_col, db::Params* params);

// " AND <column> >= ? AND <column> <= ?" for the ends a request's date
// range gives ("" when it gives neither); appends their parameters. The
// column is the caller's constant, never request input.
std::string DateRangeSql(const common::v1::DateRange& range, const char* column, db::Params* params);

}  // namespace sales::finance
