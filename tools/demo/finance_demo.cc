// The demo company's finance part (see demo.h).
#include <string>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "platform/money.h"
#include "tools/demo/demo.h"

namespace demo {

void LoadFinanceDemo(DemoWorld& w) {
  for (int i = 0; i < 24; ++i) {
    fv1::RecordPaymentRequest req;
    req.set_request_id(absl::StrCat("demo-payment-", i));
    auto* p = req.mutable_payment();
    p->set_customer_id(w.customer_ids[(i * 13) % w.customer_ids.size()]);
    *p->mutable_amount() = sales::MakeMoney(50'000'00 + i * 3'217'45);
    bool bill = i % 6 == 5;
    p->set_method(bill ? fv1::PAYMENT_METHOD_BANK_ACCEPTANCE_BILL
                       : (i % 4 == 3 ? fv1::PAYMENT_METHOD_CHEQUE : fv1::PAYMENT_METHOD_TRANSFER));
    p->set_bank_reference(absl::StrFormat("DEMO-BANK-2026-%04d", i + 1));
    *p->mutable_received_on() = Day(2026, 1 + i % 11, 1 + (i * 5) % 28);
    if (bill) *p->mutable_maturity_on() = Day(2027, 1 + i % 11, 1 + (i * 5) % 28);
    fv1::RecordPaymentResponse resp;
    Must(w.finance->RecordPayment(Ctx().get(), req, &resp), absl::StrCat("RecordPayment ", i));
  }
  w.summary.push_back("24 payments recorded");
}

}  // namespace demo
