#include "services/catalogue/fact_ledger.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "google/protobuf/descriptor.h"
#include "libs/textproto/seed_source.h"
#include "libs/textproto/text_proto.h"

namespace probation::catalogue {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

std::vector<std::filesystem::path> FilesIn(const std::string& directory,
                                           absl::string_view extension) {
  std::vector<std::filesystem::path> files;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    if (entry.is_regular_file() && entry.path().extension().string() == extension) {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

// The fields that name an element of a repeated field, in the order they are tried.
constexpr absl::string_view kKeyFields[] = {"name", "id",        "region", "title", "level",
                                            "kind", "need_area", "email",  "area"};

bool ElementHasKey(const Message& element, absl::string_view key) {
  const Reflection& reflection = *element.GetReflection();
  for (absl::string_view name : kKeyFields) {
    const FieldDescriptor* field = element.GetDescriptor()->FindFieldByName(std::string(name));
    if (field == nullptr || field->is_repeated()) continue;
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING &&
        reflection.GetString(element, field) == key) {
      return true;
    }
    if (field->cpp_type() == FieldDescriptor::CPPTYPE_ENUM &&
        reflection.GetEnum(element, field)->name() == key) {
      return true;
    }
  }
  return false;
}

struct Segment {
  std::string field;
  std::optional<std::string> key;
};

absl::StatusOr<std::vector<Segment>> ParseFieldPath(absl::string_view text) {
  std::vector<Segment> segments;
  Segment current;
  bool in_key = false;
  std::string key;
  for (char c : text) {
    if (in_key) {
      if (c == ']') {
        current.key = key;
        key.clear();
        in_key = false;
      } else {
        key += c;
      }
    } else if (c == '[') {
      in_key = true;
    } else if (c == '.') {
      segments.push_back(std::move(current));
      current = Segment();
    } else {
      current.field += c;
    }
  }
  if (in_key) return absl::InvalidArgumentError("an unclosed [");
  segments.push_back(std::move(current));
  for (const Segment& segment : segments) {
    if (segment.field.empty()) return absl::InvalidArgumentError("an empty field name");
  }
  return segments;
}

// Fields that hold a machine-checked condition rather than prose.
bool IsConditionField(absl::string_view field) {
  static const std::set<std::string, std::less<>> kConditions = {
      "criteria",  "conditions", "regions",       "availability_scope",
      "status",    "valid_from", "valid_until",   "replaced_by",
      "pcc_areas", "stand_ins",  "interventions", "kind"};
  return kConditions.contains(field);
}

absl::StatusOr<const Message*> Root(absl::string_view path, const data::v1::Catalogue& catalogue,
                                    const eligibility::data::v1::PathwayPolicy& pathway,
                                    bool* condition_root) {
  const std::pair<absl::string_view, absl::string_view> parts =
      absl::StrSplit(path, absl::MaxSplits('/', 1));
  const absl::string_view kind = parts.first, key = parts.second;
  *condition_root = false;
  const auto find = [&](const auto& repeated,
                        absl::string_view what) -> absl::StatusOr<const Message*> {
    for (const auto& element : repeated) {
      if (ElementHasKey(element, key)) return &element;
    }
    return absl::NotFoundError(absl::StrCat("no ", what, " \"", key, "\""));
  };
  if (kind == "catalogue" && key.empty()) return &catalogue;
  if (kind == "interventions") return find(catalogue.interventions(), "intervention");
  if (kind == "regions") return find(catalogue.regions(), "region");
  if (kind == "kinds") return find(catalogue.kinds(), "kind");
  if (kind == "need_areas") return find(catalogue.need_areas(), "need area");
  if (kind == "regional_minimums") {
    *condition_root = true;
    return find(catalogue.regional_minimums(), "regional minimum");
  }
  if (kind == "pathway") {
    *condition_root = true;
    return find(pathway.stages(), "pathway stage");
  }
  return absl::InvalidArgumentError(
      absl::StrCat("\"", kind,
                   "\" is not interventions, regions, kinds, need_areas, "
                   "regional_minimums, pathway or catalogue"));
}

std::string Escape(absl::string_view text) {
  return absl::StrReplaceAll(text, {{"|", "\\|"}, {"\n", " "}});
}

}  // namespace

absl::StatusOr<SeedTexts> LoadSeeds(const std::string& directory) {
  SeedTexts seeds;
  for (const std::filesystem::path& path : FilesIn(directory, ".txt")) {
    absl::StatusOr<std::string> text = ReadFileToString(path.string());
    if (!text.ok()) return text.status();
    seeds[path.stem().string()] = absl::StrSplit(*text, '\n');
  }
  if (seeds.empty()) return absl::NotFoundError(absl::StrCat("no seeds in ", directory));
  return seeds;
}

absl::StatusOr<data::v1::FactLedger> LoadFactLedger(const std::string& directory) {
  data::v1::FactLedger ledger;
  for (const std::filesystem::path& path : FilesIn(directory, ".textproto")) {
    absl::StatusOr<std::string> text = ReadFileToString(path.string());
    if (!text.ok()) return text.status();
    data::v1::FactLedger part;
    if (absl::Status status = ParseTextProto(*text, path.string(), &part); !status.ok()) {
      return status;
    }
    ledger.MergeFrom(part);
  }
  if (ledger.facts().empty()) return absl::NotFoundError(absl::StrCat("no facts in ", directory));
  return ledger;
}

absl::StatusOr<bool> ResolveLedgerPath(absl::string_view path, const data::v1::Catalogue& catalogue,
                                       const eligibility::data::v1::PathwayPolicy& pathway) {
  const std::pair<absl::string_view, absl::string_view> parts =
      absl::StrSplit(path, absl::MaxSplits('#', 1));
  bool condition = false;
  absl::StatusOr<const Message*> root = Root(parts.first, catalogue, pathway, &condition);
  if (!root.ok()) return root.status();
  if (parts.second.empty()) return condition;
  absl::StatusOr<std::vector<Segment>> segments = ParseFieldPath(parts.second);
  if (!segments.ok()) return segments.status();
  condition = condition || IsConditionField(segments->front().field);
  const Message* message = *root;
  for (size_t i = 0; i < segments->size(); ++i) {
    const Segment& segment = (*segments)[i];
    const bool last = i + 1 == segments->size();
    const FieldDescriptor* field = message->GetDescriptor()->FindFieldByName(segment.field);
    if (field == nullptr) {
      return absl::NotFoundError(
          absl::StrCat(message->GetDescriptor()->name(), " has no field \"", segment.field, "\""));
    }
    const Reflection& reflection = *message->GetReflection();
    if (field->is_repeated()) {
      const int size = reflection.FieldSize(*message, field);
      int index = -1;
      if (segment.key.has_value()) {
        if (int number = 0; absl::SimpleAtoi(*segment.key, &number)) {
          index = number;
        } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_MESSAGE) {
          for (int e = 0; e < size && index < 0; ++e) {
            if (ElementHasKey(reflection.GetRepeatedMessage(*message, field, e), *segment.key)) {
              index = e;
            }
          }
        } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
          for (int e = 0; e < size && index < 0; ++e) {
            if (reflection.GetRepeatedString(*message, field, e) == *segment.key) index = e;
          }
        } else if (field->cpp_type() == FieldDescriptor::CPPTYPE_ENUM) {
          for (int e = 0; e < size && index < 0; ++e) {
            if (reflection.GetRepeatedEnum(*message, field, e)->name() == *segment.key) index = e;
          }
        }
        if (index < 0 || index >= size) {
          return absl::NotFoundError(
              absl::StrCat(segment.field, " has no element [", *segment.key, "]"));
        }
      } else if (size == 0) {
        return absl::NotFoundError(absl::StrCat(segment.field, " is empty"));
      }
      if (last) return condition;
      if (index < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat(segment.field, " is repeated: pick an element with [key] or [N]"));
      }
      if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
        return absl::InvalidArgumentError(absl::StrCat(segment.field, " has no fields"));
      }
      message = &reflection.GetRepeatedMessage(*message, field, index);
      continue;
    }
    if (segment.key.has_value()) {
      return absl::InvalidArgumentError(absl::StrCat(segment.field, " is not repeated"));
    }
    if (!reflection.HasField(*message, field)) {
      return absl::NotFoundError(absl::StrCat(segment.field, " is not set"));
    }
    if (last) return condition;
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) {
      return absl::InvalidArgumentError(absl::StrCat(segment.field, " has no fields"));
    }
    message = &reflection.GetMessage(*message, field);
  }
  return condition;
}

