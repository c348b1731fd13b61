# Confirmed orders per second through orders-svc (gRPC, real customers-svc and
# finance-svc) against the same SQL issued directly — the ceiling — in one run.
add_executable(orders_throughput_driver ${CMAKE_CURRENT_LIST_DIR}/orders_throughput_driver.cc)
target_link_libraries(orders_throughput_driver PRIVATE orders_svc_lib customers_svc_lib finance_svc_lib
  sales_testing)
sales_target_warnings(orders_throughput_driver)
