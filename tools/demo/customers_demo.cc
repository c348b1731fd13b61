// The demo company's customers part (see demo.h): 208 customers of the reps,
// then the life a sales department's customer register has after a while —
// credit terms for everyone who will order (and one on hold), contacts, demand
// grades, follow-ups, prospects given back to the pool and one claimed from
// it, a transfer, a family link, a referral and a blacklisted shop.
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "platform/call.h"
#include "platform/convert.h"
#include "platform/crypto.h"
#include "platform/money.h"
#include "tools/demo/demo.h"
#if __has_include("tools/demo/customers_engagement_demo.h")
#include "tools/demo/customers_engagement_demo.h"
#define SALES_HAVE_ENGAGEMENT_DEMO 1
#endif

namespace demo {
namespace {

// A call made by a rep (follow-ups and claims are the rep's own acts). With
// a principal secret the loader signs as the gateway would; without one the
// services accept the principal as sent (development mode).
std::unique_ptr<grpc::ClientContext> AsRep(DemoWorld& w, int64_t rep) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  sales::Principal who;
  who.user_id = absl::StrCat("demo-rep-", rep);
  who.role = "SALES_REP";
  who.rep_id = rep;
  who.org_unit_id = w.rep_units.count(rep) ? w.rep_units.at(rep) : 0;
  std::string rid = sales::RandomHexId();
  ctx->AddMetadata(sales::kRequestIdHeader, rid);
  ctx->AddMetadata(sales::kPrincipalHeader, who.Encode());
  return ctx;
}

cv1::Customer Read(DemoWorld& w, int64_t id) {
  cv1::GetCustomerRequest req;
  req.set_id(id);
  cv1::GetCustomerResponse resp;
  Must(w.customers->GetCustomer(Ctx().get(), req, &resp), absl::StrCat("GetCustomer ", id));
  return resp.customer();
}

// The business day the service registered the customer on. Replays of
// RegisterCustomer return the stored answer, so this is the day of the first
// load on every later load too: a date under a fixed request id that never
// changes (today's date would, and the service would refuse the replay),
// and never in the future.
sales::common::v1::Date RegisteredOn(const cv1::Customer& c) {
  return sales::FromCivilDay(sales::BusinessDay(sales::FromTimestamp(c.register_time())));
}

}  // namespace

