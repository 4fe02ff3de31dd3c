#include "services/catalogue/catalogue_loader.h"

#include <map>
#include <set>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/text_format.h"
#include "libs/names/resource_name.h"
#include "libs/textproto/seed_source.h"
#include "libs/textproto/text_proto.h"

namespace probation::catalogue {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::TextFormat;
using ParseInfoTree = google::protobuf::TextFormat::ParseInfoTree;

bool IsBlank(absl::string_view text) { return absl::StripAsciiWhitespace(text).empty(); }

// A place in the file: a parse tree and the message it describes, so that errors can name the
// line of the offending field, or of the enclosing entry when the field is missing.
struct Place {
  const ParseInfoTree* tree;
  const Descriptor* descriptor;
  int entry_line;  // 1-based line of the enclosing entry
};

int LineOf(const Place& place, absl::string_view field_name, int index = -1) {
  const FieldDescriptor* field = place.descriptor->FindFieldByName(std::string(field_name));
  if (place.tree != nullptr && field != nullptr) {
    const auto location = place.tree->GetLocation(field, index);
    if (location.line >= 0) return location.line + 1;
  }
  return place.entry_line;
}

Place Nested(const Place& place, absl::string_view field_name, int index) {
  const FieldDescriptor* field = place.descriptor->FindFieldByName(std::string(field_name));
  const ParseInfoTree* tree =
      place.tree == nullptr ? nullptr : place.tree->GetTreeForNested(field, index);
  return Place{tree, field->message_type(), LineOf(place, field_name, index)};
}

class Validator {
 public:
  Validator(absl::string_view source, data::v1::Catalogue& catalogue, const ParseInfoTree& tree)
      : source_(source),
        catalogue_(catalogue),
        root_{&tree, data::v1::Catalogue::descriptor(), 1} {}

  absl::Status Run() {
    ValidateRegions();
    ValidateKinds();
    ValidateNeedAreas();
    CollectInterventionIds();
    for (int i = 0; i < catalogue_.interventions_size(); ++i) {
      ValidateIntervention(i);
    }
    ValidateRegionalMinimums();
    for (int i = 0; i < catalogue_.contacts_size(); ++i) {
      ValidateContact(catalogue_.contacts(i), Nested(root_, "contacts", i).entry_line, "catalogue");
    }
    if (!errors_.empty()) {
      return absl::InvalidArgumentError(absl::StrJoin(errors_, "\n"));
    }
    Complete();
    CheckRegionalMinimums();
    if (!errors_.empty()) {
      return absl::InvalidArgumentError(absl::StrJoin(errors_, "\n"));
    }
    return absl::OkStatus();
  }

 private:
  void Error(int line, absl::string_view what, absl::string_view message) {
    errors_.push_back(absl::StrCat(source_, ":", line, ": ", what, ": ", message));
  }

  void ValidateRegions() {
    if (catalogue_.regions().empty()) Error(1, "catalogue", "no regions");
    for (int i = 0; i < catalogue_.regions_size(); ++i) {
      const v1::Region& region = catalogue_.regions(i);
      const Place place = Nested(root_, "regions", i);
      const std::string what = absl::StrCat("region \"", region.id(), "\"");
      if (!IsResourceId(region.id())) {
        Error(LineOf(place, "id"), what, "id must be lower-case words joined by hyphens");
      } else if (auto [it, inserted] = region_lines_.emplace(region.id(), place.entry_line);
                 !inserted) {
        Error(place.entry_line, what,
              absl::StrCat("duplicate id (first at line ", it->second, ")"));
      }
      if (IsBlank(region.title())) Error(LineOf(place, "title"), what, "empty title");
      if (!region.name().empty()) Error(LineOf(place, "name"), what, "name is derived; omit it");
      for (int p = 0; p < region.pcc_areas_size(); ++p) {
        const v1::PccArea& area = region.pcc_areas(p);
        const Place area_place = Nested(place, "pcc_areas", p);
        const std::string area_what = absl::StrCat("PCC area \"", area.id(), "\"");
        if (!IsResourceId(area.id())) {
          Error(area_place.entry_line, area_what, "id must be lower-case words joined by hyphens");
        } else if (!pcc_area_regions_.emplace(area.id(), region.id()).second) {
          Error(area_place.entry_line, area_what, "listed under more than one region");
        }
        if (IsBlank(area.title())) Error(area_place.entry_line, area_what, "empty title");
      }
      for (int a = 0; a < region.access_size(); ++a) {
        ValidateAccess(region.access(a), Nested(place, "access", a).entry_line, what);
      }
      for (int n = 0; n < region.notes_size(); ++n) {
        const int line = Nested(place, "notes", n).entry_line;
        if (IsBlank(region.notes(n).text())) Error(line, what, "empty note");
        Cited(region.notes(n).sources(), line, absl::StrCat(what, " note"));
      }
      for (int t = 0; t < region.timeline_size(); ++t) {
        ValidateTimeline(region.timeline(t), Nested(place, "timeline", t).entry_line, what);
      }
    }
  }

