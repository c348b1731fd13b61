// The demo company's engagement part (customers-svc): a duty rotation per
// office, reception leads, absences, an approved market survey and
// complaints in several states. Called at the end of LoadCustomersDemo.
#pragma once

#include "tools/demo/demo.h"

namespace demo {

void LoadCustomersEngagementDemo(DemoWorld& w);

}  // namespace demo
