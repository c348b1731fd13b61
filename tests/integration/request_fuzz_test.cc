// The request fuzzer of issue 12: every method of every service, sent
// through the gateway with each role's token, as random messages built by
// reflection, as mutations of valid messages' bytes and as raw bytes.
//
// The real binaries run (four services, the gateway) over a scratch MariaDB,
// so that a crash shows as a dead child process tied to the request that
// killed it, and the gateway parses nothing it would not parse in production.
// A little seed data (an org, reps, a product with stock, a customer, an
// order shipped and invoiced, a payment) lets calls reach business logic
// instead of NOT_FOUND; the seed requests are also the corpus the byte and
// field mutations start from, and every id and etag the seed answers carry
// is in the pool the generator draws ids and etags from.
//
// It fails when a process dies, when any answer is INTERNAL or UNKNOWN (each
// offender is printed as method, role and request JSON, grouped by method and
// message), when a process is not SERVING afterwards, or when the money and
// stock invariants no longer hold in the databases.
//
// Environment:
//   SALES_REQUEST_FUZZ_SEED=<n>      the random seed (default 20270104; printed)
//   SALES_REQUEST_FUZZ_ROUNDS=<n>    rounds over every method × role (default 8)
//   SALES_REQUEST_FUZZ_SECONDS=<n>   time budget of the fuzzing phase (default 100)
//   SALES_REQUEST_FUZZ_LONG=1        a long run: 400 rounds, 30 minutes, a seed
//                                    from the clock unless the seed is set
//   SALES_REQUEST_FUZZ_FINDINGS=<f>  JSON lines of every offender (default
//                                    request_fuzz_findings.jsonl in the working
//                                    directory)
#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <jwt.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "platform/convert.h"
#include "platform/mysql.h"
#include "platform/roles.h"
#include "sales/customers/v1/customers_service.pb.h"
#include "sales/finance/v1/finance_service.pb.h"
#include "sales/gateway/v1/gateway_service.pb.h"
#include "sales/orders/v1/orders_service.pb.h"
#include "sales/targets/v1/targets_service.pb.h"
#include "tests/testing/db_fixture.h"
#include "tests/testing/process.h"

namespace sales {
namespace {

namespace pb = ::google::protobuf;
namespace tv1 = ::sales::targets::v1;
namespace cv1 = ::sales::customers::v1;
namespace ov1 = ::sales::orders::v1;
namespace fv1 = ::sales::finance::v1;
using ::sales::testing::ChildProcess;
using ::sales::testing::FreeLoopbackPort;
using ::sales::testing::FreshDatabase;

constexpr char kSecret[] = "request-fuzz-secret";
constexpr char kKid[] = "fuzz-key";
constexpr char kIssuer[] = "fuzz-issuer";
constexpr char kAudience[] = "fuzz-gateway";

// ------------------------------------------------------------------ options

int64_t EnvInt(const char* name, int64_t def) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return def;
  return std::strtoll(v, nullptr, 10);
}

struct FuzzOptions {
  uint64_t seed = 20270104;
  int rounds = 8;
  absl::Duration budget = absl::Seconds(100);
  absl::Duration call_deadline = absl::Seconds(10);
  bool long_mode = false;
  std::string findings_path = "request_fuzz_findings.jsonl";

  static FuzzOptions FromEnv() {
    FuzzOptions o;
    o.long_mode = EnvInt("SALES_REQUEST_FUZZ_LONG", 0) != 0;
    if (o.long_mode) {
      o.rounds = 400;
      o.budget = absl::Minutes(30);
      o.seed = static_cast<uint64_t>(absl::ToUnixNanos(absl::Now()));
    }
    o.seed = static_cast<uint64_t>(EnvInt("SALES_REQUEST_FUZZ_SEED", static_cast<int64_t>(o.seed)));
    o.rounds = static_cast<int>(EnvInt("SALES_REQUEST_FUZZ_ROUNDS", o.rounds));
    o.budget = absl::Seconds(EnvInt("SALES_REQUEST_FUZZ_SECONDS", absl::ToInt64Seconds(o.budget)));
    if (const char* f = std::getenv("SALES_REQUEST_FUZZ_FINDINGS"); f != nullptr && *f != '\0') o.findings_path = f;
    return o;
  }
};

// -------------------------------------------------------------- randomness

class Rng {
 public:
  explicit Rng(uint64_t seed) : gen_(seed) {}
  uint64_t Next() { return gen_(); }
  // Uniform in [lo, hi].
  int64_t Between(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(gen_); }
  size_t Index(size_t n) { return static_cast<size_t>(Between(0, static_cast<int64_t>(n) - 1)); }
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(gen_) < p; }
  template <typename T>
  const T& Pick(const std::vector<T>& v) {
    return v[Index(v.size())];
  }
  template <typename T>
  void Shuffle(std::vector<T>& v) {
    std::shuffle(v.begin(), v.end(), gen_);
  }

 private:
  std::mt19937_64 gen_;
};

std::string Repeat(const std::string& s, size_t bytes) {
  std::string out;
  while (out.size() < bytes) out += s;
  return out;
}

// Strings people and attackers type: Chinese names and addresses, 4 KiB of
// text, SQL and format metacharacters, control characters, numbers as text.
const std::vector<std::string>& WildStrings() {
  static const std::vector<std::string> kStrings = {
      "",
      " ",
      "张三",
      "上海佳惠便利店有限公司",
      "上海市徐汇区漕溪北路 88 号",
      "纯牛奶 250ml×24",
      Repeat("销售", 4096),
      Repeat("x", 4096),
      Repeat("回款", 64 * 1024),
      std::string(64, 'a'),
      std::string(65, 'a'),
      "\t",
      "line\nbreak",
      "nul\x01"
      "ctl",
      "'; DROP TABLE products; --",
      "\" OR 1=1 --",
      "%s%s%s%n",
      "\\",
      "😀🥛",
      "ＡＢＣ１２３",
      "NULL",
      "0",
      "-1",
      "9223372036854775808",
      "2027-02-30",
      "*",
      "../../etc/passwd",
      "CNY",
      "v1",
      "SALES_REP",
  };
  return kStrings;
}

const std::vector<int64_t>& WildInts() {
  static const std::vector<int64_t> kInts = {
      0,
      1,
      -1,
      2,
      7,
      42,
      100,
      10000,
      10001,
      std::numeric_limits<int32_t>::max(),
      std::numeric_limits<int32_t>::min(),
      std::numeric_limits<int64_t>::max(),
      std::numeric_limits<int64_t>::min(),
      std::numeric_limits<int64_t>::max() - 1,
      std::numeric_limits<int64_t>::min() + 1,
      int64_t{4611686018427387904},  // 2^62: ×2 or ×4 wraps
      int64_t{922337203685477581},   // ×10 wraps
      int64_t{100000000000},
  };
  return kInts;
}

// ------------------------------------------------------------- generation

// Ids and etags seen in the seed answers; the generator draws from them so
// that random requests name things that exist.
struct Pools {
  std::vector<int64_t> ids = {1, 2, 3};
  std::vector<std::string> etags = {"v1", "v2", "v3"};
  absl::CivilDay today;
};

class Generator {
 public:
  Generator(Rng* rng, const Pools* pools) : rng_(*rng), pools_(*pools) {}

  // A message of `d`'s type. `wild`: edges and nonsense; otherwise values a
  // client would plausibly send (ids that exist, valid enums and dates).
  std::unique_ptr<pb::Message> Make(const pb::Descriptor* d, bool wild) {
    std::unique_ptr<pb::Message> m(pb::MessageFactory::generated_factory()->GetPrototype(d)->New());
    Fill(m.get(), 0, wild);
    return m;
  }

  void Fill(pb::Message* m, int depth, bool wild) {
    const pb::Descriptor* d = m->GetDescriptor();
    if (d->full_name() == "sales.common.v1.Date" && !(wild && rng_.Chance(0.5))) {
      FillDate(m, wild);
      return;
    }
    for (int i = 0; i < d->field_count(); ++i) {
      const pb::FieldDescriptor* f = d->field(i);
      double p = depth == 0 ? 0.85 : 0.65;
      if (f->name() == "request_id") p = 0.97;
      if (f->containing_oneof() != nullptr) p = 0.4;
      if (!rng_.Chance(p)) continue;
      SetField(m, f, depth, wild && rng_.Chance(0.6));
    }
  }