  // Reports `sources` that do not parse, or none at all: a stated fact cites where.
  void Cited(const google::protobuf::RepeatedPtrField<std::string>& sources, int line,
             absl::string_view what) {
    if (absl::Status status = CheckCited(sources, false, ""); !status.ok()) {
      Error(line, what, status.message());
    }
  }

  void Date(absl::string_view date, int line, absl::string_view what) {
    if (absl::Status status = CheckIsoDate(date); !status.ok()) Error(line, what, status.message());
  }

  void ValidateAccess(const v1::AccessStep& step, int line, const std::string& what) {
    const std::string step_what = absl::StrCat(what, " access step \"", step.title(), "\"");
    if (step.type() == v1::AccessStep::TYPE_UNSPECIFIED) {
      Error(line, step_what, "type is unspecified");
    }
    if (IsBlank(step.title())) Error(line, step_what, "empty title");
    if (IsBlank(step.description())) Error(line, step_what, "empty description");
    Date(step.valid_from(), line, step_what);
    Cited(step.sources(), line, step_what);
  }

  void ValidateContact(const v1::Contact& contact, int line, absl::string_view what) {
    const std::string contact_what = absl::StrCat(what, " contact \"", contact.title(), "\"");
    if (IsBlank(contact.title())) Error(line, contact_what, "empty title");
    if (!contact.email().empty() && contact.email().find('@') == std::string::npos) {
      Error(line, contact_what, "email has no @");
    }
    if (IsBlank(contact.email()) && IsBlank(contact.purpose())) {
      Error(line, contact_what, "needs an email or a purpose");
    }
    Cited(contact.sources(), line, contact_what);
  }

  void ValidateTimeline(const v1::TimelineEvent& event, int line, const std::string& what) {
    const std::string event_what = absl::StrCat(what, " timeline event");
    if (event.date().empty()) Error(line, event_what, "needs a date");
    Date(event.date(), line, event_what);
    if (IsBlank(event.event())) Error(line, event_what, "empty event");
    Cited(event.sources(), line, event_what);
  }

  void ValidateKinds() {
    for (int i = 0; i < catalogue_.kinds_size(); ++i) {
      const data::v1::KindInfo& info = catalogue_.kinds(i);
      const Place place = Nested(root_, "kinds", i);
      const std::string what = absl::StrCat("kind ", v1::InterventionKind_Name(info.kind()));
      if (info.kind() == v1::INTERVENTION_KIND_UNSPECIFIED) {
        Error(place.entry_line, "kind", "kind is unspecified");
      } else if (!kinds_.insert(info.kind()).second) {
        Error(place.entry_line, what, "described twice");
      }
      if (IsBlank(info.title())) Error(place.entry_line, what, "empty title");
      for (const std::string& source : info.sources()) {
        if (absl::StatusOr<SeedSource> parsed = ParseSeedSource(source); !parsed.ok()) {
          Error(place.entry_line, what, parsed.status().message());
        }
      }
    }
  }

