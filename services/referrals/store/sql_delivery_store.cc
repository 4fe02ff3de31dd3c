// SqlReferralStore's delivery records (delivery_store.h): appointments, action plans and
// end-of-service reports. Their writes with a referral are in Update (sql_referral_store.cc).
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/util/time_util.h"
#include "libs/status/error_reason.h"
#include "services/referrals/store/sql_referral_store.h"

namespace probation::referrals {
namespace {

using google::protobuf::util::TimeUtil;

absl::StatusOr<std::vector<delivery::v1::Appointment>> AppointmentsOfRows(
    const absl::StatusOr<SqlRows>& rows) {
  if (!rows.ok()) return rows.status();
  std::vector<delivery::v1::Appointment> appointments(rows->size());
  for (int row = 0; row < rows->size(); ++row) {
    if (!appointments[row].ParseFromString(rows->Text(row, 0))) {
      return absl::DataLossError("an appointment is unreadable");
    }
  }
  return appointments;
}

// A singleton record from rows of (body); unset when there is none.
template <typename Record>
absl::StatusOr<std::optional<Record>> SingletonOfRows(const absl::StatusOr<SqlRows>& rows,
                                                      absl::string_view what) {
  if (!rows.ok()) return rows.status();
  if (rows->size() == 0) return std::nullopt;
  Record record;
  if (!record.ParseFromString(rows->Text(0, 0))) {
    return absl::DataLossError(absl::StrCat(what, " is unreadable"));
  }
  return record;
}

// The table, key column and key of a record, and what errors call it.
struct RecordRow {
  absl::string_view table;
  absl::string_view key_column;
  std::string key;
  absl::string_view what;
};

RecordRow RowOf(const DeliveryRecordWrite& write) {
  switch (write.kind) {
    case DeliveryRecordWrite::Kind::kAppointment:
      return {"appointments", "id", write.id, "the appointment"};
    case DeliveryRecordWrite::Kind::kActionPlan:
      return {"action_plans", "referral_id", write.referral_id, "the action plan"};
    case DeliveryRecordWrite::Kind::kEndOfServiceReport:
      break;
  }
  return {"end_of_service_reports", "referral_id", write.referral_id, "the end-of-service report"};
}

}  // namespace

SqlStatement SqlReferralStore::WriteRecordStatement(const DeliveryRecordWrite& write) {
  DeliveryRecordWrite stored = write;
  SetStoredEtag(stored);
  const int64_t version = write.expected_version + 1;
  switch (write.kind) {
    case DeliveryRecordWrite::Kind::kAppointment: {
      const delivery::v1::Appointment& appointment = stored.appointment;
      const int64_t start_us = TimeUtil::TimestampToMicroseconds(appointment.start_time());
      const int64_t outcome = appointment.attendance().outcome();
      if (write.expected_version == 0) {
        // A clash on the session number or request id inserts nothing, which the write sees.
        return {
            "INSERT INTO appointments (id, referral_id, crn, region, provider, type, "
            "session_number, request_id, start_us, outcome, version, body) VALUES (?, ?, ?, "
            "?, ?, ?, ?, ?, ?, ?, 1, ?) ON CONFLICT DO NOTHING",
            {write.id, write.referral_id, write.crn, write.region, write.provider,
             int64_t{appointment.type()}, int64_t{appointment.session_number()}, write.request_id,
             start_us, outcome, Blob{appointment.SerializeAsString()}}};
      }
      return {
          "UPDATE appointments SET start_us = ?, outcome = ?, version = ?, body = ? "
          "WHERE id = ? AND referral_id = ? AND version = ?",
          {start_us, outcome, version, Blob{appointment.SerializeAsString()}, write.id,
           write.referral_id, write.expected_version}};
    }
    case DeliveryRecordWrite::Kind::kActionPlan: {
      const int64_t state = stored.action_plan.state();
      const Blob body{stored.action_plan.SerializeAsString()};
      if (write.expected_version == 0) {
        return {
            "INSERT INTO action_plans (referral_id, state, version, body) VALUES (?, ?, 1, ?) "
            "ON CONFLICT DO NOTHING",
            {write.referral_id, state, body}};
      }
      return {
          "UPDATE action_plans SET state = ?, version = ?, body = ? WHERE referral_id = ? "
          "AND version = ?",
          {state, version, body, write.referral_id, write.expected_version}};
    }
    case DeliveryRecordWrite::Kind::kEndOfServiceReport:
      break;
  }
  const int64_t submitted = stored.report.submitted() ? 1 : 0;
  const Blob body{stored.report.SerializeAsString()};
  if (write.expected_version == 0) {
    return {
        "INSERT INTO end_of_service_reports (referral_id, submitted, version, body) VALUES "
        "(?, ?, 1, ?) ON CONFLICT DO NOTHING",
        {write.referral_id, submitted, body}};
  }
  return {
      "UPDATE end_of_service_reports SET submitted = ?, version = ?, body = ? WHERE "
      "referral_id = ? AND version = ?",
      {submitted, version, body, write.referral_id, write.expected_version}};
}

absl::Status SqlReferralStore::StaleRecordError(SqlConnection& db,
                                                const DeliveryRecordWrite& write) {
  const RecordRow row = RowOf(write);
  absl::StatusOr<SqlRows> current =
      db.Query(absl::StrCat("SELECT version FROM ", row.table, " WHERE ", row.key_column, " = ?"),
               {row.key});
  if (!current.ok()) return current.status();
  // A new appointment that inserted nothing clashed with another's session number or request
  // id, written meanwhile: the caller reads again and sees it.
  const std::string now = current->size() == 0 ? "0" : absl::StrCat(current->Int(0, 0));
  return StaleEtagError(absl::StrCat(write.expected_version), now, row.what);
}

absl::StatusOr<delivery::v1::Appointment> SqlReferralStore::GetAppointment(
    absl::string_view referral_id, absl::string_view id) {
  SqlConnectionPool::Lease reader = readers_.Borrow();
  absl::StatusOr<std::vector<delivery::v1::Appointment>> found = AppointmentsOfRows(
      reader->Query("SELECT body FROM appointments WHERE id = ? AND referral_id = ?",
                    {std::string(id), std::string(referral_id)}));
  if (!found.ok()) return found.status();
  if (found->empty()) {
    const std::string name = AppointmentName(referral_id, id);
    return ResourceNotFoundError(kAppointmentType, name, absl::StrCat("no appointment ", name));
  }
  return std::move(found->front());
}

absl::StatusOr<std::optional<delivery::v1::Appointment>> SqlReferralStore::AppointmentOfRequest(
    absl::string_view referral_id, absl::string_view request_id) {
  SqlConnectionPool::Lease reader = readers_.Borrow();
  absl::StatusOr<std::vector<delivery::v1::Appointment>> found = AppointmentsOfRows(
      reader->Query("SELECT body FROM appointments WHERE referral_id = ? AND request_id = ?",
                    {std::string(referral_id), std::string(request_id)}));
  if (!found.ok()) return found.status();
  if (found->empty()) return std::nullopt;
  return std::move(found->front());
}

absl::StatusOr<std::vector<delivery::v1::Appointment>> SqlReferralStore::AppointmentsOf(
    absl::string_view referral_id) {
  SqlConnectionPool::Lease reader = readers_.Borrow();
  return AppointmentsOfRows(
      reader->Query("SELECT body FROM appointments WHERE referral_id = ? ORDER BY start_us, id",
                    {std::string(referral_id)}));
}

absl::StatusOr<std::vector<ListedAppointment>> SqlReferralStore::ListAppointments(
    const AppointmentQuery& query) {
  std::vector<std::string> conditions;
  std::vector<SqlValue> values;
  auto equals = [&](absl::string_view column, const std::string& value) {
    conditions.push_back(absl::StrCat(column, " = ?"));
    values.emplace_back(value);
  };
  if (!query.referral_id.empty()) equals("referral_id", query.referral_id);
  if (!query.provider.empty()) equals("provider", query.provider);
  if (!query.region.empty()) equals("region", query.region);
  if (query.unrecorded_only) conditions.push_back("outcome = 0");
  if (query.open_referrals_only) {
    conditions.push_back(
        absl::StrCat("EXISTS (SELECT 1 FROM referrals r WHERE r.id = appointments.referral_id AND ",
                     dialect_ == SqlDialect::kSqlite ? "r.is_open = 1" : "r.is_open", ")"));
  }
  if (query.start_from_us.has_value()) {
    conditions.push_back("start_us >= ?");
    values.emplace_back(*query.start_from_us);
  }
  if (query.start_before_us.has_value()) {
    conditions.push_back("start_us < ?");
    values.emplace_back(*query.start_before_us);
  }
  if (!query.hidden_crns.empty()) {
    std::vector<absl::string_view> placeholders(query.hidden_crns.size(), "?");
    conditions.push_back(absl::StrCat("crn NOT IN (", absl::StrJoin(placeholders, ", "), ")"));
    values.insert(values.end(), query.hidden_crns.begin(), query.hidden_crns.end());
  }
  if (query.after.has_value()) {
    conditions.push_back("(start_us > ? OR (start_us = ? AND id > ?))");
    values.emplace_back(query.after->first);
    values.emplace_back(query.after->first);
    values.emplace_back(query.after->second);
  }
  values.emplace_back(int64_t{query.page_size + 1});
  const std::string where =
      conditions.empty() ? "" : absl::StrCat(" WHERE ", absl::StrJoin(conditions, " AND "));
  SqlConnectionPool::Lease reader = readers_.Borrow();
  absl::StatusOr<SqlRows> rows = reader->Query(
      absl::StrCat("SELECT body, crn FROM appointments", where, " ORDER BY start_us, id LIMIT ?"),
      values);
  absl::StatusOr<std::vector<delivery::v1::Appointment>> appointments = AppointmentsOfRows(rows);
  if (!appointments.ok()) return appointments.status();
  std::vector<ListedAppointment> listed;
  listed.reserve(appointments->size());
  for (int row = 0; row < rows->size(); ++row) {
    listed.push_back({rows->Text(row, 1), std::move((*appointments)[row])});
  }
  return listed;
}

absl::StatusOr<std::optional<delivery::v1::ActionPlan>> SqlReferralStore::GetActionPlan(
    absl::string_view referral_id) {
  SqlConnectionPool::Lease reader = readers_.Borrow();
  return SingletonOfRows<delivery::v1::ActionPlan>(
      reader->Query("SELECT body FROM action_plans WHERE referral_id = ?",
                    {std::string(referral_id)}),
      "an action plan");
}

absl::StatusOr<std::optional<delivery::v1::EndOfServiceReport>>
SqlReferralStore::GetEndOfServiceReport(absl::string_view referral_id) {
  SqlConnectionPool::Lease reader = readers_.Borrow();
  return SingletonOfRows<delivery::v1::EndOfServiceReport>(
      reader->Query("SELECT body FROM end_of_service_reports WHERE referral_id = ?",
                    {std::string(referral_id)}),
      "an end-of-service report");
}

absl::StatusOr<DeliveryRecordWrite> SqlReferralStore::PutDeliveryRecord(
    const DeliveryRecordWrite& write) {
  const SqlStatement statement = WriteRecordStatement(write);
  absl::Status status = Writer(write.referral_id).Write([&](SqlConnection& db) -> absl::Status {
    absl::StatusOr<SqlRows> written = db.Query(statement.sql, statement.values);
    if (!written.ok()) return written.status();
    if (written->affected() == 0) return StaleRecordError(db, write);
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  DeliveryRecordWrite stored = write;
  SetStoredEtag(stored);
  return stored;
}

}  // namespace probation::referrals
