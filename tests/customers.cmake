# customers-svc, its tests mirroring its folders: domain/ (normalisation,
# masking, protection, rotation, visit plans, complaints), app/ (the lapse
# sweep against an in-memory customer book and a fake clock — no database,
# no gRPC server), api/ (the service over gRPC against MariaDB).
sales_test(customers_core_normalize_test SOURCES customers/domain/normalize_test.cc
  LIBS customers_svc_lib LABELS unit)
sales_test(customers_masking_test SOURCES customers/domain/masking_test.cc LIBS customers_svc_lib LABELS unit)
sales_test(customers_protection_test SOURCES customers/domain/protection_test.cc LIBS customers_svc_lib LABELS unit)
sales_test(customers_rotation_test SOURCES customers/domain/rotation_test.cc LIBS customers_svc_lib LABELS unit)
sales_test(customers_visits_test SOURCES customers/domain/visits_test.cc LIBS customers_svc_lib LABELS unit)
sales_test(customers_complaints_test SOURCES customers/domain/complaints_test.cc LIBS customers_svc_lib LABELS unit)
sales_test(customers_app_test SOURCES customers/app/lapse_sweep_test.cc LIBS customers_svc_lib LABELS "unit;app")
sales_test(customers_core_test SOURCES customers/api/customers_test.cc LIBS customers_svc_lib LABELS integration)
sales_test(customers_engagement_test SOURCES customers/api/engagement_test.cc
  LIBS customers_svc_lib LABELS integration)