void LoadCustomersDemo(DemoWorld& w) {
  const char* east_cities[] = {"上海", "杭州", "苏州", "宁波"};
  const char* north_cities[] = {"北京", "天津", "廊坊", "保定"};
  const char* brands[] = {"华联",   "佳惠", "永辉", "联华", "物美", "世纪", "好邻居", "快客", "乐购", "百家",
                          "福万家", "鑫源", "德润", "惠民", "金桥", "同心", "康乐",   "安泰", "和顺", "瑞丰"};
  struct T {
    cv1::CustomerType type;
    const char* suffix;
    const char* channel;
  };
  const T types[] = {
      {cv1::CUSTOMER_TYPE_OUTLET_KA, "超市有限公司", "EXHIBITION"},
      {cv1::CUSTOMER_TYPE_OUTLET_A, "便利连锁", "WEB"},
      {cv1::CUSTOMER_TYPE_OUTLET_B, "便利店", "WALK_IN"},
      {cv1::CUSTOMER_TYPE_OUTLET_C, "小卖部", "WALK_IN"},
      {cv1::CUSTOMER_TYPE_DISTRIBUTOR, "食品经销有限公司", "REFERRAL"},
      {cv1::CUSTOMER_TYPE_WHOLESALER, "副食品批发部", "HOTLINE"},
      {cv1::CUSTOMER_TYPE_COMMUNITY_STATION, "社区奶站", "WALK_IN"},
      {cv1::CUSTOMER_TYPE_END_CUSTOMER, "职工食堂", "HOTLINE"},
  };
  const char* surnames[] = {"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴"};
  const char* given[] = {"建国", "秀英", "伟", "芳", "军", "丽娟", "强", "敏", "磊", "静"};
  const char* titles[] = {"采购经理", "店长", "老板", "财务主管", "门店经理"};
  int n = 0;
  std::map<int64_t, sales::common::v1::Date> registered_on;  // customer id -> day
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
    // Every third customer comes with its buyer as a contact.
    if (i % 3 == 0) {
      auto* ct = c->add_contacts();
      ct->set_name(absl::StrCat(surnames[i % 10], given[(i / 10) % 10]));
      ct->set_title(titles[i % 5]);
      ct->set_phone(absl::StrFormat("137%08d", 20000000 + i * 104729 % 79999999));
      ct->set_primary(true);
    }
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
    registered_on[resp.customer().id()] = RegisteredOn(resp.customer());
    ++n;
  }
  w.summary.push_back(absl::StrCat(n, " customers registered"));

  // Credit terms (finance): everyone gets a limit; KA outlets, distributors
  // and wholesalers 60 days, the rest 30. orders-svc's demo orders for the
  // first customers, so they all have room to buy.
  int profiles = 0;
  for (size_t i = 0; i < w.customer_ids.size(); ++i) {
    int64_t id = w.customer_ids[i];
    const T& t = types[i % 8];
    bool big = t.type == cv1::CUSTOMER_TYPE_OUTLET_KA || t.type == cv1::CUSTOMER_TYPE_DISTRIBUTOR ||
               t.type == cv1::CUSTOMER_TYPE_WHOLESALER;
    cv1::GetCreditProfileRequest get;
    get.set_customer_id(id);
    cv1::GetCreditProfileResponse got;
    Must(w.customers->GetCreditProfile(Ctx().get(), get, &got), "GetCreditProfile");
    if (got.profile().credit_limit().minor_units() > 0) {  // loaded before
      ++profiles;
      continue;
    }
    cv1::UpdateCreditProfileRequest req;
    req.set_request_id(absl::StrCat("demo-credit-", i));
    req.set_customer_id(id);
    *req.mutable_credit_limit() = sales::MakeMoney(big ? (1'000'000'00 + static_cast<int64_t>(i % 5) * 500'000'00)
                                                       : (200'000'00 + static_cast<int64_t>(i % 4) * 100'000'00));
    req.set_payment_terms_days(big ? 60 : 30);
    req.set_rating(big ? cv1::CREDIT_RATING_AA : cv1::CREDIT_RATING_A);
    req.set_reason("开户授信 (demo)");
    req.set_etag(got.profile().etag());
    cv1::UpdateCreditProfileResponse resp;
    grpc::Status st = w.customers->UpdateCreditProfile(Ctx().get(), req, &resp);
    Must(st, absl::StrCat("UpdateCreditProfile ", id));
    ++profiles;
  }
  // Credit investigations of the first KA outlets (信用调查).
  for (size_t i = 0; i < 40 && i < w.customer_ids.size(); i += 8) {
    int64_t id = w.customer_ids[i];
    cv1::RecordCreditInvestigationRequest req;
    req.set_request_id(absl::StrCat("demo-investigation-", i));
    req.set_customer_id(id);
    auto* inv = req.mutable_investigation();
    *inv->mutable_date() = registered_on.at(id);
    inv->set_method(i % 16 == 0 ? cv1::CREDIT_INVESTIGATION_METHOD_COMBINED
                                : cv1::CREDIT_INVESTIGATION_METHOD_INTERNAL);
    inv->set_rating(cv1::CREDIT_RATING_AAA);
    inv->set_investigator(i % 16 == 0 ? "中诚信征信" : "财务部");
    inv->set_findings("经营稳定, 历史付款及时, 无涉诉记录");
    cv1::RecordCreditInvestigationResponse resp;
    Must(w.customers->RecordCreditInvestigation(Ctx().get(), req, &resp), "RecordCreditInvestigation");
  }
  // One distributor is on hold: supply stopped over an overdue balance.
  {
    int64_t id = w.customer_ids[36];  // 36 % 8 == 4: a distributor
    cv1::GetCreditProfileRequest get;
    get.set_customer_id(id);
    cv1::GetCreditProfileResponse got;
    Must(w.customers->GetCreditProfile(Ctx().get(), get, &got), "GetCreditProfile");
    if (!got.profile().hold().on_hold()) {
      cv1::SetCreditHoldRequest req;
      req.set_request_id("demo-hold-36");
      req.set_customer_id(id);
      req.set_reason("货款逾期 90 天, 暂停供货");
      cv1::SetCreditHoldResponse resp;
      Must(w.customers->SetCreditHold(Ctx().get(), req, &resp), "SetCreditHold");
    }
  }
  w.summary.push_back(absl::StrCat(profiles, " credit profiles (30/60-day terms), 5 investigations, 1 on hold"));

  // Demand grades by the managers: KA outlets A, distributors B.
  int graded = 0;
  for (size_t i = 0; i < w.customer_ids.size(); ++i) {
    const T& t = types[i % 8];
    cv1::DemandGrade grade = t.type == cv1::CUSTOMER_TYPE_OUTLET_KA     ? cv1::DEMAND_GRADE_A
                             : t.type == cv1::CUSTOMER_TYPE_DISTRIBUTOR ? cv1::DEMAND_GRADE_B
                             : t.type == cv1::CUSTOMER_TYPE_OUTLET_C    ? cv1::DEMAND_GRADE_C
                                                                        : cv1::DEMAND_GRADE_UNSPECIFIED;
    if (grade == cv1::DEMAND_GRADE_UNSPECIFIED) continue;
    cv1::SetDemandGradeRequest req;
    req.set_request_id(absl::StrCat("demo-grade-", i));
    req.set_customer_id(w.customer_ids[i]);
    req.set_demand_grade(grade);
    req.set_reason("根据市场调查情报认定");
    cv1::SetDemandGradeResponse resp;
    Must(w.customers->SetDemandGrade(Ctx().get(), req, &resp), "SetDemandGrade");
    ++graded;
  }

  // Follow-ups by the owners on the day they registered the customer (客户跟踪表) for half of the customers.
  const char* topics[] = {"介绍新品常温酸奶, 客户愿意试销", "洽谈年度返利政策", "客户反映竞品降价, 需跟进报价",
                          "送样品并确认陈列位置", "电话确认下周订货量"};
  int follow_ups = 0;
  for (size_t i = 0; i < w.customer_ids.size(); i += 2) {
    int64_t id = w.customer_ids[i];
    int64_t rep = w.rep_ids[i % w.rep_ids.size()];
    cv1::RecordFollowUpRequest req;
    req.set_request_id(absl::StrCat("demo-follow-up-", i));
    auto* f = req.mutable_follow_up();
    f->set_customer_id(id);
    *f->mutable_date() = registered_on.at(id);
    f->set_channel(i % 4 == 0 ? cv1::FOLLOW_UP_CHANNEL_VISIT : cv1::FOLLOW_UP_CHANNEL_PHONE);
    f->set_content(topics[i % 5]);
    f->set_intent_level(i % 3 == 0 ? cv1::INTENT_LEVEL_HIGH : cv1::INTENT_LEVEL_MEDIUM);
    f->set_next_step(i % 3 == 0 ? "下单" : "再次拜访");
    if (i % 10 == 0) f->set_market_note("竞品伊利纯奶 250ml×24 促销价 52 元");
    cv1::RecordFollowUpResponse resp;
    grpc::Status st = w.customers->RecordFollowUp(AsRep(w, rep).get(), req, &resp);
    // A transfer below may have moved the customer on a second load.
    if (st.error_code() == grpc::StatusCode::PERMISSION_DENIED) continue;
    Must(st, absl::StrCat("RecordFollowUp ", id));
    ++follow_ups;
  }

  // The last twelve prospects are given back to the shared pool (公海) by
  // their reps; one of them is claimed by another rep.
  int released = 0;
  for (size_t i = w.customer_ids.size() - 12; i < w.customer_ids.size(); ++i) {
    cv1::Customer c = Read(w, w.customer_ids[i]);
    if (c.owner_rep_id() == 0) {
      ++released;
      continue;
    }
    cv1::ReleaseCustomerRequest req;
    req.set_request_id(absl::StrCat("demo-release-", i));
    req.set_customer_id(c.id());
    // No etag: the body stays the same when the loader runs again after the
    // claim below, so the repeat answers from the first run.
    req.set_reason(i % 2 == 0 ? "客户暂无需求, 放回公海" : "多次联系未果");
    cv1::ReleaseCustomerResponse resp;
    if (c.status() != cv1::CUSTOMER_STATUS_PROSPECT) continue;
    Must(w.customers->ReleaseCustomer(AsRep(w, c.owner_rep_id()).get(), req, &resp), "ReleaseCustomer");
    ++released;
  }
  {
    int64_t id = w.customer_ids[w.customer_ids.size() - 1];
    cv1::Customer c = Read(w, id);
    int64_t claimer = w.rep_ids[0];
    if (c.owner_rep_id() == 0) {
      cv1::ClaimCustomerRequest req;
      req.set_request_id("demo-claim-1");
      req.set_customer_id(id);
      req.set_etag(c.etag());
      req.set_reason("客户来电咨询, 认领跟进");
      cv1::ClaimCustomerResponse resp;
      Must(w.customers->ClaimCustomer(AsRep(w, claimer).get(), req, &resp), "ClaimCustomer");
    }
  }
  // A manager's transfer with a reason.
  {
    int64_t id = w.customer_ids[10];
    int64_t from = w.rep_ids[10 % w.rep_ids.size()];
    int64_t to = 0;
    for (int64_t rep : w.rep_ids) {
      if (rep != from && w.rep_units[rep] == w.rep_units[from]) {
        to = rep;
        break;
      }
    }
    if (to != 0) {
      cv1::TransferCustomerRequest req;
      req.set_request_id("demo-transfer-10");
      req.set_customer_id(id);
      req.set_to_rep_id(to);
      req.set_reason("客户要求更换对接业务员");
      cv1::TransferCustomerResponse resp;
      Must(w.customers->TransferCustomer(Ctx().get(), req, &resp), "TransferCustomer");
    }
  }
  // A family link: the owner of a community station's spouse registered it
  // again under her name (直系亲属视为同一客户).
  {
    int64_t primary = w.customer_ids[6];
    cv1::Customer p = Read(w, primary);
    cv1::RegisterCustomerRequest reg;
    reg.set_request_id("demo-family-member");
    reg.set_owner_rep_id(p.owner_rep_id());
    auto* c = reg.mutable_customer();
    c->set_name(absl::StrCat(p.city(), "刘秀英 (", p.name(), "店主之妻)"));
    c->set_type(cv1::CUSTOMER_TYPE_END_CUSTOMER);
    c->set_phone("13911112222");
    c->set_region(p.region());
    c->set_city(p.city());
    c->set_source_channel("WALK_IN");
    cv1::RegisterCustomerResponse resp;
    Must(w.customers->RegisterCustomer(Ctx().get(), reg, &resp), "RegisterCustomer family member");
    if (resp.customer().primary_customer_id() == 0) {
      cv1::LinkFamilyMemberRequest link;
      link.set_request_id("demo-family-link");
      link.mutable_link()->set_primary_customer_id(primary);
      link.mutable_link()->set_member_customer_id(resp.customer().id());
      link.mutable_link()->set_relation(cv1::FAMILY_RELATION_SPOUSE);
      link.mutable_link()->set_reason("同一户口本, 夫妻关系");
      cv1::LinkFamilyMemberResponse lr;
      Must(w.customers->LinkFamilyMember(Ctx().get(), link, &lr), "LinkFamilyMember");
    }
  }
  // A referral registered before the visit (老客户介绍须先行登记).
  {
    cv1::RegisterReferralRequest req;
    req.set_request_id("demo-referral-1");
    auto* r = req.mutable_referral();
    r->set_referrer_customer_id(w.customer_ids[4]);
    r->set_referred_name("苏州金桥食品商行");
    r->set_referred_phone("13922223333");
    cv1::RegisterReferralResponse resp;
    grpc::Status st = w.customers->RegisterReferral(Ctx().get(), req, &resp);
    if (st.error_code() != grpc::StatusCode::ALREADY_EXISTS) Must(st, "RegisterReferral");
  }
  // One shop is blacklisted (恶意拖欠, 提供虚假资料).
  {
    int64_t id = w.customer_ids[203];
    cv1::Customer c = Read(w, id);
    if (c.status() != cv1::CUSTOMER_STATUS_BLACKLISTED) {
      cv1::BlacklistCustomerRequest req;
      req.set_request_id("demo-blacklist-203");
      req.set_customer_id(id);
      req.set_reason("提供虚假营业执照");
      req.set_etag(c.etag());
      cv1::BlacklistCustomerResponse resp;
      Must(w.customers->BlacklistCustomer(Ctx().get(), req, &resp), "BlacklistCustomer");
    }
  }
  w.summary.push_back(absl::StrCat(graded, " demand grades, ", follow_ups, " follow-ups, ", released,
                                   " prospects in the pool (1 claimed back), 1 transfer, 1 family link, "
                                   "1 referral, 1 blacklisted"));
#ifdef SALES_HAVE_ENGAGEMENT_DEMO
  LoadCustomersEngagementDemo(w);
#endif
}

}  // namespace demo
