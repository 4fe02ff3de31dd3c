// A database's logical schema as sorted lines, read from the engine's catalogue (sqlite_master
// and its pragmas, or information_schema and pg_catalog), so SQLite and PostgreSQL can be
// compared: tables; columns with normalised types and whether they take NULL; primary keys;
// unique indexes and constraints (by columns, and whether partial, since engines name them
// differently); other indexes by name and columns; foreign keys. How each engine hands out
// event sequences is its own and left out: SQLite's AUTOINCREMENT keeps sqlite_sequence,
// PostgreSQL's event_sequence row.
#ifndef PROBATION_TESTS_REFERRALS_LOGICAL_SCHEMA_H_
#define PROBATION_TESTS_REFERRALS_LOGICAL_SCHEMA_H_

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/referrals/store/sql_connection.h"

namespace probation::referrals {

// The type a column holds, whatever the engine calls it. A flag is an integer: SQLite has no
// boolean type and stores 0 or 1.
inline std::string NormalisedType(std::string type) {
  type = absl::AsciiStrToLower(type);
  if (type == "integer" || type == "bigint" || type == "int" || type == "boolean") {
    return "integer";
  }
  if (type == "blob" || type == "bytea") return "bytes";
  return type;
}

// The rows of `sql`, failing the test on an error.
inline SqlRows Read(SqlConnection& db, const std::string& sql,
                    const std::vector<SqlValue>& params = {}) {
  absl::StatusOr<SqlRows> rows = db.Query(sql, params);
  EXPECT_TRUE(rows.ok()) << sql << ": " << rows.status();
  return rows.ok() ? *std::move(rows) : SqlRows(0, {}, 0);
}

// Where an engine's catalogue says what the schema holds, each query in the same shape.
struct Catalogue {
  // name
  std::string tables;
  // Of the table bound: name, type, 1 if it takes no NULL.
  std::string columns;
  // Of the table bound: "primary key", "unique" or "index"; name; columns, comma-separated;
  // 1 if partial.
  std::string indexes;
  // Of the table bound: referenced table, columns, referenced columns.
  std::string foreign_keys;
};

inline Catalogue CatalogueOf(SqlDialect dialect) {
  if (dialect == SqlDialect::kSqlite) {
    return {
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        // A key column takes no NULL, as PostgreSQL's (SQLite lets a rowid table's through).
        "SELECT name, type, \"notnull\" OR pk > 0 FROM pragma_table_info(?)",
        // The primary key from the columns: an INTEGER PRIMARY KEY has no index.
        "SELECT * FROM (SELECT 'primary key', '', group_concat(name, ', ') AS key, 0 FROM "
        "(SELECT name FROM pragma_table_info(?1) WHERE pk > 0 ORDER BY pk)) WHERE key IS NOT "
        "NULL UNION ALL SELECT "
        "CASE WHEN l.\"unique\" THEN 'unique' ELSE 'index' END, l.name, (SELECT "
        "group_concat(name, ', ') FROM (SELECT name FROM pragma_index_info(l.name) ORDER BY "
        "seqno)), l.partial FROM pragma_index_list(?1) l WHERE l.origin <> 'pk'",
        "SELECT \"table\", group_concat(\"from\", ', '), group_concat(\"to\", ', ') FROM (SELECT * "
        "FROM pragma_foreign_key_list(?) ORDER BY id, seq) GROUP BY id"};
  }
  return {
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND "
      "table_type = 'BASE TABLE' AND table_name <> 'event_sequence'",
      "SELECT column_name, data_type, CASE WHEN is_nullable = 'NO' THEN 1 ELSE 0 END FROM "
      "information_schema.columns WHERE table_schema = 'public' AND table_name = ?",
      // pg_get_indexdef quotes a column named like a keyword ("position").
      "SELECT CASE WHEN ix.indisprimary THEN 'primary key' WHEN ix.indisunique THEN 'unique' "
      "ELSE 'index' END, i.relname, replace(array_to_string(ARRAY(SELECT "
      "pg_get_indexdef(ix.indexrelid, k, true) FROM generate_series(1, ix.indnkeyatts) k ORDER "
      "BY k), ', '), '\"', ''), CASE WHEN ix.indpred IS NULL THEN 0 ELSE 1 END FROM pg_index ix "
      "JOIN pg_class i ON i.oid = ix.indexrelid WHERE ix.indrelid = CAST(? AS regclass)",
      "SELECT c.confrelid::regclass::text, "
      "array_to_string(ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(n, o) "
      "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.o), ', '), "
      "array_to_string(ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(n, o) "
      "JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.o), ', ') "
      "FROM pg_constraint c WHERE c.contype = 'f' AND c.conrelid = CAST(? AS regclass)"};
}

inline std::vector<std::string> LogicalSchema(SqlConnection& db) {
  const Catalogue catalogue = CatalogueOf(db.dialect());
  std::vector<std::string> lines;
  const SqlRows tables = Read(db, catalogue.tables);
  for (int t = 0; t < tables.size(); ++t) {
    const std::string& table = tables.Text(t, 0);
    lines.push_back(absl::StrCat("table ", table));
    const SqlRows columns = Read(db, catalogue.columns, {table});
    for (int c = 0; c < columns.size(); ++c) {
      lines.push_back(absl::StrCat("column ", table, ".", columns.Text(c, 0), " ",
                                   NormalisedType(columns.Text(c, 1)),
                                   columns.Int(c, 2) != 0 ? " not null" : ""));
    }
    const SqlRows indexes = Read(db, catalogue.indexes, {table});
    for (int i = 0; i < indexes.size(); ++i) {
      // Engines name the indexes behind keys and constraints differently: those go unnamed.
      const std::string& kind = indexes.Text(i, 0);
      lines.push_back(absl::StrCat(kind, " ", kind == "index" ? indexes.Text(i, 1) + " " : "",
                                   table, " (", indexes.Text(i, 2), ")",
                                   indexes.Int(i, 3) != 0 ? " partial" : ""));
    }
    const SqlRows keys = Read(db, catalogue.foreign_keys, {table});
    for (int k = 0; k < keys.size(); ++k) {
      lines.push_back(absl::StrCat("foreign key ", table, " (", keys.Text(k, 1), ") -> ",
                                   keys.Text(k, 0), " (", keys.Text(k, 2), ")"));
    }
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

}  // namespace probation::referrals

#endif  // PROBATION_TESTS_REFERRALS_LOGICAL_SCHEMA_H_
