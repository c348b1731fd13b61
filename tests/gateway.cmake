# Gateway: policy, limits and method classification (unit); tokens, policy,
# limits, deadlines, retries, streams and TLS against real processes (integration).
sales_test(gateway_unit_test SOURCES unit/gateway_unit_test.cc LIBS gateway_lib LABELS unit)
target_compile_definitions(gateway_unit_test PRIVATE SALES_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
sales_test(gateway_security_test SOURCES integration/gateway_security_test.cc
  LIBS gateway_lib targets_svc_lib LABELS integration)
target_compile_definitions(gateway_security_test PRIVATE SALES_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
sales_test(gateway_views_test SOURCES integration/gateway_views_test.cc LIBS gateway_lib LABELS integration)
target_compile_definitions(gateway_views_test PRIVATE SALES_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
sales_test(gateway_login_test SOURCES integration/gateway_login_test.cc
  LIBS gateway_lib targets_svc_lib customers_svc_lib orders_svc_lib finance_svc_lib LABELS integration)
target_compile_definitions(gateway_login_test PRIVATE SALES_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
  SALES_BIN_DIR="${CMAKE_BINARY_DIR}")
add_dependencies(gateway_login_test gateway salesctl)
