#include "platform/log.h"

#include <atomic>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace sales {
namespace {

// Logging is process-wide by nature (one stderr); these are its only globals.
struct LogState {
  std::mutex mu;
  std::string service = "sales";
  std::atomic<int> level{static_cast<int>(LogLevel::kInfo)};
};

LogState& State() {
  static LogState* state = new LogState();
  return *state;
}

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

}  // namespace

void SetLogService(std::string service) {
  std::lock_guard<std::mutex> lock(State().mu);
  State().service = std::move(service);
}

void SetLogLevel(LogLevel level) { State().level = static_cast<int>(level); }

void Log(LogLevel level, absl::string_view message, std::initializer_list<LogField> fields) {
  if (static_cast<int>(level) < State().level.load()) return;
  nlohmann::json line;
  line["ts"] = absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", absl::Now(), absl::UTCTimeZone());
  line["level"] = LevelName(level);
  {
    std::lock_guard<std::mutex> lock(State().mu);
    line["svc"] = State().service;
  }
  line["msg"] = std::string(message);
  for (const auto& f : fields) {
    if (f.is_number) {
      line[f.key] = nlohmann::json::parse(f.value, nullptr, false);
    } else {
      line[f.key] = f.value;
    }
  }
  std::string out = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  out.push_back('\n');
  std::fwrite(out.data(), 1, out.size(), stderr);
}

}  // namespace sales
