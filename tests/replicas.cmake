# Many replicas of each process (issue 13), real binaries on loopback:
# balancing over every replica, one leased consumer per feed surviving
# SIGKILL and SIGSTOP, and request threads never exhausted by feeds or
# confirmations. tests/testing/fleet.* starts the processes.
find_package(PkgConfig REQUIRED)
pkg_check_modules(FLEET_JWT REQUIRED IMPORTED_TARGET libjwt)
add_library(sales_fleet STATIC testing/fleet.cc)
target_link_libraries(sales_fleet PUBLIC sales_testing PkgConfig::FLEET_JWT)
target_compile_definitions(sales_fleet PRIVATE SALES_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
  SALES_BIN_DIR="${CMAKE_BINARY_DIR}")
sales_target_warnings(sales_fleet)
sales_test(replicas_test SOURCES integration/replicas_test.cc
  LIBS sales_fleet sales_proto_targets sales_proto_customers sales_proto_orders sales_proto_finance
  LABELS integration)
add_dependencies(replicas_test targets-svc customers-svc orders-svc finance-svc gateway)
set_tests_properties(replicas_test PROPERTIES TIMEOUT 400)