  // Replaces `f` of `m` with a fresh value (or clears it).
  void SetField(pb::Message* m, const pb::FieldDescriptor* f, int depth, bool wild) {
    const pb::Reflection* r = m->GetReflection();
    if (f->is_repeated()) {
      r->ClearField(m, f);
      int n = static_cast<int>(rng_.Between(1, 3));
      if (wild) {
        static const std::vector<int64_t> kCounts = {0, 1, 2, 5, 51, 1001};
        n = static_cast<int>(rng_.Pick(kCounts));
      }
      // Big repeated messages stay well under the gateway's 4 MiB limit.
      if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE && depth > 1) n = std::min(n, 3);
      for (int k = 0; k < n; ++k) AddOne(m, f, depth, wild && (n < 50 || rng_.Chance(0.05)));
      return;
    }
    switch (f->cpp_type()) {
      case pb::FieldDescriptor::CPPTYPE_INT32:
        r->SetInt32(m, f, static_cast<int32_t>(Int(f, wild)));
        break;
      case pb::FieldDescriptor::CPPTYPE_INT64:
        r->SetInt64(m, f, Int(f, wild));
        break;
      case pb::FieldDescriptor::CPPTYPE_UINT32:
        r->SetUInt32(m, f, static_cast<uint32_t>(Int(f, wild)));
        break;
      case pb::FieldDescriptor::CPPTYPE_UINT64:
        r->SetUInt64(m, f, static_cast<uint64_t>(Int(f, wild)));
        break;
      case pb::FieldDescriptor::CPPTYPE_DOUBLE:
        r->SetDouble(m, f, Real(wild));
        break;
      case pb::FieldDescriptor::CPPTYPE_FLOAT:
        r->SetFloat(m, f, static_cast<float>(Real(wild)));
        break;
      case pb::FieldDescriptor::CPPTYPE_BOOL:
        r->SetBool(m, f, rng_.Chance(0.5));
        break;
      case pb::FieldDescriptor::CPPTYPE_ENUM:
        r->SetEnumValue(m, f, Enum(f, wild));
        break;
      case pb::FieldDescriptor::CPPTYPE_STRING:
        r->SetString(m, f, f->type() == pb::FieldDescriptor::TYPE_BYTES ? Bytes(wild) : String(f, wild));
        break;
      case pb::FieldDescriptor::CPPTYPE_MESSAGE:
        if (depth < 6) Fill(r->MutableMessage(m, f), depth + 1, wild);
        break;
    }
  }

 private:
  void AddOne(pb::Message* m, const pb::FieldDescriptor* f, int depth, bool wild) {
    const pb::Reflection* r = m->GetReflection();
    switch (f->cpp_type()) {
      case pb::FieldDescriptor::CPPTYPE_INT32:
        r->AddInt32(m, f, static_cast<int32_t>(Int(f, wild)));
        break;
      case pb::FieldDescriptor::CPPTYPE_INT64:
        r->AddInt64(m, f, Int(f, wild));
        break;
      case pb::FieldDescriptor::CPPTYPE_UINT32:
        r->AddUInt32(m, f, static_cast<uint32_t>(Int(f, wild)));
        break;
      case pb::FieldDescriptor::CPPTYPE_UINT64:
        r->AddUInt64(m, f, static_cast<uint64_t>(Int(f, wild)));
        break;
      case pb::FieldDescriptor::CPPTYPE_DOUBLE:
        r->AddDouble(m, f, Real(wild));
        break;
      case pb::FieldDescriptor::CPPTYPE_FLOAT:
        r->AddFloat(m, f, static_cast<float>(Real(wild)));
        break;
      case pb::FieldDescriptor::CPPTYPE_BOOL:
        r->AddBool(m, f, rng_.Chance(0.5));
        break;
      case pb::FieldDescriptor::CPPTYPE_ENUM:
        r->AddEnumValue(m, f, Enum(f, wild));
        break;
      case pb::FieldDescriptor::CPPTYPE_STRING:
        r->AddString(m, f, f->type() == pb::FieldDescriptor::TYPE_BYTES ? Bytes(wild) : String(f, wild));
        break;
      case pb::FieldDescriptor::CPPTYPE_MESSAGE:
        if (depth < 6) Fill(r->AddMessage(m, f), depth + 1, wild);
        break;
    }
  }

  static bool NamedLike(const pb::FieldDescriptor* f, absl::string_view part) {
    return absl::StrContains(f->name(), part);
  }

  int64_t Int(const pb::FieldDescriptor* f, bool wild) {
    if (wild && rng_.Chance(0.7)) return rng_.Pick(WildInts());
    const std::string& n = f->name();
    if (n == "id" || absl::EndsWith(n, "_id") || absl::EndsWith(n, "_ids")) return rng_.Pick(pools_.ids);
    if (n == "page_size" || n == "limit") return rng_.Between(0, 50);
    if (NamedLike(f, "year")) return pools_.today.year() + rng_.Between(-2, 1);
    if (NamedLike(f, "month")) return rng_.Between(1, 12);
    if (n == "day" || NamedLike(f, "_day")) return rng_.Between(1, 28);
    if (absl::EndsWith(n, "_bp") || n == "value") return rng_.Between(0, 3000);
    if (NamedLike(f, "quantity") || NamedLike(f, "count")) return rng_.Between(1, 200);
    if (NamedLike(f, "minor") || NamedLike(f, "units")) return rng_.Between(1, 2000000);
    if (NamedLike(f, "days")) return rng_.Between(0, 90);
    if (NamedLike(f, "position") || NamedLike(f, "priority")) return rng_.Between(1, 100);
    return rng_.Between(0, 100);
  }

  double Real(bool wild) {
    if (!wild) return static_cast<double>(rng_.Between(0, 10000)) / 100.0;
    static const std::vector<double> kReals = {
        0.0, -1.0, 1e308, -1e308, std::nan(""), std::numeric_limits<double>::infinity(), 5e-324};
    return rng_.Pick(kReals);
  }

  int Enum(const pb::FieldDescriptor* f, bool wild) {
    const pb::EnumDescriptor* e = f->enum_type();
    if (wild && rng_.Chance(0.5)) {
      static const std::vector<int64_t> kUnknown = {-1, 99, 1000000, std::numeric_limits<int32_t>::max(),
                                                    std::numeric_limits<int32_t>::min()};
      return static_cast<int>(rng_.Pick(kUnknown));
    }
    if (!wild && e->value_count() > 1)
      return e->value(1 + static_cast<int>(rng_.Index(e->value_count() - 1)))->number();
    return e->value(static_cast<int>(rng_.Index(e->value_count())))->number();
  }

  std::string String(const pb::FieldDescriptor* f, bool wild) {
    const std::string& n = f->name();
    if (n == "request_id" && !(wild && rng_.Chance(0.3)))
      return absl::StrCat("fz-", ++serial_, "-", rng_.Next() % 100000);
    if (wild) return rng_.Pick(WildStrings());
    if (n == "etag") return rng_.Pick(pools_.etags);
    if (NamedLike(f, "currency")) return "CNY";
    if (NamedLike(f, "page_token")) return "";
    static const std::vector<std::string> kPlain = {"张三",
                                                    "李四",
                                                    "华东大区",
                                                    "上海",
                                                    "纯牛奶",
                                                    "PM-250-24",
                                                    "EAST",
                                                    "WALK_IN",
                                                    "门店拜访，店长有意向铺货",
                                                    "ICBC-20270120-01",
                                                    "A1",
                                                    "opening stock"};
    if (rng_.Chance(0.3)) return absl::StrCat("FZ-", rng_.Next() % 1000000);
    return rng_.Pick(kPlain);
  }

  std::string Bytes(bool wild) {
    size_t len = wild ? static_cast<size_t>(rng_.Pick(std::vector<int64_t>{0, 1, 16, 4096})) : 8;
    std::string s(len, '\0');
    for (auto& c : s) c = static_cast<char>(rng_.Next());
    return s;
  }

  void FillDate(pb::Message* m, bool wild) {
    const pb::Descriptor* d = m->GetDescriptor();
    const pb::Reflection* r = m->GetReflection();
    absl::CivilDay day = pools_.today + rng_.Between(-40, 40);
    int64_t y = day.year(), mo = day.month(), dd = day.day();
    if (wild) {
      static const std::vector<std::vector<int64_t>> kOdd = {{2027, 2, 30},
                                                             {2027, 13, 1},
                                                             {0, 1, 1},
                                                             {-1, -1, -1},
                                                             {9999, 12, 31},
                                                             {10000, 1, 1},
                                                             {2147483647, 2147483647, 2147483647},
                                                             {1, 1, 1},
                                                             {2028, 2, 29},
                                                             {2027, 0, 0}};
      const auto& odd = rng_.Pick(kOdd);
      y = odd[0], mo = odd[1], dd = odd[2];
    }
    r->SetInt32(m, d->FindFieldByName("year"), static_cast<int32_t>(y));
    r->SetInt32(m, d->FindFieldByName("month"), static_cast<int32_t>(mo));
    r->SetInt32(m, d->FindFieldByName("day"), static_cast<int32_t>(dd));
  }

  Rng& rng_;
  const Pools& pools_;
  int64_t serial_ = 0;
};

// Byte-level damage to a serialized message: flipped bits, interesting
// bytes, truncation, duplicated and deleted slices, overlong varints.
std::string MutateBytes(std::string s, Rng& rng) {
  int ops = static_cast<int>(rng.Between(1, 4));
  for (int k = 0; k < ops; ++k) {
    size_t n = s.size();
    switch (rng.Between(0, 7)) {
      case 0:
        if (n) s[rng.Index(n)] ^= static_cast<char>(1u << rng.Between(0, 7));
        break;
      case 1:
        if (n) s[rng.Index(n)] = static_cast<char>(rng.Pick(std::vector<int64_t>{0x00, 0xff, 0x7f, 0x80, 0x01, 0x0a}));
        break;
      case 2:
        if (n) s.resize(rng.Index(n));
        break;
      case 3:
        if (n) {
          size_t at = rng.Index(n), len = static_cast<size_t>(rng.Between(1, static_cast<int64_t>(n - at)));
          s.insert(rng.Index(n + 1), s.substr(at, len));
        }
        break;
      case 4:
        s += s;  // a message twice: parsers merge, repeated fields double
        break;
      case 5:
        if (n) {
          size_t at = rng.Index(n);
          s.erase(at, static_cast<size_t>(rng.Between(1, static_cast<int64_t>(n - at))));
        }
        break;
      case 6: {
        std::string junk(static_cast<size_t>(rng.Between(1, 8)), '\0');
        for (auto& c : junk) c = static_cast<char>(rng.Next());
        s.insert(rng.Index(n + 1), junk);
        break;
      }
      case 7:
        s.insert(rng.Index(n + 1), std::string(11, '\xff'));  // a varint longer than 10 bytes
        break;
    }
  }
  return s;
}

