# Chaos (issue 14), short run: two replicas of every process, SIGKILL of
# services, gateways and MariaDB, killed sessions and paused processes under
# a workload of business flows; then the invariants. A long run:
#   SALES_CHAOS_SECONDS=1800 SALES_CHAOS_SEED=<n> build/tests/chaos_test
sales_test(chaos_test SOURCES integration/chaos_test.cc
  LIBS sales_fleet sales_proto_targets sales_proto_customers sales_proto_orders sales_proto_finance
  LABELS chaos)
add_dependencies(chaos_test targets-svc customers-svc orders-svc finance-svc gateway)
set_tests_properties(chaos_test PROPERTIES TIMEOUT 600)
