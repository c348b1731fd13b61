// Runs a service in-process on a fresh database and a loopback port.
#pragma once

#include <memory>
#include <string>

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "platform/call.h"
#include "platform/crypto.h"
#include "platform/service_app.h"
#include "tests/testing/db_fixture.h"

namespace sales::testing {

inline Config ServiceConfig(const db::PoolOptions& db, std::map<std::string, std::string> extra = {}) {
  std::map<std::string, std::string> values = {
      {"listen", "127.0.0.1:0"},
      {"mysql_host", db.host},
      {"mysql_port", absl::StrCat(db.port)},
      {"mysql_user", db.user},
      {"mysql_password", db.password},
      {"mysql_database", db.database},
      {"mysql_pool_size", "16"},
      {"drain_deadline", "2s"},
  };
  for (auto& [k, v] : extra) values[k] = v;
  return Config::FromMap(values);
}

inline std::unique_ptr<ServiceApp> StartService(ServiceDefinition def, const db::PoolOptions& db,
                                                const Clock* clock = nullptr,
                                                std::map<std::string, std::string> extra = {}) {
  auto app = std::make_unique<ServiceApp>(std::move(def), ServiceConfig(db, std::move(extra)), clock);
  absl::Status st = app->Start();
  if (!st.ok()) {
    ADD_FAILURE() << "service did not start: " << st;
    return nullptr;
  }
  return app;
}

inline std::shared_ptr<grpc::Channel> Loopback(int port) {
  return grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
}

// A context with a deadline, as every outgoing call must have.
inline std::unique_ptr<grpc::ClientContext> Ctx(absl::Duration timeout = absl::Seconds(10)) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
  return ctx;
}

// A context carrying a caller identity signed the way the gateway signs it.
inline std::unique_ptr<grpc::ClientContext> CtxAs(const Principal& who, const std::string& secret,
                                                  absl::Duration timeout = absl::Seconds(10)) {
  auto ctx = Ctx(timeout);
  std::string rid = RandomHexId();
  ctx->AddMetadata(kRequestIdHeader, rid);
  ctx->AddMetadata(kPrincipalHeader, who.Encode());
  ctx->AddMetadata(kPrincipalMacHeader, PrincipalVerifier(secret).Sign(who.Encode(), rid));
  return ctx;
}

}  // namespace sales::testing
