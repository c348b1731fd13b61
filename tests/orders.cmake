# orders-svc core: pricing, discount routing, the order and quote state
# machines, warehouse allocation and the credit check as pure rules; and the
# service over gRPC against MariaDB with real customers-svc and finance-svc.
# (Fulfilment lists its tests in orders_fulfilment.cmake.)
sales_test(orders_core_domain_test SOURCES unit/orders_core_domain_test.cc
  LIBS orders_svc_lib LABELS unit)
sales_test(orders_core_test SOURCES integration/orders_core_test.cc
  LIBS orders_svc_lib customers_svc_lib finance_svc_lib LABELS integration)
# Money can't wrap (issue 12): checked arithmetic at the int64 edges and the
# orders limits built on it, as pure rules.
sales_test(money_overflow_test SOURCES unit/money_overflow_test.cc
  LIBS orders_svc_lib targets_svc_lib LABELS unit)
# The application layer (issue 15): confirmation, shipment posting and the
# return desk against an in-memory order book and fake peers — no database,
# no gRPC server, well under a second.
sales_test(orders_app_test SOURCES orders/app/order_confirmation_test.cc orders/app/shipment_posting_test.cc
  orders/app/return_desk_test.cc LIBS orders_svc_lib LABELS "unit;app")
