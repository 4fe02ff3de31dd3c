// The brochures' rules, case by case: each row is a person, an intervention, and the outcome
// and reason the brochures lead to. Rules come in pairs or more whose one changed fact flips
// the outcome, so a rule that stops being honoured fails here.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "google/protobuf/text_format.h"
#include "gtest/gtest.h"
#include "tests/support/eligibility_fixture.h"

namespace probation::eligibility {
namespace {

using ::testing::HasSubstr;

// An adult man on a community order with a RAR in London: medium risk of reoffending, low
// risk of serious harm, a fixed address, an attitudes-thinking-behaviour need.
constexpr char kBase[] = R"data(
crn: "X123456" date_of_birth: "1990-05-01" sex: SEX_MALE region: "london"
sentence: SENTENCE_TYPE_COMMUNITY_ORDER has_rar: true no_fixed_abode: false
risk_of_reoffending: RISK_LEVEL_MEDIUM rosh: RISK_LEVEL_LOW offences: OFFENCE_CATEGORY_OTHER
needs { area: NEED_AREA_ATTITUDES_THINKING_BEHAVIOUR complexity: COMPLEXITY_LEVEL_MEDIUM }
)data";

enum Priority { kUnchecked, kNotPrioritised, kPrioritised };

struct RuleCase {
  const char* rule;          // what the brochure says, and the fact that is varied
  const char* intervention;  // id
  const char* clear;         // base fields to clear first, comma-separated
  const char* profile;       // text-format fields merged over the base
  v1::Outcome outcome;
  const char* criterion;
  v1::Result result;
  const char* explanation;  // a part of the criterion's explanation
  int requirement_days = 0;
  Priority prioritised = kUnchecked;
};

constexpr v1::Outcome kEligible = v1::OUTCOME_ELIGIBLE;
constexpr v1::Outcome kNotEligible = v1::OUTCOME_NOT_ELIGIBLE;
constexpr v1::Outcome kMoreInfo = v1::OUTCOME_NEEDS_MORE_INFORMATION;
constexpr v1::Result kMet = v1::RESULT_MET;
constexpr v1::Result kNotMet = v1::RESULT_NOT_MET;
constexpr v1::Result kUnknown = v1::RESULT_UNKNOWN;

constexpr char kIpvMediumSara[] =
    "offences: OFFENCE_CATEGORY_INTIMATE_PARTNER_VIOLENCE sara: RISK_LEVEL_MEDIUM "
    "ipv_victim_sexes: SEX_FEMALE";
constexpr char kAamrCase[] =
    "offences: OFFENCE_CATEGORY_ALCOHOL_RELATED alcohol_dependent: false "
    "has_alcohol_treatment_requirement: false";

const RuleCase kCases[] = {
    // Building Better Relationships: adult men, an IPV offence, SARA medium or high.
    {"BBR: a man with an IPV offence at medium SARA", "building-better-relationships", "",
     kIpvMediumSara, kEligible, "ipv-risk", kMet, "SARA risk is recorded as medium"},
    {"BBR is for men: a woman", "building-better-relationships", "",
     "offences: OFFENCE_CATEGORY_INTIMATE_PARTNER_VIOLENCE sara: RISK_LEVEL_MEDIUM sex: SEX_FEMALE",
     kNotEligible, "sex", kNotMet, "BBR is for men; this person is recorded as female"},
    {"BBR needs the person's sex recorded", "building-better-relationships", "sex", kIpvMediumSara,
     kMoreInfo, "sex", kUnknown, "the profile does not record the person's sex"},
    {"BBR is for adults: 17", "building-better-relationships", "",
     "offences: OFFENCE_CATEGORY_INTIMATE_PARTNER_VIOLENCE sara: RISK_LEVEL_MEDIUM "
     "ipv_victim_sexes: SEX_FEMALE date_of_birth: '2009-06-01'",
     kNotEligible, "age", kNotMet, "this person is 17 on 2026-11-25"},
    {"BBR: 18 today", "building-better-relationships", "",
     "offences: OFFENCE_CATEGORY_INTIMATE_PARTNER_VIOLENCE sara: RISK_LEVEL_MEDIUM "
     "ipv_victim_sexes: SEX_FEMALE date_of_birth: '2008-11-25'",
     kEligible, "age", kMet, "this person is 18 on 2026-11-25"},
    {"BBR: 18 tomorrow", "building-better-relationships", "",
     "offences: OFFENCE_CATEGORY_INTIMATE_PARTNER_VIOLENCE sara: RISK_LEVEL_MEDIUM "
     "ipv_victim_sexes: SEX_FEMALE date_of_birth: '2008-11-26'",
     kNotEligible, "age", kNotMet, "this person is 17 on 2026-11-25"},
    {"BBR: age is judged at as_of_date", "building-better-relationships", "",
     "offences: OFFENCE_CATEGORY_INTIMATE_PARTNER_VIOLENCE sara: RISK_LEVEL_MEDIUM "
     "ipv_victim_sexes: SEX_FEMALE date_of_birth: '2008-11-26' as_of_date: '2026-11-26'",
     kEligible, "age", kMet, "this person is 18 on 2026-11-26"},
    {"BBR needs an IPV offence", "building-better-relationships", "", "sara: RISK_LEVEL_HIGH",
     kNotEligible, "ipv-offence", kNotMet, "no recorded offence is intimate partner violence"},
    {"BBR needs SARA medium or high: low", "building-better-relationships", "",
     "offences: OFFENCE_CATEGORY_INTIMATE_PARTNER_VIOLENCE sara: RISK_LEVEL_LOW", kNotEligible,
     "ipv-risk", kNotMet, "SARA risk is recorded as low"},
    {"BBR needs a SARA assessment", "building-better-relationships", "",
     "offences: OFFENCE_CATEGORY_INTIMATE_PARTNER_VIOLENCE", kMoreInfo, "ipv-risk", kUnknown,
     "the profile does not record the SARA risk"},
    {"BBR can be a licence condition", "building-better-relationships", "",
     "offences: OFFENCE_CATEGORY_INTIMATE_PARTNER_VIOLENCE sara: RISK_LEVEL_HIGH "
     "ipv_victim_sexes: SEX_FEMALE sentence: SENTENCE_TYPE_LICENCE",
     kEligible, "sentence", kMet, "this person is on licence"},

    {"BBR is for an offence against a female partner: a male victim",
     "building-better-relationships", "",
     "offences: OFFENCE_CATEGORY_INTIMATE_PARTNER_VIOLENCE sara: RISK_LEVEL_MEDIUM "
     "ipv_victim_sexes: SEX_MALE",
     kNotEligible, "female-victim", kNotMet, "every recorded victim is male"},
    {"BBR: one of two victims was a female partner", "building-better-relationships", "",
     "offences: OFFENCE_CATEGORY_INTIMATE_PARTNER_VIOLENCE sara: RISK_LEVEL_MEDIUM "
     "ipv_victim_sexes: [SEX_MALE, SEX_FEMALE]",
     kEligible, "female-victim", kMet, "a recorded victim is female"},
    {"BBR needs the victim's sex recorded", "building-better-relationships", "",
     "offences: OFFENCE_CATEGORY_INTIMATE_PARTNER_VIOLENCE sara: RISK_LEVEL_MEDIUM", kMoreInfo,
     "female-victim", kUnknown, "does not record the sex of the partner the offence harmed"},
    {"BBR: the victim's sex does not decide the IPV risk rule", "building-better-relationships", "",
     "offences: OFFENCE_CATEGORY_INTIMATE_PARTNER_VIOLENCE sara: RISK_LEVEL_LOW "
     "ipv_victim_sexes: SEX_FEMALE",
     kNotEligible, "ipv-risk", kNotMet, "SARA risk is recorded as low"},
    {"BBR is not a court bail condition", "building-better-relationships", "",
     "offences: OFFENCE_CATEGORY_INTIMATE_PARTNER_VIOLENCE sara: RISK_LEVEL_MEDIUM "
     "ipv_victim_sexes: SEX_FEMALE sentence: SENTENCE_TYPE_COURT_BAIL",
     kNotEligible, "sentence", kNotMet, "this person is on court bail"},

    // Thinking Skills Programme and sexual offending programmes.
    {"TSP: medium risk of reconviction with a thinking need", "thinking-skills-programme", "", "",
     kEligible, "risk-of-reconviction", kMet, "risk of reoffending is recorded as medium"},
    {"TSP: low risk goes to a structured intervention instead", "thinking-skills-programme", "",
     "risk_of_reoffending: RISK_LEVEL_LOW", kNotEligible, "risk-of-reconviction", kNotMet,
     "risk of reoffending is recorded as low"},
    {"TSP needs an attitudes, thinking and behaviour need", "thinking-skills-programme", "needs",
     "needs { area: NEED_AREA_ACCOMMODATION }", kNotEligible, "thinking-need", kNotMet,
     "no assessed need is attitudes, thinking and behaviour"},
    {"Sexual offending programmes: a sexual offence", "sexual-offending-programmes", "",
     "offences: OFFENCE_CATEGORY_SEXUAL", kEligible, "sexual-offence", kMet,
     "a recorded offence is sexual"},
    {"Sexual offending programmes: no sexual offence", "sexual-offending-programmes", "", "",
     kNotEligible, "sexual-offence", kNotMet, "no recorded offence is sexual"},
    {"Kaizen is delivered in prisons only", "kaizen", "", "offences: OFFENCE_CATEGORY_SEXUAL",
     kNotEligible, "availability", kNotMet, "Currently available in prisons only"},
    {"Self-Change Programme is no longer accredited", "self-change-programme", "", "", kNotEligible,
     "availability", kNotMet, "no longer offered"},
    {"Horizon: the brochures do not say where it runs", "horizon", "", "", kMoreInfo,
     "availability", kUnknown, "the brochures do not say whether London offers it"},

    // Choices and Changes: men 18 to 25 with a maturity need.
    {"Choices and Changes: a man of 22 with a maturity need", "choices-and-changes", "",
     "date_of_birth: '2004-01-01' needs { area: NEED_AREA_MATURITY } ready_to_engage: false",
     kEligible, "age", kMet, "this person is 22"},
    {"Choices and Changes: 25 is the upper limit", "choices-and-changes", "",
     "date_of_birth: '2001-11-25' needs { area: NEED_AREA_MATURITY } ready_to_engage: false",
     kEligible, "age", kMet, "this person is 25"},
    {"Choices and Changes: suitable for a programme but not yet ready", "choices-and-changes", "",
     "date_of_birth: '2004-01-01' needs { area: NEED_AREA_MATURITY } ready_to_engage: false",
     kEligible, "route", kMet, "not yet ready to engage due to low maturity"},
    {"Choices and Changes: ready for the programme open to him", "choices-and-changes", "",
     "date_of_birth: '2004-01-01' needs { area: NEED_AREA_MATURITY } ready_to_engage: true",
     kNotEligible, "route", kNotMet, "this person is eligible for Thinking Skills Programme"},
    {"Choices and Changes: unable to access accredited programmes", "choices-and-changes", "",
     "date_of_birth: '2004-01-01' needs { area: NEED_AREA_MATURITY } ready_to_engage: true "
     "risk_of_reoffending: RISK_LEVEL_LOW",
     kEligible, "route", kMet, "Unable to access Accredited Programmes"},
    {"Choices and Changes: completed a programme, still maturing", "choices-and-changes", "",
     "date_of_birth: '2004-01-01' needs { area: NEED_AREA_MATURITY } ready_to_engage: true "
     "completed_programmes: 'thinking-skills-programme'",
     kEligible, "route", kMet, "this person has completed Thinking Skills Programme"},
    {"Choices and Changes: 26 is too old", "choices-and-changes", "",
     "date_of_birth: '2000-01-01' needs { area: NEED_AREA_MATURITY }", kNotEligible, "age", kNotMet,
     "this person is 26"},
    {"Choices and Changes is for men", "choices-and-changes", "",
     "date_of_birth: '2004-01-01' needs { area: NEED_AREA_MATURITY } sex: SEX_FEMALE", kNotEligible,
     "sex", kNotMet, "Choices and Changes is for men"},
    {"Choices and Changes needs a maturity need", "choices-and-changes", "",
     "date_of_birth: '2004-01-01'", kNotEligible, "maturity-need", kNotMet,
     "no assessed need is maturity"},

    // Maps for Change (men, sexual offences) and Pathways to Change (women, sexual offences).
    {"Maps for Change: a man with a sexual offence", "maps-for-change", "",
     "offences: OFFENCE_CATEGORY_SEXUAL", kEligible, "sexual-offence", kMet,
     "a recorded offence is sexual"},
    {"Maps for Change: a sexually motivated offence", "maps-for-change", "",
     "offences: OFFENCE_CATEGORY_SEXUALLY_MOTIVATED", kEligible, "sexual-offence", kMet,
     "a recorded offence is sexually motivated"},
    {"Maps for Change needs a sexual offence", "maps-for-change", "", "", kNotEligible,
     "sexual-offence", kNotMet, "no recorded offence is sexual"},
    {"Maps for Change is for men", "maps-for-change", "",
     "offences: OFFENCE_CATEGORY_SEXUAL sex: SEX_FEMALE", kNotEligible, "sex", kNotMet,
     "recorded as female"},
    {"Pathways to Change: a woman with a sexual offence", "pathways-to-change", "",
     "offences: OFFENCE_CATEGORY_SEXUAL sex: SEX_FEMALE", kEligible, "sex", kMet,
     "recorded as female"},
    {"Pathways to Change is for women", "pathways-to-change", "",
     "offences: OFFENCE_CATEGORY_SEXUAL", kNotEligible, "sex", kNotMet,
     "Pathways to Change is for women; this person is recorded as male"},
    {"Pathways to Change needs a sexual offence", "pathways-to-change", "", "sex: SEX_FEMALE",
     kNotEligible, "sexual-offence", kNotMet, "no recorded offence is sexual"},

    // Toolkits for women and for men.
    {"First Steps to Change: a woman", "first-steps-to-change", "", "sex: SEX_FEMALE", kEligible,
     "sex", kMet, "recorded as female"},
    {"First Steps to Change is for women", "first-steps-to-change", "", "", kNotEligible, "sex",
     kNotMet, "recorded as male"},
    {"Creating Positive Connections: a man of 36", "creating-positive-connections", "", "",
     kEligible, "age", kMet, "this person is 36"},
    {"Creating Positive Connections is for men 18+", "creating-positive-connections", "",
     "date_of_birth: '2009-06-01'", kNotEligible, "age", kNotMet, "this person is 17"},
    {"Moving On: a man", "moving-on", "", "", kEligible, "sex", kMet, "recorded as male"},
    {"Moving On is for men", "moving-on", "", "sex: SEX_FEMALE", kNotEligible, "sex", kNotMet,
     "Moving On is for men"},
    {"Responsibly Aware: substance misuse, not dependent", "responsibly-aware", "",
     "needs { area: NEED_AREA_SUBSTANCE_MISUSE } alcohol_dependent: false drug_dependent: false",
     kEligible, "not-dependent", kMet, "recorded as not drug dependent"},
    {"Responsibly Aware is not for drug addiction either", "responsibly-aware", "",
     "needs { area: NEED_AREA_DRUG_MISUSE } alcohol_dependent: false drug_dependent: true",
     kNotEligible, "not-dependent", kNotMet, "recorded as drug dependent"},
    {"Responsibly Aware: an alcohol misuse need is substance misuse", "responsibly-aware", "",
     "needs { area: NEED_AREA_ALCOHOL_MISUSE } alcohol_dependent: false drug_dependent: false",
     kEligible, "substance-misuse-need", kMet, "an assessed need is alcohol misuse"},
    {"Responsibly Aware is not for addiction", "responsibly-aware", "",
     "needs { area: NEED_AREA_SUBSTANCE_MISUSE } alcohol_dependent: true drug_dependent: false",
     kNotEligible, "not-dependent", kNotMet, "recorded as alcohol dependent"},
    {"Responsibly Aware needs dependency assessed", "responsibly-aware", "",
     "needs { area: NEED_AREA_SUBSTANCE_MISUSE } drug_dependent: false", kMoreInfo, "not-dependent",
     kUnknown, "does not say whether the person is alcohol dependent"},

    // Toolkits are delivered under a RAR, on licence / PSS, or outside a RAR only within
    // sentence management appointments.
    {"Toolkits under a RAR on a community order", "moving-on", "", "", kEligible, "sentence", kMet,
     "under the Rehabilitation Activity Requirement"},
    {"Toolkits without a RAR: only within sentence management appointments", "moving-on", "",
     "has_rar: false", kEligible, "sentence", kMet,
     "only within scheduled sentence management appointments"},
    {"Toolkits are not for court bail", "moving-on", "", "sentence: SENTENCE_TYPE_COURT_BAIL",
     kNotEligible, "sentence", kNotMet, "this person is on court bail"},
    {"Toolkits: whether the order has a RAR must be recorded", "moving-on", "has_rar", "",
     kMoreInfo, "sentence", kUnknown,
     "does not say whether the order has a Rehabilitation Activity Requirement"},
    {"Toolkits on licence need no RAR", "moving-on", "",
     "sentence: SENTENCE_TYPE_LICENCE has_rar: false", kEligible, "sentence", kMet,
     "this person is on licence"},

    // Skills for Relationships and Stepping Stones.
    {"SRT is not prioritised when BBR is open to the person", "skills-for-relationships", "",
     kIpvMediumSara, kEligible, "sara-priority", kNotMet,
     "this person is eligible for Building Better Relationships", 0, kNotPrioritised},
    {"SRT is prioritised at high SARA when BBR is out of reach", "skills-for-relationships", "",
     "offences: OFFENCE_CATEGORY_INTIMATE_PARTNER_VIOLENCE sara: RISK_LEVEL_HIGH "
     "date_of_birth: '2009-06-01'",
     kEligible, "sara-priority", kMet, "not eligible for them", 0, kPrioritised},
    {"SRT needs an IPV offence", "skills-for-relationships", "", "", kNotEligible, "ipv-offence",
     kNotMet, "no recorded offence is intimate partner violence"},
    {"Stepping Stones: low risk of serious harm", "stepping-stones", "", "", kEligible,
     "risk-of-serious-harm", kMet, "risk of serious harm is recorded as low"},
    {"Stepping Stones: high RoSH only in exceptional circumstances", "stepping-stones", "",
     "rosh: RISK_LEVEL_HIGH", kEligible, "risk-of-serious-harm", kMet,
     "(only in exceptional circumstances)"},
    {"Stepping Stones: medium RoSH is not exceptional", "stepping-stones", "",
     "rosh: RISK_LEVEL_MEDIUM", kEligible, "risk-of-serious-harm", kMet,
     "Low or medium risk of serious harm: risk of serious harm is recorded as medium"},
    {"Stepping Stones: very high RoSH", "stepping-stones", "", "rosh: RISK_LEVEL_VERY_HIGH",
     kNotEligible, "risk-of-serious-harm", kNotMet,
     "risk of serious harm is recorded as very high"},

    // New Me MOT and Constructive Conversations.
    {"New Me MOT: a Horizon graduate", "new-me-mot", "", "completed_programmes: 'horizon'",
     kEligible, "programme-graduate", kMet, "this person has completed Horizon"},
    {"New Me MOT: TSP is not one of the listed programmes", "new-me-mot", "",
     "completed_programmes: 'thinking-skills-programme'", kNotEligible, "programme-graduate",
     kNotMet, "none of these programmes"},
    {"Constructive Conversations needs CT-ARC approval", "constructive-conversations", "",
     "extremism_concern: true", kMoreInfo, "ct-arc-approval", kUnknown,
     "approval by Counter Terrorism-Assessment and Rehabilitation Centre (CT-ARC)"},
    {"Constructive Conversations is not for terrorism convictions", "constructive-conversations",
     "", "extremism_concern: true offences: OFFENCE_CATEGORY_TERRORISM", kNotEligible,
     "no-terrorism-conviction", kNotMet, "a recorded offence is terrorism"},
    {"Constructive Conversations is not for extremism convictions", "constructive-conversations",
     "", "extremism_concern: true offences: OFFENCE_CATEGORY_EXTREMISM", kNotEligible,
     "no-terrorism-conviction", kNotMet, "a recorded offence is extremism"},
    {"Developing Dialogues is replaced by Constructive Conversations", "developing-dialogues", "",
     "extremism_concern: true", kNotEligible, "availability", kNotMet,
     "Replaced by Constructive Conversations"},
    {"Constructive Conversations needs an extremism concern", "constructive-conversations", "",
     "extremism_concern: false", kNotEligible, "extremism-concern", kNotMet,
     "there is no recorded extremism concern"},

    // Structured interventions: low risk or unsuitable for an AP, where the region runs them.
    {"SI: low risk of recidivism", "positive-pathways", "", "risk_of_reoffending: RISK_LEVEL_LOW",
     kEligible, "low-risk-or-unsuitable-for-programme", kMet,
     "risk of reoffending is recorded as low"},
    {"SI: medium risk and TSP is open", "positive-pathways", "", "", kNotEligible,
     "low-risk-or-unsuitable-for-programme", kNotMet,
     "this person is eligible for Thinking Skills Programme"},
    {"SI: medium risk but unsuitable for every AP", "positive-pathways", "needs",
     "needs { area: NEED_AREA_RELATIONSHIPS }", kEligible, "low-risk-or-unsuitable-for-programme",
     kMet, "not eligible for any of the accredited programmes"},
    {"SI: risk of reoffending not assessed", "positive-pathways", "risk_of_reoffending", "",
     kMoreInfo, "low-risk-or-unsuitable-for-programme", kUnknown,
     "the profile does not record the risk of reoffending"},
    {"SI: Positive Pathways is London's, not the North East's", "positive-pathways", "",
     "risk_of_reoffending: RISK_LEVEL_LOW region: 'north-east'", kMoreInfo, "availability",
     kUnknown, "the brochures do not say whether North East offers it"},
    {"SI: Stepwise Problem Solving runs in the North East", "stepwise-problem-solving", "",
     "risk_of_reoffending: RISK_LEVEL_LOW region: 'north-east'", kEligible, "availability", kMet,
     "it is offered in North East"},
    {"SI: the brochures do not say whether SIs run on licence", "positive-pathways", "",
     "risk_of_reoffending: RISK_LEVEL_LOW sentence: SENTENCE_TYPE_LICENCE", kMoreInfo, "sentence",
     kUnknown, "do not say whether they are delivered on licence or post-sentence supervision"},
    {"SI: delivered under a RAR of a community order", "positive-pathways", "",
     "risk_of_reoffending: RISK_LEVEL_LOW", kEligible, "sentence", kMet,
     "the order has a Rehabilitation Activity Requirement"},
    {"SI: every region delivers one per need area: the North West's ATB SI",
     "regional-attitudes-thinking-behaviour-structured-intervention", "",
     "risk_of_reoffending: RISK_LEVEL_LOW region: 'north-west'", kEligible, "availability", kMet,
     "it is offered in North West"},
    {"SI: London names its own ATB SI",
     "regional-attitudes-thinking-behaviour-structured-intervention", "",
     "risk_of_reoffending: RISK_LEVEL_LOW", kNotEligible, "availability", kNotMet,
     "it is not offered in London"},
    {"SI: the Welsh DA SI needs an IPV offence", "regional-domestic-abuse-structured-intervention",
     "", "risk_of_reoffending: RISK_LEVEL_LOW region: 'wales'", kNotEligible, "ipv-offence",
     kNotMet, "no recorded offence is intimate partner violence"},
    {"SI: Stepwise Emotions needs violent offending", "stepwise-emotions", "",
     "risk_of_reoffending: RISK_LEVEL_LOW region: 'kent-surrey-and-sussex' "
     "offences: OFFENCE_CATEGORY_VIOLENCE",
     kEligible, "violent-offence", kMet, "a recorded offence is violence"},
    {"SI: Stepwise Emotions without violent offending", "stepwise-emotions", "",
     "risk_of_reoffending: RISK_LEVEL_LOW region: 'kent-surrey-and-sussex'", kNotEligible,
     "violent-offence", kNotMet, "no recorded offence is violence"},
    {"SI: Positive Pathways Plus needs an IPV offence", "positive-pathways-plus", "",
     "risk_of_reoffending: RISK_LEVEL_LOW", kNotEligible, "ipv-offence", kNotMet,
     "no recorded offence is intimate partner violence"},
    {"SI: Positive Pathways Plus with an IPV offence", "positive-pathways-plus", "",
     "risk_of_reoffending: RISK_LEVEL_LOW offences: OFFENCE_CATEGORY_INTIMATE_PARTNER_VIOLENCE",
     kEligible, "ipv-offence", kMet, "a recorded offence is intimate partner violence"},

    // Commissioned Rehabilitative Services.
    {"CRS: a community order with a RAR and the need", "crs-accommodation", "",
     "needs { area: NEED_AREA_ACCOMMODATION }", kEligible, "need", kMet,
     "an assessed need is accommodation"},
    {"CRS: a community order without a RAR", "crs-accommodation", "",
     "needs { area: NEED_AREA_ACCOMMODATION } has_rar: false", kNotEligible, "sentence", kNotMet,
     "has no Rehabilitation Activity Requirement"},
    {"CRS: licence needs no RAR", "crs-accommodation", "",
     "needs { area: NEED_AREA_ACCOMMODATION } has_rar: false sentence: SENTENCE_TYPE_LICENCE",
     kEligible, "sentence", kMet, "this person is on licence"},
    {"CRS: post-sentence supervision", "crs-accommodation", "",
     "needs { area: NEED_AREA_ACCOMMODATION } sentence: SENTENCE_TYPE_POST_SENTENCE_SUPERVISION",
     kEligible, "sentence", kMet, "post-sentence supervision"},
    {"CRS: a pre-sentence proposal with a RAR", "crs-accommodation", "",
     "needs { area: NEED_AREA_ACCOMMODATION } sentence: SENTENCE_TYPE_PRE_SENTENCE", kEligible,
     "sentence", kMet, "a pre-sentence report proposal and the order has a Rehabilitation"},
    {"CRS: only for the need it meets", "crs-accommodation", "", "", kNotEligible, "need", kNotMet,
     "no assessed need is accommodation"},
    {"CRS: Finance, Benefit and Debt runs in London", "crs-finance-benefit-and-debt", "",
     "needs { area: NEED_AREA_FINANCE_BENEFIT_DEBT }", kEligible, "availability", kMet,
     "it is offered in London"},
    {"CRS: Finance, Benefit and Debt is not offered in the North West",
     "crs-finance-benefit-and-debt", "",
     "needs { area: NEED_AREA_FINANCE_BENEFIT_DEBT } region: 'north-west'", kNotEligible,
     "availability", kNotMet, "it is not offered in North West"},
    {"CRS: Finance, Benefit and Debt in Hampshire", "crs-finance-benefit-and-debt", "",
     "needs { area: NEED_AREA_FINANCE_BENEFIT_DEBT } region: 'south-central' "
     "pcc_area: 'hampshire'",
     kEligible, "availability", kMet, "this person is in hampshire"},
    {"CRS: Finance, Benefit and Debt in South Central needs the PCC area",
     "crs-finance-benefit-and-debt", "",
     "needs { area: NEED_AREA_FINANCE_BENEFIT_DEBT } region: 'south-central'", kMoreInfo,
     "availability", kUnknown, "the profile does not record the PCC area"},
    {"CRS: Dependency and Recovery is not in South Yorkshire", "crs-dependency-and-recovery", "",
     "needs { area: NEED_AREA_DEPENDENCY_RECOVERY } region: 'yorkshire-and-the-humber' "
     "pcc_area: 'south-yorkshire'",
     kNotEligible, "availability", kNotMet, "this person is in south-yorkshire"},
    {"CRS: Dependency and Recovery in West Yorkshire", "crs-dependency-and-recovery", "",
     "needs { area: NEED_AREA_DEPENDENCY_RECOVERY } region: 'yorkshire-and-the-humber' "
     "pcc_area: 'west-yorkshire'",
     kEligible, "availability", kMet, "this person is in west-yorkshire"},
    {"CRS: a PCC area alone places the person in its region", "crs-dependency-and-recovery",
     "region", "needs { area: NEED_AREA_DEPENDENCY_RECOVERY } pcc_area: 'durham'", kEligible,
     "availability", kMet, "it is offered in North East"},
    {"CRS: women's services for women", "crs-womens-accommodation", "",
     "needs { area: NEED_AREA_ACCOMMODATION } sex: SEX_FEMALE", kEligible, "sex", kMet,
     "recorded as female"},
    {"CRS: women's services are not for men", "crs-womens-accommodation", "",
     "needs { area: NEED_AREA_ACCOMMODATION }", kNotEligible, "sex", kNotMet,
     "Women's services are for women; this person is recorded as male"},

    // Alcohol Abstinence and Monitoring Requirement.
    {"AAMR: alcohol-related offending, not dependent, no ATR",
     "alcohol-abstinence-monitoring-requirement", "", kAamrCase, kEligible,
     "alcohol-related-offence", kMet, "a recorded offence is alcohol related"},
    {"AAMR: not for the alcohol dependent", "alcohol-abstinence-monitoring-requirement", "",
     "offences: OFFENCE_CATEGORY_ALCOHOL_RELATED alcohol_dependent: true "
     "has_alcohol_treatment_requirement: false",
     kNotEligible, "not-alcohol-dependent", kNotMet, "recorded as alcohol dependent"},
    {"AAMR: not with an ATR", "alcohol-abstinence-monitoring-requirement", "",
     "offences: OFFENCE_CATEGORY_ALCOHOL_RELATED alcohol_dependent: false "
     "has_alcohol_treatment_requirement: true",
     kNotEligible, "no-alcohol-treatment-requirement", kNotMet,
     "an Alcohol Treatment Requirement is recommended or in place"},
    {"AAMR: not proposed in the same report as an ATR", "alcohol-abstinence-monitoring-requirement",
     "",
     "offences: OFFENCE_CATEGORY_ALCOHOL_RELATED alcohol_dependent: false "
     "has_alcohol_treatment_requirement: false sentence: SENTENCE_TYPE_PRE_SENTENCE "
     "proposed_requirements: ['unpaid-work', 'alcohol-treatment-requirement']",
     kNotEligible, "not-proposed-with-an-atr", kNotMet,
     "Alcohol Treatment Requirement is proposed with it"},
    {"AAMR: proposed with unpaid work", "alcohol-abstinence-monitoring-requirement", "",
     "offences: OFFENCE_CATEGORY_ALCOHOL_RELATED alcohol_dependent: false "
     "has_alcohol_treatment_requirement: false sentence: SENTENCE_TYPE_PRE_SENTENCE "
     "proposed_requirements: 'unpaid-work'",
     kEligible, "not-proposed-with-an-atr", kMet,
     "no Alcohol Treatment Requirement is proposed with it"},
    {"AAMR: over 18 only", "alcohol-abstinence-monitoring-requirement", "",
     "offences: OFFENCE_CATEGORY_ALCOHOL_RELATED alcohol_dependent: false "
     "has_alcohol_treatment_requirement: false date_of_birth: '2009-06-01'",
     kNotEligible, "age", kNotMet, "this person is 17"},
    {"AAMR: needs alcohol-related offending", "alcohol-abstinence-monitoring-requirement", "",
     "alcohol_dependent: false has_alcohol_treatment_requirement: false", kNotEligible,
     "alcohol-related-offence", kNotMet, "no recorded offence is alcohol related or drink driving"},
    {"AAMR: drink driving is alcohol related", "alcohol-abstinence-monitoring-requirement", "",
     "offences: OFFENCE_CATEGORY_DRINK_DRIVING alcohol_dependent: false "
     "has_alcohol_treatment_requirement: false",
     kEligible, "alcohol-related-offence", kMet, "a recorded offence is drink driving"},
    {"AAMR: 120 days at most", "alcohol-abstinence-monitoring-requirement", "", kAamrCase,
     kEligible, "length", kMet, "120 days are proposed", 120},
    {"AAMR: 150 days is too long", "alcohol-abstinence-monitoring-requirement", "", kAamrCase,
     kNotEligible, "length", kNotMet, "150 days are proposed", 150},
    {"AAMR: not beyond the days left on the order", "alcohol-abstinence-monitoring-requirement", "",
     "offences: OFFENCE_CATEGORY_ALCOHOL_RELATED alcohol_dependent: false "
     "has_alcohol_treatment_requirement: false days_remaining_on_sentence: 60",
     kNotEligible, "length", kNotMet, "only 60 remain", 90},
    {"AAMR: a community requirement, not a licence condition",
     "alcohol-abstinence-monitoring-requirement", "",
     "offences: OFFENCE_CATEGORY_ALCOHOL_RELATED alcohol_dependent: false "
     "has_alcohol_treatment_requirement: false sentence: SENTENCE_TYPE_LICENCE",
     kNotEligible, "sentence", kNotMet, "this person is on licence"},

    // Electronic monitoring.
    {"Trail monitoring: an adult", "gps-trail-monitoring", "", "", kEligible, "age", kMet,
     "this person is 36"},
    {"Trail monitoring is not for under-18s", "gps-trail-monitoring", "",
     "date_of_birth: '2009-06-01'", kNotEligible, "age", kNotMet, "this person is 17"},
    {"Curfew tags need a fixed address", "electronic-monitoring-curfew", "", "no_fixed_abode: true",
     kNotEligible, "fixed-abode", kNotMet, "this person is of no fixed abode"},
    {"Curfew tags: with a fixed address", "electronic-monitoring-curfew", "", "", kEligible,
     "fixed-abode", kMet, "this person has a fixed address"},
    {"Curfew tags can be a condition of court bail", "electronic-monitoring-curfew", "",
     "sentence: SENTENCE_TYPE_COURT_BAIL", kEligible, "sentence", kMet,
     "this person is on court bail"},
    {"Trail monitoring is not available for court bail", "gps-trail-monitoring", "",
     "sentence: SENTENCE_TYPE_COURT_BAIL", kNotEligible, "sentence", kNotMet,
     "this person is on court bail"},
    {"Acquisitive crime GPS: HDC needs 30 days left on licence", "acquisitive-crime-gps-monitoring",
     "",
     "sentence: SENTENCE_TYPE_LICENCE offences: OFFENCE_CATEGORY_ACQUISITIVE "
     "custodial_sentence_type: CUSTODIAL_SENTENCE_TYPE_STANDARD_DETERMINATE "
     "custodial_sentence_days: 400 release_type: RELEASE_TYPE_HOME_DETENTION_CURFEW "
     "days_remaining_on_sentence: 20",
     kNotEligible, "release", kNotMet, "20 days remain on the sentence"},
    {"Acquisitive crime GPS: HDC with 40 days left on licence", "acquisitive-crime-gps-monitoring",
     "",
     "sentence: SENTENCE_TYPE_LICENCE offences: OFFENCE_CATEGORY_ACQUISITIVE "
     "custodial_sentence_type: CUSTODIAL_SENTENCE_TYPE_STANDARD_DETERMINATE "
     "custodial_sentence_days: 400 release_type: RELEASE_TYPE_HOME_DETENTION_CURFEW "
     "days_remaining_on_sentence: 40",
     kMoreInfo, "release", kMet, "40 days remain on the sentence"},
    {"Acquisitive crime GPS: only standard determinate sentences",
     "acquisitive-crime-gps-monitoring", "",
     "sentence: SENTENCE_TYPE_LICENCE offences: OFFENCE_CATEGORY_ACQUISITIVE "
     "custodial_sentence_type: CUSTODIAL_SENTENCE_TYPE_EXTENDED_DETERMINATE "
     "custodial_sentence_days: 400 release_type: RELEASE_TYPE_STANDARD",
     kNotEligible, "standard-determinate-sentence", kNotMet, "an extended determinate sentence"},
    {"Acquisitive crime GPS: from 26 October 2022 a 90-day sentence is in scope",
     "acquisitive-crime-gps-monitoring", "",
     "sentence: SENTENCE_TYPE_LICENCE offences: OFFENCE_CATEGORY_ACQUISITIVE "
     "custodial_sentence_type: CUSTODIAL_SENTENCE_TYPE_STANDARD_DETERMINATE "
     "custodial_sentence_days: 120 release_type: RELEASE_TYPE_STANDARD",
     kMoreInfo, "sentence-of-90-days", kMet, "a standard determinate sentence of 120 days"},
    {"Acquisitive crime GPS: before 26 October 2022 it took 12 months",
     "acquisitive-crime-gps-monitoring", "",
     "sentence: SENTENCE_TYPE_LICENCE offences: OFFENCE_CATEGORY_ACQUISITIVE "
     "custodial_sentence_type: CUSTODIAL_SENTENCE_TYPE_STANDARD_DETERMINATE "
     "custodial_sentence_days: 120 release_type: RELEASE_TYPE_STANDARD as_of_date: '2022-10-25'",
     kNotEligible, "sentence-of-12-months", kNotMet, "a standard determinate sentence of 120 days"},
    {"Acquisitive crime GPS: an 80-day sentence is below 90 days",
     "acquisitive-crime-gps-monitoring", "",
     "sentence: SENTENCE_TYPE_LICENCE offences: OFFENCE_CATEGORY_ACQUISITIVE "
     "custodial_sentence_type: CUSTODIAL_SENTENCE_TYPE_STANDARD_DETERMINATE "
     "custodial_sentence_days: 80 release_type: RELEASE_TYPE_STANDARD",
     kNotEligible, "sentence-of-90-days", kNotMet, "a standard determinate sentence of 80 days"},
    {"Acquisitive crime GPS: not post-sentence supervision", "acquisitive-crime-gps-monitoring", "",
     "sentence: SENTENCE_TYPE_POST_SENTENCE_SUPERVISION offences: OFFENCE_CATEGORY_ACQUISITIVE "
     "days_remaining_on_sentence: 90",
     kNotEligible, "licence", kNotMet, "this person is on post-sentence supervision"},

    // Treatment requirements: consent and 18+.
    {"MHTR: consent and a mental health need", "mental-health-treatment-requirement", "",
     "needs { area: NEED_AREA_MENTAL_HEALTH } consents_to_treatment: true", kEligible, "consent",
     kMet, "this person consents to treatment"},
    {"MHTR: needs consent", "mental-health-treatment-requirement", "",
     "needs { area: NEED_AREA_MENTAL_HEALTH } consents_to_treatment: false", kNotEligible,
     "consent", kNotMet, "this person does not consent to treatment"},
    {"MHTR: consent must be recorded", "mental-health-treatment-requirement", "",
     "needs { area: NEED_AREA_MENTAL_HEALTH }", kMoreInfo, "consent", kUnknown,
     "does not say whether the person consents to treatment"},
    {"MHTR: adults only", "mental-health-treatment-requirement", "",
     "needs { area: NEED_AREA_MENTAL_HEALTH } consents_to_treatment: true "
     "date_of_birth: '2009-06-01'",
     kNotEligible, "age", kNotMet, "this person is 17"},
    {"DRR: consent and a drug misuse need", "drug-rehabilitation-requirement", "",
     "needs { area: NEED_AREA_DRUG_MISUSE } consents_to_treatment: true", kEligible,
     "treatment-need", kMet, "an assessed need is drug misuse"},
    {"DRR: an alcohol-only need is not for a DRR", "drug-rehabilitation-requirement", "",
     "needs { area: NEED_AREA_ALCOHOL_MISUSE } consents_to_treatment: true", kNotEligible,
     "treatment-need", kNotMet, "no assessed need is drug misuse"},
    {"DRR: substance misuse not known as drugs or alcohol", "drug-rehabilitation-requirement", "",
     "needs { area: NEED_AREA_SUBSTANCE_MISUSE } consents_to_treatment: true", kMoreInfo,
     "treatment-need", kUnknown, "without saying whether it is drug misuse"},
    {"ATR: consent and an alcohol misuse need", "alcohol-treatment-requirement", "",
     "needs { area: NEED_AREA_ALCOHOL_MISUSE } consents_to_treatment: true", kEligible,
     "treatment-need", kMet, "an assessed need is alcohol misuse"},
    {"ATR: a drug-only need is not for an ATR", "alcohol-treatment-requirement", "",
     "needs { area: NEED_AREA_DRUG_MISUSE } consents_to_treatment: true", kNotEligible,
     "treatment-need", kNotMet, "no assessed need is alcohol misuse"},
    {"ATR: substance misuse not known as drugs or alcohol", "alcohol-treatment-requirement", "",
     "needs { area: NEED_AREA_SUBSTANCE_MISUSE } consents_to_treatment: true", kMoreInfo,
     "treatment-need", kUnknown, "without saying whether it is alcohol misuse"},

    // The Rehabilitation Activity Requirement itself.
    {"RAR: a community order proposal with a rehabilitative need",
     "rehabilitation-activity-requirement", "", "sentence: SENTENCE_TYPE_PRE_SENTENCE", kEligible,
     "sentence", kMet, "a pre-sentence report proposal"},
    {"RAR: not part of a licence", "rehabilitation-activity-requirement", "",
     "sentence: SENTENCE_TYPE_LICENCE", kNotEligible, "sentence", kNotMet,
     "this person is on licence"},

    // Unpaid work: any community or suspended sentence order.
    {"Unpaid work: a community order", "unpaid-work", "", "", kEligible, "sentence", kMet,
     "this person is on a community order"},
    {"Unpaid work: a suspended sentence order without a RAR", "unpaid-work", "",
     "sentence: SENTENCE_TYPE_SUSPENDED_SENTENCE_ORDER has_rar: false", kEligible, "sentence", kMet,
     "a suspended sentence order"},
    {"Unpaid work is not a licence condition", "unpaid-work", "", "sentence: SENTENCE_TYPE_LICENCE",
     kNotEligible, "sentence", kNotMet, "this person is on licence"},
};

// Names the case in failure messages instead of dumping its bytes.
void PrintTo(const RuleCase& rule_case, std::ostream* out) { *out << rule_case.rule; }

common::v1::PersonProfile ProfileFor(const RuleCase& rule_case) {
  common::v1::PersonProfile profile;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(kBase, &profile));
  for (absl::string_view field : absl::StrSplit(rule_case.clear, ',', absl::SkipEmpty())) {
    const auto* descriptor = profile.GetDescriptor()->FindFieldByName(std::string(field));
    EXPECT_NE(descriptor, nullptr) << field;
    profile.GetReflection()->ClearField(&profile, descriptor);
  }
  common::v1::PersonProfile changes;
  EXPECT_TRUE(google::protobuf::TextFormat::ParseFromString(rule_case.profile, &changes))
      << rule_case.profile;
  profile.MergeFrom(changes);
  return profile;
}

