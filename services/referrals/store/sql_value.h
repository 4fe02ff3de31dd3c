// A value bound to a statement parameter, and a statement with its values, for either engine.
#ifndef PROBATION_SERVICES_REFERRALS_STORE_SQL_VALUE_H_
#define PROBATION_SERVICES_REFERRALS_STORE_SQL_VALUE_H_

#include <cstdint>
#include <string>
#include <vector>

namespace probation::referrals {

// Bytes to bind as a BLOB (SQLite) or BYTEA (PostgreSQL).
struct Blob {
  std::string bytes;
};

// A value bound to a `?` parameter: integer, text, or bytes. (A plain struct rather than
// std::variant, which trips GCC 12's maybe-uninitialized warning in initializer lists.)
struct SqlValue {
  enum class Kind { kInteger, kText, kBlob };
  SqlValue(int64_t value) : kind(Kind::kInteger), integer(value) {}
  SqlValue(std::string value) : kind(Kind::kText), bytes(std::move(value)) {}
  SqlValue(Blob value) : kind(Kind::kBlob), bytes(std::move(value.bytes)) {}

  Kind kind;
  int64_t integer = 0;
  std::string bytes;
};

// A statement and the values bound to its placeholders, in order.
struct SqlStatement {
  std::string sql;
  std::vector<SqlValue> values;
};

}  // namespace probation::referrals

#endif  // PROBATION_SERVICES_REFERRALS_STORE_SQL_VALUE_H_
