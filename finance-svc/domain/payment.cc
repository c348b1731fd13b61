#include "finance-svc/domain/payment.h"

#include <vector>

#include "platform/convert.h"
#include "platform/money.h"
#include "platform/status.h"

namespace sales::finance {

absl::Status ValidateNewPayment(const v1::Payment& p) {
  std::vector<FieldViolation> v;
  auto add = [&](const absl::Status& st) {
    for (auto& fv : FieldViolationsOf(st)) v.push_back(fv);
  };
  if (p.customer_id() <= 0) v.push_back({"payment.customer_id", "required, > 0"});
  if (!p.has_amount()) {
    v.push_back({"payment.amount", "required"});
  } else {
    add(ValidateMoney(p.amount(), "payment.amount", Sign::kPositive));
  }
  if (p.method() == v1::PAYMENT_METHOD_UNSPECIFIED || !v1::PaymentMethod_IsValid(p.method())) {
    v.push_back({"payment.method", "required: TRANSFER, CHEQUE or BANK_ACCEPTANCE_BILL"});
  }
  if (p.bank_reference().empty() || p.bank_reference().size() > 64) {
    v.push_back({"payment.bank_reference", "required, 1..64 characters"});
  }
  bool received_ok = false;
  if (!p.has_received_on()) {
    v.push_back({"payment.received_on", "required"});
  } else {
    absl::Status st = ValidateDate(p.received_on(), "payment.received_on");
    received_ok = st.ok();
    add(st);
  }
  if (p.method() == v1::PAYMENT_METHOD_BANK_ACCEPTANCE_BILL) {
    if (!p.has_maturity_on()) {
      v.push_back({"payment.maturity_on", "required for a bank acceptance bill"});
    } else {
      absl::Status st = ValidateDate(p.maturity_on(), "payment.maturity_on");
      add(st);
      if (st.ok() && received_ok && ToCivilDay(p.maturity_on()) < ToCivilDay(p.received_on())) {
        v.push_back({"payment.maturity_on", "must not be before received_on"});
      }
    }
  } else if (p.has_maturity_on()) {
    v.push_back({"payment.maturity_on", "only a bank acceptance bill has a maturity date"});
  }
  // A payment in another currency is booked at the bank's rate; without
  // one the settlement value is unknown, so nothing can be posted.
  if (p.has_amount() && !p.amount().currency_code().empty()) {
    bool foreign = p.amount().currency_code() != "CNY";
    if (foreign && p.exchange_rate_bp() <= 0) {
      v.push_back({"payment.exchange_rate_bp",
                   "required (> 0, CNY per unit x 10000) for a payment in " + p.amount().currency_code()});
    } else if (!foreign && p.exchange_rate_bp() != 0) {
      v.push_back({"payment.exchange_rate_bp", "must be 0 for a payment in the company currency"});
    }
  }
  if (p.payer_name().size() > 200) v.push_back({"payment.payer_name", "at most 200 characters"});
  if (p.payer_account().size() > 64) v.push_back({"payment.payer_account", "at most 64 characters"});
  if (p.instrument_number().size() > 64) v.push_back({"payment.instrument_number", "at most 64 characters"});
  if (p.note().size() > 1000) v.push_back({"payment.note", "at most 1000 characters"});
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

}  // namespace sales::finance