class EligibilityRules : public ::testing::TestWithParam<RuleCase> {
 protected:
  static void SetUpTestSuite() { checker_ = testing::EmbeddedChecker(); }
  static void TearDownTestSuite() { checker_.reset(); }
  static std::shared_ptr<const EligibilityChecker> checker_;
};
std::shared_ptr<const EligibilityChecker> EligibilityRules::checker_;

TEST_P(EligibilityRules, GivesTheBrochuresOutcomeAndReason) {
  const RuleCase& rule_case = GetParam();
  v1::CheckEligibilityRequest request;
  *request.mutable_person() = ProfileFor(rule_case);
  request.set_intervention(std::string("interventions/") + rule_case.intervention);
  request.set_requirement_days(rule_case.requirement_days);
  absl::StatusOr<v1::Verdict> verdict = checker_->CheckEligibility(request);
  ASSERT_TRUE(verdict.ok()) << verdict.status();
  EXPECT_EQ(verdict->outcome(), rule_case.outcome) << v1::Outcome_Name(verdict->outcome()) << "\n"
                                                   << verdict->DebugString();
  const v1::CriterionResult* reason = nullptr;
  for (const auto& candidate : verdict->reasons()) {
    if (candidate.criterion() == rule_case.criterion) reason = &candidate;
  }
  ASSERT_NE(reason, nullptr) << "no criterion " << rule_case.criterion;
  EXPECT_EQ(reason->result(), rule_case.result) << reason->explanation();
  EXPECT_THAT(reason->explanation(), HasSubstr(rule_case.explanation));
  if (rule_case.prioritised != kUnchecked) {
    EXPECT_EQ(verdict->prioritised(), rule_case.prioritised == kPrioritised);
  }
}

