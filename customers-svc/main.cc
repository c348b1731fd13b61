// customers-svc: customers, duplicates, ownership and protection, credit.
#include "customers-svc/api/customers_api.h"
#include "platform/service_app.h"

int main(int argc, char** argv) { return sales::RunServiceMain(argc, argv, sales::customers::MakeServiceDefinition()); }