namespace {

void CheckCitationsIn(const Message& message, const SeedTexts& seeds, const std::string& path,
                      std::vector<std::string>& problems) {
  const Reflection& reflection = *message.GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection.ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    const std::string here = path.empty() ? field->name() : absl::StrCat(path, ".", field->name());
    if (field->name() == "sources" && field->is_repeated() &&
        field->cpp_type() == FieldDescriptor::CPPTYPE_STRING) {
      for (int i = 0; i < reflection.FieldSize(message, field); ++i) {
        const std::string citation = reflection.GetRepeatedString(message, field, i);
        absl::StatusOr<SeedSource> source = ParseSeedSource(citation);
        if (!source.ok()) {
          problems.push_back(absl::StrCat(here, ": ", source.status().message()));
          continue;
        }
        auto seed = seeds.find(source->seed);
        if (seed == seeds.end() || source->last_line > static_cast<int>(seed->second.size())) {
          problems.push_back(absl::StrCat(here, ": \"", citation, "\" is not in the seeds"));
        }
      }
      continue;
    }
    if (field->cpp_type() != FieldDescriptor::CPPTYPE_MESSAGE) continue;
    if (field->is_repeated()) {
      for (int i = 0; i < reflection.FieldSize(message, field); ++i) {
        CheckCitationsIn(reflection.GetRepeatedMessage(message, field, i), seeds,
                         absl::StrCat(here, "[", i, "]"), problems);
      }
    } else {
      CheckCitationsIn(reflection.GetMessage(message, field), seeds, here, problems);
    }
  }
}

}  // namespace

