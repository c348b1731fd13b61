# finance-svc collections ladder, credit holds and commissions.
# The unit tests compile the pure rules directly so they do not depend on the
# rest of finance_svc_lib.
sales_test(finance_ladder_test SOURCES unit/finance_ladder_test.cc ../finance-svc/domain/ladder_rules.cc
  ../finance-svc/domain/collections_periods.cc
  LIBS sales_platform sales_proto_finance LABELS unit)
sales_test(finance_collections_test SOURCES integration/finance_collections_test.cc
  LIBS finance_svc_lib LABELS integration)
sales_test(finance_commission_test SOURCES unit/finance_commission_test.cc ../finance-svc/domain/commission_rules.cc
  LIBS sales_platform sales_proto_finance LABELS unit)
sales_test(finance_ladder_app_test SOURCES finance/app/collections_ladder_test.cc LIBS finance_svc_lib LABELS "unit;app")
sales_test(finance_app_test SOURCES finance/app/commission_run_test.cc LIBS finance_svc_lib LABELS "unit;app")
