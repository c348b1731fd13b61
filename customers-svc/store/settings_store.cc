#include "customers-svc/store/settings_store.h"

#include "absl/strings/str_join.h"
#include "platform/convert.h"
#include "platform/status.h"

namespace sales::customers {

v1::CustomersSettings DefaultCustomerSettings() {
  v1::CustomersSettings s;
  s.set_protection_days(7);
  s.set_dormancy_days(180);
  struct R {
    v1::CustomerType type;
    int k, days;
  };
  for (R r : {R{v1::CUSTOMER_TYPE_OUTLET_KA, 1, 7}, R{v1::CUSTOMER_TYPE_OUTLET_A, 2, 21},
              R{v1::CUSTOMER_TYPE_OUTLET_B, 1, 30}, R{v1::CUSTOMER_TYPE_OUTLET_C, 1, 30},
              R{v1::CUSTOMER_TYPE_COMMUNITY_STATION, 1, 30}, R{v1::CUSTOMER_TYPE_DISTRIBUTOR, 1, 30},
              R{v1::CUSTOMER_TYPE_WHOLESALER, 1, 60}}) {
    auto* rule = s.add_visit_rules();
    rule->set_customer_type(r.type);
    rule->set_visits_required(r.k);
    rule->set_period_days(r.days);
  }
  s.set_visit_look_ahead_days(7);
  struct Reg {
    const char* code;
    const char* name;
  };
  for (Reg r : {Reg{"EAST", "华东区"}, Reg{"NORTH", "华北区"}, Reg{"SOUTH", "华南区"}, Reg{"WEST", "西部区"},
                Reg{"CENTRAL", "华中区"}}) {
    auto* region = s.add_regions();
    region->set_code(r.code);
    region->set_name(r.name);
  }
  for (const char* ch : {"WALK_IN", "HOTLINE", "REFERRAL", "EXHIBITION", "WEB"}) s.add_source_channels(ch);
  s.set_max_rotation_party_size(4);
  return s;
}

void FillSettingDefaults(v1::CustomersSettings& s) {
  const v1::CustomersSettings d = DefaultCustomerSettings();
  if (s.protection_days() == 0) s.set_protection_days(d.protection_days());
  if (s.dormancy_days() == 0) s.set_dormancy_days(d.dormancy_days());
  if (s.visit_rules().empty()) *s.mutable_visit_rules() = d.visit_rules();
  // 0 is a legal look-ahead ("only overdue and due today"); it is stored as
  // -1 so that an unset field still means the default. See Save.
  if (s.visit_look_ahead_days() == 0) {
    s.set_visit_look_ahead_days(d.visit_look_ahead_days());
  } else if (s.visit_look_ahead_days() < 0) {
    s.set_visit_look_ahead_days(0);
  }
  if (s.regions().empty()) *s.mutable_regions() = d.regions();
  if (s.source_channels().empty()) *s.mutable_source_channels() = d.source_channels();
  if (s.max_rotation_party_size() == 0) s.set_max_rotation_party_size(d.max_rotation_party_size());
}

absl::StatusOr<v1::CustomersSettings> SettingsStore::Get(db::Transaction& tx, bool for_update) {
  SALES_ASSIGN_OR_RETURN(
      auto rows, tx.Query(std::string("SELECT payload, version, updated_at FROM customer_settings WHERE id = 1") +
                          (for_update ? " FOR UPDATE" : "")));
  if (rows.empty()) return absl::InternalError("customer_settings row missing");
  v1::CustomersSettings s;
  if (!rows[0].Str("payload").empty() && !s.ParseFromString(rows[0].Str("payload"))) {
    return absl::InternalError("customer_settings payload does not parse");
  }
  FillSettingDefaults(s);
  s.set_etag(MakeEtag(rows[0].Int("version")));
  *s.mutable_update_time() = ToTimestamp(ParseDbTime(rows[0].Str("updated_at")));
  return s;
}

absl::StatusOr<v1::CustomersSettings> LoadCustomerSettings(db::Transaction& tx) { return SettingsStore::Get(tx); }

absl::Status SettingsStore::Save(db::Transaction& tx, const v1::CustomersSettings& s,
                                 const std::vector<std::string>& fields, const std::string& reason,
                                 const std::string& actor_user, const std::string& actor_role,
                                 const std::string& request_id, absl::Time now) {
  v1::CustomersSettings stored = s;
  stored.clear_etag();
  stored.clear_update_time();
  if (stored.visit_look_ahead_days() == 0) stored.set_visit_look_ahead_days(-1);
  std::string payload;
  if (!stored.SerializeToString(&payload)) return absl::InternalError("cannot serialize settings");
  SALES_RETURN_IF_ERROR(tx.Exec("UPDATE customer_settings SET payload = ?, version = version + 1, updated_at = ? "
                                "WHERE id = 1",
                                {db::Bytes{payload}, FormatDbTime(now)})
                            .status());
  return tx
      .Exec(
          "INSERT INTO customer_settings_audit (at, actor_user, actor_role, fields, reason, request_id) "
          "VALUES (?, ?, ?, ?, ?, ?)",
          {FormatDbTime(now), actor_user, actor_role, absl::StrJoin(fields, ","), reason, request_id})
      .status();
}

}  // namespace sales::customers
