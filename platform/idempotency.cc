#include "platform/idempotency.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "absl/strings/str_cat.h"
#include "platform/crypto.h"

namespace sales {

absl::Status ValidateRequestId(absl::string_view request_id, absl::string_view field) {
  if (request_id.empty()) return InvalidField(std::string(field), "required (an idempotency key)");
  if (request_id.size() > 64) return InvalidField(std::string(field), "at most 64 characters");
  for (char c : request_id) {
    if (c < 0x21 || c > 0x7e) return InvalidField(std::string(field), "printable ASCII only");
  }
  return absl::OkStatus();
}

std::string RequestHash(absl::string_view method, const google::protobuf::Message& request) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream sos(&bytes);
    google::protobuf::io::CodedOutputStream cos(&sos);
    cos.SetSerializationDeterministic(true);
    request.SerializeToCodedStream(&cos);
  }
  return Sha256Hex(absl::StrCat(method, "\n", bytes));
}

absl::StatusOr<int64_t> PurgeIdempotencyKeys(db::Pool& pool, absl::Time before, int batch) {
  return pool.Transact<int64_t>([&](db::Transaction& tx) {
    return tx.Exec("DELETE FROM idempotency_keys WHERE created_at < ? ORDER BY created_at LIMIT ?",
                   {absl::FormatTime("%Y-%m-%d %H:%M:%E6S", before, absl::UTCTimeZone()), static_cast<int64_t>(batch)});
  });
}

absl::StatusOr<std::string> RunIdempotentRaw(db::Pool& pool, absl::string_view caller, absl::string_view method,
                                             absl::string_view request_id, const std::string& request_hash,
                                             const std::function<absl::StatusOr<std::string>(db::Transaction&)>& fn) {
  std::string out;
  const std::string who(caller), m(method), rid(request_id);
  absl::Status st = pool.Transact([&](db::Transaction& tx) -> absl::Status {
    // A request first answered before keys were per caller (caller '') is
    // still answered from its record during the retention window, so a
    // client retrying across the upgrade does not apply it twice.
    if (!who.empty()) {
      SALES_ASSIGN_OR_RETURN(auto legacy, tx.Query("SELECT request_hash, response FROM idempotency_keys "
                                                   "WHERE caller = '' AND method = ? AND request_id = ?",
                                                   {m, rid}));
      if (!legacy.empty() && legacy[0].Str("request_hash") == request_hash && !legacy[0].IsNull("response")) {
        out = legacy[0].Str("response");
        return absl::OkStatus();
      }
    }
    auto claimed = tx.Exec(
        "INSERT INTO idempotency_keys (caller, request_id, method, request_hash, response, created_at) "
        "VALUES (?, ?, ?, ?, NULL, UTC_TIMESTAMP(6))",
        {who, rid, m, request_hash});
    if (!claimed.ok()) {
      if (claimed.status().code() != absl::StatusCode::kAlreadyExists) return claimed.status();
      // This caller committed this request_id for this method first (we
      // waited on its row lock if it was in flight); READ COMMITTED shows
      // us its final row.
      SALES_ASSIGN_OR_RETURN(auto rows, tx.Query("SELECT request_hash, response FROM idempotency_keys "
                                                 "WHERE caller = ? AND method = ? AND request_id = ?",
                                                 {who, m, rid}));
      if (rows.empty()) {
        return WithErrorInfo(absl::AbortedError("request_id is being processed; retry"), "REQUEST_IN_FLIGHT", "sales");
      }
      if (rows[0].Str("request_hash") != request_hash) {
        return WithErrorInfo(
            absl::InvalidArgumentError(absl::StrCat(
                "request_id '", request_id, "' was already used for a different request; choose a new request_id")),
            "REQUEST_ID_REUSED", "sales", {{"method", m}});
      }
      out = rows[0].Str("response");
      return absl::OkStatus();
    }
    SALES_ASSIGN_OR_RETURN(out, fn(tx));
    return tx
        .Exec("UPDATE idempotency_keys SET response = ? WHERE caller = ? AND method = ? AND request_id = ?",
              {db::Bytes{out}, who, m, rid})
        .status();
  });
  if (!st.ok()) return st;
  return out;
}

}  // namespace sales
