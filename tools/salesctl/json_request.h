// salesctl's JSON → protobuf step, apart from main.cc so that the fuzz
// target (tests/fuzz/salesctl_json_fuzz.cc) runs exactly the conversion
// `salesctl call` makes on what a person types.
#pragma once

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include <string>

namespace salesctl {

// The pool of every proto of the suite, from the descriptor set embedded in
// the binary (descriptors.S); well-known types come from the generated pool.
const google::protobuf::DescriptorPool* Pool();

// Fills `request` from the JSON body of `salesctl call` (field names as in
// the protos, enums by name or number, int64 as number or string). Returns
// "" when the text is a valid request, otherwise the parser's reason.
std::string RequestFromJson(const std::string& json, google::protobuf::Message* request);

}  // namespace salesctl
