#include "platform/request_shape.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/wire_format_lite.h>

#include <climits>
#include <cstring>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "platform/call.h"  // the identity headers
#include "platform/log.h"
#include "platform/status.h"
#include "sales/common/v1/field_limits.pb.h"

namespace sales {
namespace {

namespace pb = google::protobuf;
using pb::internal::WireFormatLite;

// Enough to tell a caller what to fix; a request with thousands of bad
// entries costs no more to refuse than one with a few (the status carries
// at most 40 violations anyway, platform/status.cc).
constexpr size_t kMaxViolations = 41;

struct Limits {
  int64_t max_length = kDefaultMaxLength;
  int64_t max_items = kDefaultMaxItems;
};

Limits LimitsOf(const pb::FieldDescriptor* field) {
  Limits out;
  const pb::FieldOptions& options = field->options();
  if (options.HasExtension(common::v1::limits)) {
    const common::v1::FieldLimits& l = options.GetExtension(common::v1::limits);
    if (l.max_length() > 0) out.max_length = l.max_length();
    if (l.max_items() > 0) out.max_items = l.max_items();
  }
  return out;
}

class ShapeWalker {
 public:
  std::vector<FieldViolation> violations;

  void Walk(const pb::Message& m, const std::string& prefix) {
    const pb::Reflection* r = m.GetReflection();
    std::vector<const pb::FieldDescriptor*> fields;
    // Only the fields present: an unset string or enum is always in shape.
    r->ListFields(m, &fields);
    for (const pb::FieldDescriptor* f : fields) {
      if (Full()) return;
      std::string path = prefix.empty() ? f->name() : absl::StrCat(prefix, ".", f->name());
      Limits limits = LimitsOf(f);
      if (!f->is_repeated()) {
        CheckValue(m, f, -1, limits, path);
        continue;
      }
      int n = r->FieldSize(m, f);
      if (n > limits.max_items) {
        // Its entries are not read: the count alone refuses the request.
        Add(path, absl::StrCat("at most ", limits.max_items, " entries (", n, " sent)"));
        continue;
      }
      for (int i = 0; i < n && !Full(); ++i) {
        if (f->is_map()) {
          CheckMapEntry(r->GetRepeatedMessage(m, f, i), limits, path);
        } else {
          CheckValue(m, f, i, limits, absl::StrCat(path, "[", i, "]"));
        }
      }
    }
  }

 private:
  bool Full() const { return violations.size() >= kMaxViolations; }
  void Add(std::string field, std::string description) {
    violations.push_back({std::move(field), std::move(description)});
  }

  // Field `f` of `m` (entry `index` when repeated, else -1).
  void CheckValue(const pb::Message& m, const pb::FieldDescriptor* f, int index, const Limits& limits,
                  const std::string& path) {
    const pb::Reflection* r = m.GetReflection();
    switch (f->cpp_type()) {
      case pb::FieldDescriptor::CPPTYPE_STRING: {
        if (f->type() != pb::FieldDescriptor::TYPE_STRING) return;  // bytes are bytes
        std::string scratch;
        const std::string& value =
            index < 0 ? r->GetStringReference(m, f, &scratch) : r->GetRepeatedStringReference(m, f, index, &scratch);
        CheckString(value, limits, path);
        return;
      }
      case pb::FieldDescriptor::CPPTYPE_ENUM: {
        int number = index < 0 ? r->GetEnumValue(m, f) : r->GetRepeatedEnumValue(m, f, index);
        CheckEnum(number, f->enum_type(), path);
        return;
      }
      case pb::FieldDescriptor::CPPTYPE_MESSAGE:
        Walk(index < 0 ? r->GetMessage(m, f) : r->GetRepeatedMessage(m, f, index), path);
        return;
      default:
        return;
    }
  }