std::string CaseName(const ::testing::TestParamInfo<RuleCase>& info) {
  std::string name;
  bool upper = true;
  for (char c : std::string(info.param.rule)) {
    if (std::isalnum(static_cast<unsigned char>(c))) {
      name += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
      upper = false;
    } else {
      upper = true;
    }
  }
  return name + "_" + std::to_string(info.index);
}

INSTANTIATE_TEST_SUITE_P(Brochures, EligibilityRules, ::testing::ValuesIn(kCases), CaseName);

// Suitability (consent, commitment, barriers) is weighed beside eligibility, never in it.
TEST(EligibilityRulesSuitability, ConsentDecidesSuitabilityNotTheOutcome) {
  std::shared_ptr<const EligibilityChecker> checker = testing::EmbeddedChecker();
  const auto verdict_for = [&](absl::string_view extra) {
    RuleCase rule_case{"", "building-better-relationships", "", "", kEligible, "", kMet, ""};
    const std::string profile = absl::StrCat(kIpvMediumSara, " ", extra);
    rule_case.profile = profile.c_str();
    v1::CheckEligibilityRequest request;
    *request.mutable_person() = ProfileFor(rule_case);
    request.set_intervention("interventions/building-better-relationships");
    absl::StatusOr<v1::Verdict> verdict = checker->CheckEligibility(request);
    EXPECT_TRUE(verdict.ok()) << verdict.status();
    return *verdict;
  };
  const v1::Verdict willing = verdict_for(
      "consents_to_engage: true barriers_to_attendance: false days_remaining_on_sentence: 300");
  EXPECT_EQ(willing.outcome(), kEligible);
  EXPECT_EQ(willing.suitability(), v1::SUITABILITY_SUITABLE);
  const v1::Verdict unwilling = verdict_for(
      "consents_to_engage: false barriers_to_attendance: false days_remaining_on_sentence: 300");
  EXPECT_EQ(unwilling.outcome(), kEligible);
  EXPECT_EQ(unwilling.suitability(), v1::SUITABILITY_NOT_SUITABLE);
  EXPECT_EQ(verdict_for("").suitability(), v1::SUITABILITY_UNKNOWN);
}

