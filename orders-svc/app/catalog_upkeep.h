// Upkeep of what orders are entered against: products, price lists (目录价格),
// the order policy and warehouses. A change reads the row as stored (row
// locked), copies onto it the fields the update_mask names
// (platform/field_mask.h), checks the result, writes it, tells the feed
// where other services follow it, and leaves an audit row.
//
// Works on the stores directly: these rows are not on the OrderBook port
// (app/order_book.h), which serves the order desk's use cases.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "platform/call.h"
#include "platform/clock.h"
#include "platform/mysql.h"
#include "platform/outbox.h"
#include "platform/peers/targets_peer.h"
#include "sales/orders/v1/catalog_messages.pb.h"
#include "sales/orders/v1/stock_messages.pb.h"

namespace sales::orders {

// A price list as entered: name, dates, entries (each product once, a
// positive list price); a new one also needs its code and currency.
absl::Status ValidatePriceList(const v1::PriceList& pl, bool is_new);
// Checks entries against products and other lists, with the products locked
// (ascending id) so two lists for one SKU cannot slip past each other.
// `self_id` is the list being changed (0 for a new one).
absl::Status CheckPriceListEntries(db::Transaction& tx, const v1::PriceList& pl, int64_t self_id);
// The period a price list covers, as its audit rows show it ("from..to").
std::string PriceListPeriodText(const v1::PriceList& pl);

// A warehouse as entered; a new one also needs its code.
absl::Status ValidateWarehouse(const v1::Warehouse& w, bool is_new);

class CatalogUpkeep {
 public:
  CatalogUpkeep(const Clock& clock, Outbox& outbox) : clock_(clock), outbox_(outbox) {}

  // Each `request` is well formed and the caller's role checked (api/);
  // `paths` are its update_mask's as UpdatePaths gave them (every field the
  // method may change when the mask is empty).

  // Before the transaction: with a mask, the product as it will be stored
  // must be valid; a changed product line must exist in targets-svc
  // (INVALID_ARGUMENT when it does not, UNAVAILABLE when targets cannot
  // answer).
  absl::Status CheckProductChange(db::Pool& pool, peers::TargetsPeer& targets, const CallContext& call,
                                  const v1::UpdateProductRequest& request, const std::vector<std::string>& paths);
  // INVALID_ARGUMENT when a request without a mask changes the SKU.
  absl::StatusOr<v1::UpdateProductResponse> UpdateProduct(db::Transaction& tx, const CallContext& call,
                                                          const v1::UpdateProductRequest& request,
                                                          const std::vector<std::string>& paths);
  // FAILED_PRECONDITION (PRICE_LIST_RETIRED) for a retired list, and
  // (PRICE_LIST_OVERLAP) when an entry's product is priced by another list
  // over an overlapping period. The currency never changes.
  absl::StatusOr<v1::UpdatePriceListResponse> UpdatePriceList(db::Transaction& tx, const CallContext& call,
                                                              const v1::UpdatePriceListRequest& request,
                                                              const std::vector<std::string>& paths);
  // The policy as stored gets the defaults of what it leaves unset.
  absl::StatusOr<v1::UpdateOrderPolicyResponse> UpdateOrderPolicy(db::Transaction& tx, const CallContext& call,
                                                                  const v1::UpdateOrderPolicyRequest& request,
                                                                  const std::vector<std::string>& paths);
  // FAILED_PRECONDITION (WAREHOUSE_HAS_RESERVATIONS) when a warehouse holding
  // reservations would be deactivated or change its kind.
  absl::StatusOr<v1::UpdateWarehouseResponse> UpdateWarehouse(db::Transaction& tx, const CallContext& call,
                                                              const v1::UpdateWarehouseRequest& request,
                                                              const std::vector<std::string>& paths);

 private:
  const Clock& clock_;
  Outbox& outbox_;
};

}  // namespace sales::orders
