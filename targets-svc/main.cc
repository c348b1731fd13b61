// targets-svc: sales organization, target plans, decomposition, progress.
#include "platform/service_app.h"
#include "targets-svc/api/targets_api.h"

int main(int argc, char** argv) { return sales::RunServiceMain(argc, argv, sales::targets::MakeServiceDefinition()); }
