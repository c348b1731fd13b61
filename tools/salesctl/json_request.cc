#include "json_request.h"

#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/descriptor_database.h>
#include <google/protobuf/util/json_util.h>

#include <cstdio>
#include <cstdlib>

extern "C" const char sales_descriptor_set[];
extern "C" const char sales_descriptor_set_end[];

namespace salesctl {

namespace pb = google::protobuf;

const pb::DescriptorPool* Pool() {
  static const pb::DescriptorPool* pool = [] {
    pb::FileDescriptorSet set;
    if (!set.ParseFromArray(sales_descriptor_set, static_cast<int>(sales_descriptor_set_end - sales_descriptor_set))) {
      std::fprintf(stderr, "error: embedded descriptors are unreadable\n");
      std::exit(3);
    }
    auto* db = new pb::SimpleDescriptorDatabase();
    for (const auto& file : set.file()) db->Add(file);
    return new pb::DescriptorPool(db);
  }();
  return pool;
}

std::string RequestFromJson(const std::string& json, pb::Message* request) {
  pb::util::JsonParseOptions options;
  auto parsed = pb::util::JsonStringToMessage(json, request, options);
  return parsed.ok() ? "" : parsed.ToString();
}

}  // namespace salesctl
