#include "targets-svc/store/settings_store.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "platform/convert.h"
#include "platform/enum_names.h"
#include "platform/status.h"

namespace sales::targets {
namespace {

constexpr char kOutlookColumns[] =
    "id, fiscal_year, product_line_id, industry_growth_bp, benchmark_competitor, competitor_growth_bp, source_note, "
    "as_of, version, updated_at";

v1::MarketOutlook OutlookFromRow(const db::Row& r) {
  v1::MarketOutlook o;
  o.set_id(r.Int("id"));
  o.set_fiscal_year(static_cast<int32_t>(r.Int("fiscal_year")));
  o.set_product_line_id(r.Int("product_line_id"));
  o.set_industry_growth_bp(static_cast<int32_t>(r.Int("industry_growth_bp")));
  o.set_benchmark_competitor(r.Str("benchmark_competitor"));
  o.set_competitor_growth_bp(static_cast<int32_t>(r.Int("competitor_growth_bp")));
  o.set_source_note(r.Str("source_note"));
  if (!r.IsNull("as_of")) *o.mutable_as_of() = ParseDbDate(r.Str("as_of"));
  o.set_etag(MakeEtag(r.Int("version")));
  *o.mutable_update_time() = ToTimestamp(ParseDbTime(r.Str("updated_at")));
  return o;
}

}  // namespace

absl::StatusOr<v1::TargetSettings> SettingsStore::Get(db::Transaction& tx, bool for_update) {
  SALES_ASSIGN_OR_RETURN(
      auto rows,
      tx.Query(
          std::string("SELECT default_currency, time_zone, fiscal_year_start_month, year_weights_bp, "
                      "history_growth_weight_bp, industry_growth_weight_bp, competitor_growth_weight_bp, "
                      "ahead_min_pace_bp, on_track_min_pace_bp, at_risk_min_pace_bp, probation_share_bp, "
                      "on_leave_share_bp, sales_recognition, version, updated_at FROM target_settings WHERE id = 1") +
          (for_update ? " FOR UPDATE" : "")));
  if (rows.empty()) return absl::InternalError("target_settings row missing");
  const auto& r = rows[0];
  v1::TargetSettings s;
  s.set_default_currency_code(r.Str("default_currency"));
  s.set_time_zone(r.Str("time_zone"));
  s.set_fiscal_year_start_month(static_cast<int32_t>(r.Int("fiscal_year_start_month")));
  for (absl::string_view w : absl::StrSplit(r.Str("year_weights_bp"), ',', absl::SkipEmpty())) {
    int32_t bp = 0;
    if (absl::SimpleAtoi(w, &bp)) s.mutable_baseline_weights()->add_year_weights_bp(bp);
  }
  s.mutable_baseline_weights()->set_history_growth_weight_bp(static_cast<int32_t>(r.Int("history_growth_weight_bp")));
  s.mutable_baseline_weights()->set_industry_growth_weight_bp(static_cast<int32_t>(r.Int("industry_growth_weight_bp")));
  s.mutable_baseline_weights()->set_competitor_growth_weight_bp(
      static_cast<int32_t>(r.Int("competitor_growth_weight_bp")));
  s.mutable_status_thresholds()->set_ahead_min_pace_bp(static_cast<int32_t>(r.Int("ahead_min_pace_bp")));
  s.mutable_status_thresholds()->set_on_track_min_pace_bp(static_cast<int32_t>(r.Int("on_track_min_pace_bp")));
  s.mutable_status_thresholds()->set_at_risk_min_pace_bp(static_cast<int32_t>(r.Int("at_risk_min_pace_bp")));
  s.mutable_inactive_rep_policy()->set_probation_share_bp(static_cast<int32_t>(r.Int("probation_share_bp")));
  s.mutable_inactive_rep_policy()->set_on_leave_share_bp(static_cast<int32_t>(r.Int("on_leave_share_bp")));
  s.set_sales_recognition(EnumParse<v1::SalesRecognition>(r.Str("sales_recognition")));
  s.set_etag(MakeEtag(r.Int("version")));
  *s.mutable_update_time() = ToTimestamp(ParseDbTime(r.Str("updated_at")));
  return s;
}

absl::Status SettingsStore::Save(db::Transaction& tx, const v1::TargetSettings& s, absl::Time now) {
  const auto& w = s.baseline_weights();
  return tx
      .Exec(
          "UPDATE target_settings SET default_currency = ?, time_zone = ?, fiscal_year_start_month = ?, "
          "year_weights_bp = ?, history_growth_weight_bp = ?, industry_growth_weight_bp = ?, "
          "competitor_growth_weight_bp = ?, ahead_min_pace_bp = ?, on_track_min_pace_bp = ?, "
          "at_risk_min_pace_bp = ?, probation_share_bp = ?, on_leave_share_bp = ?, sales_recognition = ?, "
          "version = version + 1, updated_at = ? WHERE id = 1",
          {s.default_currency_code(), s.time_zone(), static_cast<int64_t>(s.fiscal_year_start_month()),
           absl::StrJoin(w.year_weights_bp(), ","), static_cast<int64_t>(w.history_growth_weight_bp()),
           static_cast<int64_t>(w.industry_growth_weight_bp()), static_cast<int64_t>(w.competitor_growth_weight_bp()),
           static_cast<int64_t>(s.status_thresholds().ahead_min_pace_bp()),
           static_cast<int64_t>(s.status_thresholds().on_track_min_pace_bp()),
           static_cast<int64_t>(s.status_thresholds().at_risk_min_pace_bp()),
           static_cast<int64_t>(s.inactive_rep_policy().probation_share_bp()),
           static_cast<int64_t>(s.inactive_rep_policy().on_leave_share_bp()), EnumShort(s.sales_recognition()),
           FormatDbTime(now)})
      .status();
}

absl::StatusOr<v1::MarketOutlook> SettingsStore::Outlook(db::Transaction& tx, int32_t fiscal_year,
                                                         int64_t product_line_id) {
  SALES_ASSIGN_OR_RETURN(
      auto rows, tx.Query(absl::StrCat("SELECT ", kOutlookColumns,
                                       " FROM market_outlooks WHERE fiscal_year = ? AND product_line_id IN (0, ?) "
                                       "ORDER BY product_line_id DESC LIMIT 1"),
                          {static_cast<int64_t>(fiscal_year), product_line_id}));
  if (rows.empty()) {
    v1::MarketOutlook none;
    none.set_fiscal_year(fiscal_year);
    return none;
  }
  return OutlookFromRow(rows[0]);
}

absl::StatusOr<v1::MarketOutlook> SettingsStore::SaveOutlook(db::Transaction& tx, const v1::MarketOutlook& o,
                                                             absl::Time now) {
  SALES_RETURN_IF_ERROR(
      tx.Exec("INSERT INTO market_outlooks (fiscal_year, product_line_id, industry_growth_bp, benchmark_competitor, "
              "competitor_growth_bp, source_note, as_of, version, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?) "
              "ON DUPLICATE KEY UPDATE industry_growth_bp = VALUES(industry_growth_bp), "
              "benchmark_competitor = VALUES(benchmark_competitor), competitor_growth_bp = "
              "VALUES(competitor_growth_bp), source_note = VALUES(source_note), as_of = VALUES(as_of), "
              "version = version + 1, updated_at = VALUES(updated_at)",
              {static_cast<int64_t>(o.fiscal_year()), o.product_line_id(), static_cast<int64_t>(o.industry_growth_bp()),
               o.benchmark_competitor(), static_cast<int64_t>(o.competitor_growth_bp()), o.source_note(),
               o.has_as_of() ? db::Param(FormatDbDate(o.as_of())) : db::Param(nullptr), FormatDbTime(now)})
          .status());
  return Outlook(tx, o.fiscal_year(), o.product_line_id());
}

absl::StatusOr<std::vector<v1::MarketOutlook>> SettingsStore::ListOutlooks(db::Transaction& tx, int32_t fiscal_year,
                                                                           int64_t after_id, int limit) {
  // The page's order is (year, line), unique per outlook: the token's
  // outlook says where the previous page stopped.
  int64_t after_year = 0, after_line = -1;
  if (after_id != 0) {
    SALES_ASSIGN_OR_RETURN(
        auto last, tx.Query("SELECT fiscal_year, product_line_id FROM market_outlooks WHERE id = ?", {after_id}));
    if (last.empty()) return InvalidField("page_token", "not a token this service issued");
    after_year = last[0].Int("fiscal_year");
    after_line = last[0].Int("product_line_id");
  }
  SALES_ASSIGN_OR_RETURN(
      auto rows,
      tx.Query(absl::StrCat("SELECT ", kOutlookColumns,
                            " FROM market_outlooks WHERE (? = 0 OR fiscal_year = ?) AND (fiscal_year > ? OR "
                            "(fiscal_year = ? AND product_line_id > ?)) ORDER BY fiscal_year, product_line_id LIMIT ?"),
               {static_cast<int64_t>(fiscal_year), static_cast<int64_t>(fiscal_year), after_year, after_year,
                after_line, static_cast<int64_t>(limit)}));
  std::vector<v1::MarketOutlook> out;
  for (const auto& r : rows) out.push_back(OutlookFromRow(r));
  return out;
}

}  // namespace sales::targets
