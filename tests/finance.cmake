# finance-svc receivables core: pure money rules and the gRPC service
# against MariaDB with fake orders and customers peers.
sales_test(finance_receivable_rules_test SOURCES unit/finance_receivable_rules_test.cc
  ../finance-svc/domain/receivable_rules.cc LIBS sales_platform LABELS unit)
sales_test(finance_core_test SOURCES integration/finance_core_test.cc LIBS finance_svc_lib LABELS integration)
