// finance-svc: invoices, payments, receivables, collections, commissions.
#include "finance-svc/api/finance_api.h"
#include "platform/service_app.h"

int main(int argc, char** argv) { return sales::RunServiceMain(argc, argv, sales::finance::MakeServiceDefinition()); }
