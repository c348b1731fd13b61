# The chaos harness's TCP fault proxy (issue 14): part of the test support
# library, so any test can put it on an edge; its own test drives it in
# front of a real MariaDB and a real gRPC server.
target_sources(sales_testing PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/testing/fault_proxy.cc)
sales_test(fault_proxy_test SOURCES integration/fault_proxy_test.cc LABELS integration)