  void ValidateNeedAreas() {
    std::set<int> seen;
    for (int i = 0; i < catalogue_.need_areas_size(); ++i) {
      const data::v1::NeedAreaInfo& info = catalogue_.need_areas(i);
      const Place place = Nested(root_, "need_areas", i);
      const std::string what =
          absl::StrCat("need area ", probation::common::v1::NeedArea_Name(info.area()));
      if (info.area() == probation::common::v1::NEED_AREA_UNSPECIFIED) {
        Error(place.entry_line, "need area", "area is unspecified");
      } else if (!seen.insert(info.area()).second) {
        Error(place.entry_line, what, "described twice");
      }
      if (IsBlank(info.title())) Error(place.entry_line, what, "empty title");
    }
  }

  void CollectInterventionIds() {
    for (int i = 0; i < catalogue_.interventions_size(); ++i) {
      const std::string& id = catalogue_.interventions(i).id();
      const Place place = Nested(root_, "interventions", i);
      const std::string what = absl::StrCat("intervention \"", id, "\"");
      if (!IsResourceId(id)) {
        Error(LineOf(place, "id"), what, "id must be lower-case words joined by hyphens");
      } else if (auto [it, inserted] = intervention_lines_.emplace(id, place.entry_line);
                 !inserted) {
        Error(place.entry_line, what,
              absl::StrCat("duplicate id (first at line ", it->second, ")"));
      }
    }
  }

  void ValidateIntervention(int index) {
    const v1::Intervention& intervention = catalogue_.interventions(index);
    const Place place = Nested(root_, "interventions", index);
    const std::string what = absl::StrCat("intervention \"", intervention.id(), "\"");
    if (!intervention.name().empty()) {
      Error(LineOf(place, "name"), what, "name is derived from the id; omit it");
    }
    if (IsBlank(intervention.title())) Error(LineOf(place, "title"), what, "empty title");
    if (IsBlank(intervention.summary())) Error(LineOf(place, "summary"), what, "empty summary");
    if (IsBlank(intervention.description())) {
      Error(LineOf(place, "description"), what, "empty description");
    }
    if (intervention.kind() == v1::INTERVENTION_KIND_UNSPECIFIED) {
      Error(LineOf(place, "kind"), what, "kind is unspecified");
    } else if (!kinds_.contains(intervention.kind())) {
      Error(LineOf(place, "kind"), what, "its kind has no `kinds` entry describing it");
    }
    if (intervention.status() == v1::INTERVENTION_STATUS_UNSPECIFIED) {
      Error(LineOf(place, "status"), what, "status is unspecified");
    }
    for (int i = 0; i < intervention.need_areas_size(); ++i) {
      if (intervention.need_areas(i) == probation::common::v1::NEED_AREA_UNSPECIFIED) {
        Error(LineOf(place, "need_areas", i), what, "need area is unspecified");
      }
    }
    ValidateAvailability(intervention, place, what);
    std::set<std::string> names;
    for (int i = 0; i < intervention.criteria_size(); ++i) {
      const v1::Criterion& criterion = intervention.criteria(i);
      const Place criterion_place = Nested(place, "criteria", i);
      ValidateCriterion(criterion, criterion_place, what, names);
      if (absl::Status cited = CheckCited(criterion.sources(), criterion.has_local_policy(),
                                          criterion.local_policy().reason());
          !cited.ok()) {
        Error(criterion_place.entry_line,
              absl::StrCat(what, " criterion \"", criterion.name(), "\""), cited.message());
      }
    }
    if (intervention.sources().empty()) Error(place.entry_line, what, "cites no seed sources");
    for (int i = 0; i < intervention.sources_size(); ++i) {
      if (absl::StatusOr<SeedSource> parsed = ParseSeedSource(intervention.sources(i));
          !parsed.ok()) {
        Error(LineOf(place, "sources", i), what, parsed.status().message());
      }
    }
    Date(intervention.valid_from(), LineOf(place, "valid_from"), what);
    Date(intervention.valid_until(), LineOf(place, "valid_until"), what);
    const bool withdrawn = intervention.status() == v1::INTERVENTION_STATUS_WITHDRAWN;
    if (withdrawn != !intervention.replaced_by().empty()) {
      Error(LineOf(place, "replaced_by"), what,
            "replaced_by is for WITHDRAWN interventions, and they need it");
    } else if (withdrawn && !intervention_lines_.contains(intervention.replaced_by())) {
      Error(LineOf(place, "replaced_by"), what,
            absl::StrCat("replaced by \"", intervention.replaced_by(), "\", which does not exist"));
    }
    for (int i = 0; i < intervention.access_size(); ++i) {
      ValidateAccess(intervention.access(i), Nested(place, "access", i).entry_line, what);
    }
    for (int i = 0; i < intervention.contacts_size(); ++i) {
      ValidateContact(intervention.contacts(i), Nested(place, "contacts", i).entry_line, what);
    }
    for (int i = 0; i < intervention.timeline_size(); ++i) {
      ValidateTimeline(intervention.timeline(i), Nested(place, "timeline", i).entry_line, what);
    }
    for (int i = 0; i < intervention.related_interventions_size(); ++i) {
      const std::string& related = intervention.related_interventions(i);
      if (related == intervention.id()) {
        Error(LineOf(place, "related_interventions", i), what, "relates to itself");
      } else if (!intervention_lines_.contains(related)) {
        Error(LineOf(place, "related_interventions", i), what,
              absl::StrCat("related intervention \"", related, "\" does not exist"));
      }
    }
    std::set<int> levels;
    for (int i = 0; i < intervention.complexity_levels_size(); ++i) {
      const v1::ComplexityLevelDescription& level = intervention.complexity_levels(i);
      const int line = Nested(place, "complexity_levels", i).entry_line;
      if (level.level() == probation::common::v1::COMPLEXITY_LEVEL_UNSPECIFIED) {
        Error(line, what, "complexity level is unspecified");
      } else if (!levels.insert(level.level()).second) {
        Error(line, what, "complexity level described twice");
      }
      if (IsBlank(level.description())) Error(line, what, "empty complexity level description");
    }
  }