  // A map entry: its key names it in the path ("labels[\"east\"]").
  void CheckMapEntry(const pb::Message& entry, const Limits& limits, const std::string& path) {
    const pb::Descriptor* d = entry.GetDescriptor();
    const pb::Reflection* r = entry.GetReflection();
    const pb::FieldDescriptor* key = d->map_key();
    const pb::FieldDescriptor* value = d->map_value();
    std::string entry_path;
    if (key->cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING) {
      std::string scratch;
      const std::string& k = r->GetStringReference(entry, key, &scratch);
      // A key that is not UTF-8 or too long is named by its position only.
      bool printable = Utf8CodePoints(k) >= 0 && k.size() <= 64;
      entry_path = printable ? absl::StrCat(path, "[\"", k, "\"]") : absl::StrCat(path, "[?]");
      CheckString(k, limits, absl::StrCat(entry_path, " (key)"));
    } else {
      switch (key->cpp_type()) {
        case pb::FieldDescriptor::CPPTYPE_INT32:
          entry_path = absl::StrCat(path, "[", r->GetInt32(entry, key), "]");
          break;
        case pb::FieldDescriptor::CPPTYPE_INT64:
          entry_path = absl::StrCat(path, "[", r->GetInt64(entry, key), "]");
          break;
        case pb::FieldDescriptor::CPPTYPE_UINT32:
          entry_path = absl::StrCat(path, "[", r->GetUInt32(entry, key), "]");
          break;
        case pb::FieldDescriptor::CPPTYPE_UINT64:
          entry_path = absl::StrCat(path, "[", r->GetUInt64(entry, key), "]");
          break;
        case pb::FieldDescriptor::CPPTYPE_BOOL:
          entry_path = absl::StrCat(path, "[", r->GetBool(entry, key) ? "true" : "false", "]");
          break;
        default:
          entry_path = absl::StrCat(path, "[?]");
          break;
      }
    }
    if (!Full() && (r->HasField(entry, value) || value->cpp_type() != pb::FieldDescriptor::CPPTYPE_MESSAGE)) {
      CheckValue(entry, value, -1, limits, entry_path);
    }
  }

  void CheckString(const std::string& value, const Limits& limits, const std::string& path) {
    int64_t code_points = Utf8CodePoints(value);
    if (code_points < 0) {
      Add(path, "not valid UTF-8");
    } else if (code_points > limits.max_length) {
      Add(path, absl::StrCat("at most ", limits.max_length, " characters (", code_points, " sent)"));
    }
  }

  void CheckEnum(int number, const pb::EnumDescriptor* type, const std::string& path) {
    if (type->FindValueByNumber(number) != nullptr) return;
    Add(path, absl::StrCat(number, " is not a value of ", type->full_name()));
  }
};

// Where the bytes of a message that failed to parse go wrong: the path of
// the first field that is cut short or holds a string that is not UTF-8.
// The parser says only that it failed; this second pass, run on failures
// only, reads the wire format field by field against the descriptor.
class WireScanner {
 public:
  std::string where, why;

  // False (with where/why) at the first problem of the message that
  // `in` holds up to its current limit.
  bool Scan(const pb::Descriptor* type, pb::io::CodedInputStream* in, const std::string& prefix, int depth) {
    if (depth > 100) return Fail(prefix, "nested too deeply");
    std::map<int, int> seen;  // entries read so far of each repeated field
    while (in->BytesUntilLimit() != 0) {
      uint32_t tag = in->ReadTagNoLastTag();
      if (tag == 0) return Fail(prefix, "the bytes end inside a field tag, or hold an invalid one");
      int number = static_cast<int>(WireFormatLite::GetTagFieldNumber(tag));
      const pb::FieldDescriptor* f = type->FindFieldByNumber(number);
      std::string path = f == nullptr ? absl::StrCat(prefix, prefix.empty() ? "" : ".", "#", number)
                                      : absl::StrCat(prefix, prefix.empty() ? "" : ".", f->name());
      if (f != nullptr && f->is_repeated() && !f->is_packable()) absl::StrAppend(&path, "[", seen[number]++, "]");
      bool delimited = WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_LENGTH_DELIMITED;
      if (f == nullptr || !delimited) {
        if (!WireFormatLite::SkipField(in, tag)) return Fail(path, "the bytes end inside this field");
        continue;
      }
      uint32_t length = 0;
      if (!in->ReadVarint32(&length)) return Fail(path, "the bytes end inside this field's length");
      int remaining = in->BytesUntilLimit();
      if (remaining >= 0 && length > static_cast<uint32_t>(remaining)) {
        // Cut short: name the innermost field the cut falls in.
        if (f->type() == pb::FieldDescriptor::TYPE_MESSAGE) {
          auto limit = in->PushLimit(remaining);
          if (!Scan(f->message_type(), in, path, depth + 1)) return false;
          in->PopLimit(limit);
        }
        return Fail(path, absl::StrCat("declares ", length, " bytes but only ", remaining, " remain"));
      }
      if (f->type() == pb::FieldDescriptor::TYPE_STRING) {
        std::string value;
        if (!in->ReadString(&value, static_cast<int>(length))) return Fail(path, "the bytes end inside this field");
        if (Utf8CodePoints(value) < 0) return Fail(path, "not valid UTF-8");
      } else if (f->type() == pb::FieldDescriptor::TYPE_MESSAGE) {
        auto limit = in->PushLimit(static_cast<int>(length));
        if (!Scan(f->message_type(), in, path, depth + 1)) return false;
        in->PopLimit(limit);
      } else if (!in->Skip(static_cast<int>(length))) {
        return Fail(path, "the bytes end inside this field");
      }
    }
    return true;
  }

