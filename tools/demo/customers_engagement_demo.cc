// The demo company's engagement part (see customers_engagement_demo.h). Each
// office gets a rotation of its reps, run by its receptionist; today one rep
// is out on personal business (loses the turn) and one on company business
// (banks it); a lead found to be a market survey earns its rep a make-up turn
// once the manager approves. Complaints show every state. Request ids carry
// the business date, so loading twice on one day changes nothing.
#include "tools/demo/customers_engagement_demo.h"

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "platform/call.h"
#include "platform/convert.h"
#include "platform/crypto.h"

namespace demo {
namespace {

std::unique_ptr<grpc::ClientContext> As(const std::string& user, const std::string& role, int64_t rep, int64_t unit) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  sales::Principal who;
  who.user_id = user;
  who.role = role;
  who.rep_id = rep;
  who.org_unit_id = unit;
  std::string rid = sales::RandomHexId();
  ctx->AddMetadata(sales::kRequestIdHeader, rid);
  ctx->AddMetadata(sales::kPrincipalHeader, who.Encode());
  if (!DemoSecret().empty()) {
  }
  return ctx;
}

struct Office {
  std::string code;
  int64_t id = 0;
  std::vector<int64_t> reps;
};

}  // namespace

void LoadCustomersEngagementDemo(DemoWorld& w) {
  const absl::Time now = absl::Now();
  const absl::CivilDay today = sales::BusinessDay(now);
  const std::string day = absl::StrFormat("%04d%02d%02d", today.year(), today.month(), today.day());
  auto rid = [&](const std::string& what) { return absl::StrCat("demo-eng-", day, "-", what); };

  // Offices and their reps: a rep's team code is "<office>-T<n>".
  std::map<int64_t, std::string> code_of;
  for (const auto& [code, id] : w.units) code_of[id] = code;
  std::map<std::string, Office> offices;
  for (int64_t rep : w.rep_ids) {
    auto unit = w.rep_units.find(rep);
    if (unit == w.rep_units.end()) continue;
    std::string team = code_of[unit->second];
    std::string office = team.substr(0, team.rfind("-T"));
    if (!w.units.count(office)) continue;
    offices[office].code = office;
    offices[office].id = w.units.at(office);
    offices[office].reps.push_back(rep);
  }
  auto manager = [&](const Office& o) { return As("demo-mgr-" + o.code, "SALES_MANAGER", 0, o.id); };
  auto reception = [&](const Office& o) { return As("demo-recep-" + o.code, "RECEPTIONIST", 0, o.id); };

  // The office with the most reps shows absences and the make-up turn.
  std::string showcase_code;
  size_t most = 0;
  for (const auto& [code, o] : offices) {
    if (o.reps.size() > most) {
      most = o.reps.size();
      showcase_code = code;
    }
  }
  int rotations = 0, leads = 0, calls = 0;
  int phone = 0;
  for (auto& [code, o] : offices) {
    cv1::CreateRotationRequest create;
    create.set_request_id(absl::StrCat("demo-eng-rotation-", code));
    create.mutable_rotation()->set_office_id(o.id);
    for (size_t i = 0; i < o.reps.size(); ++i) {
      auto* m = create.mutable_rotation()->add_members();
      m->set_rep_id(o.reps[i]);
      m->set_position(static_cast<int32_t>(i + 1));
    }
    cv1::CreateRotationResponse created;
    Must(w.customers->CreateRotation(manager(o).get(), create, &created), "CreateRotation " + code);
    ++rotations;

    // The showcase office: its second rep is out on personal business
    // today, its third on company business (拜访经销商).
    const bool showcase = code == showcase_code;
    if (showcase && o.reps.size() >= 3) {
      struct Away {
        int64_t rep;
        cv1::AbsenceKind kind;
        const char* why;
      };
      for (Away a : {Away{o.reps[1], cv1::ABSENCE_KIND_PERSONAL, "家中有事请假"},
                     Away{o.reps[2], cv1::ABSENCE_KIND_COMPANY, "拜访经销商"}}) {
        cv1::RecordRepAbsenceRequest req;
        req.set_request_id(rid(absl::StrCat("absence-", a.rep)));
        auto* abs = req.mutable_absence();
        abs->set_rep_id(a.rep);
        abs->set_office_id(o.id);
        abs->set_kind(a.kind);
        *abs->mutable_start_time() = sales::ToTimestamp(sales::StartOfBusinessDay(today));
        *abs->mutable_end_time() = sales::ToTimestamp(sales::StartOfBusinessDay(today + 1) - absl::Minutes(1));
        abs->set_reason(a.why);
        cv1::RecordRepAbsenceResponse resp;
        Must(w.customers->RecordRepAbsence(reception(o).get(), req, &resp), "RecordRepAbsence");
      }
    }
    const int per_office = showcase ? 4 : 2;
    std::vector<cv1::Lead> got;
    for (int i = 0; i < per_office; ++i) {
      cv1::RegisterLeadRequest req;
      req.set_request_id(rid(absl::StrCat("lead-", code, "-", i)));
      req.set_office_id(o.id);
      req.set_channel(i % 2 == 0 ? cv1::LEAD_CHANNEL_WALK_IN : cv1::LEAD_CHANNEL_HOTLINE);
      req.set_party_size(i % 2 == 0 ? 2 : 0);
      req.set_inquiry(i % 2 == 0 ? "想了解团购价格" : "电话咨询送货范围");
      auto* c = req.mutable_customer();
      c->set_name(absl::StrCat(code.rfind("EAST", 0) == 0 ? "沪杭" : "京津", "来访客户", day.substr(4), "-", ++phone));
      c->set_type(i % 3 == 0 ? cv1::CUSTOMER_TYPE_OUTLET_B : cv1::CUSTOMER_TYPE_END_CUSTOMER);
      c->set_phone(absl::StrFormat("158%04d%04d", static_cast<int>(today.day() * 100 + today.month()), phone));
      c->set_region(code.rfind("EAST", 0) == 0 ? "EAST" : "NORTH");
      c->set_city(code.rfind("EAST", 0) == 0 ? "上海" : "北京");
      cv1::RegisterLeadResponse resp;
      Must(w.customers->RegisterLead(reception(o).get(), req, &resp), "RegisterLead " + code);
      got.push_back(resp.lead());
      ++leads;
    }
    for (int i = 0; i < 3; ++i) {
      cv1::LogReceptionCallRequest req;
      req.set_request_id(rid(absl::StrCat("call-", code, "-", i)));
      auto* call = req.mutable_call();
      call->set_office_id(o.id);
      call->set_kind(i == 0   ? cv1::CALL_KIND_NEW_CUSTOMER
                     : i == 1 ? cv1::CALL_KIND_EXISTING_CUSTOMER
                              : cv1::CALL_KIND_OTHER);
      // Times come from the leads' receive times, which the service set on
      // the first load and replays unchanged: always in the past, and the
      // same body under the same request id on every later load (a time
      // derived from now would not be). The new-customer call is the
      // hotline lead itself; the other two came in earlier that morning.
      const absl::Time first_in = sales::FromTimestamp(got.front().receive_time());
      *call->mutable_call_time() =
          i == 0 && got.size() > 1 ? got[1].receive_time() : sales::ToTimestamp(first_in - absl::Minutes(20 * i));
      call->set_note(i == 2 ? "供应商来电" : "询问价格");
      if (i == 0 && got.size() > 1) call->set_lead_id(got[1].id());
      cv1::LogReceptionCallResponse resp;
      Must(w.customers->LogReceptionCall(reception(o).get(), req, &resp), "LogReceptionCall");
      ++calls;
    }
    // The first lead of the showcase office was only a market survey: its
    // rep reports it, the manager approves, the rep's make-up turn takes the
    // next lead.
    if (showcase && !got.empty()) {
      const cv1::Lead& first = got.front();
      int64_t unit = w.rep_units.count(first.assigned_rep_id()) ? w.rep_units.at(first.assigned_rep_id()) : 0;
      cv1::ReportMarketSurveyRequest report;
      report.set_request_id(rid("survey"));
      report.set_lead_id(first.id());
      report.set_reason("客户与业务员一同向前台说明只是来做市场调查");
      cv1::ReportMarketSurveyResponse filed;
      Must(w.customers->ReportMarketSurvey(
               As(absl::StrCat("demo-rep-", first.assigned_rep_id()), "SALES_REP", first.assigned_rep_id(), unit).get(),
               report, &filed),
           "ReportMarketSurvey");
      cv1::ApproveMarketSurveyReportRequest approve;
      approve.set_request_id(rid("survey-approve"));
      approve.set_report_id(filed.report().id());
      approve.set_note("前台已确认");
      approve.set_etag(filed.report().etag());
      cv1::ApproveMarketSurveyReportResponse approved;
      Must(w.customers->ApproveMarketSurveyReport(manager(o).get(), approve, &approved), "ApproveMarketSurveyReport");
      cv1::RegisterLeadRequest req;
      req.set_request_id(rid("lead-makeup"));
      req.set_office_id(o.id);
      req.set_channel(cv1::LEAD_CHANNEL_WALK_IN);
      auto* c = req.mutable_customer();
      c->set_name(absl::StrCat("补客户来访", day.substr(4)));
      c->set_type(cv1::CUSTOMER_TYPE_OUTLET_C);
      c->set_phone(absl::StrFormat("158%04d%04d", static_cast<int>(today.day() * 100 + today.month()), ++phone));
      c->set_region("EAST");
      c->set_city("上海");
      cv1::RegisterLeadResponse resp;
      Must(w.customers->RegisterLead(reception(o).get(), req, &resp), "RegisterLead make-up");
      ++leads;
    }
  }

  // Complaints on the first customers, one per state.
  int complaints = 0;
  const cv1::ComplaintSeverity severities[] = {cv1::COMPLAINT_SEVERITY_MINOR, cv1::COMPLAINT_SEVERITY_MAJOR,
                                               cv1::COMPLAINT_SEVERITY_SERIOUS, cv1::COMPLAINT_SEVERITY_MINOR,
                                               cv1::COMPLAINT_SEVERITY_MAJOR};
  const char* subjects[] = {"送货晚了两天", "部分产品临近保质期", "整批货物包装破损", "发票抬头有误", "业务员态度生硬"};
  const cv1::ComplaintCategory categories[] = {
      cv1::COMPLAINT_CATEGORY_DELIVERY, cv1::COMPLAINT_CATEGORY_PRODUCT_QUALITY,
      cv1::COMPLAINT_CATEGORY_PRODUCT_QUALITY, cv1::COMPLAINT_CATEGORY_BILLING, cv1::COMPLAINT_CATEGORY_SERVICE};
  for (int i = 0; i < 5 && i < static_cast<int>(w.customer_ids.size()); ++i) {
    cv1::RecordComplaintRequest req;
    req.set_request_id(absl::StrCat("demo-eng-complaint-", i));
    auto* c = req.mutable_complaint();
    c->set_customer_id(w.customer_ids[i * 7 % w.customer_ids.size()]);
    *c->mutable_received_date() = Day(2026, 1, 5 + i);
    c->set_category(categories[i]);
    c->set_severity(severities[i]);
    c->set_subject(subjects[i]);
    c->set_description(absl::StrCat(subjects[i], "，客户要求尽快处理并答复"));
    cv1::RecordComplaintResponse rec;
    Must(w.customers->RecordComplaint(Ctx().get(), req, &rec), "RecordComplaint");
    ++complaints;
    cv1::Complaint cur = rec.complaint();
    // 0: resolved and closed; 1: in progress; 2: escalated (as recorded);
    // 3: resolved, awaiting close; 4: open.
    if (i == 0 || i == 1 || i == 3) {
      cv1::AssignComplaintRequest a;
      a.set_request_id(absl::StrCat("demo-eng-complaint-assign-", i));
      a.set_complaint_id(cur.id());
      a.set_handler_rep_id(cur.owner_rep_id() != 0 ? cur.owner_rep_id() : w.rep_ids.front());
      a.set_reason("由客户的业务员跟进处理");
      a.set_etag(cur.etag());
      cv1::AssignComplaintResponse ar;
      Must(w.customers->AssignComplaint(Ctx().get(), a, &ar), "AssignComplaint");
      cur = ar.complaint();
    }
    if (i == 0 || i == 3) {
      cv1::ResolveComplaintRequest r;
      r.set_request_id(absl::StrCat("demo-eng-complaint-resolve-", i));
      r.set_complaint_id(cur.id());
      r.set_resolution(i == 0 ? "补发货物并减免运费" : "重开发票");
      r.set_customer_answer(i == 0 ? "已电话致歉并告知补发时间" : "新发票已寄出");
      *r.mutable_answer_date() = Day(2026, 1, 8 + i);
      r.set_etag(cur.etag());
      cv1::ResolveComplaintResponse rr;
      Must(w.customers->ResolveComplaint(Ctx().get(), r, &rr), "ResolveComplaint");
      cur = rr.complaint();
    }
    if (i == 0) {
      cv1::CloseComplaintRequest cl;
      cl.set_request_id("demo-eng-complaint-close-0");
      cl.set_complaint_id(cur.id());
      cl.set_note("客户满意");
      cl.set_etag(cur.etag());
      cv1::CloseComplaintResponse cr;
      Must(w.customers->CloseComplaint(Ctx().get(), cl, &cr), "CloseComplaint");
    }
  }
  w.summary.push_back(absl::StrCat("engagement: ", rotations, " rotations, ", leads, " leads, ", calls,
                                   " reception calls, 2 absences, 1 approved market survey, ", complaints,
                                   " complaints"));
}

}  // namespace demo
