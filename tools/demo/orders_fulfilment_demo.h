// The demo company's fulfilment part (see demo.h): run by the orders part
// once orders are confirmed.
#pragma once

#include "tools/demo/demo.h"

namespace demo {

// Shipments (one partial), signed deliveries, a printed pick-up certificate,
// a return awaiting the manager and a damaged return received into
// quarantine, on the first confirmed orders.
void LoadOrdersFulfilmentDemo(DemoWorld& w);

}  // namespace demo
