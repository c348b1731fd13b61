# customers-svc core: normalisation and protection rules, and the service over
# gRPC against MariaDB. (The engagement side lists its tests in
# customers_engagement.cmake.)
sales_test(customers_core_normalize_test SOURCES unit/customers_core_normalize_test.cc
  LIBS customers_svc_lib LABELS unit)
sales_test(customers_core_test SOURCES integration/customers_core_test.cc
  LIBS customers_svc_lib LABELS integration)
# The masking rule (domain.md §1) and the texts' length limits.
sales_test(customers_masking_test SOURCES unit/customers_masking_test.cc
  LIBS customers_svc_lib LABELS unit)
# The application layer (issue 15): the lapse sweep against an in-memory
# customer book and a fake clock — no database, no gRPC server.
sales_test(customers_app_test SOURCES customers/app/lapse_sweep_test.cc LIBS customers_svc_lib LABELS "unit;app")