std::vector<std::string> CheckCitations(const Message& message, const SeedTexts& seeds) {
  std::vector<std::string> problems;
  CheckCitationsIn(message, seeds, "", problems);
  return problems;
}

double LedgerCheck::ServedShare() const {
  const int in_scope = facts - out_of_scope;
  return in_scope == 0 ? 0.0 : static_cast<double>(served) / in_scope;
}

LedgerCheck CheckFactLedger(const data::v1::FactLedger& ledger, const SeedTexts& seeds,
                            const data::v1::Catalogue& catalogue,
                            const eligibility::data::v1::PathwayPolicy& pathway) {
  LedgerCheck check;
  std::set<std::string> ids;
  const auto problem = [&](const data::v1::SeedFact& fact, absl::string_view what) {
    check.problems.push_back(absl::StrCat("fact \"", fact.id(), "\": ", what));
  };
  for (const data::v1::SeedFact& fact : ledger.facts()) {
    ++check.facts;
    if (fact.id().empty() || !ids.insert(fact.id()).second)
      problem(fact, "missing or duplicate id");
    if (fact.category() == data::v1::FACT_CATEGORY_UNSPECIFIED)
      problem(fact, "category is unspecified");
    if (absl::StripAsciiWhitespace(fact.fact()).empty()) problem(fact, "no fact sentence");
    if (fact.sources().empty()) problem(fact, "no sources");
    for (int i = 0; i < fact.sources_size(); ++i) {
      absl::StatusOr<SeedSource> source = ParseSeedSource(fact.sources(i));
      if (!source.ok()) {
        problem(fact, source.status().message());
        continue;
      }
      auto seed = seeds.find(source->seed);
      if (seed == seeds.end() || source->first_line == 0 ||
          source->last_line > static_cast<int>(seed->second.size())) {
        problem(fact, absl::StrCat("source ", fact.sources(i), " is not a line of the seeds"));
        continue;
      }
      if (i > 0) continue;
      bool quoted = false;
      for (int line = source->first_line; line <= source->last_line && !quoted; ++line) {
        quoted = absl::StrContains(seed->second[line - 1], fact.quote());
      }
      if (fact.quote().empty() || !quoted) {
        problem(fact, absl::StrCat("quote \"", fact.quote(), "\" is not on ", fact.sources(i)));
      }
    }
    if (fact.out_of_scope()) {
      ++check.out_of_scope;
      if (!fact.served_by().empty() || !fact.not_representable().empty()) {
        problem(fact, "an out-of-scope fact is neither served nor marked not representable");
      }
      continue;
    }
    const bool served = !fact.served_by().empty();
    const bool unrepresentable = !absl::StripAsciiWhitespace(fact.not_representable()).empty();
    if (served == unrepresentable) {
      problem(fact, "needs exactly one of served_by and not_representable");
      continue;
    }
    if (unrepresentable) {
      ++check.not_representable;
      continue;
    }
    bool resolved = true;
    bool condition = false;
    for (const std::string& path : fact.served_by()) {
      absl::StatusOr<bool> result = ResolveLedgerPath(path, catalogue, pathway);
      if (!result.ok()) {
        problem(fact, absl::StrCat("served_by \"", path, "\": ", result.status().message()));
        resolved = false;
      } else {
        condition = condition || *result;
      }
    }
    const bool rule = fact.category() == data::v1::FACT_CATEGORY_CRITERION ||
                      fact.category() == data::v1::FACT_CATEGORY_CONTRA_INDICATION ||
                      fact.category() == data::v1::FACT_CATEGORY_SUITABILITY ||
                      fact.category() == data::v1::FACT_CATEGORY_AVAILABILITY;
    if (resolved && rule && !condition) {
      problem(fact,
              "a rule must be served by a machine-checked condition (criteria, regions, "
              "availability, status, a regional minimum or a pathway stage), not prose");
    }
    if (resolved) ++check.served;
  }
  return check;
}

