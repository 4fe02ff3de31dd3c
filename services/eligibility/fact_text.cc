#include "services/eligibility/fact_text.h"

namespace probation::eligibility {

using catalogue::v1::InterventionKind;
using catalogue::v1::ProfileFlag;
using catalogue::v1::RiskMeasure;
using common::v1::NeedArea;
using common::v1::OffenceCategory;

absl::string_view SexText(common::v1::Sex sex) {
  switch (sex) {
    case common::v1::SEX_MALE:
      return "male";
    case common::v1::SEX_FEMALE:
      return "female";
    default:
      return "not recorded";
  }
}

absl::string_view OffenceText(OffenceCategory offence) {
  switch (offence) {
    case common::v1::OFFENCE_CATEGORY_INTIMATE_PARTNER_VIOLENCE:
      return "intimate partner violence";
    case common::v1::OFFENCE_CATEGORY_SEXUAL:
      return "sexual";
    case common::v1::OFFENCE_CATEGORY_VIOLENCE:
      return "violence";
    case common::v1::OFFENCE_CATEGORY_ALCOHOL_RELATED:
      return "alcohol related";
    case common::v1::OFFENCE_CATEGORY_ACQUISITIVE:
      return "acquisitive";
    case common::v1::OFFENCE_CATEGORY_DRINK_DRIVING:
      return "drink driving";
    case common::v1::OFFENCE_CATEGORY_DANGEROUS_DRIVING:
      return "dangerous driving";
    case common::v1::OFFENCE_CATEGORY_TERRORISM:
      return "terrorism";
    case common::v1::OFFENCE_CATEGORY_OTHER:
      return "other";
    case common::v1::OFFENCE_CATEGORY_SEXUALLY_MOTIVATED:
      return "sexually motivated";
    case common::v1::OFFENCE_CATEGORY_EXTREMISM:
      return "extremism";
    case common::v1::OFFENCE_CATEGORY_FRAUD_DECEPTION:
      return "fraud or deception";
    default:
      return "unspecified";
  }
}

absl::string_view RiskLevelText(common::v1::RiskLevel level) {
  switch (level) {
    case common::v1::RISK_LEVEL_LOW:
      return "low";
    case common::v1::RISK_LEVEL_MEDIUM:
      return "medium";
    case common::v1::RISK_LEVEL_HIGH:
      return "high";
    case common::v1::RISK_LEVEL_VERY_HIGH:
      return "very high";
    default:
      return "not assessed";
  }
}

absl::string_view RiskMeasureText(RiskMeasure measure) {
  switch (measure) {
    case catalogue::v1::RISK_MEASURE_REOFFENDING:
      return "risk of reoffending";
    case catalogue::v1::RISK_MEASURE_SERIOUS_HARM:
      return "risk of serious harm";
    case catalogue::v1::RISK_MEASURE_SARA:
      return "SARA risk";
    default:
      return "risk";
  }
}

absl::string_view NeedAreaText(NeedArea area) {
  switch (area) {
    case common::v1::NEED_AREA_ACCOMMODATION:
      return "accommodation";
    case common::v1::NEED_AREA_EDUCATION_TRAINING_EMPLOYMENT:
      return "education, training and employment";
    case common::v1::NEED_AREA_FINANCE_BENEFIT_DEBT:
      return "finance, benefit and debt";
    case common::v1::NEED_AREA_DEPENDENCY_RECOVERY:
      return "dependency and recovery";
    case common::v1::NEED_AREA_EMOTIONAL_WELLBEING:
      return "emotional wellbeing";
    case common::v1::NEED_AREA_LIFESTYLE_ASSOCIATES:
      return "lifestyle and associates";
    case common::v1::NEED_AREA_FAMILY_SIGNIFICANT_OTHERS:
      return "family and significant others";
    case common::v1::NEED_AREA_ATTITUDES_THINKING_BEHAVIOUR:
      return "attitudes, thinking and behaviour";
    case common::v1::NEED_AREA_RELATIONSHIPS:
      return "relationships";
    case common::v1::NEED_AREA_EMOTIONAL_MANAGEMENT:
      return "emotional management";
    case common::v1::NEED_AREA_MATURITY:
      return "maturity";
    case common::v1::NEED_AREA_SUBSTANCE_MISUSE:
      return "substance misuse";
    case common::v1::NEED_AREA_MENTAL_HEALTH:
      return "mental health";
    case common::v1::NEED_AREA_DRUG_MISUSE:
      return "drug misuse";
    case common::v1::NEED_AREA_ALCOHOL_MISUSE:
      return "alcohol misuse";
    default:
      return "unspecified";
  }
}

absl::string_view SentenceText(common::v1::SentenceType sentence) {
  switch (sentence) {
    case common::v1::SENTENCE_TYPE_COMMUNITY_ORDER:
      return "a community order";
    case common::v1::SENTENCE_TYPE_SUSPENDED_SENTENCE_ORDER:
      return "a suspended sentence order";
    case common::v1::SENTENCE_TYPE_LICENCE:
      return "licence";
    case common::v1::SENTENCE_TYPE_POST_SENTENCE_SUPERVISION:
      return "post-sentence supervision";
    case common::v1::SENTENCE_TYPE_PRE_SENTENCE:
      return "a pre-sentence report proposal";
    case common::v1::SENTENCE_TYPE_COURT_BAIL:
      return "court bail";
    default:
      return "an unrecorded sentence";
  }
}

absl::string_view CustodialSentenceText(common::v1::CustodialSentenceType type) {
  switch (type) {
    case common::v1::CUSTODIAL_SENTENCE_TYPE_STANDARD_DETERMINATE:
      return "a standard determinate sentence";
    case common::v1::CUSTODIAL_SENTENCE_TYPE_EXTENDED_DETERMINATE:
      return "an extended determinate sentence";
    case common::v1::CUSTODIAL_SENTENCE_TYPE_INDETERMINATE:
      return "an indeterminate sentence";
    default:
      return "an unrecorded custodial sentence";
  }
}

absl::string_view ReleaseText(common::v1::ReleaseType release) {
  switch (release) {
    case common::v1::RELEASE_TYPE_STANDARD:
      return "standard release";
    case common::v1::RELEASE_TYPE_HOME_DETENTION_CURFEW:
      return "Home Detention Curfew";
    case common::v1::RELEASE_TYPE_RE_RELEASE:
      return "re-release after recall";
    case common::v1::RELEASE_TYPE_PAROLE:
      return "release by the Parole Board";
    default:
      return "an unrecorded release";
  }
}

absl::string_view KindText(InterventionKind kind) {
  switch (kind) {
    case catalogue::v1::INTERVENTION_KIND_ACCREDITED_PROGRAMME:
      return "an accredited programme";
    case catalogue::v1::INTERVENTION_KIND_STRUCTURED_INTERVENTION:
      return "a structured intervention";
    case catalogue::v1::INTERVENTION_KIND_PRACTITIONER_TOOLKIT:
      return "a probation practitioner toolkit";
    case catalogue::v1::INTERVENTION_KIND_COMMISSIONED_REHABILITATIVE_SERVICE:
      return "a commissioned rehabilitative service";
    case catalogue::v1::INTERVENTION_KIND_TREATMENT_REQUIREMENT:
      return "a treatment requirement";
    case catalogue::v1::INTERVENTION_KIND_ELECTRONIC_MONITORING:
      return "electronic monitoring";
    case catalogue::v1::INTERVENTION_KIND_UNPAID_WORK:
      return "unpaid work";
    case catalogue::v1::INTERVENTION_KIND_REHABILITATION_ACTIVITY_REQUIREMENT:
      return "a Rehabilitation Activity Requirement";
    case catalogue::v1::INTERVENTION_KIND_SENTENCE_MANAGEMENT:
      return "sentence management";
    default:
      return "an intervention";
  }
}

absl::string_view KindPluralText(InterventionKind kind) {
  switch (kind) {
    case catalogue::v1::INTERVENTION_KIND_ACCREDITED_PROGRAMME:
      return "accredited programmes";
    case catalogue::v1::INTERVENTION_KIND_STRUCTURED_INTERVENTION:
      return "structured interventions";
    case catalogue::v1::INTERVENTION_KIND_PRACTITIONER_TOOLKIT:
      return "probation practitioner toolkits";
    case catalogue::v1::INTERVENTION_KIND_COMMISSIONED_REHABILITATIVE_SERVICE:
      return "commissioned rehabilitative services";
    case catalogue::v1::INTERVENTION_KIND_TREATMENT_REQUIREMENT:
      return "treatment requirements";
    case catalogue::v1::INTERVENTION_KIND_ELECTRONIC_MONITORING:
      return "electronic monitoring requirements";
    case catalogue::v1::INTERVENTION_KIND_UNPAID_WORK:
      return "unpaid work requirements";
    case catalogue::v1::INTERVENTION_KIND_REHABILITATION_ACTIVITY_REQUIREMENT:
      return "Rehabilitation Activity Requirements";
    case catalogue::v1::INTERVENTION_KIND_SENTENCE_MANAGEMENT:
      return "sentence management appointments";
    default:
      return "interventions";
  }
}

const FlagText& FlagTextFor(ProfileFlag flag) {
  static const FlagText kHasRar{"the order has a Rehabilitation Activity Requirement",
                                "the order has no Rehabilitation Activity Requirement",
                                "whether the order has a Rehabilitation Activity Requirement"};
  static const FlagText kExtremism{"there is a recorded extremism concern",
                                   "there is no recorded extremism concern",
                                   "whether there is an extremism concern"};
  static const FlagText kAlcoholDependent{"this person is recorded as alcohol dependent",
                                          "this person is recorded as not alcohol dependent",
                                          "whether the person is alcohol dependent"};
  static const FlagText kAtr{"an Alcohol Treatment Requirement is recommended or in place",
                             "no Alcohol Treatment Requirement is recommended or in place",
                             "whether an Alcohol Treatment Requirement is recommended or in place"};
  static const FlagText kConsent{"this person consents to treatment",
                                 "this person does not consent to treatment",
                                 "whether the person consents to treatment"};
  static const FlagText kNoFixedAbode{"this person is of no fixed abode",
                                      "this person has a fixed address",
                                      "whether the person has a fixed address"};
  static const FlagText kDrugDependent{"this person is recorded as drug dependent",
                                       "this person is recorded as not drug dependent",
                                       "whether the person is drug dependent"};
  static const FlagText kEngage{"this person consents and is willing and committed to engage",
                                "this person does not consent or is not committed to engage",
                                "whether the person consents and is committed to engage"};
  static const FlagText kReady{"this person is ready to engage",
                               "this person is not yet ready to engage",
                               "whether the person is ready to engage"};
  static const FlagText kBarriers{"there are barriers to this person attending",
                                  "there are no barriers to this person attending",
                                  "whether there are barriers to the person attending"};
  static const FlagText kUnknown{"the fact is true", "the fact is false", "an unknown fact"};
  switch (flag) {
    case catalogue::v1::PROFILE_FLAG_HAS_RAR:
      return kHasRar;
    case catalogue::v1::PROFILE_FLAG_EXTREMISM_CONCERN:
      return kExtremism;
    case catalogue::v1::PROFILE_FLAG_ALCOHOL_DEPENDENT:
      return kAlcoholDependent;
    case catalogue::v1::PROFILE_FLAG_HAS_ALCOHOL_TREATMENT_REQUIREMENT:
      return kAtr;
    case catalogue::v1::PROFILE_FLAG_CONSENTS_TO_TREATMENT:
      return kConsent;
    case catalogue::v1::PROFILE_FLAG_NO_FIXED_ABODE:
      return kNoFixedAbode;
    case catalogue::v1::PROFILE_FLAG_DRUG_DEPENDENT:
      return kDrugDependent;
    case catalogue::v1::PROFILE_FLAG_CONSENTS_TO_ENGAGE:
      return kEngage;
    case catalogue::v1::PROFILE_FLAG_READY_TO_ENGAGE:
      return kReady;
    case catalogue::v1::PROFILE_FLAG_BARRIERS_TO_ATTENDANCE:
      return kBarriers;
    default:
      return kUnknown;
  }
}

}  // namespace probation::eligibility
