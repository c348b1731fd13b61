# finance-svc, its tests mirroring its folders: domain/ (receivable, ladder
# and commission rules, compiled directly so they do not depend on the rest
# of finance_svc_lib), app/ (the collections ladder and the commission run
# against in-memory books and fake peers — no database, no gRPC server),
# api/ (the service over gRPC against MariaDB with fake orders and
# customers peers).
sales_test(finance_receivable_rules_test SOURCES finance/domain/receivable_rules_test.cc
  ../finance-svc/domain/receivable_rules.cc LIBS sales_platform LABELS unit)
sales_test(finance_ladder_test SOURCES finance/domain/ladder_rules_test.cc ../finance-svc/domain/ladder_rules.cc
  ../finance-svc/domain/collections_periods.cc LIBS sales_platform sales_proto_finance LABELS unit)
sales_test(finance_commission_test SOURCES finance/domain/commission_rules_test.cc
  ../finance-svc/domain/commission_rules.cc LIBS sales_platform sales_proto_finance LABELS unit)
sales_test(finance_ladder_app_test SOURCES finance/app/collections_ladder_test.cc LIBS finance_svc_lib LABELS "unit;app")
sales_test(finance_app_test SOURCES finance/app/commission_run_test.cc LIBS finance_svc_lib LABELS "unit;app")
sales_test(finance_core_test SOURCES finance/api/receivables_test.cc LIBS finance_svc_lib LABELS integration)
sales_test(finance_collections_test SOURCES finance/api/collections_test.cc LIBS finance_svc_lib LABELS integration)
