// orders-svc: products, prices, quotes, orders, stock, shipping, returns.
#include "orders-svc/api/orders_api.h"
#include "platform/service_app.h"

int main(int argc, char** argv) { return sales::RunServiceMain(argc, argv, sales::orders::MakeServiceDefinition()); }
