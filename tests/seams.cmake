# Seams (issue 15): the structure checks that keep each service's layers
# where they belong, in every service.
add_test(NAME no_sql_outside_store
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/seams/no_sql_outside_store.sh orders-svc targets-svc customers-svc finance-svc)
set_tests_properties(no_sql_outside_store PROPERTIES LABELS seams)
add_test(NAME handler_length
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/seams/handler_length.sh orders-svc targets-svc customers-svc finance-svc)
set_tests_properties(handler_length PROPERTIES LABELS seams)
add_test(NAME formatted
  COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/seams/formatted.sh)
set_tests_properties(formatted PROPERTIES LABELS seams)