  void ValidateAvailability(const v1::Intervention& intervention, const Place& place,
                            const std::string& what) {
    const bool lists_regions =
        intervention.availability_scope() == v1::AVAILABILITY_SCOPE_REGIONAL ||
        intervention.availability_scope() == v1::AVAILABILITY_SCOPE_LIMITED;
    if (intervention.availability_scope() == v1::AVAILABILITY_SCOPE_REGIONAL_MINIMUM) {
      stand_ins_.insert(intervention.id());
    }
    if (intervention.availability_scope() == v1::AVAILABILITY_SCOPE_UNSPECIFIED) {
      Error(LineOf(place, "availability_scope"), what, "availability_scope is unspecified");
    } else if (lists_regions && intervention.regions().empty()) {
      Error(LineOf(place, "availability_scope"), what,
            "a regional or limited availability needs the regions that offer it");
    } else if (!lists_regions && !intervention.regions().empty()) {
      Error(LineOf(place, "regions", 0), what,
            "regions are listed only for REGIONAL or LIMITED availability");
    }
    std::set<std::string> seen;
    for (int i = 0; i < intervention.regions_size(); ++i) {
      const v1::RegionalAvailability& availability = intervention.regions(i);
      const int line = Nested(place, "regions", i).entry_line;
      if (!region_lines_.contains(availability.region())) {
        Error(line, what, absl::StrCat("unknown region \"", availability.region(), "\""));
        continue;
      }
      if (!seen.insert(availability.region()).second) {
        Error(line, what, absl::StrCat("region \"", availability.region(), "\" listed twice"));
      }
      if (availability.status() != v1::AVAILABILITY_STATUS_OFFERED &&
          availability.status() != v1::AVAILABILITY_STATUS_OFFERED_IN_PART) {
        Error(line, what, "list only where it is OFFERED or OFFERED_IN_PART; the rest is derived");
      }
      for (const std::string& source : availability.sources()) {
        if (absl::StatusOr<SeedSource> parsed = ParseSeedSource(source); !parsed.ok()) {
          Error(line, what, parsed.status().message());
        }
      }
      if (availability.status() == v1::AVAILABILITY_STATUS_OFFERED_IN_PART &&
          availability.pcc_areas().empty()) {
        Error(line, what, "OFFERED_IN_PART needs the PCC areas that offer it");
      }
      for (const std::string& area : availability.pcc_areas()) {
        auto it = pcc_area_regions_.find(area);
        if (it == pcc_area_regions_.end()) {
          Error(line, what, absl::StrCat("unknown PCC area \"", area, "\""));
        } else if (it->second != availability.region()) {
          Error(line, what,
                absl::StrCat("PCC area \"", area, "\" is in region \"", it->second, "\", not \"",
                             availability.region(), "\""));
        }
      }
    }
  }

