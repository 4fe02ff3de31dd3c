#include "libs/auth/json_web_keys.h"

#include <cjose/cjose.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"
#include "libs/logging/json_log.h"
#include "libs/status/error_reason.h"
#include "libs/textproto/text_proto.h"
#include "nlohmann/json.hpp"

namespace probation {

struct JsonWebKeys::Key {
  ~Key() { cjose_jwk_release(jwk); }
  cjose_jwk_t* jwk = nullptr;
  // The algorithms this key verifies: RS256 and PS256 for RSA (unless `alg` pins one), ES256
  // for P-256.
  std::vector<std::string> algorithms;
};

namespace {

constexpr size_t kMinRsaBits = 2048;
// More keys than any provider publishes; a bound on what one file may cost.
constexpr size_t kMaxKeys = 100;

// Why `key` (the set's `index`th) cannot be used, or OK.
absl::Status CheckKey(const nlohmann::json& key, size_t index) {
  const std::string where = absl::StrCat("keys[", index, "]");
  if (!key.is_object()) return absl::InvalidArgumentError(absl::StrCat(where, " is not an object"));
  if (!key.contains("kid") || !key["kid"].is_string() || key["kid"].get<std::string>().empty()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": a key id (kid) is required"));
  }
  const std::string named = absl::StrCat(where, " (kid \"", key["kid"].get<std::string>(), "\")");
  for (const char* secret : {"d", "p", "q", "dp", "dq", "qi", "k"}) {
    if (key.contains(secret)) {
      return absl::InvalidArgumentError(
          absl::StrCat(named, " holds a private or secret part (", secret,
                       "); a key set to verify with holds public keys only"));
    }
  }
  const std::string kty = key.value("kty", "");
  if (kty != "RSA" && kty != "EC") {
    return absl::InvalidArgumentError(absl::StrCat(named, ": kty must be RSA or EC"));
  }
  if (kty == "EC" && key.value("crv", "") != "P-256") {
    return absl::InvalidArgumentError(absl::StrCat(named, ": an EC key must be on P-256 (ES256)"));
  }
  if (key.contains("use") && key["use"] != "sig") {
    return absl::InvalidArgumentError(absl::StrCat(named, ": use must be sig"));
  }
  if (key.contains("alg")) {
    const std::string alg = key["alg"].is_string() ? key["alg"].get<std::string>() : "";
    const bool fits = kty == "RSA" ? (alg == "RS256" || alg == "PS256") : alg == "ES256";
    if (!fits) {
      return absl::InvalidArgumentError(
          absl::StrCat(named, ": alg must be RS256 or PS256 for RSA, ES256 for EC"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status TokenRejected(absl::string_view why) {
  return WithReason(absl::UnauthenticatedError(absl::StrCat("bearer token rejected: ", why)),
                    reason::kTokenInvalid);
}

absl::StatusOr<std::shared_ptr<const JsonWebKeys>> JsonWebKeys::Parse(absl::string_view json) {
  const nlohmann::json set = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (!set.is_object() || !set.contains("keys") || !set["keys"].is_array()) {
    return absl::InvalidArgumentError("not a JSON Web Key Set: an object with a keys list");
  }
  if (set["keys"].empty()) return absl::InvalidArgumentError("the key set has no keys");
  if (set["keys"].size() > kMaxKeys) {
    return absl::InvalidArgumentError(absl::StrCat("more than ", kMaxKeys, " keys"));
  }
  auto parsed = std::make_shared<JsonWebKeys>();
  for (size_t i = 0; i < set["keys"].size(); ++i) {
    const nlohmann::json& entry = set["keys"][i];
    if (absl::Status status = CheckKey(entry, i); !status.ok()) return status;
    const std::string kid = entry["kid"].get<std::string>();
    const std::string text = entry.dump();
    cjose_err error;
    auto key = std::make_shared<Key>();
    key->jwk = cjose_jwk_import(text.c_str(), text.size(), &error);
    if (key->jwk == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("keys[", i, "] (kid \"", kid, "\") cannot be read: ", error.message));
    }
    if (entry["kty"] == "RSA") {
      if (cjose_jwk_get_keysize(key->jwk, &error) < kMinRsaBits) {
        return absl::InvalidArgumentError(absl::StrCat(
            "keys[", i, "] (kid \"", kid, "\"): an RSA key needs at least ", kMinRsaBits, " bits"));
      }
      key->algorithms = entry.contains("alg")
                            ? std::vector<std::string>{entry["alg"].get<std::string>()}
                            : std::vector<std::string>{"RS256", "PS256"};
    } else {
      key->algorithms = {"ES256"};
    }
    if (!parsed->keys_.emplace(kid, std::move(key)).second) {
      return absl::InvalidArgumentError(absl::StrCat("two keys have the id \"", kid, "\""));
    }
  }
  return std::shared_ptr<const JsonWebKeys>(std::move(parsed));
}

absl::StatusOr<std::string> JsonWebKeys::VerifiedPayload(absl::string_view token) const {
  cjose_err error;
  const std::string compact(token);
  std::unique_ptr<cjose_jws_t, decltype(&cjose_jws_release)> jws(
      cjose_jws_import(compact.c_str(), compact.size(), &error), &cjose_jws_release);
  if (jws == nullptr) return TokenRejected("malformed");
  cjose_header_t* header = cjose_jws_get_protected(jws.get());
  const char* alg = cjose_header_get(header, CJOSE_HDR_ALG, &error);
  const char* kid = cjose_header_get(header, CJOSE_HDR_KID, &error);
  if (kid == nullptr) return TokenRejected("no key id (kid) in its header");
  const auto found = keys_.find(kid);
  if (found == keys_.end()) return absl::NotFoundError(absl::StrCat("no key \"", kid, "\""));
  const Key& key = *found->second;
  // The algorithm must be one the key is for: never `none`, never HS256 keyed with a public
  // key, never a key of one type read as another.
  if (alg == nullptr ||
      std::find(key.algorithms.begin(), key.algorithms.end(), alg) == key.algorithms.end()) {
    return TokenRejected("signed with an algorithm its key is not for");
  }
  if (!cjose_jws_verify(jws.get(), key.jwk, &error)) {
    return TokenRejected("the signature does not verify");
  }
  uint8_t* payload = nullptr;
  size_t length = 0;
  if (!cjose_jws_get_plaintext(jws.get(), &payload, &length, &error)) {
    return TokenRejected("no claims");
  }
  return std::string(reinterpret_cast<const char*>(payload), length);
}

absl::StatusOr<std::shared_ptr<JwksFile>> JwksFile::Open(std::string path, absl::Duration recheck) {
  std::shared_ptr<JwksFile> file(new JwksFile(std::move(path), recheck));
  absl::MutexLock lock(&file->mu_);
  if (absl::Status status = file->Refresh(absl::Now(), /*force=*/true); !status.ok()) {
    return status;
  }
  return file;
}

absl::Status JwksFile::Refresh(absl::Time now, bool force) {
  // A token naming an unknown key forces a look, but a stream of them costs one look per
  // 100 ms at most.
  const absl::Duration wait = force ? std::min(recheck_, absl::Milliseconds(100)) : recheck_;
  if (keys_ != nullptr && now - checked_ < wait) return absl::OkStatus();
  checked_ = now;
  struct stat info {};
  if (stat(path_.c_str(), &info) != 0) {
    return absl::NotFoundError(absl::StrCat("cannot read ", path_));
  }
  const Stamp stamp{
      static_cast<uint64_t>(info.st_ino), static_cast<int64_t>(info.st_size),
      static_cast<int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec};
  if (keys_ != nullptr && stamp == stamp_) return absl::OkStatus();
  absl::StatusOr<std::string> text = ReadFileToString(path_);
  absl::StatusOr<std::shared_ptr<const JsonWebKeys>> keys =
      text.ok() ? JsonWebKeys::Parse(*text) : text.status();
  if (!keys.ok()) {
    return absl::Status(keys.status().code(), absl::StrCat(path_, ": ", keys.status().message()));
  }
  keys_ = *std::move(keys);
  stamp_ = stamp;
  ++generation_;
  return absl::OkStatus();
}

std::shared_ptr<const JsonWebKeys> JwksFile::Keys(absl::Time now, bool force) {
  absl::MutexLock lock(&mu_);
  if (absl::Status status = Refresh(now, force); !status.ok()) {
    // The keys read last stay in use: a half-written or broken file must not lock everyone out.
    Log(spdlog::level::err, "jwks_unreadable",
        {{"file", path_}, {"error", std::string(status.message())}});
  }
  return keys_;
}

absl::StatusOr<std::string> JwksFile::VerifiedPayload(absl::string_view token, absl::Time now) {
  absl::StatusOr<std::string> payload = Keys(now, /*force=*/false)->VerifiedPayload(token);
  if (payload.status().code() != absl::StatusCode::kNotFound) return payload;
  // A key id not held: the provider may have published a new key since the last look.
  payload = Keys(now, /*force=*/true)->VerifiedPayload(token);
  if (payload.status().code() == absl::StatusCode::kNotFound) {
    return TokenRejected(
        absl::StrCat("signed with a key this service does not hold: ", payload.status().message()));
  }
  return payload;
}

uint64_t JwksFile::generation() {
  absl::MutexLock lock(&mu_);
  return generation_;
}

}  // namespace probation
