# finance-svc receivables at a million invoices: exposure reads, ageing
# reports and payment application rate against a 1 000-invoice baseline in
# the same run (throwaway MariaDB, service in-process over gRPC).
add_executable(finance_receivables_driver ${CMAKE_CURRENT_LIST_DIR}/finance_receivables_driver.cc)
target_link_libraries(finance_receivables_driver PRIVATE finance_svc_lib sales_testing)
sales_target_warnings(finance_receivables_driver)
