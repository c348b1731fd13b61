# Bounded prepared statements (issue 12): 20,000 distinct list calls through
# customers-svc leave the server's Prepared_stmt_count within pool × cache.
sales_test(statement_bound_test SOURCES integration/statement_bound_test.cc
  LIBS customers_svc_lib LABELS integration)