 private:
  bool Fail(const std::string& path, std::string description) {
    where = path;
    why = std::move(description);
    return false;
  }
};

}  // namespace

int64_t Utf8CodePoints(absl::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const unsigned char* end = p + text.size();
  int64_t count = 0;
  while (p < end) {
    // Eight ASCII bytes at a time: most codes, numbers and ids are ASCII.
    if (end - p >= 8) {
      uint64_t word;
      std::memcpy(&word, p, sizeof word);
      if ((word & 0x8080808080808080ULL) == 0) {
        p += 8;
        count += 8;
        continue;
      }
    }
    unsigned c = *p;
    if (c < 0x80) {
      ++p;
      ++count;
      continue;
    }
    int length;
    uint32_t cp, least;
    if ((c & 0xE0) == 0xC0) {
      length = 2, cp = c & 0x1F, least = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      length = 3, cp = c & 0x0F, least = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      length = 4, cp = c & 0x07, least = 0x10000;
    } else {
      return -1;  // a continuation byte first, or 0xF8..0xFF
    }
    if (end - p < length) return -1;
    for (int i = 1; i < length; ++i) {
      unsigned cc = p[i];
      if ((cc & 0xC0) != 0x80) return -1;
      cp = (cp << 6) | (cc & 0x3F);
    }
    // Overlong forms, UTF-16 surrogates and beyond Unicode are not UTF-8.
    if (cp < least || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return -1;
    p += length;
    ++count;
  }
  return count;
}

absl::Status CheckRequestShape(const google::protobuf::Message& request) {
  ShapeWalker walker;
  walker.Walk(request, "");
  if (walker.violations.empty()) return absl::OkStatus();
  return InvalidFields(std::move(walker.violations));
}

absl::Status ParseRequest(const google::protobuf::Descriptor* type, absl::string_view bytes,
                          google::protobuf::Message* out) {
  std::string what = absl::StrCat("the request message could not be parsed as ", type->full_name());
  if (bytes.size() > static_cast<size_t>(INT_MAX)) return absl::InvalidArgumentError(what);
  {
    // protobuf logs an ERROR line for every string that is not UTF-8: a
    // client must not be able to write the gateway's log at will. The
    // failure is answered, and logged once, by the caller.
    pb::LogSilencer quiet;
    if (out->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return absl::OkStatus();
  }
  pb::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()), static_cast<int>(bytes.size()));
  in.PushLimit(static_cast<int>(bytes.size()));
  WireScanner scan;
  if (scan.Scan(type, &in, "", 0)) return absl::InvalidArgumentError(what);
  // The violation names the field; the message keeps the parse failure
  // in front, as it is the first thing a reader of a log line sees.
  absl::Status named = InvalidField(scan.where.empty() ? "(message)" : scan.where, scan.why);
  absl::Status out_status(absl::StatusCode::kInvalidArgument, absl::StrCat(what, ": ", named.message()));
  named.ForEachPayload([&](absl::string_view url, const absl::Cord& payload) { out_status.SetPayload(url, payload); });
  return out_status;
}

namespace {

namespace xp = grpc::experimental;

// See NewRequestShapeInterceptorFactory. One per checked call.
class RequestShapeInterceptor final : public xp::Interceptor {
 public:
  RequestShapeInterceptor(std::string method, const pb::Message* empty_response)
      : method_(std::move(method)), empty_response_(empty_response) {}