std::string LedgerMarkdown(const data::v1::FactLedger& ledger, const LedgerCheck& check) {
  std::ostringstream out;
  out << "# The fact ledger\n\n"
      << "Every checkable fact in the seed brochures (`services/catalogue/data/seeds/`), where "
         "it is stated, and where the catalogue (`services/catalogue/data/catalogue.textproto`) "
         "or the pathway policy serves it. Generated by `scripts/docs.sh` from "
         "`services/catalogue/data/ledger/`; `fact_ledger_test` resolves every path and checks "
         "every quote against the seeds.\n\n";
  const int in_scope = check.facts - check.out_of_scope;
  out << "| | facts |\n|---|---|\n"
      << "| In the ledger | " << check.facts << " |\n"
      << "| Outside the catalogue's scope (staff news, statistics) | " << check.out_of_scope
      << " |\n"
      << "| In scope | " << in_scope << " |\n"
      << "| Served by the data | " << check.served << " |\n"
      << "| Not representable | " << check.not_representable << " |\n"
      << "| **Share served** | **" << absl::StrFormat("%.1f%%", 100.0 * check.ServedShare())
      << "** |\n\n";

  std::map<std::string, std::pair<int, int>> by_category;
  for (const data::v1::SeedFact& fact : ledger.facts()) {
    if (fact.out_of_scope()) continue;
    std::string category = absl::AsciiStrToLower(
        absl::StripPrefix(data::v1::FactCategory_Name(fact.category()), "FACT_CATEGORY_"));
    absl::StrReplaceAll({{"_", " "}}, &category);
    auto& [served, total] = by_category[category];
    ++total;
    if (!fact.served_by().empty()) ++served;
  }
  out << "## By category\n\n| category | served | in scope |\n|---|---|---|\n";
  for (const auto& [category, counts] : by_category) {
    out << "| " << category << " | " << counts.first << " | " << counts.second << " |\n";
  }

  out << "\n## Not representable\n\n";
  bool any = false;
  for (const data::v1::SeedFact& fact : ledger.facts()) {
    if (fact.out_of_scope() || fact.not_representable().empty()) continue;
    any = true;
    out << "- `" << fact.id() << "` (" << absl::StrJoin(fact.sources(), ", ")
        << "): " << Escape(fact.fact()) << " *Why:* " << Escape(fact.not_representable()) << "\n";
  }
  if (!any) out << "None.\n";

  out << "\n## Every fact\n\n| fact | sources | served by |\n|---|---|---|\n";
  for (const data::v1::SeedFact& fact : ledger.facts()) {
    std::string served;
    if (fact.out_of_scope()) {
      served = "out of scope";
    } else if (!fact.served_by().empty()) {
      std::vector<std::string> paths;
      for (const std::string& path : fact.served_by())
        paths.push_back(absl::StrCat("`", path, "`"));
      served = absl::StrJoin(paths, "<br>");
    } else {
      served = "not representable";
    }
    out << "| **" << Escape(fact.id()) << "**: " << Escape(fact.fact()) << " | "
        << Escape(absl::StrJoin(fact.sources(), ", ")) << " | " << served << " |\n";
  }
  return out.str();
}

}  // namespace probation::catalogue
