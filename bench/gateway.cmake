# The gateway against a direct call and against nginx grpc_pass (one run,
# 1/16/64 calls in flight); needs the gateway binary and Debian's nginx.
add_executable(gateway_proxy_driver ${CMAKE_CURRENT_LIST_DIR}/gateway_proxy_driver.cc)
target_link_libraries(gateway_proxy_driver PRIVATE gateway_lib sales_testing)
target_compile_definitions(gateway_proxy_driver PRIVATE
  SALES_BIN_DIR="${CMAKE_BINARY_DIR}" SALES_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
add_dependencies(gateway_proxy_driver gateway)
sales_target_warnings(gateway_proxy_driver)

# Per-call admission work: cached and uncached token checks, policy, signing.
add_executable(gateway_admission_bench ${CMAKE_CURRENT_LIST_DIR}/gateway_admission_bench.cc)
target_link_libraries(gateway_admission_bench PRIVATE gateway_lib sales_testing benchmark::benchmark)
target_compile_definitions(gateway_admission_bench PRIVATE SALES_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
sales_target_warnings(gateway_admission_bench)
