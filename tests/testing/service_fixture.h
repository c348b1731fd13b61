// Runs a service in-process on a fresh database and a loopback port.
#pragma once

#include <grpcpp/grpcpp.h>
#include <grpcpp/support/client_interceptor.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "platform/call.h"
#include "platform/crypto.h"
#include "platform/service_app.h"
#include "tests/testing/db_fixture.h"

namespace sales::testing {

inline Config ServiceConfig(const db::PoolOptions& db, std::map<std::string, std::string> extra = {}) {
  std::map<std::string, std::string> values = {
      {"listen", "127.0.0.1:0"}, {"mysql_host", db.host},         {"mysql_port", absl::StrCat(db.port)},
      {"mysql_user", db.user},   {"mysql_password", db.password}, {"mysql_database", db.database},
      {"mysql_pool_size", "16"}, {"drain_deadline", "2s"},
  };
  // A test that gives no principal secret runs the service in the explicit
  // development mode (identities as sent), as it did before that needed a flag.
  if (!extra.count("principal_hmac_secret")) values["allow_unsigned_principals"] = "true";
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

// Tests sign principals the way the gateway does, but a proof binds the
// method, which only the channel knows when the call starts. So a test
// context names its secret in this header, and a process-wide client
// interceptor (installed before main by including this file) takes it off
// and signs the call with it. It never leaves the test process.
inline constexpr char kTestSigningSecretHeader[] = "x-sales-test-signing-secret";

class TestSigningInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit TestSigningInterceptor(std::string method) : method_(std::move(method)) {}
  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(grpc::experimental::InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      auto* md = methods->GetSendInitialMetadata();
      auto secret = md->find(kTestSigningSecretHeader);
      if (secret != md->end()) {
        std::string key = secret->second;
        md->erase(secret);
        auto principal = md->find(kPrincipalHeader);
        auto rid = md->find(kRequestIdHeader);
        if (principal != md->end() && rid != md->end()) {
          md->emplace(kPrincipalMacHeader,
                      PrincipalVerifier(key).Sign(principal->second, rid->second, method_, absl::Now()));
        }
      }
    }
    methods->Proceed();
  }

 private:
  std::string method_;
};

class TestSigningFactory : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateClientInterceptor(grpc::experimental::ClientRpcInfo* info) override {
    return new TestSigningInterceptor(info->method() != nullptr ? info->method() : "");
  }
};

inline const bool kTestSigningInstalled = [] {
  grpc::experimental::RegisterGlobalClientInterceptorFactory(new TestSigningFactory());
  return true;
}();

// A context carrying a caller identity signed the way the gateway signs it.
inline std::unique_ptr<grpc::ClientContext> CtxAs(const Principal& who, const std::string& secret,
                                                  absl::Duration timeout = absl::Seconds(10)) {
  auto ctx = Ctx(timeout);
  ctx->AddMetadata(kRequestIdHeader, RandomHexId());
  ctx->AddMetadata(kPrincipalHeader, who.Encode());
  ctx->AddMetadata(kTestSigningSecretHeader, secret);
  return ctx;
}

}  // namespace sales::testing