  // A criterion's list of intervention ids: at least one, each in the catalogue.
  void KnownInterventions(const google::protobuf::RepeatedPtrField<std::string>& ids, int line,
                          const std::string& what, absl::string_view noun) {
    if (ids.empty()) Error(line, what, absl::StrCat("no ", noun, "s"));
    for (const std::string& id : ids) {
      if (!intervention_lines_.contains(id)) {
        Error(line, what, absl::StrCat("unknown ", noun, " \"", id, "\""));
      }
    }
  }

  void ValidateCriterion(const v1::Criterion& criterion, const Place& place,
                         const std::string& what, std::set<std::string>& sibling_names) {
    const int line = place.entry_line;
    const std::string criterion_what = absl::StrCat(what, " criterion \"", criterion.name(), "\"");
    if (IsBlank(criterion.name())) {
      Error(line, what, "criterion without a name");
    } else if (!sibling_names.insert(criterion.name()).second) {
      Error(line, criterion_what, "duplicate criterion name");
    }
    if (IsBlank(criterion.rule())) Error(line, criterion_what, "empty rule");
    if (criterion.effect() == v1::CRITERION_EFFECT_UNSPECIFIED) {
      Error(line, criterion_what, "effect is unspecified");
    }
    for (const std::string& source : criterion.sources()) {
      if (absl::StatusOr<SeedSource> parsed = ParseSeedSource(source); !parsed.ok()) {
        Error(line, criterion_what, parsed.status().message());
      }
    }
    if (criterion.has_local_policy() && IsBlank(criterion.local_policy().reason())) {
      Error(line, criterion_what, "local_policy needs a reason");
    }
    Date(criterion.valid_from(), line, criterion_what);
    Date(criterion.valid_until(), line, criterion_what);
    if (!criterion.valid_from().empty() && !criterion.valid_until().empty() &&
        criterion.valid_until() < criterion.valid_from()) {
      Error(line, criterion_what, "valid_until is before valid_from");
    }
    switch (criterion.condition_case()) {
      case v1::Criterion::CONDITION_NOT_SET:
        Error(line, criterion_what, "no condition");
        break;
      case v1::Criterion::kSex:
        if (criterion.sex().sex() == probation::common::v1::SEX_UNSPECIFIED) {
          Error(line, criterion_what, "sex is unspecified");
        }
        break;
      case v1::Criterion::kAge: {
        const auto& age = criterion.age();
        if (age.min_years() < 0 || age.max_years() < 0 ||
            (age.max_years() > 0 && age.max_years() < age.min_years()) ||
            (age.min_years() == 0 && age.max_years() == 0)) {
          Error(line, criterion_what, "age range must have a bound and min <= max");
        }
        break;
      }
      case v1::Criterion::kOffences:
        if (criterion.offences().any_of().empty() && criterion.offences().none_of().empty()) {
          Error(line, criterion_what, "offence condition lists no offence categories");
        }
        break;
      case v1::Criterion::kRisk:
        if (criterion.risk().measure() == v1::RISK_MEASURE_UNSPECIFIED ||
            criterion.risk().levels().empty()) {
          Error(line, criterion_what, "risk condition needs a measure and levels");
        }
        break;
      case v1::Criterion::kSentence: {
        const auto& sentence = criterion.sentence();
        if (sentence.allowed().empty()) Error(line, criterion_what, "no sentence types allowed");
        const auto allowed = [&](int type) {
          return std::find(sentence.allowed().begin(), sentence.allowed().end(), type) !=
                 sentence.allowed().end();
        };
        for (int type : sentence.rar_required_for()) {
          if (!allowed(type)) {
            Error(line, criterion_what, "rar_required_for names a sentence type not allowed");
          }
          if (std::find(sentence.rar_absent_for().begin(), sentence.rar_absent_for().end(), type) !=
              sentence.rar_absent_for().end()) {
            Error(line, criterion_what, "a sentence type both needs and must lack a RAR");
          }
        }
        for (int type : sentence.rar_absent_for()) {
          if (!allowed(type)) {
            Error(line, criterion_what, "rar_absent_for names a sentence type not allowed");
          }
        }
        for (int type : sentence.not_stated()) {
          if (allowed(type)) {
            Error(line, criterion_what, "a sentence type is both allowed and not stated");
          }
        }
        if (!sentence.not_stated().empty() && IsBlank(sentence.not_stated_note())) {
          Error(line, criterion_what, "not_stated needs a not_stated_note");
        }
        break;
      }
      case v1::Criterion::kVictimSex:
        if (criterion.victim_sex().any_of().empty() ||
            std::find(
                criterion.victim_sex().any_of().begin(), criterion.victim_sex().any_of().end(),
                probation::common::v1::SEX_UNSPECIFIED) != criterion.victim_sex().any_of().end()) {
          Error(line, criterion_what, "victim sex condition needs sexes, none unspecified");
        }
        break;
      case v1::Criterion::kCombination:
        KnownInterventions(criterion.combination().not_with(), line, criterion_what,
                           "intervention");
        break;
      case v1::Criterion::kCustodialSentence: {
        const auto& custodial = criterion.custodial_sentence();
        if (custodial.types().empty() && custodial.min_length_days() <= 0 &&
            custodial.releases().empty()) {
          Error(line, criterion_what, "custodial sentence condition names nothing to check");
        }
        if (custodial.min_length_days() < 0) {
          Error(line, criterion_what, "min_length_days is negative");
        }
        break;
      }
      case v1::Criterion::kFlag:
        if (criterion.flag().flag() == v1::PROFILE_FLAG_UNSPECIFIED) {
          Error(line, criterion_what, "flag is unspecified");
        }
        break;
      case v1::Criterion::kNeed:
        if (criterion.need().any_of().empty()) Error(line, criterion_what, "no need areas");
        break;
      case v1::Criterion::kCompletedProgrammes:
        KnownInterventions(criterion.completed_programmes().any_of(), line, criterion_what,
                           "programme");
        break;
      case v1::Criterion::kDaysRemaining: {
        const auto& days = criterion.days_remaining();
        if (days.min_days() < 0 || days.max_days() < 0 ||
            (days.min_days() == 0 && days.max_days() == 0) ||
            (days.max_days() > 0 && days.max_days() < days.min_days())) {
          Error(line, criterion_what, "days range must have a bound and min <= max");
        }
        break;
      }
      case v1::Criterion::kNotEligibleForKind:
        if (criterion.not_eligible_for_kind().kind() == v1::INTERVENTION_KIND_UNSPECIFIED) {
          Error(line, criterion_what, "kind is unspecified");
        }
        break;
      case v1::Criterion::kNotEligibleFor:
        KnownInterventions(criterion.not_eligible_for().interventions(), line, criterion_what,
                           "intervention");
        break;
      case v1::Criterion::kRequirementLength:
        if (criterion.requirement_length().max_days() <= 0) {
          Error(line, criterion_what, "max_days must be positive");
        }
        break;
      case v1::Criterion::kApproval:
        if (IsBlank(criterion.approval().approver())) Error(line, criterion_what, "no approver");
        break;
      case v1::Criterion::kAnyOf:
      case v1::Criterion::kAllOf: {
        const bool any = criterion.condition_case() == v1::Criterion::kAnyOf;
        const auto& nested = any ? criterion.any_of().criteria() : criterion.all_of().criteria();
        if (nested.empty()) Error(line, criterion_what, "no nested criteria");
        const Place group = Nested(place, any ? "any_of" : "all_of", -1);
        std::set<std::string> names;
        for (int i = 0; i < nested.size(); ++i) {
          ValidateCriterion(nested[i], Nested(group, "criteria", i), criterion_what, names);
        }
        break;
      }
    }
  }

