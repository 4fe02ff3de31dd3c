#include "tools/docs/brochure_html.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "google/protobuf/descriptor.h"

namespace probation::docs {
namespace {

using catalogue::v1::Criterion;
using catalogue::v1::Intervention;

constexpr absl::string_view kStyle =
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;"
    "line-height:1.45;color:#1b1b1b}h1{border-bottom:4px solid #1d70b8}"
    "section.kind{margin-top:2.5rem}article{border-left:4px solid #b1b4b6;padding:0 1rem;"
    "margin:1.5rem 0}dt{font-weight:600}dd{margin:0 0 .5rem 0}.status{color:#d4351c}"
    ".note{color:#505a5f;font-size:.95em}";

// "NEED_AREA_ATTITUDES_THINKING_BEHAVIOUR" with prefix "NEED_AREA_" reads "Attitudes
// thinking behaviour".
template <typename Enum>
std::string Label(Enum value, absl::string_view prefix) {
  const google::protobuf::EnumDescriptor* descriptor = google::protobuf::GetEnumDescriptor<Enum>();
  const google::protobuf::EnumValueDescriptor* entry = descriptor->FindValueByNumber(value);
  std::string text = entry == nullptr ? "unknown" : std::string(entry->name());
  text = absl::AsciiStrToLower(absl::StripPrefix(text, prefix));
  absl::StrReplaceAll({{"_", " "}}, &text);
  if (!text.empty()) text[0] = absl::ascii_toupper(text[0]);
  return text;
}

// "INTERVENTION_KIND_ACCREDITED_PROGRAMME" reads "accredited-programme": ids and file names.
std::string Slug(catalogue::v1::InterventionKind kind) {
  std::string text = absl::AsciiStrToLower(
      absl::StripPrefix(catalogue::v1::InterventionKind_Name(kind), "INTERVENTION_KIND_"));
  absl::StrReplaceAll({{"_", "-"}}, &text);
  return text;
}

std::string Page(absl::string_view title, absl::string_view body) {
  return absl::StrCat("<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n",
                      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
                      "<title>", EscapeHtml(title), "</title>\n<style>", kStyle,
                      "</style>\n</head>\n<body>\n", body, "</body>\n</html>\n");
}

void AppendCriteria(const google::protobuf::RepeatedPtrField<Criterion>& criteria,
                    std::string& html) {
  html += "<ul>\n";
  for (const Criterion& criterion : criteria) {
    absl::StrAppend(&html, "<li>", EscapeHtml(criterion.rule()));
    if (criterion.effect() == catalogue::v1::CRITERION_EFFECT_PRIORITY) {
      html += " <em>(priority)</em>";
    } else if (criterion.effect() == catalogue::v1::CRITERION_EFFECT_SUITABILITY) {
      html += " <em>(suitability)</em>";
    }
    if (criterion.exceptional()) html += " <em>(exceptional circumstances)</em>";
    if (!criterion.valid_from().empty()) {
      absl::StrAppend(&html, " <em>(from ", EscapeHtml(criterion.valid_from()), ")</em>");
    }
    if (!criterion.valid_until().empty()) {
      absl::StrAppend(&html, " <em>(until ", EscapeHtml(criterion.valid_until()), ")</em>");
    }
    if (!criterion.sources().empty()) {
      absl::StrAppend(&html, " <span class=\"note\">[",
                      EscapeHtml(absl::StrJoin(criterion.sources(), ", ")), "]</span>");
    }
    if (criterion.has_local_policy()) {
      absl::StrAppend(&html, " <span class=\"note\">Local policy, not the brochures: ",
                      EscapeHtml(criterion.local_policy().reason()), "</span>");
    }
    if (criterion.has_any_of()) AppendCriteria(criterion.any_of().criteria(), html);
    if (criterion.has_all_of()) AppendCriteria(criterion.all_of().criteria(), html);
    html += "</li>\n";
  }
  html += "</ul>\n";
}

void AppendAccess(const google::protobuf::RepeatedPtrField<catalogue::v1::AccessStep>& access,
                  std::string& html) {
  if (access.empty()) return;
  html += "<dt>How to reach it</dt><dd><ul>\n";
  for (const catalogue::v1::AccessStep& step : access) {
    absl::StrAppend(&html, "<li><strong>", EscapeHtml(step.title()), "</strong> (",
                    Label(step.type(), "TYPE_"), "): ", EscapeHtml(step.description()));
    if (!step.valid_from().empty()) {
      absl::StrAppend(&html, " <em>(from ", EscapeHtml(step.valid_from()), ")</em>");
    }
    absl::StrAppend(&html, " <span class=\"note\">[",
                    EscapeHtml(absl::StrJoin(step.sources(), ", ")), "]</span></li>\n");
  }
  html += "</ul></dd>\n";
}

void AppendTimeline(const google::protobuf::RepeatedPtrField<catalogue::v1::TimelineEvent>& events,
                    std::string& html) {
  if (events.empty()) return;
  html += "<dt>Dates</dt><dd><ul>\n";
  for (const catalogue::v1::TimelineEvent& event : events) {
    absl::StrAppend(&html, "<li>", EscapeHtml(event.date()), ": ", EscapeHtml(event.event()),
                    "</li>\n");
  }
  html += "</ul></dd>\n";
}

void AppendContacts(const google::protobuf::RepeatedPtrField<catalogue::v1::Contact>& contacts,
                    std::string& html) {
  for (const catalogue::v1::Contact& contact : contacts) {
    absl::StrAppend(&html, "<p class=\"note\">", EscapeHtml(contact.title()), ": ",
                    EscapeHtml(contact.purpose()));
    if (!contact.email().empty()) {
      absl::StrAppend(&html, " <a href=\"mailto:", EscapeHtml(contact.email()), "\">",
                      EscapeHtml(contact.email()), "</a>");
    }
    html += "</p>\n";
  }
}

std::string DeliverySummary(const catalogue::v1::Delivery& delivery) {
  std::vector<std::string> parts;
  std::vector<std::string> formats;
  for (int format : delivery.formats()) {
    formats.push_back(
        Label(static_cast<catalogue::v1::DeliveryFormat>(format), "DELIVERY_FORMAT_"));
  }
  if (!formats.empty()) parts.push_back(absl::StrJoin(formats, ", "));
  if (delivery.group_sessions() > 0) {
    parts.push_back(absl::StrCat(delivery.group_sessions(), " group sessions"));
  }
  if (delivery.individual_sessions() > 0) {
    parts.push_back(absl::StrCat(delivery.individual_sessions(), " one-to-one sessions"));
  }
  if (delivery.min_sessions() > 0) {
    parts.push_back(absl::StrCat("at least ", delivery.min_sessions(), " sessions"));
  }
  if (delivery.total_hours() > 0) parts.push_back(absl::StrCat(delivery.total_hours(), " hours"));
  if (delivery.max_days() > 0)
    parts.push_back(absl::StrCat("up to ", delivery.max_days(), " days"));
  if (!delivery.exceptional_formats().empty()) {
    std::vector<std::string> exceptional;
    for (int format : delivery.exceptional_formats()) {
      exceptional.push_back(
          Label(static_cast<catalogue::v1::DeliveryFormat>(format), "DELIVERY_FORMAT_"));
    }
    parts.push_back(
        absl::StrCat(absl::StrJoin(exceptional, ", "), " in exceptional circumstances"));
  }
  std::string summary = EscapeHtml(absl::StrJoin(parts, "; "));
  if (!delivery.notes().empty()) {
    absl::StrAppend(&summary, summary.empty() ? "" : ". ", EscapeHtml(delivery.notes()));
  }
  return summary;
}

void AppendIntervention(const Intervention& intervention, absl::string_view region,
                        std::string& html) {
  absl::StrAppend(&html, "<article id=\"", EscapeHtml(intervention.id()), "\">\n<h3>",
                  EscapeHtml(intervention.title()));
  if (!intervention.short_title().empty() && intervention.short_title() != intervention.title()) {
    absl::StrAppend(&html, " (", EscapeHtml(intervention.short_title()), ")");
  }
  html += "</h3>\n";
  if (intervention.status() != catalogue::v1::INTERVENTION_STATUS_CURRENT) {
    absl::StrAppend(&html, "<p class=\"status\">",
                    Label(intervention.status(), "INTERVENTION_STATUS_"), "</p>\n");
  }
  absl::StrAppend(&html, "<p>",
                  EscapeHtml(intervention.description().empty() ? intervention.summary()
                                                                : intervention.description()),
                  "</p>\n<dl>\n");
  std::vector<std::string> needs;
  for (int need : intervention.need_areas()) {
    needs.push_back(Label(static_cast<common::v1::NeedArea>(need), "NEED_AREA_"));
  }
  if (!needs.empty()) {
    absl::StrAppend(&html, "<dt>Need areas</dt><dd>", EscapeHtml(absl::StrJoin(needs, ", ")),
                    "</dd>\n");
  }
  const std::string delivery = DeliverySummary(intervention.delivery());
  if (!delivery.empty()) absl::StrAppend(&html, "<dt>Delivery</dt><dd>", delivery, "</dd>\n");
  if (!intervention.criteria().empty()) {
    html += "<dt>Who it is for</dt><dd>";
    AppendCriteria(intervention.criteria(), html);
    html += "</dd>\n";
  }
  if (!intervention.complexity_levels().empty()) {
    html += "<dt>Complexity levels</dt><dd><ul>\n";
    for (const auto& level : intervention.complexity_levels()) {
      absl::StrAppend(&html, "<li><strong>", Label(level.level(), "COMPLEXITY_LEVEL_"),
                      ":</strong> ", EscapeHtml(level.description()), "</li>\n");
    }
    html += "</ul></dd>\n";
  }
  if (!intervention.outcomes().empty()) {
    html += "<dt>Outcomes</dt><dd><ul>\n";
    for (const std::string& outcome : intervention.outcomes()) {
      absl::StrAppend(&html, "<li>", EscapeHtml(outcome), "</li>\n");
    }
    html += "</ul></dd>\n";
  }
  AppendAccess(intervention.access(), html);
  AppendTimeline(intervention.timeline(), html);
  for (const auto& availability : intervention.regions()) {
    if (availability.region() != region) continue;
    if (availability.status() == catalogue::v1::AVAILABILITY_STATUS_OFFERED_IN_PART) {
      absl::StrAppend(&html, "<dt>Where</dt><dd>Only in ",
                      EscapeHtml(absl::StrJoin(availability.pcc_areas(), ", ")), "</dd>\n");
    } else if (intervention.availability_scope() ==
               catalogue::v1::AVAILABILITY_SCOPE_REGIONAL_MINIMUM) {
      absl::StrAppend(&html, "<dt>Where</dt><dd>", EscapeHtml(availability.note()), "</dd>\n");
    }
  }
  if (!intervention.sources().empty()) {
    absl::StrAppend(&html, "<dt>Sources</dt><dd class=\"note\">",
                    EscapeHtml(absl::StrJoin(intervention.sources(), ", ")), "</dd>\n");
  }
  html += "</dl>\n";
  if (!intervention.availability_note().empty()) {
    absl::StrAppend(&html, "<p class=\"note\">", EscapeHtml(intervention.availability_note()),
                    "</p>\n");
  }
  html += "</article>\n";
}

}  // namespace

std::string EscapeHtml(absl::string_view text) {
  return absl::StrReplaceAll(
      text, {{"&", "&amp;"}, {"<", "&lt;"}, {">", "&gt;"}, {"\"", "&quot;"}, {"'", "&#39;"}});
}

std::string RegionalBrochureHtml(const catalogue::v1::RegionalOffer& offer) {
  const std::string title = absl::StrCat("Probation interventions in ", offer.region().title());
  std::string body = absl::StrCat("<p><a href=\"index.html\">All regions</a></p>\n<h1>",
                                  EscapeHtml(title), "</h1>\n<nav><ul>\n");
  for (const auto& group : offer.groups()) {
    absl::StrAppend(&body, "<li><a href=\"#", Slug(group.kind()), "\">", EscapeHtml(group.title()),
                    "</a> (", group.interventions_size(), ")</li>\n");
  }
  body += "</ul></nav>\n";
  const catalogue::v1::Region& region = offer.region();
  if (!region.notes().empty() || !region.access().empty() || !region.timeline().empty()) {
    body += "<section class=\"kind\">\n<h2>About this region</h2>\n<dl>\n";
    if (!region.notes().empty()) {
      body += "<dt>From the brochure</dt><dd><ul>\n";
      for (const catalogue::v1::RegionNote& note : region.notes()) {
        absl::StrAppend(&body, "<li>", EscapeHtml(note.text()), "</li>\n");
      }
      body += "</ul></dd>\n";
    }
    AppendAccess(region.access(), body);
    AppendTimeline(region.timeline(), body);
    body += "</dl>\n</section>\n";
  }
  for (const auto& group : offer.groups()) {
    absl::StrAppend(&body, "<section class=\"kind\" id=\"", Slug(group.kind()), "\">\n<h2>",
                    EscapeHtml(group.title()), "</h2>\n<p>", EscapeHtml(group.description()),
                    "</p>\n");
    for (const Intervention& intervention : group.interventions()) {
      AppendIntervention(intervention, offer.region().id(), body);
    }
    body += "</section>\n";
  }
  if (!offer.not_listed().empty()) {
    body += "<section class=\"kind\">\n<h2>Not listed for this region</h2>\n<ul>\n";
    for (const std::string& gap : offer.not_listed()) {
      absl::StrAppend(&body, "<li>", EscapeHtml(gap), "</li>\n");
    }
    body += "</ul>\n</section>\n";
  }
  AppendContacts(offer.contacts(), body);
  return Page(title, body);
}

std::string BrochureIndexHtml(const catalogue::v1::ListRegionsResponse& regions) {
  std::string body =
      "<h1>Probation interventions in England and Wales</h1>\n"
      "<p>What each region delivers, rendered from the catalogue service's data.</p>\n<ul>\n";
  for (const auto& region : regions.regions()) {
    absl::StrAppend(&body, "<li><a href=\"", EscapeHtml(region.id()), ".html\">",
                    EscapeHtml(region.title()), "</a></li>\n");
  }
  body +=
      "</ul>\n<h2>Referral state machines</h2>\n<ul>\n"
      "<li><a href=\"../state-machines/accredited-programme.svg\">Accredited programmes</a></li>\n"
      "<li><a href=\"../state-machines/structured-intervention.svg\">Structured "
      "interventions</a></li>\n"
      "<li><a href=\"../state-machines/commissioned-rehabilitative-service.svg\">Commissioned "
      "Rehabilitative Services</a></li>\n</ul>\n";
  return Page("Probation interventions", body);
}

}  // namespace probation::docs
