# orders-svc fulfilment: shipping, documents, returns, reports.
sales_test(orders_fulfilment_rules_test SOURCES unit/orders_fulfilment_rules_test.cc
  LIBS orders_svc_lib LABELS unit)
sales_test(orders_flow_test SOURCES integration/orders_flow_test.cc
  LIBS orders_svc_lib customers_svc_lib finance_svc_lib LABELS integration)
sales_test(orders_fulfilment_report_test SOURCES unit/orders_fulfilment_report_test.cc
  LIBS orders_svc_lib LABELS unit)
