// Structured one-line JSON logs on stderr. Every line carries the process's
// service name; per-call lines carry request id, principal and method.
#pragma once

#include <initializer_list>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"

namespace sales {

enum class LogLevel { kDebug, kInfo, kWarn, kError };

struct LogField {
  std::string key;
  std::string value;
  bool is_number = false;
  LogField(std::string k, std::string v) : key(std::move(k)), value(std::move(v)) {}
  LogField(std::string k, const char* v) : key(std::move(k)), value(v) {}
  LogField(std::string k, absl::string_view v) : key(std::move(k)), value(v) {}
  LogField(std::string k, long long v) : key(std::move(k)), value(std::to_string(v)), is_number(true) {}
  LogField(std::string k, long v) : key(std::move(k)), value(std::to_string(v)), is_number(true) {}
  LogField(std::string k, int v) : key(std::move(k)), value(std::to_string(v)), is_number(true) {}
  LogField(std::string k, double v) : key(std::move(k)), value(std::to_string(v)), is_number(true) {}
};

// Names the process in every line; call once at start.
void SetLogService(std::string service);
// Lines below this level are dropped (default info; SALES_LOG_LEVEL=debug).
void SetLogLevel(LogLevel level);

void Log(LogLevel level, absl::string_view message, std::initializer_list<LogField> fields = {});
inline void LogInfo(absl::string_view m, std::initializer_list<LogField> f = {}) { Log(LogLevel::kInfo, m, f); }
inline void LogWarn(absl::string_view m, std::initializer_list<LogField> f = {}) { Log(LogLevel::kWarn, m, f); }
inline void LogError(absl::string_view m, std::initializer_list<LogField> f = {}) { Log(LogLevel::kError, m, f); }

}  // namespace sales
