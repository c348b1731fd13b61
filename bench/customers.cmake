# customers-svc core at a million customers: duplicate check and registration
# latency/throughput against a 1 000-row baseline, and the lapse sweep (one
# run, throwaway MariaDB, service in-process over gRPC).
add_executable(customers_core_driver ${CMAKE_CURRENT_LIST_DIR}/customers_core_driver.cc)
target_link_libraries(customers_core_driver PRIVATE customers_svc_lib sales_testing)
sales_target_warnings(customers_core_driver)
