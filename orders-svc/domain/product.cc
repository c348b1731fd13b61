#include "orders-svc/domain/product.h"

#include <vector>

#include "platform/money.h"
#include "platform/status.h"

namespace sales::orders {

absl::Status ValidateNewProduct(const v1::Product& p) {
  std::vector<FieldViolation> v;
  if (p.sku().empty() || p.sku().size() > 64) v.push_back({"product.sku", "required, 1..64 characters"});
  for (char c : p.sku()) {
    if (c < 0x21 || c > 0x7e) {
      v.push_back({"product.sku", "printable ASCII without spaces"});
      break;
    }
  }
  if (p.name().empty() || p.name().size() > 200) v.push_back({"product.name", "required, at most 200 bytes"});
  if (p.product_line_id() <= 0) v.push_back({"product.product_line_id", "required, > 0"});
  if (p.unit().empty() || p.unit().size() > 16) v.push_back({"product.unit", "required, 1..16 characters"});
  auto add = [&](const absl::Status& st) {
    for (auto& fv : FieldViolationsOf(st)) v.push_back(fv);
  };
  if (!p.has_unit_cost()) {
    v.push_back({"product.unit_cost", "required"});
  } else {
    add(ValidateMoney(p.unit_cost(), "product.unit_cost", Sign::kNonNegative));
  }
  if (!p.has_floor_price()) {
    v.push_back({"product.floor_price", "required"});
  } else {
    add(ValidateMoney(p.floor_price(), "product.floor_price", Sign::kNonNegative));
  }
  if (p.has_unit_cost() && p.has_floor_price() && p.unit_cost().currency_code() != p.floor_price().currency_code()) {
    v.push_back({"product.floor_price.currency_code", "must match unit_cost's currency"});
  }
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

}  // namespace sales::orders
