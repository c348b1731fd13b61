# Deployment checks (k8s/): nothing here contacts a cluster or the network.
#   deploy_render_<overlay>  `kubectl kustomize` renders the overlay
#   deploy_validate          every rendered object validates against the
#                            Kubernetes API schemas (kubernetes-models, pinned
#                            in package-lock.json, installed by `npm ci`)
#   deploy_strict_fields     no object carries a field the API does not define
#                            (typed against kubernetes-models' interfaces by the
#                            TypeScript compiler, pinned)
#   deploy_policy            our rules: probes, resources, non-root, PDB/HPA,
#                            ports, drain budget, NetworkPolicies = the call
#                            graph in k8s/call-graph.yaml = the calls in the code,
#                            peers dialled at headless Services with round_robin,
#                            connection age within the drain budget, and code
#                            that reads those keys
find_program(SALES_KUBECTL kubectl)
find_program(SALES_NODE node)
if(NOT SALES_KUBECTL)
  set(SALES_KUBECTL kubectl)  # the tests then fail saying it is missing
endif()
if(NOT SALES_NODE)
  set(SALES_NODE node)
endif()
foreach(overlay dev prod)
  add_test(NAME deploy_render_${overlay}
    COMMAND ${SALES_KUBECTL} kustomize ${PROJECT_SOURCE_DIR}/k8s/overlays/${overlay})
  set_tests_properties(deploy_render_${overlay} PROPERTIES LABELS deploy)
endforeach()
add_test(NAME deploy_validate COMMAND ${SALES_NODE} ${CMAKE_CURRENT_SOURCE_DIR}/deploy/validate.mjs)
add_test(NAME deploy_strict_fields COMMAND ${SALES_NODE} ${CMAKE_CURRENT_SOURCE_DIR}/deploy/strict_fields.mjs)
add_test(NAME deploy_policy COMMAND ${SALES_NODE} ${CMAKE_CURRENT_SOURCE_DIR}/deploy/policy_test.mjs)
set_tests_properties(deploy_validate deploy_strict_fields deploy_policy PROPERTIES LABELS deploy TIMEOUT 120)

# Metrics of real services scraped over HTTP during a workload (real MariaDB).
sales_test(deploy_metrics_test SOURCES integration/deploy_metrics_test.cc
  LIBS targets_svc_lib customers_svc_lib LABELS integration)
