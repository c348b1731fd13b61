// salesctl's JSON → protobuf step (tools/salesctl/json_request.h), on the
// request of any method of the suite: the first two bytes pick the method,
// the rest is the JSON body a person typed.
//   - text the parser refuses gets a reason (salesctl answers exit 2);
//   - a request it accepts survives the binary round trip salesctl sends it
//     through, and printing it as JSON and parsing that gives it back.
#include <google/protobuf/descriptor.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/util/field_comparator.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tests/fuzz/fuzz_check.h"
#include "tools/salesctl/json_request.h"

namespace {

namespace pb = google::protobuf;

// Every method of the services salesctl calls, in a fixed order.
const std::vector<const pb::MethodDescriptor*>& Methods() {
  static const auto* methods = [] {
    auto* out = new std::vector<const pb::MethodDescriptor*>();
    for (const char* name :
         {"sales.targets.v1.TargetsService", "sales.customers.v1.CustomersService", "sales.orders.v1.OrdersService",
          "sales.finance.v1.FinanceService", "sales.gateway.v1.GatewayService"}) {
      const pb::ServiceDescriptor* svc = salesctl::Pool()->FindServiceByName(name);
      if (svc == nullptr) {
        std::fprintf(stderr, "fuzz: %s missing from the embedded descriptors\n", name);
        std::abort();
      }
      for (int i = 0; i < svc->method_count(); ++i) out->push_back(svc->method(i));
    }
    return out;
  }();
  return *methods;
}

bool Same(const pb::Message& a, const pb::Message& b) {
  pb::util::DefaultFieldComparator comparator;
  comparator.set_treat_nan_as_equal(true);
  pb::util::MessageDifferencer differ;
  differ.set_field_comparator(&comparator);
  return differ.Compare(a, b);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2 || size > 16 * 1024) return 0;
  const auto& methods = Methods();
  const pb::MethodDescriptor* method = methods[(data[0] << 8 | data[1]) % methods.size()];
  std::string body(reinterpret_cast<const char*>(data + 2), size - 2);
  std::string ctx = method->full_name() + " " + FuzzShow(body);

  pb::DynamicMessageFactory factory;
  const pb::Message* prototype = factory.GetPrototype(method->input_type());
  std::unique_ptr<pb::Message> request(prototype->New());
  std::string error = salesctl::RequestFromJson(body, request.get());
  if (!error.empty()) return 0;

  std::unique_ptr<pb::Message> wire(prototype->New());
  FUZZ_CHECK(wire->ParseFromString(request->SerializeAsString()), ctx);
  FUZZ_CHECK(Same(*request, *wire), ctx + "\n  binary round trip: " + wire->ShortDebugString());

  pb::util::JsonPrintOptions print;
  print.preserve_proto_field_names = true;
  std::string printed;
  FUZZ_CHECK(pb::util::MessageToJsonString(*request, &printed, print).ok(), ctx);
  std::unique_ptr<pb::Message> again(prototype->New());
  std::string again_error = salesctl::RequestFromJson(printed, again.get());
  FUZZ_CHECK(again_error.empty(), ctx + "\n  printed " + printed + "\n  " + again_error);
  FUZZ_CHECK(Same(*request, *again), ctx + "\n  printed " + printed + "\n  reparsed " + again->ShortDebugString());
  return 0;
}
