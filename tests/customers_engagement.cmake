# customers-svc engagement side: visit plans, duty rotation, complaints,
# reports (customers_rotation_test is listed in tests/CMakeLists.txt).
sales_test(customers_visits_test SOURCES unit/customers_visits_test.cc LIBS customers_svc_lib LABELS unit)
sales_test(customers_complaints_test SOURCES unit/customers_complaints_test.cc LIBS customers_svc_lib LABELS unit)
sales_test(customers_engagement_test SOURCES integration/customers_engagement_test.cc
  LIBS customers_svc_lib LABELS integration)
