// How long each text customers-svc accepts may be, and the check. Every
// limit is the size of the column the text is stored in or compared with
// (customers-svc/migrations/*.sql), so that a text the service accepts
// always fits and one that does not fit is refused as INVALID_ARGUMENT with
// the field named, before any SQL runs, by every method that takes it:
// registration, update and the duplicate check use the same constants.
//
// The columns are VARCHAR in utf8mb4, which counts characters, not bytes: a
// Chinese name of 200 characters (600 bytes) fits customers.name
// VARCHAR(200). The limits are therefore in Unicode code points.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "platform/status.h"
#include "sales/customers/v1/contact.pb.h"
#include "sales/customers/v1/customer.pb.h"

namespace sales::customers {

// customers (V001, V002). The name is compared with normalized_name
// VARCHAR(200) by the duplicate check; the normalised name is never longer
// than the name (folding is one code point for one, separators and suffixes
// are dropped).
inline constexpr size_t kMaxCustomerNameChars = 200;    // customers.name
inline constexpr size_t kMaxPhoneChars = 40;            // customers.phone, contacts.phone (as entered)
inline constexpr size_t kMaxRegionChars = 32;           // customers.region
inline constexpr size_t kMaxCityChars = 64;             // customers.city
inline constexpr size_t kMaxAddressChars = 255;         // customers.address
inline constexpr size_t kMaxSourceChannelChars = 32;    // customers.source_channel
inline constexpr size_t kMaxCustomerNotesChars = 2000;  // customers.notes
// The tax id is stored normalised (customers.tax_id VARCHAR(18));
// NormalizeTaxId refuses anything but 15 or 18 characters, so the raw input,
// which may carry spaces and hyphens, has no column of its own to fit.

// contacts (V002).
inline constexpr size_t kMaxContactNameChars = 100;
inline constexpr size_t kMaxContactTitleChars = 100;
inline constexpr size_t kMaxContactEmailChars = 200;
inline constexpr size_t kMaxContactImIdChars = 100;
inline constexpr size_t kMaxContactNotesChars = 1000;

// Reasons and notes of changes.
inline constexpr size_t kMaxReasonChars = 500;  // ownership_records, family_links, handovers, blacklist_reason
inline constexpr size_t kMaxLongReasonChars =
    1000;  // customer_audit.reason, credit_holds.reason, collisions.review_note
inline constexpr size_t kMaxAuditActionChars = 48;           // customer_audit.action
inline constexpr size_t kMaxAuditValueChars = 500;           // customer_audit.from_value / to_value
inline constexpr size_t kMaxReferredNameChars = 200;         // referrals.referred_name
inline constexpr size_t kMaxInvestigatorChars = 200;         // credit_investigations.investigator
inline constexpr size_t kMaxFollowUpNextStepChars = 500;     // follow_ups.next_step
inline constexpr size_t kMaxFollowUpMarketNoteChars = 2000;  // follow_ups.market_note
// follow_ups.content and credit_investigations.findings are TEXT, which
// counts bytes (at most 65,535): content is held to 4,000 characters (16,000
// bytes at most), findings to 20,000 bytes as they always were.
inline constexpr size_t kMaxFollowUpContentChars = 4000;
inline constexpr size_t kMaxFindingsBytes = 20000;
// ListCustomers' query is a part of the name it is compared with.
inline constexpr size_t kMaxNameQueryChars = kMaxCustomerNameChars;

// Characters (code points) of UTF-8 text: every byte that does not continue
// a sequence starts one. (Request strings arrive as valid UTF-8: protobuf
// refuses to parse a proto3 string that is not.)
size_t CharCount(absl::string_view utf8);

// Appends "at most N characters" for `field` when `value` is longer than
// `max` characters; true when it did.
bool CheckLength(absl::string_view value, size_t max, absl::string_view field, std::vector<FieldViolation>* out);
// The same as a status: OK, or INVALID_ARGUMENT naming `field`.
absl::Status CheckLength(absl::string_view value, size_t max, absl::string_view field);

// The first `max` characters of `utf8`, never cutting a character in half
// (a half character is invalid utf8mb4 and the database refuses the row).
// For texts the service composes itself ("family member of #12: " + a
// reason), which may exceed their column although each part was checked.
std::string ClipChars(absl::string_view utf8, size_t max);

// Checks every text field of `c` that the caller may set against its
// limit, naming fields `prefix` + name ("customer.name"). With `paths`
// non-empty only those fields are checked (UpdateCustomer's update_mask).
void CheckCustomerLengths(const v1::Customer& c, absl::string_view prefix, const std::vector<std::string>& paths,
                          std::vector<FieldViolation>* out);
// The same for a Contact (RegisterCustomer's contacts, AddContact,
// UpdateContact's update_mask paths); true when a field was too long.
bool CheckContactLengths(const v1::Contact& c, absl::string_view prefix, const std::vector<std::string>& paths,
                         std::vector<FieldViolation>* out);

}  // namespace sales::customers
