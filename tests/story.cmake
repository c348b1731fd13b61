# The order-to-cash story of domain.md through the gateway: all four services
# and the gateway on loopback over real MariaDB, one injected clock.
sales_test(story_test SOURCES integration/story_test.cc
  LIBS gateway_lib targets_svc_lib customers_svc_lib orders_svc_lib finance_svc_lib LABELS integration story)
target_compile_definitions(story_test PRIVATE SALES_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