// Bytes that were never a message: random, empty, deeply nested groups.
std::string RawBytes(Rng& rng) {
  switch (rng.Between(0, 5)) {
    case 0:
      return "";
    case 1: {
      // 100 000 open groups of field 1000: recursion, not memory, is the risk.
      std::string s;
      for (int i = 0; i < 100000; ++i) s += "\xc3\x3e";  // tag (1000 << 3) | 3 as a varint
      return s;
    }
    case 2: {
      // A length-delimited field nested 200 deep.
      std::string s = "x";
      for (int i = 0; i < 200; ++i) {
        std::string len;
        for (uint64_t v = s.size();; v >>= 7) {
          len.push_back(static_cast<char>((v & 0x7f) | (v > 0x7f ? 0x80 : 0)));
          if (v <= 0x7f) break;
        }
        s = "\x0a" + len + s;
      }
      return s;
    }
    default: {
      size_t len = static_cast<size_t>(rng.Pick(std::vector<int64_t>{1, 3, 16, 64, 512, 4096}));
      std::string s(len, '\0');
      for (auto& c : s) c = static_cast<char>(rng.Next());
      return s;
    }
  }
}

// Sets one field somewhere in the message (depth ≤ 2) to a wild value, or
// clears it: a valid request with one bad part.
void TweakOneField(pb::Message* m, Generator& gen, Rng& rng) {
  std::vector<std::pair<pb::Message*, const pb::FieldDescriptor*>> spots;
  std::function<void(pb::Message*, int)> walk = [&](pb::Message* msg, int depth) {
    const pb::Descriptor* d = msg->GetDescriptor();
    const pb::Reflection* r = msg->GetReflection();
    for (int i = 0; i < d->field_count(); ++i) {
      const pb::FieldDescriptor* f = d->field(i);
      spots.emplace_back(msg, f);
      if (depth < 2 && f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
        if (f->is_repeated()) {
          if (r->FieldSize(*msg, f) > 0) walk(r->MutableRepeatedMessage(msg, f, 0), depth + 1);
        } else if (r->HasField(*msg, f)) {
          walk(r->MutableMessage(msg, f), depth + 1);
        }
      }
    }
  };
  walk(m, 0);
  if (spots.empty()) return;
  auto [msg, f] = spots[rng.Index(spots.size())];
  if (rng.Chance(0.15)) {
    msg->GetReflection()->ClearField(msg, f);
  } else {
    gen.SetField(msg, f, 1, true);
  }
}

// ------------------------------------------------------------------ calls

std::string Flatten(const grpc::ByteBuffer& buf) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buf.Dump(&slices).ok()) return out;
  for (const auto& s : slices) out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

struct Outcome {
  grpc::StatusCode code = grpc::StatusCode::OK;
  std::string message;
  std::string response;
};

// One call over a generic stub: unary, or a server stream read for a few
// messages and then cancelled.
class Caller {
 public:
  explicit Caller(std::shared_ptr<grpc::Channel> channel) : stub_(std::move(channel)) {}
  ~Caller() {
    cq_.Shutdown();
    void* tag;
    bool ok;
    while (cq_.Next(&tag, &ok)) {
    }
  }

  Outcome Call(const std::string& method, const std::string& token, const std::string& bytes, bool stream,
               absl::Duration deadline) {
    grpc::ClientContext ctx;
    ctx.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
    if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
    grpc::Slice slice(bytes);
    grpc::ByteBuffer request(&slice, 1);
    grpc::Status status;
    Outcome out;
    if (!stream) {
      grpc::ByteBuffer response;
      auto call = stub_.PrepareUnaryCall(&ctx, method, request, &cq_);
      call->StartCall();
      call->Finish(&response, &status, Tag());
      Await();
      out.response = Flatten(response);
    } else {
      auto call = stub_.PrepareCall(&ctx, method, &cq_);
      call->StartCall(Tag());
      bool open = Await();
      if (open) {
        call->Write(request, Tag());
        open = Await();
      }
      if (open) {
        call->WritesDone(Tag());
        open = Await();
      }
      for (int i = 0; open && i < 3; ++i) {
        grpc::ByteBuffer response;
        call->Read(&response, Tag());
        open = Await();
      }
      ctx.TryCancel();
      call->Finish(&status, Tag());
      Await();
    }
    out.code = status.error_code();
    out.message = status.error_message();
    return out;
  }

 private:
  void* Tag() { return reinterpret_cast<void*>(++tag_); }
  // Waits for the one operation in flight.
  bool Await() {
    void* got = nullptr;
    bool ok = false;
    cq_.Next(&got, &ok);
    return ok;
  }

  grpc::GenericStub stub_;
  grpc::CompletionQueue cq_;
  uintptr_t tag_ = 0;
};

// gRPC health of one process: SERVING is field 1 = 1 of HealthCheckResponse.
bool Serving(int port, const std::string& service) {
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
  Caller caller(channel);
  std::string req;
  if (!service.empty()) req = absl::StrCat("\x0a", std::string(1, static_cast<char>(service.size())), service);
  Outcome o = caller.Call("/grpc.health.v1.Health/Check", "", req, false, absl::Seconds(2));
  return o.code == grpc::StatusCode::OK && o.response == std::string("\x08\x01", 2);
}

// ------------------------------------------------------------------ tokens

