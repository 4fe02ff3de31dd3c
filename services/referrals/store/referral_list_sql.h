// The SQL of a referral listing, built once for both engines: the filters as a WHERE clause,
// a capped count of the matches, and one keyset page in the asked-for order. The indexes in
// migrations/ serve each caseload view; on SQLite, which plans without statistics, the broad
// scope columns are kept off the index when a narrow filter (a CRN, a reference, a creator or
// an assignee) is there to use instead, and the unassigned and open-or-closed conditions are
// written as literals so partial indexes match them.
#ifndef PROBATION_SERVICES_REFERRALS_STORE_REFERRAL_LIST_SQL_H_
#define PROBATION_SERVICES_REFERRALS_STORE_REFERRAL_LIST_SQL_H_

#include <string>
#include <vector>

#include "services/referrals/domain/referral_store.h"
#include "services/referrals/store/sql_dialect.h"
#include "services/referrals/store/sql_value.h"

namespace probation::referrals {

struct ListStatements {
  // One row, one column: the matches, at most kMaxCountedMatches + 1.
  SqlStatement count;
  // `body` of at most page_size + 1 referrals after the cursor, in order.
  SqlStatement page;
};

ListStatements BuildListStatements(const ListQuery& query, SqlDialect dialect);

struct ReportStatements {
  // state, intervention, region, provider, count of the covered referrals.
  SqlStatement groups;
  // from_state, duration_us of their finished stays.
  SqlStatement stays;
  // intervention, state, attendance outcome, count of their session appointments.
  SqlStatement sessions;
  // intervention, body of their submitted end-of-service reports.
  SqlStatement reports;
  // intervention, region, referrals, sessions required, attended, catch-ups attended: the
  // covered referrals ever in a programme group.
  SqlStatement dosage;
};

ReportStatements BuildReportStatements(const ReportQuery& query, SqlDialect dialect);

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_STORE_REFERRAL_LIST_SQL_H_