  void ValidateRegionalMinimums() {
    std::set<std::string> names;
    for (int i = 0; i < catalogue_.regional_minimums_size(); ++i) {
      const data::v1::RegionalMinimum& minimum = catalogue_.regional_minimums(i);
      const Place place = Nested(root_, "regional_minimums", i);
      const std::string what = absl::StrCat("regional minimum \"", minimum.name(), "\"");
      if (!IsResourceId(minimum.name())) {
        Error(place.entry_line, what, "name must be lower-case words joined by hyphens");
      } else if (!names.insert(minimum.name()).second) {
        Error(place.entry_line, what, "duplicate name");
      }
      if (IsBlank(minimum.rule())) Error(place.entry_line, what, "empty rule");
      Cited(minimum.sources(), place.entry_line, what);
      if (minimum.stand_ins().empty() && minimum.interventions().empty()) {
        Error(place.entry_line, what, "names neither stand-ins nor interventions");
      }
      for (const data::v1::NeedAreaStandIn& stand_in : minimum.stand_ins()) {
        const v1::Intervention* intervention = Find(stand_in.intervention());
        if (intervention == nullptr ||
            intervention->availability_scope() != v1::AVAILABILITY_SCOPE_REGIONAL_MINIMUM ||
            intervention->kind() != minimum.kind() ||
            std::find(intervention->need_areas().begin(), intervention->need_areas().end(),
                      stand_in.need_area()) == intervention->need_areas().end()) {
          Error(place.entry_line, what,
                absl::StrCat("stand-in \"", stand_in.intervention(),
                             "\" must be an intervention of the minimum's kind, with "
                             "availability_scope REGIONAL_MINIMUM, addressing its need area"));
        } else {
          stand_in_areas_[stand_in.intervention()] = {minimum.kind(), stand_in.need_area()};
        }
      }
      for (const std::string& id : minimum.interventions()) {
        if (Find(id) == nullptr) {
          Error(place.entry_line, what, absl::StrCat("unknown intervention \"", id, "\""));
        }
      }
    }
    for (const std::string& id : stand_ins_) {
      if (!stand_in_areas_.contains(id)) {
        Error(intervention_lines_[id], absl::StrCat("intervention \"", id, "\""),
              "REGIONAL_MINIMUM availability needs a regional minimum naming it as a stand-in");
      }
    }
  }

