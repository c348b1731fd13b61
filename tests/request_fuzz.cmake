# The request fuzzer (issue 12): random, mutated and raw requests to every
# method of every service, through the real gateway binary with each role's
# token, against the real service binaries over a scratch MariaDB. Loopback
# only. A short deterministic run is part of the suite; a long run is
#   SALES_REQUEST_FUZZ_LONG=1 ctest -R request_fuzz_test --output-on-failure
# (seed, rounds and time budget: see the head of the test's source).
find_package(PkgConfig REQUIRED)
pkg_check_modules(REQUEST_FUZZ_JWT REQUIRED IMPORTED_TARGET libjwt)
sales_test(request_fuzz_test SOURCES integration/request_fuzz_test.cc
  LIBS sales_proto_targets sales_proto_customers sales_proto_orders sales_proto_finance sales_proto_gateway
  PkgConfig::REQUEST_FUZZ_JWT nlohmann_json::nlohmann_json LABELS fuzz)
target_compile_definitions(request_fuzz_test PRIVATE SALES_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
  SALES_BIN_DIR="${CMAKE_BINARY_DIR}")
add_dependencies(request_fuzz_test targets-svc customers-svc orders-svc finance-svc gateway)
# The fuzzing phase stops at its budget (100 s by default); start-up, seeding
# and the checks afterwards take well under a minute more.
set_tests_properties(request_fuzz_test PROPERTIES TIMEOUT 240)
