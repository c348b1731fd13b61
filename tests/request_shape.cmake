# Request shape (issue 12, malformed requests are the caller's fault): the
# rules on the real contract (unit), and malformed bytes through a real
# gateway to a real service (integration).
sales_test(request_shape_test SOURCES unit/request_shape_test.cc LIBS gateway_lib LABELS unit)
sales_test(request_shape_gateway_test SOURCES integration/request_shape_gateway_test.cc
  LIBS gateway_lib customers_svc_lib LABELS integration)
target_compile_definitions(request_shape_gateway_test PRIVATE SALES_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