  // After completion: every region offers each intervention a minimum names.
  void CheckRegionalMinimums() {
    for (const data::v1::RegionalMinimum& minimum : catalogue_.regional_minimums()) {
      for (const std::string& id : minimum.interventions()) {
        const v1::Intervention* intervention = Find(id);
        if (intervention == nullptr) continue;
        for (const v1::Region& region : catalogue_.regions()) {
          if (!Offers(*intervention, region.id())) {
            Error(intervention_lines_[id],
                  absl::StrCat("regional minimum \"", minimum.name(), "\""),
                  absl::StrCat("\"", id, "\" is not offered in ", region.id()));
          }
        }
      }
    }
  }

  const v1::Intervention* Find(absl::string_view id) const {
    for (const v1::Intervention& intervention : catalogue_.interventions()) {
      if (intervention.id() == id) return &intervention;
    }
    return nullptr;
  }

  static bool Offers(const v1::Intervention& intervention, absl::string_view region) {
    if (intervention.availability_scope() == v1::AVAILABILITY_SCOPE_NATIONAL) return true;
    for (const v1::RegionalAvailability& availability : intervention.regions()) {
      if (availability.region() == region) {
        return availability.status() == v1::AVAILABILITY_STATUS_OFFERED ||
               availability.status() == v1::AVAILABILITY_STATUS_OFFERED_IN_PART;
      }
    }
    return false;
  }

