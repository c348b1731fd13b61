// The demo company's collections and commissions part (see demo.h): run by
// the finance part once invoices and payments exist.
#pragma once

#include "tools/demo/demo.h"

namespace demo {

// A commission plan in force from January, the collections sweep for today
// with one overdue customer walked up to the first notice (confirmation
// letter and notice recorded), and last month's commission statements.
void LoadFinanceCollectionsDemo(DemoWorld& w);

}  // namespace demo