std::string Sh(const std::string& cmd) {
  int rc = std::system(cmd.c_str());
  return rc == 0 ? "" : absl::StrCat("failed (", rc, "): ", cmd);
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Tail(const std::string& text, size_t bytes) {
  return text.size() <= bytes ? text : text.substr(text.size() - bytes);
}

// A token as the company's identity provider issues it (ES256).
std::string SignToken(const std::string& private_pem, const std::string& sub, const std::string& role, int64_t rep_id,
                      int64_t org_unit_id) {
  jwt_t* jwt = nullptr;
  if (jwt_new(&jwt) != 0) return "";
  int64_t now = absl::ToUnixSeconds(absl::Now());
  jwt_add_header(jwt, "kid", kKid);
  jwt_add_grant(jwt, "sub", sub.c_str());
  jwt_add_grant(jwt, "role", role.c_str());
  jwt_add_grant(jwt, "iss", kIssuer);
  jwt_add_grant(jwt, "aud", kAudience);
  if (rep_id) jwt_add_grant_int(jwt, "rep_id", rep_id);
  if (org_unit_id) jwt_add_grant_int(jwt, "org_unit_id", org_unit_id);
  jwt_add_grant_int(jwt, "iat", now);
  jwt_add_grant_int(jwt, "nbf", now);
  jwt_add_grant_int(jwt, "exp", now + 3 * 3600);
  jwt_set_alg(jwt, JWT_ALG_ES256, reinterpret_cast<const unsigned char*>(private_pem.data()),
              static_cast<int>(private_pem.size()));
  char* s = jwt_encode_str(jwt);
  jwt_free(jwt);
  std::string out = s ? s : "";
  free(s);
  return out;
}

// --------------------------------------------------------------- findings

struct Finding {
  std::string method;
  std::string role;
  std::string kind;
  grpc::StatusCode code;
  std::string message;
  std::string request;  // bytes as sent
};

const char* CodeName(grpc::StatusCode c) {
  static const char* kNames[] = {
      "OK",        "CANCELLED",      "UNKNOWN",           "INVALID_ARGUMENT",   "DEADLINE_EXCEEDED",
      "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION",
      "ABORTED",   "OUT_OF_RANGE",   "UNIMPLEMENTED",     "INTERNAL",           "UNAVAILABLE",
      "DATA_LOSS", "UNAUTHENTICATED"};
  int i = static_cast<int>(c);
  return i >= 0 && i <= 16 ? kNames[i] : "?";
}

// The request as JSON when it parses as the method's input, else its bytes.
std::string Describe(const pb::MethodDescriptor* md, const std::string& bytes, size_t max_chars) {
  std::unique_ptr<pb::Message> m(pb::MessageFactory::generated_factory()->GetPrototype(md->input_type())->New());
  std::string json;
  if (m->ParseFromString(bytes) && pb::util::MessageToJsonString(*m, &json).ok()) {
    if (json.size() > max_chars) json = absl::StrCat(json.substr(0, max_chars), "…(", json.size(), " chars)");
    return json;
  }
  std::string b64 = absl::Base64Escape(bytes.substr(0, std::min<size_t>(bytes.size(), max_chars / 2)));
  return absl::StrCat("{\"unparsable_bytes\":", bytes.size(), ",\"base64_prefix\":\"", b64, "\"}");
}

// A JSON string literal; bytes that are not UTF-8 become U+FFFD.
std::string JsonString(const std::string& s) {
  return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Groups offenders: digits and quoted values vary between calls.
std::string Shape(const std::string& message) {
  std::string s;
  bool last_digit = false;
  for (char c : message.substr(0, 160)) {
    bool digit = absl::ascii_isdigit(static_cast<unsigned char>(c));
    if (digit && !last_digit) s += '#';
    if (!digit) s += c;
    last_digit = digit;
  }
  return s;
}

// -------------------------------------------------------------- the suite

struct Process {
  std::string name;
  std::string health_name;
  int port = 0;
  std::string log;
  std::unique_ptr<ChildProcess> child;
};

struct Target {
  std::string path;  // "/pkg.Service/Method"
  const pb::MethodDescriptor* md;
  bool stream;
};

struct Role {
  std::string name;
  std::string token;
};

class RequestFuzz : public ::testing::Test {
 protected:
  void SetUp() override {
    opts_ = FuzzOptions::FromEnv();
    std::printf("[fuzz] seed %llu, %d rounds, budget %llds%s (replay: SALES_REQUEST_FUZZ_SEED=%llu)\n",
                static_cast<unsigned long long>(opts_.seed), opts_.rounds,
                static_cast<long long>(absl::ToInt64Seconds(opts_.budget)), opts_.long_mode ? ", long mode" : "",
                static_cast<unsigned long long>(opts_.seed));
    std::fflush(stdout);
    dir_ = ::sales::testing::MakeTempDir("sales-rfuzz");
    ASSERT_FALSE(dir_.empty());
    ASSERT_EQ(Sh(absl::StrCat("mkdir -p ", dir_,
                              "/public && openssl ecparam -name prime256v1 -genkey -noout "
                              "2>/dev/null | openssl pkcs8 -topk8 -nocrypt -out ",
                              dir_, "/key.pem && openssl pkey -in ", dir_, "/key.pem -pubout -out ", dir_, "/public/",
                              kKid, ".pem")),
              "");
    private_pem_ = ReadAll(dir_ + "/key.pem");
    StartProcesses();
  }

  void TearDown() override {
    callers_.clear();
    gateway_.reset();
    // The gateway first, so that no call reaches a service mid-drain.
    for (auto it = procs_.rbegin(); it != procs_.rend(); ++it) {
      if (it->child) it->child->Stop(absl::Seconds(10));
    }
    if (HasFailure()) {
      std::printf("[fuzz] logs kept in %s\n", dir_.c_str());
    } else {
      ::sales::testing::RemoveTree(dir_);
    }
  }

  static std::string Bin(const std::string& rel) { return absl::StrCat(SALES_BIN_DIR, "/", rel); }

  void StartProcesses() {
    const char* names[] = {"targets", "customers", "orders", "finance"};
    const char* health[] = {"sales.targets.v1.TargetsService", "sales.customers.v1.CustomersService",
                            "sales.orders.v1.OrdersService", "sales.finance.v1.FinanceService"};
    for (int i = 0; i < 4; ++i) {
      Process p;
      p.name = names[i];
      p.health_name = health[i];
      p.port = FreeLoopbackPort();
      p.log = absl::StrCat(dir_, "/", p.name, ".log");
      procs_.push_back(std::move(p));
    }
    std::vector<std::string> peers;
    for (const auto& p : procs_) peers.push_back(absl::StrCat("--", p.name, "_address=127.0.0.1:", p.port));
    for (int i = 0; i < 4; ++i) {
      Process& p = procs_[i];
      dbs_[p.name] = FreshDatabase(absl::StrCat("rfuzz_", p.name));
      const db::PoolOptions& db = dbs_[p.name];
      std::vector<std::string> argv = {Bin(absl::StrCat(p.name, "-svc/", p.name, "-svc")),
                                       absl::StrCat("--listen=127.0.0.1:", p.port),
                                       "--metrics_listen=off",
                                       "--mysql_host=127.0.0.1",
                                       absl::StrCat("--mysql_port=", db.port),
                                       absl::StrCat("--mysql_user=", db.user),
                                       absl::StrCat("--mysql_password=", db.password),
                                       absl::StrCat("--mysql_database=", db.database),
                                       absl::StrCat("--principal_hmac_secret=", kSecret),
                                       "--drain_deadline=2s"};
      for (int j = 0; j < 4; ++j) {
        if (j != i) argv.push_back(peers[j]);
      }
      p.child = std::make_unique<ChildProcess>();
      ASSERT_TRUE(p.child->Start(argv, p.log).ok()) << p.name;
    }
    Process gw;
    gw.name = "gateway";
    gw.health_name = "";
    gw.port = FreeLoopbackPort();
    gw.log = dir_ + "/gateway.log";
    std::vector<std::string> argv = {Bin("gateway/gateway"), absl::StrCat("--listen=127.0.0.1:", gw.port),
                                     "--metrics_listen=off", absl::StrCat("--jwt_public_keys_dir=", dir_, "/public"),
                                     absl::StrCat("--jwt_issuer=", kIssuer), absl::StrCat("--jwt_audience=", kAudience),
                                     absl::StrCat("--policy_file=", SALES_SOURCE_DIR, "/gateway/policy.json"),
                                     absl::StrCat("--principal_hmac_secret=", kSecret),
                                     // The fuzzer is one caller sending as fast as it can.
                                     "--rate_limit_per_second=0", "--access_log=errors", "--drain_deadline=2s"};
    argv.insert(argv.end(), peers.begin(), peers.end());
    gw.child = std::make_unique<ChildProcess>();
    ASSERT_TRUE(gw.child->Start(argv, gw.log).ok());
    procs_.push_back(std::move(gw));
    absl::Time until = absl::Now() + absl::Seconds(90);
    for (auto& p : procs_) {
      while (!Serving(p.port, "")) {
        ASSERT_TRUE(p.child->running()) << p.name << " exited at start:\n" << Tail(ReadAll(p.log), 4000);
        ASSERT_LT(absl::Now(), until) << p.name << " never served:\n" << Tail(ReadAll(p.log), 4000);
        absl::SleepFor(absl::Milliseconds(100));
      }
    }
    gateway_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", procs_.back().port), grpc::InsecureChannelCredentials());
    callers_.push_back(std::make_unique<Caller>(gateway_));
  }

  // The first process that died, or null.
  Process* Dead() {
    for (auto& p : procs_) {
      if (!p.child->running()) return &p;
    }
    return nullptr;
  }

  // ---- seeding: typed requests through the gateway; every successful one
  // joins the corpus and gives its ids and etags to the pools.
  template <typename Resp>
  bool Seed(const std::string& method, const std::string& token, const pb::Message& req, Resp* resp,
            grpc::StatusCode* code = nullptr) {
    std::string bytes;
    req.SerializeToString(&bytes);
    std::string path = absl::StrCat("/", req.GetDescriptor()->file()->package(), ".", method);
    Outcome o = callers_[0]->Call(path, token, bytes, false, absl::Seconds(20));
    if (code) *code = o.code;
    if (o.code != grpc::StatusCode::OK) {
      last_seed_error_ = absl::StrCat(method, ": ", CodeName(o.code), " ", o.message);
      return false;
    }
    corpus_[path].push_back(bytes);
    resp->ParseFromString(o.response);
    Harvest(*resp);
    return true;
  }

  void Harvest(const pb::Message& m) {
    const pb::Descriptor* d = m.GetDescriptor();
    const pb::Reflection* r = m.GetReflection();
    for (int i = 0; i < d->field_count(); ++i) {
      const pb::FieldDescriptor* f = d->field(i);
      if (f->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
        if (f->is_repeated()) {
          for (int k = 0; k < r->FieldSize(m, f); ++k) Harvest(r->GetRepeatedMessage(m, f, k));
        } else if (r->HasField(m, f)) {
          Harvest(r->GetMessage(m, f));
        }
      } else if (!f->is_repeated() && f->cpp_type() == pb::FieldDescriptor::CPPTYPE_INT64 &&
                 (f->name() == "id" || absl::EndsWith(f->name(), "_id"))) {
        int64_t v = r->GetInt64(m, f);
        if (v > 0 && std::find(pools_.ids.begin(), pools_.ids.end(), v) == pools_.ids.end()) pools_.ids.push_back(v);
      } else if (!f->is_repeated() && f->name() == "etag") {
        std::string v = r->GetString(m, f);
        if (!v.empty() && std::find(pools_.etags.begin(), pools_.etags.end(), v) == pools_.etags.end()) {
          pools_.etags.push_back(v);
        }
      }
    }
  }

  std::string Rid() { return absl::StrCat("seed-", ++rid_); }
  std::string Token(const std::string& user, const char* role, int64_t rep = 0, int64_t unit = 0) {
    return SignToken(private_pem_, user, role, rep, unit);
  }
  static common::v1::Date D(absl::CivilDay d) {
    common::v1::Date out;
    out.set_year(static_cast<int32_t>(d.year()));
    out.set_month(d.month());
    out.set_day(d.day());
    return out;
  }
  static common::v1::Money Yuan(int64_t fen) {
    common::v1::Money m;
    m.set_currency_code("CNY");
    m.set_minor_units(fen);
    return m;
  }
  // Retries while a feed has not yet carried what the call needs.
  bool Eventually(const std::function<bool()>& done, absl::Duration limit = absl::Seconds(30)) {
    absl::Time until = absl::Now() + limit;
    while (absl::Now() < until) {
      if (done()) return true;
      absl::SleepFor(absl::Milliseconds(100));
    }
    return done();
  }

#define SEED_OR_RETURN(expr)                                     \
  do {                                                           \
    if (!(expr)) {                                               \
      ADD_FAILURE() << "seed step failed: " << last_seed_error_; \
      return;                                                    \
    }                                                            \
  } while (0)

  // The company of domain.md in miniature, through the gateway.
  void SeedData() {
    // The company's day (Shanghai), as the services judge dates: the
    // machine's zone is UTC, a day behind for the first eight hours of it.
    pools_.today = absl::ToCivilDay(absl::Now(), CompanyTimeZone());
    const absl::CivilDay today = pools_.today;
    admin_ = Token("admin", kRoleAdmin);
    auto unit = [&](const std::string& code, const std::string& name, tv1::OrgUnitKind kind, int64_t parent) {
      tv1::CreateOrgUnitRequest req;
      req.set_request_id(Rid());
      req.mutable_org_unit()->set_code(code);
      req.mutable_org_unit()->set_name(name);
      req.mutable_org_unit()->set_kind(kind);
      req.mutable_org_unit()->set_parent_id(parent);
      tv1::CreateOrgUnitResponse resp;
      return Seed("TargetsService/CreateOrgUnit", admin_, req, &resp) ? resp.org_unit().id() : 0;
    };
    co_ = unit("CO", "总公司", tv1::ORG_UNIT_KIND_COMPANY, 0);
    SEED_OR_RETURN(co_);
    east_ = unit("EAST", "华东大区", tv1::ORG_UNIT_KIND_BRANCH, co_);
    SEED_OR_RETURN(east_);
    sh_ = unit("EAST-SH", "上海办事处", tv1::ORG_UNIT_KIND_OFFICE, east_);
    SEED_OR_RETURN(sh_);
    tv1::CreateProductLineRequest pl;
    pl.set_request_id(Rid());
    pl.mutable_product_line()->set_code("PURE-MILK");
    pl.mutable_product_line()->set_name("纯牛奶");
    pl.mutable_product_line()->set_portfolio_role(tv1::PORTFOLIO_ROLE_TRAFFIC);
    pl.mutable_product_line()->set_commissionable(true);
    tv1::CreateProductLineResponse plr;
    SEED_OR_RETURN(Seed("TargetsService/CreateProductLine", admin_, pl, &plr));
    const int64_t line = plr.product_line().id();
    auto rep = [&](const std::string& code, const std::string& name) {
      tv1::CreateRepRequest req;
      req.set_request_id(Rid());
      req.mutable_rep()->set_employee_code(code);
      req.mutable_rep()->set_user_id(absl::AsciiStrToLower(code));
      req.mutable_rep()->set_name(name);
      req.mutable_rep()->set_org_unit_id(sh_);
      req.mutable_rep()->set_status(tv1::REP_STATUS_ACTIVE);
      *req.mutable_rep()->mutable_hire_date() = D(absl::CivilDay(2020, 1, 1));
      tv1::CreateRepResponse resp;
      return Seed("TargetsService/CreateRep", admin_, req, &resp) ? resp.rep().id() : 0;
    };
    r1_ = rep("REP1", "张三");
    SEED_OR_RETURN(r1_);
    r2_ = rep("REP2", "李四");
    SEED_OR_RETURN(r2_);
    MakeRoleTokens();
    const std::string& director = roles_[1].token;
    const std::string& manager = roles_[2].token;
    const std::string& rep1 = roles_[3].token;
    const std::string& clerk = roles_[4].token;
    const std::string& finance = roles_[5].token;
    const std::string& reception = roles_[6].token;
    const std::string& keeper = roles_[7].token;

    // A plan, so that the targets methods have something to work on.
    tv1::CreatePlanRequest cp;
    cp.set_request_id(Rid());
    cp.mutable_plan()->set_title(absl::StrCat(today.year(), " 销售额计划"));
    cp.mutable_plan()->set_fiscal_year(static_cast<int32_t>(today.year()));
    cp.mutable_plan()->set_metric(tv1::METRIC_SALES_AMOUNT);
    cp.mutable_plan()->set_org_unit_id(co_);
    *cp.mutable_plan()->mutable_total_target()->mutable_amount() = Yuan(48000'00);
    tv1::CreatePlanResponse cpr;
    SEED_OR_RETURN(Seed("TargetsService/CreatePlan", director, cp, &cpr));

    ov1::CreateProductRequest prod;
    prod.set_request_id(Rid());
    prod.mutable_product()->set_sku("PM-250-24");
    prod.mutable_product()->set_name("纯牛奶 250ml×24");
    prod.mutable_product()->set_product_line_id(line);
    prod.mutable_product()->set_unit("箱");
    *prod.mutable_product()->mutable_unit_cost() = Yuan(60'00);
    *prod.mutable_product()->mutable_floor_price() = Yuan(70'00);
    prod.mutable_product()->set_commissionable(true);
    ov1::CreateProductResponse prodr;
    SEED_OR_RETURN(Seed("OrdersService/CreateProduct", admin_, prod, &prodr));
    product_ = prodr.product().id();
    ov1::CreatePriceListRequest prl;
    prl.set_request_id(Rid());
    prl.mutable_price_list()->set_code("PL-2020");
    prl.mutable_price_list()->set_name("目录价格");
    prl.mutable_price_list()->set_currency_code("CNY");
    *prl.mutable_price_list()->mutable_effective_from() = D(absl::CivilDay(2020, 1, 1));
    auto* entry = prl.mutable_price_list()->add_entries();
    entry->set_product_id(product_);
    *entry->mutable_list_price() = Yuan(100'00);
    ov1::CreatePriceListResponse prlr;
    SEED_OR_RETURN(Seed("OrdersService/CreatePriceList", admin_, prl, &prlr));
    ov1::CreateWarehouseRequest wh;
    wh.set_request_id(Rid());
    wh.mutable_warehouse()->set_code("WH-SH");
    wh.mutable_warehouse()->set_name("上海仓");
    wh.mutable_warehouse()->set_kind(ov1::WAREHOUSE_KIND_REGULAR);
    wh.mutable_warehouse()->set_active(true);
    ov1::CreateWarehouseResponse whr;
    SEED_OR_RETURN(Seed("OrdersService/CreateWarehouse", admin_, wh, &whr));
    warehouse_ = whr.warehouse().id();
    ov1::RecordStockReceiptRequest rcpt;
    rcpt.set_request_id(Rid());
    rcpt.set_warehouse_id(warehouse_);
    rcpt.set_reference("PO-0001");
    rcpt.set_reason("opening stock");
    auto* rl = rcpt.add_lines();
    rl->set_product_id(product_);
    rl->set_quantity(500);
    ov1::RecordStockReceiptResponse rcptr;
    SEED_OR_RETURN(Seed("OrdersService/RecordStockReceipt", keeper, rcpt, &rcptr));

    // A walk-in; the duty rotation (once customers-svc has the reps from
    // the targets feed) gives it to rep1.
    cv1::CreateRotationRequest rot;
    rot.mutable_rotation()->set_office_id(sh_);
    int pos = 0;
    for (int64_t r : {r1_, r2_}) {
      auto* m = rot.mutable_rotation()->add_members();
      m->set_rep_id(r);
      m->set_position(++pos * 10);
    }
    cv1::CreateRotationResponse rotr;
    SEED_OR_RETURN(Eventually([&] {
      rot.set_request_id(Rid());
      return Seed("CustomersService/CreateRotation", manager, rot, &rotr);
    }));
    cv1::RegisterLeadRequest lead;
    lead.set_request_id(Rid());
    lead.set_office_id(sh_);
    lead.set_channel(cv1::LEAD_CHANNEL_WALK_IN);
    auto* c = lead.mutable_customer();
    c->set_name("上海佳惠便利店有限公司");
    c->set_type(cv1::CUSTOMER_TYPE_OUTLET_B);
    c->set_phone("+86 138-0013-8000");
    c->set_region("EAST");
    c->set_city("上海");
    c->set_address("上海市徐汇区漕溪北路 88 号");
    c->set_source_channel("WALK_IN");
    cv1::RegisterLeadResponse leadr;
    SEED_OR_RETURN(Seed("CustomersService/RegisterLead", reception, lead, &leadr));
    customer_ = leadr.lead().customer_id();
    cv1::GetCreditProfileRequest gp;
    gp.set_customer_id(customer_);
    cv1::GetCreditProfileResponse gpr;
    SEED_OR_RETURN(Seed("CustomersService/GetCreditProfile", finance, gp, &gpr));
    cv1::UpdateCreditProfileRequest up;
    up.set_request_id(Rid());
    up.set_customer_id(customer_);
    *up.mutable_credit_limit() = Yuan(20000'00);
    up.set_payment_terms_days(30);
    up.set_reason("new account, store visited");
    up.set_etag(gpr.profile().etag());
    cv1::UpdateCreditProfileResponse upr;
    SEED_OR_RETURN(Seed("CustomersService/UpdateCreditProfile", finance, up, &upr));
    cv1::RecordFollowUpRequest fu;
    fu.set_request_id(Rid());
    fu.mutable_follow_up()->set_customer_id(customer_);
    *fu.mutable_follow_up()->mutable_date() = D(today);
    fu.mutable_follow_up()->set_channel(cv1::FOLLOW_UP_CHANNEL_VISIT);
    fu.mutable_follow_up()->set_content("门店拜访，店长有意向铺货纯牛奶");
    fu.mutable_follow_up()->set_intent_level(cv1::INTENT_LEVEL_HIGH);
    cv1::RecordFollowUpResponse fur;
    SEED_OR_RETURN(Seed("CustomersService/RecordFollowUp", rep1, fu, &fur));

    // A quote beyond the rep's discount limit, approved, converted,
    // confirmed (reserving stock), shipped in part and delivered.
    ov1::CreateQuoteRequest cq;
    cq.set_request_id(Rid());
    cq.mutable_quote()->set_customer_id(customer_);
    *cq.mutable_quote()->mutable_quote_date() = D(today);
    auto* ql = cq.mutable_quote()->add_lines();
    ql->set_product_id(product_);
    ql->set_quantity(100);
    ql->set_discount_bp(800);
    ov1::CreateQuoteResponse cqr;
    SEED_OR_RETURN(Seed("OrdersService/CreateQuote", rep1, cq, &cqr));
    ov1::SubmitQuoteRequest sq;
    sq.set_request_id(Rid());
    sq.set_quote_id(cqr.quote().id());
    sq.set_etag(cqr.quote().etag());
    ov1::SubmitQuoteResponse sqr;
    SEED_OR_RETURN(Seed("OrdersService/SubmitQuote", rep1, sq, &sqr));
    ov1::ApproveQuoteRequest aq;
    aq.set_request_id(Rid());
    aq.set_quote_id(cqr.quote().id());
    aq.set_etag(sqr.quote().etag());
    aq.set_reason("opening order of a new outlet");
    ov1::ApproveQuoteResponse aqr;
    SEED_OR_RETURN(Seed("OrdersService/ApproveQuote", manager, aq, &aqr));
    ov1::ConvertQuoteToOrderRequest cv;
    cv.set_request_id(Rid());
    cv.set_quote_id(cqr.quote().id());
    cv.set_etag(aqr.quote().etag());
    *cv.mutable_order_date() = D(today);
    ov1::ConvertQuoteToOrderResponse cvr;
    SEED_OR_RETURN(Seed("OrdersService/ConvertQuoteToOrder", rep1, cv, &cvr));
    ov1::ConfirmOrderRequest co1;
    co1.set_request_id(Rid());
    co1.set_order_id(cvr.order().id());
    co1.set_etag(cvr.order().etag());
    ov1::ConfirmOrderResponse co1r;
    SEED_OR_RETURN(Seed("OrdersService/ConfirmOrder", rep1, co1, &co1r));
    const ov1::SalesOrder order = co1r.order();
    SEED_OR_RETURN(order.lines_size() > 0);

    ov1::RequestShipmentRequest rq;
    rq.set_request_id(Rid());
    rq.mutable_shipment_requisition()->set_order_id(order.id());
    rq.mutable_shipment_requisition()->set_carrier("德邦物流");
    auto* l = rq.mutable_shipment_requisition()->add_lines();
    l->set_order_line_id(order.lines(0).id());
    l->set_quantity(60);
    ov1::RequestShipmentResponse rqr;
    SEED_OR_RETURN(Seed("OrdersService/RequestShipment", clerk, rq, &rqr));
    ov1::ApproveShipmentRequisitionRequest ap;
    ap.set_request_id(Rid());
    ap.set_shipment_requisition_id(rqr.shipment_requisition().id());
    ap.set_etag(rqr.shipment_requisition().etag());
    ov1::ApproveShipmentRequisitionResponse apr;
    // The manager's chain is checked on orders-svc's copy of the org, which
    // follows targets' feed: retried until the copy has the seed's units.
    SEED_OR_RETURN(Eventually([&] {
      ap.set_request_id(Rid());
      return Seed("OrdersService/ApproveShipmentRequisition", manager, ap, &apr);
    }));
    ov1::PostShipmentRequest post;
    post.set_request_id(Rid());
    post.set_shipment_requisition_id(apr.shipment_requisition().id());
    post.set_etag(apr.shipment_requisition().etag());
    post.set_warehouse_id(warehouse_);
    auto* pl2 = post.add_lines();
    pl2->set_shipment_requisition_line_id(apr.shipment_requisition().lines(0).id());
    pl2->set_quantity(60);
    ov1::PostShipmentResponse postr;
    SEED_OR_RETURN(Seed("OrdersService/PostShipment", keeper, post, &postr));
    ov1::RecordDeliveryRequest dl;
    dl.set_request_id(Rid());
    dl.set_shipment_id(postr.shipment().id());
    dl.set_etag(postr.shipment().etag());
    *dl.mutable_delivery()->mutable_delivery_date() = D(today);
    dl.mutable_delivery()->set_signed_by("周店长");
    dl.mutable_delivery()->set_document_reference("SIGNED-NOTE");
    ov1::RecordDeliveryResponse dlr;
    SEED_OR_RETURN(Seed("OrdersService/RecordDelivery", clerk, dl, &dlr));

    // A second order, left in DRAFT, entered directly.
    ov1::CreateOrderRequest co;
    co.set_request_id(Rid());
    co.mutable_order()->set_customer_id(customer_);
    *co.mutable_order()->mutable_order_date() = D(today);
    auto* ol = co.mutable_order()->add_lines();
    ol->set_product_id(product_);
    ol->set_quantity(10);
    ov1::CreateOrderResponse cor;
    SEED_OR_RETURN(Seed("OrdersService/CreateOrder", rep1, co, &cor));

    // Finance invoices the shipment; a partial payment arrives.
    std::vector<fv1::BillableLine> billable;
    SEED_OR_RETURN(Eventually([&] {
      fv1::ListBillableLinesRequest req;
      req.set_customer_id(customer_);
      req.add_states(fv1::BILLABLE_LINE_STATE_UNBILLED);
      fv1::ListBillableLinesResponse resp;
      if (!Seed("FinanceService/ListBillableLines", clerk, req, &resp)) return false;
      billable.assign(resp.billable_lines().begin(), resp.billable_lines().end());
      return !billable.empty();
    }));
    fv1::RequestInvoiceRequest ri;
    ri.set_request_id(Rid());
    ri.set_customer_id(customer_);
    ri.add_lines()->set_billable_line_id(billable[0].id());
    fv1::RequestInvoiceResponse rir;
    SEED_OR_RETURN(Seed("FinanceService/RequestInvoice", clerk, ri, &rir));
    fv1::ReviewInvoiceRequest rvi;
    rvi.set_request_id(Rid());
    rvi.set_id(rir.invoice().id());
    rvi.set_etag(rir.invoice().etag());
    fv1::ReviewInvoiceResponse rvir;
    SEED_OR_RETURN(Seed("FinanceService/ReviewInvoice", manager, rvi, &rvir));
    fv1::IssueInvoiceRequest ii;
    ii.set_request_id(Rid());
    ii.set_id(rir.invoice().id());
    ii.set_etag(rvir.invoice().etag());
    *ii.mutable_invoice_date() = D(today);
    fv1::IssueInvoiceResponse iir;
    SEED_OR_RETURN(Seed("FinanceService/IssueInvoice", finance, ii, &iir));
    fv1::RecordPaymentRequest pay;
    pay.set_request_id(Rid());
    auto* p = pay.mutable_payment();
    p->set_customer_id(customer_);
    *p->mutable_amount() = Yuan(2000'00);
    p->set_method(fv1::PAYMENT_METHOD_TRANSFER);
    p->set_bank_reference("ICBC-0001");
    *p->mutable_received_on() = D(today);
    pay.set_apply_mode(fv1::APPLY_MODE_OLDEST_DUE_FIRST);
    fv1::RecordPaymentResponse payr;
    SEED_OR_RETURN(Seed("FinanceService/RecordPayment", finance, pay, &payr));
    seeded_ = true;
  }
#undef SEED_OR_RETURN

  void MakeRoleTokens() {
    roles_ = {
        {kRoleAdmin, Token("admin", kRoleAdmin)},
        {kRoleDirector, Token("欧阳·娜娜", kRoleDirector, 0, co_)},
        {kRoleManager, Token("office-head", kRoleManager, 0, sh_)},
        // Users are named as Chinese identity providers name them.
        {kRoleRep, Token("张三", kRoleRep, r1_, sh_)},
        {kRoleClerk, Token("clerk", kRoleClerk, 0, sh_)},
        {kRoleFinance, Token("ar-clerk", kRoleFinance)},
        {kRoleReceptionist, Token("reception", kRoleReceptionist, 0, sh_)},
        {kRoleWarehouse, Token("keeper", kRoleWarehouse)},
        {kRoleService, Token("scheduler", kRoleService)},
        {"ANONYMOUS", ""},
    };
  }

  // ---- the walk
  std::vector<Target> Targets() {
    // Touch a message of each file so the linker keeps their descriptors.
    (void)tv1::CreateOrgUnitRequest::descriptor();
    (void)cv1::RegisterCustomerRequest::descriptor();
    (void)ov1::CreateProductRequest::descriptor();
    (void)fv1::RecordPaymentRequest::descriptor();
    (void)gateway::v1::Customer360Request::descriptor();
    std::vector<Target> out;
    for (const char* name :
         {"sales.targets.v1.TargetsService", "sales.customers.v1.CustomersService", "sales.orders.v1.OrdersService",
          "sales.finance.v1.FinanceService", "sales.gateway.v1.GatewayService"}) {
      const pb::ServiceDescriptor* svc = pb::DescriptorPool::generated_pool()->FindServiceByName(name);
      EXPECT_NE(svc, nullptr) << name;
      if (svc == nullptr) continue;
      for (int i = 0; i < svc->method_count(); ++i) {
        const pb::MethodDescriptor* md = svc->method(i);
        out.push_back({absl::StrCat("/", name, "/", md->name()), md, md->server_streaming()});
      }
    }
    return out;
  }

  enum Kind { kPlausible, kWild, kFieldTweak, kByteMutation, kRaw, kKinds };
  static const char* KindName(int k) {
    static const char* kNames[] = {"plausible", "wild", "field-tweak", "byte-mutation", "raw"};
    return kNames[k];
  }

  std::string Input(const Target& t, int kind, Generator& gen, Rng& rng) {
    auto base = [&]() -> std::unique_ptr<pb::Message> {
      auto it = corpus_.find(t.path);
      if (it != corpus_.end() && rng.Chance(0.6)) {
        std::unique_ptr<pb::Message> m(
            pb::MessageFactory::generated_factory()->GetPrototype(t.md->input_type())->New());
        m->ParseFromString(rng.Pick(it->second));
        // A fresh request id, or the stored answer would come back.
        if (const auto* f = m->GetDescriptor()->FindFieldByName("request_id");
            f != nullptr && f->cpp_type() == pb::FieldDescriptor::CPPTYPE_STRING && !f->is_repeated()) {
          m->GetReflection()->SetString(m.get(), f, absl::StrCat("fz-base-", rng.Next() % 1000000000));
        }
        return m;
      }
      return gen.Make(t.md->input_type(), false);
    };
    std::string bytes;
    switch (kind) {
      case kPlausible:
        gen.Make(t.md->input_type(), false)->SerializeToString(&bytes);
        break;
      case kWild:
        gen.Make(t.md->input_type(), true)->SerializeToString(&bytes);
        break;
      case kFieldTweak: {
        auto m = base();
        TweakOneField(m.get(), gen, rng);
        m->SerializeToString(&bytes);
        break;
      }
      case kByteMutation: {
        base()->SerializeToString(&bytes);
        bytes = MutateBytes(std::move(bytes), rng);
        break;
      }
      default:
        bytes = RawBytes(rng);
        break;
    }
    return bytes;
  }

  // ---- invariants over the services' own tables
  std::vector<std::string> BrokenInvariants() {
    struct Check {
      const char* service;
      const char* what;
      const char* sql;
    };
    static const Check kChecks[] = {
        {"orders", "stock never negative, reserved within on hand",
         "SELECT CONCAT('warehouse ', warehouse_id, ' product ', product_id, ': on_hand ', on_hand, "
         "' reserved ', reserved) FROM stock_levels WHERE on_hand < 0 OR reserved < 0 OR reserved > on_hand"},
        {"orders", "on hand = sum of the stock ledger",
         "SELECT CONCAT('warehouse ', s.warehouse_id, ' product ', s.product_id, ': on_hand ', s.on_hand, "
         "' ledger ', COALESCE(m.total, 0)) FROM stock_levels s LEFT JOIN (SELECT warehouse_id, product_id, "
         "SUM(quantity_delta) AS total FROM stock_movements GROUP BY warehouse_id, product_id) m "
         "ON m.warehouse_id = s.warehouse_id AND m.product_id = s.product_id "
         "WHERE s.on_hand <> COALESCE(m.total, 0)"},
        {"orders", "reserved = open quantity of the reservations",
         "SELECT CONCAT('warehouse ', s.warehouse_id, ' product ', s.product_id, ': reserved ', s.reserved, "
         "' open reservations ', COALESCE(r.open_qty, 0)) FROM stock_levels s LEFT JOIN (SELECT warehouse_id, "
         "product_id, SUM(quantity - shipped_quantity - released_quantity) AS open_qty FROM reservations "
         "GROUP BY warehouse_id, product_id) r ON r.warehouse_id = s.warehouse_id AND r.product_id = s.product_id "
         "WHERE s.reserved <> COALESCE(r.open_qty, 0)"},
        {"orders", "order line amount = quantity × unit price (no wrap)",
         "SELECT CONCAT('order ', order_id, ' line ', id, ': ', quantity, ' × ', unit_price_minor, ' <> ', "
         "net_amount_minor) FROM order_lines "
         "WHERE CAST(quantity AS DECIMAL(40,0)) * unit_price_minor <> net_amount_minor"},
        {"orders", "order total = sum of its lines",
         "SELECT CONCAT('order ', o.id, ': lines_total ', o.lines_total_minor, ' total ', o.total_minor, "
         "' sum of lines ', COALESCE(l.total, 0)) FROM sales_orders o LEFT JOIN (SELECT order_id, "
         "SUM(net_amount_minor) AS total FROM order_lines GROUP BY order_id) l ON l.order_id = o.id "
         "WHERE o.lines_total_minor <> COALESCE(l.total, 0) OR o.total_minor <> o.lines_total_minor"},
        {"orders", "quote line amount = quantity × unit price, quote total = lines + fees",
         "SELECT CONCAT('quote ', q.id, ': lines_total ', q.lines_total_minor, ' fees ', "
         "q.special_fees_total_minor, ' total ', q.total_minor, ' sum of lines ', COALESCE(l.total, 0), "
         "' exact ', COALESCE(l.exact, 0)) FROM quotes q LEFT JOIN (SELECT quote_id, SUM(net_amount_minor) AS "
         "total, SUM(CAST(quantity AS DECIMAL(40,0)) * unit_price_minor) AS exact FROM quote_lines "
         "GROUP BY quote_id) l ON l.quote_id = q.id WHERE q.lines_total_minor <> COALESCE(l.total, 0) "
         "OR COALESCE(l.exact, 0) <> COALESCE(l.total, 0) "
         "OR CAST(q.total_minor AS DECIMAL(40,0)) <> CAST(q.lines_total_minor AS DECIMAL(40,0)) + "
         "q.special_fees_total_minor"},
        {"finance", "invoice balance = gross − credited − paid once issued, 0 before",
         "SELECT CONCAT('invoice ', id, ' state ', state, ': balance ', balance_minor, ' gross ', "
         "gross_total_minor, ' credited ', credited_minor, ' paid ', paid_minor) FROM invoices "
         "WHERE (state IN ('ISSUED', 'PARTIALLY_PAID', 'PAID', 'CANCELLED') AND CAST(balance_minor AS "
         "DECIMAL(40,0)) <> CAST(gross_total_minor AS DECIMAL(40,0)) - credited_minor - paid_minor) "
         "OR (state IN ('UNSPECIFIED', 'REQUESTED', 'REVIEWED', 'REJECTED', 'WITHDRAWN') AND balance_minor <> 0)"},
        {"finance", "invoice paid = its active payment applications",
         "SELECT CONCAT('invoice ', i.id, ': paid ', i.paid_minor, ' applications ', COALESCE(a.total, 0)) "
         "FROM invoices i LEFT JOIN (SELECT invoice_id, SUM(amount_minor) AS total FROM payment_applications "
         "WHERE state = 'ACTIVE' AND invoice_id IS NOT NULL GROUP BY invoice_id) a ON a.invoice_id = i.id "
         "WHERE i.paid_minor <> COALESCE(a.total, 0)"},
        // A DISHONORED payment brought no money: nothing applied
        // or unapplied remains (PaymentStore::Dishonor).
        {"finance", "payment = applied + unapplied + refunded (dishonored: 0), applied = its active applications",
         "SELECT CONCAT('payment ', p.id, ' state ', p.state, ': settlement ', p.settlement_minor, ' applied ', "
         "p.applied_minor, "
         "' unapplied ', p.unapplied_minor, ' refunded ', p.refunded_minor, ' applications ', "
         "COALESCE(a.total, 0)) FROM payments p LEFT JOIN (SELECT payment_id, SUM(amount_minor) AS total "
         "FROM payment_applications WHERE state = 'ACTIVE' GROUP BY payment_id) a ON a.payment_id = p.id "
         "WHERE (p.state <> 'DISHONORED' AND CAST(p.applied_minor AS DECIMAL(40,0)) + p.unapplied_minor + "
         "p.refunded_minor <> p.settlement_minor) OR (p.state = 'DISHONORED' AND (p.applied_minor <> 0 OR "
         "p.unapplied_minor <> 0)) "
         "OR p.applied_minor <> COALESCE(a.total, 0)"},
    };
    std::vector<std::string> broken;
    for (const auto& check : kChecks) {
      db::PoolOptions o = dbs_[check.service];
      o.max_connections = 1;
      auto pool = db::Pool::Create(o);
      if (!pool.ok()) {
        broken.push_back(absl::StrCat(check.what, ": cannot connect: ", pool.status().ToString()));
        continue;
      }
      auto conn = (*pool)->Acquire();
      if (!conn.ok()) {
        broken.push_back(absl::StrCat(check.what, ": cannot connect: ", conn.status().ToString()));
        continue;
      }
      auto rows = (*conn)->Query(check.sql);
      if (!rows.ok()) {
        broken.push_back(absl::StrCat(check.what, ": query failed: ", rows.status().ToString()));
        continue;
      }
      int shown = 0;
      for (const auto& row : *rows) {
        if (++shown > 5) break;
        broken.push_back(absl::StrCat(check.service, ": ", check.what, ": ", row.Str(0)));
      }
    }
    return broken;
  }

  FuzzOptions opts_;
  std::string dir_;
  std::string private_pem_;
  std::vector<Process> procs_;
  std::map<std::string, db::PoolOptions> dbs_;
  std::shared_ptr<grpc::Channel> gateway_;
  std::vector<std::unique_ptr<Caller>> callers_;
  std::map<std::string, std::vector<std::string>> corpus_;
  Pools pools_;
  std::vector<Role> roles_;
  std::string admin_;
  std::string last_seed_error_;
  int rid_ = 0;
  bool seeded_ = false;
  int64_t co_ = 0, east_ = 0, sh_ = 0, r1_ = 0, r2_ = 0, product_ = 0, warehouse_ = 0, customer_ = 0;
};

TEST_F(RequestFuzz, EveryMethodEveryRoleNoCrashNoInternalBooksStillBalance) {
  absl::Time t0 = absl::Now();
  SeedData();
  if (roles_.empty()) MakeRoleTokens();
  std::printf("[fuzz] processes up and seeded in %.1fs (seeded: %s; %zu ids, %zu etags, corpus of %zu methods)\n",
              absl::ToDoubleSeconds(absl::Now() - t0), seeded_ ? "all" : "partly", pools_.ids.size(),
              pools_.etags.size(), corpus_.size());
  {
    std::vector<std::string> before = BrokenInvariants();
    ASSERT_TRUE(before.empty()) << "invariants must hold on the seed data (else the check is wrong):\n"
                                << absl::StrJoin(before, "\n");
  }

  Rng rng(opts_.seed);
  Generator gen(&rng, &pools_);
  std::vector<Target> targets = Targets();
  ASSERT_GT(targets.size(), 300u) << "the descriptor pool lost services";

  struct Pair {
    size_t target;
    size_t role;
  };
  std::vector<Pair> pairs;
  for (size_t t = 0; t < targets.size(); ++t) {
    for (size_t r = 0; r < roles_.size(); ++r) pairs.push_back({t, r});
  }
  // Pairs the gateway refuses by policy (learned from the answers) get one
  // input a round: their bytes never reach a service.
  std::set<std::pair<size_t, size_t>> refused;

  std::vector<Finding> offenders;
  std::vector<Finding> slow;
  std::vector<Finding> unimplemented;
  std::map<std::string, int> codes;
  std::map<std::string, std::map<std::string, int>> answers;  // method → code → count
  int64_t calls = 0;
  std::string crash;
  Caller& caller = *callers_[0];
  absl::Time start = absl::Now();
  absl::Time until = start + opts_.budget;
  int rounds_done = 0;
  bool out_of_time = false;

  for (int round = 0; round < opts_.rounds && crash.empty() && !out_of_time; ++round) {
    rng.Shuffle(pairs);
    for (const Pair& pair : pairs) {
      const Target& t = targets[pair.target];
      const Role& role = roles_[pair.role];
      bool is_refused = refused.count({pair.target, pair.role}) > 0 || role.token.empty();
      std::vector<int> kinds;
      if (is_refused) {
        kinds.push_back(static_cast<int>(rng.Between(0, kKinds - 1)));
      } else {
        for (int k = 0; k < kKinds; ++k) kinds.push_back(k);
        // Streams wait for events: fewer of them.
        if (t.stream) kinds = {kinds[static_cast<size_t>(rng.Between(0, kKinds - 1))]};
      }
      for (int kind : kinds) {
        std::string bytes = Input(t, kind, gen, rng);
        Outcome o =
            caller.Call(t.path, role.token, bytes, t.stream, t.stream ? absl::Milliseconds(300) : opts_.call_deadline);
        ++calls;
        ++codes[CodeName(o.code)];
        ++answers[t.path][CodeName(o.code)];
        if (o.code == grpc::StatusCode::PERMISSION_DENIED && absl::StrContains(o.message, " may not call ")) {
          refused.insert({pair.target, pair.role});
        }
        Finding f{t.path, role.name, KindName(kind), o.code, o.message, bytes};
        if (o.code == grpc::StatusCode::INTERNAL || o.code == grpc::StatusCode::UNKNOWN) {
          offenders.push_back(std::move(f));
        } else if (!t.stream && o.code == grpc::StatusCode::DEADLINE_EXCEEDED) {
          slow.push_back(std::move(f));
        } else if (o.code == grpc::StatusCode::UNIMPLEMENTED) {
          unimplemented.push_back(std::move(f));  // every method walked is in the contract
        }
        if (Process* dead = Dead()) {
          auto code = dead->child->Wait(absl::ZeroDuration());
          crash = absl::StrCat(dead->name, " died (exit ", code.ok() ? *code : -1, ") after ", t.path, " as ",
                               role.name, " with ", KindName(kind), " input ", Describe(t.md, bytes, 2000),
                               "\n--- last lines of its log:\n", Tail(ReadAll(dead->log), 3000));
          break;
        }
      }
      if (!crash.empty()) break;
      if (absl::Now() > until) {
        out_of_time = true;
        break;
      }
    }
    if (crash.empty() && !out_of_time) ++rounds_done;
  }
  absl::Duration took = absl::Now() - start;
  std::printf("[fuzz] %lld calls in %.1fs (%d of %d rounds complete%s) over %zu methods × %zu roles; answers:",
              static_cast<long long>(calls), absl::ToDoubleSeconds(took), rounds_done, opts_.rounds,
              out_of_time ? ", time budget reached" : "", targets.size(), roles_.size());
  for (const auto& [name, n] : codes) std::printf(" %s=%d", name.c_str(), n);
  std::printf("\n");

  // What each method answered, one line per method, next to the findings.
  {
    std::ofstream out(opts_.findings_path + ".answers.tsv", std::ios::trunc);
    for (const auto& [method, by_code] : answers) {
      out << method;
      for (const auto& [code, n] : by_code) out << "\t" << code << "=" << n;
      out << "\n";
    }
  }
  // Every offender to a file, one JSON line each; grouped on stdout.
  {
    std::ofstream out(opts_.findings_path, std::ios::trunc);
    std::map<std::string, const pb::MethodDescriptor*> by_path;
    for (const auto& t : targets) by_path[t.path] = t.md;
    for (const auto& f : offenders) {
      out << "{\"method\":\"" << f.method << "\",\"role\":\"" << f.role << "\",\"kind\":\"" << f.kind
          << "\",\"code\":\"" << CodeName(f.code) << "\",\"message\":" << JsonString(f.message)
          << ",\"request\":" << Describe(by_path[f.method], f.request, 1 << 20) << ",\"request_base64\":\""
          << absl::Base64Escape(f.request) << "\"}\n";
    }
  }
  if (!offenders.empty() || !slow.empty() || !unimplemented.empty()) {
    std::map<std::string, const pb::MethodDescriptor*> by_path;
    for (const auto& t : targets) by_path[t.path] = t.md;
    // Grouped by answer (code, message with digits folded, whether the bytes
    // parse as the method's input), then by method with one example each.
    auto report = [&](const std::vector<Finding>& list, const char* title) {
      std::map<std::string, std::map<std::string, std::vector<const Finding*>>> groups;
      for (const auto& f : list) {
        std::unique_ptr<pb::Message> m(
            pb::MessageFactory::generated_factory()->GetPrototype(by_path[f.method]->input_type())->New());
        bool parses = m->ParseFromString(f.request);
        groups[absl::StrCat(CodeName(f.code), " \"", Shape(f.message), "\" (request ",
                            parses ? "parses" : "does not parse", ")")][f.method]
            .push_back(&f);
      }
      std::printf("[fuzz] %s: %zu answers in %zu groups\n", title, list.size(), groups.size());
      for (const auto& [key, methods] : groups) {
        size_t n = 0;
        std::set<std::string> roles, kinds;
        for (const auto& [method, fs] : methods) {
          n += fs.size();
          for (const auto* f : fs) roles.insert(f->role), kinds.insert(f->kind);
        }
        std::printf("  %s: ×%zu over %zu methods; roles %s; inputs %s\n", key.c_str(), n, methods.size(),
                    absl::StrJoin(roles, ",").c_str(), absl::StrJoin(kinds, ",").c_str());
        int shown = 0;
        std::vector<std::string> rest;
        for (const auto& [method, fs] : methods) {
          const Finding& ex = *fs.front();
          if (++shown <= 12 || methods.size() <= 30) {
            std::printf("    %s ×%zu, e.g. as %s (%s): %s\n", method.c_str(), fs.size(), ex.role.c_str(),
                        ex.kind.c_str(), Describe(by_path[method], ex.request, 500).c_str());
          } else {
            rest.push_back(absl::StrCat(method.substr(method.rfind('/') + 1), "×", fs.size()));
          }
        }
        if (!rest.empty()) std::printf("    and %s\n", absl::StrJoin(rest, " ").c_str());
      }
    };
    if (!offenders.empty()) report(offenders, "INTERNAL/UNKNOWN");
    if (!slow.empty()) report(slow, "DEADLINE_EXCEEDED (not failing: slow or hung handlers)");
    if (!unimplemented.empty()) report(unimplemented, "UNIMPLEMENTED for a method of the contract");
    std::printf("[fuzz] every offender as JSON: %s\n", opts_.findings_path.c_str());
  }
  std::fflush(stdout);

  EXPECT_TRUE(crash.empty()) << crash;
  EXPECT_TRUE(offenders.empty()) << offenders.size() << " INTERNAL/UNKNOWN answers (listed above, all in "
                                 << opts_.findings_path << ")";
  // A method of the contract answers for every input it is given: a handler
  // that refuses some of them says why with a precise code, never that it
  // does not exist.
  EXPECT_TRUE(unimplemented.empty()) << unimplemented.size() << " UNIMPLEMENTED answers (listed above)";

  // Every process still up and SERVING, the gateway and each service's name.
  for (auto& p : procs_) {
    EXPECT_TRUE(p.child->running()) << p.name << " is not running:\n" << Tail(ReadAll(p.log), 3000);
    EXPECT_TRUE(Serving(p.port, "")) << p.name << " is not SERVING";
    if (!p.health_name.empty()) {
      EXPECT_TRUE(Serving(p.port, p.health_name)) << p.health_name << " is not SERVING";
    }
  }
  // And the books still balance.
  std::vector<std::string> broken = BrokenInvariants();
  EXPECT_TRUE(broken.empty()) << "invariants broken after fuzzing:\n" << absl::StrJoin(broken, "\n");
  std::printf("[fuzz] whole test %.1fs\n", absl::ToDoubleSeconds(absl::Now() - t0));
}

// The contract-completeness check of issue 17: every method of every service
// in the descriptor pool, called through the gateway as ADMIN, has a handler.
// An empty request is enough to tell: a method without one answers
// UNIMPLEMENTED whatever it is sent, while a handler answers with its own
// checks (INVALID_ARGUMENT, NOT_FOUND...) or serves it. It stays in the suite
// so that no method is ever published without its handler again.
TEST_F(RequestFuzz, EveryPublishedMethodHasAHandler) {
  MakeRoleTokens();
  const Role* admin = nullptr;
  for (const Role& r : roles_) {
    if (r.name == kRoleAdmin) admin = &r;
  }
  ASSERT_NE(admin, nullptr);
  std::vector<Target> targets = Targets();
  ASSERT_GT(targets.size(), 300u) << "the descriptor pool lost services";
  Caller& caller = *callers_[0];
  std::vector<std::string> missing;
  std::map<std::string, int> codes;
  for (const Target& t : targets) {
    Outcome o = caller.Call(t.path, admin->token, "", t.stream, t.stream ? absl::Milliseconds(300) : absl::Seconds(20));
    ++codes[CodeName(o.code)];
    if (o.code == grpc::StatusCode::UNIMPLEMENTED) missing.push_back(absl::StrCat(t.path, ": ", o.message));
    ASSERT_EQ(Dead(), nullptr) << t.path << " with an empty request killed a process";
  }
  std::printf("[contract] %zu methods called as ADMIN with an empty request; answers:", targets.size());
  for (const auto& [name, n] : codes) std::printf(" %s=%d", name.c_str(), n);
  std::printf("\n");
  EXPECT_TRUE(missing.empty()) << missing.size() << " published methods have no handler:\n"
                               << absl::StrJoin(missing, "\n");
}

}  // namespace
}  // namespace sales
