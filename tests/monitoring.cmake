# Alert rules (k8s/base/monitoring/alerts.yaml): promtool checks their syntax and
# runs their unit tests (alerts.test.yaml beside it) against synthetic
# series as replicas export them. promtool is unpacked by scripts/lib.sh
# (ensure_promtool) into .tools/.
add_test(NAME alert_rules_check
  COMMAND ${PROJECT_SOURCE_DIR}/.tools/bin/promtool check rules alerts.yaml
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}/k8s/base/monitoring)
add_test(NAME alert_rules_test
  COMMAND ${PROJECT_SOURCE_DIR}/.tools/bin/promtool test rules alerts.test.yaml
  WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}/k8s/base/monitoring)
set_tests_properties(alert_rules_check alert_rules_test PROPERTIES LABELS monitoring)
