# Security properties that cut across services: request ids scoped to their
# caller (AIP-155), tried against a real service and database.
sales_test(request_id_scope_test SOURCES integration/request_id_scope_test.cc
  LIBS customers_svc_lib LABELS integration)
# Long handlers stop (and roll back) when their caller cancels.
sales_test(cancellation_test SOURCES integration/cancellation_test.cc
  LIBS sales_proto_targets LABELS integration)
