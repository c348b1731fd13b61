# What the gateway's request check (parse + shape, gateway/request_check.h)
# costs per call, on typical requests (Google Benchmark).
add_executable(request_shape_bench ${CMAKE_CURRENT_LIST_DIR}/request_shape_bench.cc)
target_link_libraries(request_shape_bench PRIVATE gateway_lib benchmark::benchmark_main)
sales_target_warnings(request_shape_bench)
