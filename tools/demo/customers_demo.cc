// The demo company's customers part (see demo.h).
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "platform/money.h"
#include "tools/demo/demo.h"

namespace demo {

void LoadCustomersDemo(DemoWorld& w) {
  const char* east_cities[] = {"上海", "杭州", "苏州", "宁波"};
  const char* north_cities[] = {"北京", "天津", "廊坊", "保定"};
  const char* brands[] = {"华联", "佳惠", "永辉", "联华", "物美", "世纪", "好邻居", "快客", "乐购", "百家",
                          "福万家", "鑫源", "德润", "惠民", "金桥", "同心", "康乐", "安泰", "和顺", "瑞丰"};
  struct T { cv1::CustomerType type; const char* suffix; const char* channel; };
  const T types[] = {
      {cv1::CUSTOMER_TYPE_OUTLET_KA, "超市有限公司", "EXHIBITION"},
      {cv1::CUSTOMER_TYPE_OUTLET_A, "便利连锁", "VISIT"},
      {cv1::CUSTOMER_TYPE_OUTLET_B, "便利店", "VISIT"},
      {cv1::CUSTOMER_TYPE_OUTLET_C, "小卖部", "WALK_IN"},
      {cv1::CUSTOMER_TYPE_DISTRIBUTOR, "食品经销有限公司", "REFERRAL"},
      {cv1::CUSTOMER_TYPE_WHOLESALER, "副食品批发部", "HOTLINE"},
      {cv1::CUSTOMER_TYPE_COMMUNITY_STATION, "社区奶站", "WALK_IN"},
      {cv1::CUSTOMER_TYPE_END_CUSTOMER, "职工食堂", "HOTLINE"},
  };
  int n = 0;
  for (int i = 0; i < 208; ++i) {
    const T& t = types[i % 8];
    int64_t rep = w.rep_ids[i % w.rep_ids.size()];
    bool east = w.rep_region[rep] == "EAST";
    const char* city = east ? east_cities[(i / 8) % 4] : north_cities[(i / 8) % 4];
    std::string name = absl::StrCat(city, brands[(i / 8) % 20], t.suffix, " 第", i / 160 + 1, "号");
    cv1::RegisterCustomerRequest req;
    req.set_request_id(absl::StrCat("demo-customer-", i));
    req.set_owner_rep_id(rep);
    auto* c = req.mutable_customer();
    c->set_name(name);
    c->set_type(t.type);
    c->set_phone(absl::StrFormat("139%08d", 10000000 + i * 7919 % 89999999));
    if (t.type == cv1::CUSTOMER_TYPE_DISTRIBUTOR || t.type == cv1::CUSTOMER_TYPE_WHOLESALER ||
        t.type == cv1::CUSTOMER_TYPE_OUTLET_KA) {
      c->set_tax_id(absl::StrFormat("91%s0000MA%08d", east ? "31" : "11", 10000000 + i));
    }
    c->set_region(east ? "EAST" : "NORTH");
    c->set_city(city);
    c->set_address(absl::StrCat(city, "市", brands[i % 20], "路", 10 + i, "号"));
    c->set_source_channel(t.channel);
    cv1::RegisterCustomerResponse resp;
    // customers-svc learns of new reps from the targets feed a moment
    // after they are created; until then it calls the owner unknown.
    grpc::Status st;
    for (int attempt = 0; attempt < 100; ++attempt) {
      st = w.customers->RegisterCustomer(Ctx().get(), req, &resp);
      if (st.error_code() != grpc::StatusCode::INVALID_ARGUMENT ||
          st.error_message().find("owner_rep_id") == std::string::npos) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    Must(st, absl::StrCat("RegisterCustomer ", name));
    w.customer_ids.push_back(resp.customer().id());
    ++n;
  }
  w.summary.push_back(absl::StrCat(n, " customers registered"));
}

}  // namespace demo
