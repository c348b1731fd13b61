# Every daily sweep (k8s/base/sweeps) run twice at once, under one request id
# and under two, against its real service and MariaDB: the result of one run
# (issue 13); and the outbox sequencer with two replicas.
sales_test(sweep_overlap_test SOURCES integration/sweep_overlap_test.cc
  LIBS targets_svc_lib customers_svc_lib orders_svc_lib finance_svc_lib LABELS integration)
