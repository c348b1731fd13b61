# targets-svc, its tests mirroring its folders: domain/ (baseline,
# decomposition, negotiation, progress), api/ (the service over gRPC against
# MariaDB: plans end to end, and the daily progress sweep).
sales_test(targets_baseline_test SOURCES targets/domain/baseline_test.cc LIBS targets_svc_lib LABELS unit)
sales_test(targets_decomposition_test SOURCES targets/domain/decomposition_test.cc LIBS targets_svc_lib LABELS unit)
sales_test(targets_negotiation_test SOURCES targets/domain/negotiation_test.cc LIBS targets_svc_lib LABELS unit)
sales_test(targets_progress_test SOURCES targets/domain/progress_test.cc LIBS targets_svc_lib LABELS unit)
sales_test(targets_plan_test SOURCES targets/api/plans_test.cc LIBS targets_svc_lib LABELS integration)
sales_test(targets_sweep_test SOURCES targets/api/progress_sweep_test.cc LIBS targets_svc_lib LABELS integration)
sales_test(targets_org_upkeep_test SOURCES targets/api/org_upkeep_test.cc LIBS targets_svc_lib LABELS integration)
sales_test(targets_plan_records_test SOURCES targets/api/plan_records_test.cc LIBS targets_svc_lib LABELS integration)
sales_test(targets_progress_records_test SOURCES targets/api/progress_records_test.cc LIBS targets_svc_lib LABELS integration)
