# The daily progress sweep of targets-svc (RunDailyProgressSweep).
sales_test(targets_sweep_test SOURCES integration/targets_sweep_test.cc
  LIBS targets_svc_lib LABELS integration)