  // A stand-in is offered exactly where no named intervention of its kind serves its need.
  void CompleteStandIn(v1::Intervention& stand_in) {
    const auto [kind, area] = stand_in_areas_.at(stand_in.id());
    stand_in.clear_regions();
    for (const v1::Region& region : catalogue_.regions()) {
      std::vector<std::string> named;
      for (const v1::Intervention& other : catalogue_.interventions()) {
        if (other.kind() != kind || stand_ins_.contains(other.id()) ||
            std::find(other.need_areas().begin(), other.need_areas().end(), area) ==
                other.need_areas().end() ||
            !Offers(other, region.id())) {
          continue;
        }
        named.push_back(other.title());
      }
      v1::RegionalAvailability* availability = stand_in.add_regions();
      availability->set_region(region.id());
      if (named.empty()) {
        availability->set_status(v1::AVAILABILITY_STATUS_OFFERED);
        availability->set_note(absl::StrCat(region.title(),
                                            " delivers at least one; the brochures do not name it: "
                                            "ask the region's interventions team which."));
      } else {
        availability->set_status(v1::AVAILABILITY_STATUS_NOT_OFFERED);
        availability->set_note(absl::StrCat("The brochure for ", region.title(),
                                            " names it: ", absl::StrJoin(named, ", "), "."));
      }
    }
  }

  // Derives resource names and spells out every region's availability, so clients never
  // have to interpret a missing entry.
  void Complete() {
    for (v1::Region& region : *catalogue_.mutable_regions()) {
      region.set_name(ResourceName(kRegions, region.id()));
    }
    for (v1::Intervention& intervention : *catalogue_.mutable_interventions()) {
      intervention.set_name(ResourceName(kInterventions, intervention.id()));
      const v1::AvailabilityScope scope = intervention.availability_scope();
      if (scope == v1::AVAILABILITY_SCOPE_NATIONAL ||
          scope == v1::AVAILABILITY_SCOPE_REGIONAL_MINIMUM) {
        continue;
      }
      std::map<std::string, v1::RegionalAvailability> listed;
      for (const v1::RegionalAvailability& availability : intervention.regions()) {
        listed[availability.region()] = availability;
      }
      intervention.clear_regions();
      for (const v1::Region& region : catalogue_.regions()) {
        v1::RegionalAvailability* availability = intervention.add_regions();
        if (auto it = listed.find(region.id()); it != listed.end()) {
          *availability = it->second;
          continue;
        }
        availability->set_region(region.id());
        const bool not_offered =
            scope == v1::AVAILABILITY_SCOPE_LIMITED || scope == v1::AVAILABILITY_SCOPE_NONE;
        availability->set_status(not_offered ? v1::AVAILABILITY_STATUS_NOT_OFFERED
                                             : v1::AVAILABILITY_STATUS_NOT_LISTED);
        availability->set_note(intervention.availability_note());
      }
    }
    // Stand-ins last: they read every named intervention's completed availability.
    for (v1::Intervention& intervention : *catalogue_.mutable_interventions()) {
      if (stand_ins_.contains(intervention.id())) CompleteStandIn(intervention);
    }
  }

  std::string source_;
  data::v1::Catalogue& catalogue_;
  Place root_;
  std::vector<std::string> errors_;
  absl::flat_hash_map<std::string, int> region_lines_;
  absl::flat_hash_map<std::string, std::string> pcc_area_regions_;
  absl::flat_hash_map<std::string, int> intervention_lines_;
  absl::flat_hash_set<int> kinds_;
  // Interventions with REGIONAL_MINIMUM availability, and the kind and need area each
  // stands in for.
  std::set<std::string> stand_ins_;
  std::map<std::string, std::pair<int, int>> stand_in_areas_;
};

}  // namespace

absl::StatusOr<data::v1::Catalogue> LoadCatalogue(absl::string_view text,
                                                  absl::string_view source) {
  data::v1::Catalogue catalogue;
  ParseInfoTree tree;
  if (absl::Status status = ParseTextProto(text, source, &catalogue, &tree); !status.ok()) {
    return status;
  }
  Validator validator(source, catalogue, tree);
  if (absl::Status status = validator.Run(); !status.ok()) return status;
  return catalogue;
}

absl::StatusOr<data::v1::Catalogue> LoadCatalogueFile(const std::string& path) {
  absl::StatusOr<std::string> text = ReadFileToString(path);
  if (!text.ok()) return text.status();
  return LoadCatalogue(*text, path);
}

}  // namespace probation::catalogue
