// The demo company's orders part (see demo.h).
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "platform/money.h"
#include "tools/demo/demo.h"

namespace demo {

void LoadOrdersDemo(DemoWorld& w) {
  struct P { const char* sku; const char* name; const char* line; const char* unit; int64_t cost; int64_t floor; };
  const P all[] = {
      {"PM-250-24", "纯牛奶 250ml×24", "PURE-MILK", "CASE", 4200, 5200},
      {"PM-1L-12", "纯牛奶 1L×12", "PURE-MILK", "CASE", 7800, 9600},
      {"YG-200-12", "常温酸奶 200g×12", "YOGURT", "CASE", 3900, 4800},
      {"YG-200-24", "常温酸奶 200g×24", "YOGURT", "CASE", 7500, 9200},
      {"FM-2L-6", "家庭装鲜奶 2L×6", "FAMILY", "CASE", 6600, 7900},
      {"FM-1.5L-8", "家庭装 1.5L×8", "FAMILY", "CASE", 7100, 8500},
      {"MD-250-24", "乳饮料 250ml×24", "MILK-DRINK", "CASE", 2800, 3500},
      {"MD-450-15", "乳饮料 450ml×15", "MILK-DRINK", "CASE", 3300, 4100},
      {"OG-250-12", "有机纯牛奶 250ml×12", "ORGANIC", "CASE", 5400, 7200},
      {"OG-1L-6", "有机纯牛奶 1L×6", "ORGANIC", "CASE", 6800, 8900},
      {"KD-190-15", "儿童成长奶 190ml×15", "KIDS", "CASE", 4500, 6000},
      {"KD-125-20", "儿童成长奶 125ml×20", "KIDS", "CASE", 4100, 5600},
      {"GB-PREMIUM", "臻享礼盒", "GIFT-BOX", "BOX", 9800, 13800},
      {"GB-FESTIVAL", "节日礼盒", "GIFT-BOX", "BOX", 8600, 11800},
      {"CH-STICK-20", "儿童奶酪棒 20支", "CHEESE", "BAG", 2400, 3200},
      {"CH-SLICE-12", "再制干酪片 12片", "CHEESE", "BAG", 1900, 2600},
  };
  for (const auto& p : all) {
    ov1::CreateProductRequest req;
    req.set_request_id(absl::StrCat("demo-sku-", p.sku));
    auto* prod = req.mutable_product();
    prod->set_sku(p.sku);
    prod->set_name(p.name);
    prod->set_product_line_id(w.lines.at(p.line));
    prod->set_unit(p.unit);
    *prod->mutable_unit_cost() = sales::MakeMoney(p.cost);
    *prod->mutable_floor_price() = sales::MakeMoney(p.floor);
    prod->set_commissionable(std::string(p.line) != "CHEESE");
    ov1::CreateProductResponse resp;
    Must(w.orders->CreateProduct(Ctx().get(), req, &resp), absl::StrCat("CreateProduct ", p.sku));
  }
  w.summary.push_back(absl::StrCat(std::size(all), " products"));
}

}  // namespace demo
