# orders-svc, its tests mirroring its folders: domain/ (pure rules: pricing,
# discount routing, the order and quote state machines, allocation, the
# credit check, shipment and return rules, report rules), app/ (the use
# cases against an in-memory order book and fake peers — no database, no
# gRPC server, well under a second), api/ (the service over gRPC against
# MariaDB with real customers-svc and finance-svc).
sales_test(orders_core_domain_test SOURCES orders/domain/order_rules_test.cc LIBS orders_svc_lib LABELS unit)
sales_test(orders_fulfilment_rules_test SOURCES orders/domain/fulfilment_rules_test.cc LIBS orders_svc_lib LABELS unit)
sales_test(orders_fulfilment_report_test SOURCES orders/domain/report_rules_test.cc LIBS orders_svc_lib LABELS unit)
sales_test(orders_app_test SOURCES orders/app/order_confirmation_test.cc orders/app/shipment_posting_test.cc
  orders/app/return_desk_test.cc LIBS orders_svc_lib LABELS "unit;app")
sales_test(orders_core_test SOURCES orders/api/order_desk_test.cc
  LIBS orders_svc_lib customers_svc_lib finance_svc_lib LABELS integration)
sales_test(orders_flow_test SOURCES orders/api/fulfilment_test.cc
  LIBS orders_svc_lib customers_svc_lib finance_svc_lib LABELS integration)
# Money can't wrap (issue 12): checked arithmetic at the int64 edges and the
# orders limits built on it, as pure rules.
sales_test(money_overflow_test SOURCES unit/money_overflow_test.cc
  LIBS orders_svc_lib targets_svc_lib LABELS unit)
