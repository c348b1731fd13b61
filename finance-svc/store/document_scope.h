// Whose receivable documents a read may return, as the stores filter on it.
// app/access.h decides it from the caller; the stores turn it into
// SQL, so no statement text crosses from api/ into store/.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
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

// A page of documents read from its rows, in their order, with what loading
// the children of all of them by one IN list needs: their ids, each one's
// currency (children carry amounts in it) and where each id sits.
template <typename Record>
struct PageOfDocuments {
  std::vector<Record> records;
  std::vector<int64_t> ids;
  std::vector<std::string> currencies;
  std::map<int64_t, size_t> index_of;
};

// `read` maps one row (with "id" and "currency" columns) to a record.
template <typename Record, typename Read>
PageOfDocuments<Record> ReadPageOfDocuments(const std::vector<db::Row>& rows, Read read) {
  PageOfDocuments<Record> page;
  page.records.reserve(rows.size());
  for (const auto& r : rows) {
    page.index_of[r.Int("id")] = page.records.size();
    page.ids.push_back(r.Int("id"));
    page.currencies.push_back(r.Str("currency"));
    page.records.push_back(read(r));
  }
  return page;
}

}  // namespace sales::finance