  void Intercept(xp::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(xp::InterceptionHookPoints::POST_RECV_MESSAGE) && refused_.ok()) {
      // The typed handler's request type, parsed by gRPC (null when the
      // bytes did not parse: gRPC answers that itself).
      void* raw = methods->GetRecvMessage();
      if (raw != nullptr) {
        auto* request = static_cast<pb::Message*>(raw);
        absl::Status shape = CheckRequestShape(*request);
        if (!shape.ok()) Refuse(methods, request, std::move(shape));
      }
    }
    if (!refused_.ok()) {
      // Whatever the handler answered, the caller gets the shape's answer
      // and no response body.
      if (methods->QueryInterceptionHookPoint(xp::InterceptionHookPoints::PRE_SEND_MESSAGE) &&
          empty_response_ != nullptr) {
        methods->ModifySendMessage(empty_response_);
      }
      if (methods->QueryInterceptionHookPoint(xp::InterceptionHookPoints::PRE_SEND_STATUS)) {
        methods->ModifySendStatus(ToGrpcStatus(refused_));
      }
    }
    methods->Proceed();
  }

 private:
  // gRPC's server interceptors cannot end a call before its handler runs,
  // so the handler is made to do nothing: its request is emptied and the
  // caller's identity removed, which the call's context refuses before the
  // handler's body runs (with a principal secret, as in production; a
  // development service without one sees an empty request, which every
  // mutation refuses for its missing request_id).
  void Refuse(xp::InterceptorBatchMethods* methods, pb::Message* request, absl::Status shape) {
    refused_ = std::move(shape);
    request->Clear();
    if (auto* md = methods->GetRecvInitialMetadata(); md != nullptr) {
      md->erase(grpc::string_ref(kPrincipalHeader));
      md->erase(grpc::string_ref(kPrincipalMacHeader));
    }
    LogWarn("request refused for its shape", {{"method", method_}, {"error", std::string(refused_.message())}});
  }

  std::string method_;
  const pb::Message* empty_response_;
  absl::Status refused_;
};

class RequestShapeInterceptorFactory final : public xp::ServerInterceptorFactoryInterface {
 public:
  explicit RequestShapeInterceptorFactory(std::vector<std::string> typed_services)
      : typed_(typed_services.begin(), typed_services.end()) {}

  xp::Interceptor* CreateServerInterceptor(xp::ServerRpcInfo* info) override {
    // "/sales.orders.v1.OrdersService/GetOrder" → service and method.
    absl::string_view path = info->method() == nullptr ? "" : info->method();
    size_t slash = path.rfind('/');
    if (path.size() < 2 || path[0] != '/' || slash == 0 || slash == absl::string_view::npos) return nullptr;
    std::string service(path.substr(1, slash - 1));
    if (typed_.count(service) == 0) return nullptr;
    const pb::MethodDescriptor* method =
        pb::DescriptorPool::generated_pool()->FindMethodByName(absl::StrCat(service, ".", path.substr(slash + 1)));
    if (method == nullptr) return nullptr;
    const pb::Message* empty = pb::MessageFactory::generated_factory()->GetPrototype(method->output_type());
    return new RequestShapeInterceptor(std::string(path), empty);
  }

 private:
  std::set<std::string, std::less<>> typed_;
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface> NewRequestShapeInterceptorFactory(
    std::vector<std::string> typed_services) {
  return std::make_unique<RequestShapeInterceptorFactory>(std::move(typed_services));
}

}  // namespace sales