TEST(EligibilityRulesPolicy, ALocalPolicyRuleSaysSoAndCitesWhatTheBrochuresDoSay) {
  std::shared_ptr<const EligibilityChecker> checker = testing::EmbeddedChecker();
  RuleCase rule_case{"", "thinking-skills-programme", "", "", kEligible, "", kMet, ""};
  v1::CheckEligibilityRequest request;
  *request.mutable_person() = ProfileFor(rule_case);
  request.set_intervention("interventions/thinking-skills-programme");
  absl::StatusOr<v1::Verdict> verdict = checker->CheckEligibility(request);
  ASSERT_TRUE(verdict.ok()) << verdict.status();
  const v1::CriterionResult& risk = verdict->reasons(0);
  ASSERT_EQ(risk.criterion(), "risk-of-reconviction");
  EXPECT_THAT(risk.explanation(), HasSubstr("(local policy, not the brochures:"));
  EXPECT_FALSE(risk.local_policy().empty());
  EXPECT_THAT(risk.sources(), ::testing::Contains("000:18"));
}

TEST(EligibilityRulesExceptional, HighRiskOfHarmIsOnlyExceptionalAndNotInAPathway) {
  std::shared_ptr<const EligibilityChecker> checker = testing::EmbeddedChecker();
  RuleCase rule_case{"", "stepping-stones", "", "rosh: RISK_LEVEL_HIGH", kEligible, "", kMet, ""};
  v1::FindEligibleInterventionsRequest request;
  *request.mutable_person() = ProfileFor(rule_case);
  request.set_view(v1::VERDICT_VIEW_FULL);
  absl::StatusOr<v1::FindEligibleInterventionsResponse> response =
      checker->FindEligibleInterventions(request);
  ASSERT_TRUE(response.ok()) << response.status();
  bool found = false;
  for (const v1::Verdict& verdict : response->verdicts()) {
    if (verdict.intervention() != "interventions/stepping-stones") continue;
    found = true;
    EXPECT_EQ(verdict.outcome(), kEligible);
    ASSERT_EQ(verdict.exceptional_size(), 1);
    EXPECT_THAT(verdict.exceptional(0),
                HasSubstr("at high risk only in exceptional circumstances"));
  }
  EXPECT_TRUE(found);
  for (const v1::PathwayStep& step : response->pathway()) {
    EXPECT_NE(step.intervention(), "interventions/stepping-stones");
  }
}

TEST(EligibilityRulesTable, HasAtLeastSixtyCases) { EXPECT_GE(std::size(kCases), 60u); }

}  // namespace
}  // namespace probation::eligibility
