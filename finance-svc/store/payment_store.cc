#include "finance-svc/store/payment_store.h"

#include "absl/strings/str_cat.h"
#include "platform/convert.h"
#include "platform/money.h"
#include "platform/status.h"

namespace sales::finance {

absl::StatusOr<v1::Payment> PaymentStore::Insert(db::Transaction& tx, const v1::Payment& p,
                                                 absl::Time now) {
  db::Param maturity = p.has_maturity_on() ? db::Param(FormatDbDate(p.maturity_on())) : db::Param(nullptr);
  auto st = tx.Exec(
      "INSERT INTO payments (customer_id, currency, amount_minor, unapplied_minor, method, "
      "bank_reference, received_on, maturity_on, version, created_at, updated_at) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
      {p.customer_id(), p.amount().currency_code(), p.amount().minor_units(),
       p.amount().minor_units(), static_cast<int64_t>(p.method()), p.bank_reference(),
       FormatDbDate(p.received_on()), maturity, FormatDbTime(now), FormatDbTime(now)});
  if (absl::IsAlreadyExists(st.status())) {
    return WithErrorInfo(absl::AlreadyExistsError(absl::StrCat("bank notice '", p.bank_reference(),
                                                               "' was already recorded")),
                         "BANK_REFERENCE_RECORDED", "finance.sales",
                         {{"bank_reference", p.bank_reference()}});
  }
  if (!st.ok()) return st.status();
  SALES_ASSIGN_OR_RETURN(int64_t id, tx.LastInsertId());
  return Get(tx, id);
}

absl::StatusOr<v1::Payment> PaymentStore::Get(db::Transaction& tx, int64_t id) {
  SALES_ASSIGN_OR_RETURN(
      auto rows,
      tx.Query("SELECT id, customer_id, currency, amount_minor, unapplied_minor, method, "
               "bank_reference, received_on, maturity_on, version, created_at FROM payments "
               "WHERE id = ?",
               {id}));
  if (rows.empty()) return NotFound("payment", id);
  const auto& r = rows[0];
  v1::Payment p;
  p.set_id(r.Int(0));
  p.set_customer_id(r.Int(1));
  *p.mutable_amount() = MakeMoney(r.Int(3), r.Str(2));
  *p.mutable_unapplied() = MakeMoney(r.Int(4), r.Str(2));
  p.set_method(static_cast<v1::PaymentMethod>(r.Int(5)));
  p.set_bank_reference(r.Str(6));
  *p.mutable_received_on() = ParseDbDate(r.Str(7));
  if (!r.IsNull(8)) *p.mutable_maturity_on() = ParseDbDate(r.Str(8));
  p.set_etag(MakeEtag(r.Int(9)));
  *p.mutable_create_time() = ToTimestamp(ParseDbTime(r.Str(10)));
  return p;
}

}  // namespace sales::finance
