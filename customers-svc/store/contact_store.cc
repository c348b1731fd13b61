#include "customers-svc/store/contact_store.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "customers-svc/domain/field_limits.h"
#include "customers-svc/domain/normalize.h"
#include "platform/convert.h"
#include "platform/status.h"

namespace sales::customers {
namespace {

constexpr char kColumns[] =
    "id, customer_id, name, title, phone, normalized_phone, email, im_id, is_primary, notes, version, created_at, "
    "updated_at";

v1::Contact FromRow(const db::Row& r) {
  v1::Contact c;
  c.set_id(r.Int("id"));
  c.set_customer_id(r.Int("customer_id"));
  c.set_name(r.Str("name"));
  c.set_title(r.Str("title"));
  c.set_phone(r.Str("phone"));
  c.set_normalized_phone(r.Str("normalized_phone"));
  c.set_email(r.Str("email"));
  c.set_im_id(r.Str("im_id"));
  c.set_primary(r.Int("is_primary") != 0);
  c.set_notes(r.Str("notes"));
  c.set_etag(MakeEtag(r.Int("version")));
  *c.mutable_create_time() = ToTimestamp(ParseDbTime(r.Str("created_at")));
  *c.mutable_update_time() = ToTimestamp(ParseDbTime(r.Str("updated_at")));
  return c;
}

}  // namespace

absl::Status ValidateContact(v1::Contact& c, const std::string& field) {
  std::vector<FieldViolation> v;
  // Lengths first (field_limits.h); a text too long is not looked at further.
  CheckContactLengths(c, field + ".", {}, &v);
  auto too_long = [&v, &field](const char* name) {
    std::string f = field + "." + name;
    return std::any_of(v.begin(), v.end(), [&](const FieldViolation& x) { return x.field == f; });
  };
  bool email_too_long = too_long("email");
  if (c.name().empty()) v.push_back({field + ".name", "required"});
  if (c.phone().empty() && c.email().empty()) v.push_back({field + ".phone", "phone or email required"});
  if (too_long("phone")) {
    c.clear_normalized_phone();  // refused for its length: not normalised
  } else if (!c.phone().empty()) {
    auto p = NormalizePhone(c.phone());
    if (!p.ok()) {
      v.push_back({field + ".phone", std::string(p.status().message())});
    } else {
      c.set_normalized_phone(*p);
    }
  } else {
    c.clear_normalized_phone();
  }
  if (!c.email().empty() && !email_too_long &&
      (c.email().find('@') == std::string::npos || c.email().front() == '@' || c.email().back() == '@')) {
    v.push_back({field + ".email", "not an e-mail address"});
  }
  if (!v.empty()) return InvalidFields(std::move(v));
  return absl::OkStatus();
}

absl::StatusOr<v1::Contact> ContactStore::Insert(db::Transaction& tx, int64_t customer_id, const v1::Contact& c,
                                                 absl::Time now) {
  if (c.primary()) SALES_RETURN_IF_ERROR(ClearPrimary(tx, customer_id, 0));
  SALES_RETURN_IF_ERROR(
      tx.Exec("INSERT INTO contacts (customer_id, name, title, phone, normalized_phone, email, im_id, is_primary, "
              "notes, version, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)",
              {customer_id, c.name(), c.title(), c.phone(), c.normalized_phone(), c.email(), c.im_id(),
               static_cast<int64_t>(c.primary() ? 1 : 0), c.notes(), FormatDbTime(now), FormatDbTime(now)})
          .status());
  SALES_ASSIGN_OR_RETURN(int64_t id, tx.LastInsertId());
  return Get(tx, id, false);
}

absl::StatusOr<v1::Contact> ContactStore::Get(db::Transaction& tx, int64_t id, bool lock) {
  SALES_ASSIGN_OR_RETURN(
      auto rows,
      tx.Query(absl::StrCat("SELECT ", kColumns, " FROM contacts WHERE id = ?", lock ? " FOR UPDATE" : ""), {id}));
  if (rows.empty()) return NotFound("contact", id);
  return FromRow(rows[0]);
}

absl::Status ContactStore::Update(db::Transaction& tx, const v1::Contact& c, absl::Time now) {
  if (c.primary()) SALES_RETURN_IF_ERROR(ClearPrimary(tx, c.customer_id(), c.id()));
  return tx
      .Exec(
          "UPDATE contacts SET name = ?, title = ?, phone = ?, normalized_phone = ?, email = ?, im_id = ?, "
          "is_primary = ?, notes = ?, version = version + 1, updated_at = ? WHERE id = ?",
          {c.name(), c.title(), c.phone(), c.normalized_phone(), c.email(), c.im_id(),
           static_cast<int64_t>(c.primary() ? 1 : 0), c.notes(), FormatDbTime(now), c.id()})
      .status();
}

absl::Status ContactStore::Remove(db::Transaction& tx, int64_t id) {
  return tx.Exec("DELETE FROM contacts WHERE id = ?", {id}).status();
}

absl::Status ContactStore::ClearPrimary(db::Transaction& tx, int64_t customer_id, int64_t except_id) {
  return tx
      .Exec(
          "UPDATE contacts SET is_primary = 0, version = version + 1 WHERE customer_id = ? AND id <> ? "
          "AND is_primary = 1",
          {customer_id, except_id})
      .status();
}

absl::StatusOr<std::vector<v1::Contact>> ContactStore::List(db::Transaction& tx, int64_t customer_id, int64_t after_id,
                                                            int limit) {
  SALES_ASSIGN_OR_RETURN(auto rows, tx.Query(absl::StrCat("SELECT ", kColumns,
                                                          " FROM contacts WHERE customer_id = ? AND id > ? "
                                                          "ORDER BY id LIMIT ?"),
                                             {customer_id, after_id, static_cast<int64_t>(limit + 1)}));
  std::vector<v1::Contact> out;
  for (const auto& r : rows) out.push_back(FromRow(r));
  // Primary first within the page (ids keep paging stable).
  std::stable_partition(out.begin(), out.end(), [](const v1::Contact& c) { return c.primary(); });
  return out;
}

}  // namespace sales::customers
