// The audit trail of one record (domain.md §1: who, when, from which state
// to which, and why), from finance_audit, which every part of finance-svc
// writes in the transaction of the change.
#include "absl/strings/str_cat.h"
#include "finance-svc/api/finance_api.h"
#include "finance-svc/app/access.h"
#include "finance-svc/store/invoice_store.h"
#include "finance-svc/store/ledger_store.h"
#include "finance-svc/store/memo_store.h"
#include "finance-svc/store/payment_store.h"
#include "platform/convert.h"
#include "platform/handlers.h"
#include "platform/status.h"

namespace sales::finance {
namespace {

const char* RecordType(v1::AuditSubjectType t) {
  switch (t) {
    case v1::AUDIT_SUBJECT_TYPE_INVOICE:
      return "Invoice";
    case v1::AUDIT_SUBJECT_TYPE_PAYMENT:
      return "Payment";
    case v1::AUDIT_SUBJECT_TYPE_CREDIT_MEMO:
      return "CreditMemo";
    case v1::AUDIT_SUBJECT_TYPE_DEBIT_MEMO:
      return "DebitMemo";
    case v1::AUDIT_SUBJECT_TYPE_STATEMENT:
      return "Statement";
    case v1::AUDIT_SUBJECT_TYPE_COLLECTION_CASE:
      return "CollectionCase";
    case v1::AUDIT_SUBJECT_TYPE_CREDIT_HOLD:
      return "CreditHold";
    case v1::AUDIT_SUBJECT_TYPE_COMMISSION_PLAN:
      return "CommissionPlan";
    case v1::AUDIT_SUBJECT_TYPE_COMMISSION_STATEMENT:
      return "CommissionStatement";
    case v1::AUDIT_SUBJECT_TYPE_TAX_RATE:
      return "TaxRate";
    default:
      return nullptr;
  }
}

absl::Status ValidateListAuditEntries(const v1::ListAuditEntriesRequest& req) {
  std::vector<FieldViolation> v;
  if (RecordType(req.subject_type()) == nullptr) v.push_back({"subject_type", "required"});
  if (req.subject_id() <= 0) v.push_back({"subject_id", "required, > 0"});
  if (!v.empty()) return InvalidFields(std::move(v));
  return PageSize(req.page_size()).status();
}

// Out of scope reads as unknown. Receivable documents are checked against
// the caller's reps and units; the rest is finance's own.
absl::Status SubjectInScope(db::Transaction& tx, const Principal& p, v1::AuditSubjectType type, int64_t id) {
  if (SeesAllFinancials(p)) return absl::OkStatus();
  SALES_ASSIGN_OR_RETURN(FinanceScope scope, LoadScope(tx, p));
  int64_t rep = -1, unit = -1;
  if (type == v1::AUDIT_SUBJECT_TYPE_INVOICE) {
    SALES_ASSIGN_OR_RETURN(auto inv, InvoiceStore::Get(tx, id));
    rep = inv.rep_id();
    unit = inv.org_unit_id();
  } else if (type == v1::AUDIT_SUBJECT_TYPE_CREDIT_MEMO) {
    SALES_ASSIGN_OR_RETURN(auto m, MemoStore::GetCreditMemo(tx, id));
    rep = m.rep_id();
    unit = m.org_unit_id();
  } else if (type == v1::AUDIT_SUBJECT_TYPE_DEBIT_MEMO) {
    SALES_ASSIGN_OR_RETURN(auto m, MemoStore::GetDebitMemo(tx, id));
    rep = m.rep_id();
    unit = m.org_unit_id();
  }
  if (!scope.Allows(rep, unit)) return NotFound(RecordType(type), id);
  return absl::OkStatus();
}

}  // namespace

grpc::Status FinanceApi::ListAuditEntries(grpc::ServerContext* ctx, const v1::ListAuditEntriesRequest* req,
                                          v1::ListAuditEntriesResponse* resp) {
  return ServeRead<v1::ListAuditEntriesResponse>(
      ctx, FinanceMethod("ListAuditEntries"), rt_, resp, [&](CallContext&) { return ValidateListAuditEntries(*req); },
      [&](db::Transaction& tx, CallContext& call) -> absl::StatusOr<v1::ListAuditEntriesResponse> {
        SALES_ASSIGN_OR_RETURN(int size, PageSize(req->page_size()));
        SALES_ASSIGN_OR_RETURN(int64_t after, DecodePageToken(req->page_token()));
        const int64_t id = req->subject_id();
        SALES_RETURN_IF_ERROR(SubjectInScope(tx, call.principal, req->subject_type(), id));
        // A payment's trail includes its applications' reversals.
        SALES_ASSIGN_OR_RETURN(auto entries,
                               AuditStore::Trail(tx, RecordType(req->subject_type()), id,
                                                 req->subject_type() == v1::AUDIT_SUBJECT_TYPE_PAYMENT, after, size));
        v1::ListAuditEntriesResponse out;
        for (auto& e : entries) {
          if (out.entries_size() == size) {
            out.set_next_page_token(EncodePageToken(out.entries(size - 1).id()));
            break;
          }
          *out.add_entries() = std::move(e);
        }
        return out;
      });
}

}  // namespace sales::finance
