// The internal mutual TLS settings, checked at start: all three files or none, each readable
// and what it claims to be, the key the certificate's and the certificate the CA's; a refusal
// names the flag to fix. The files are real ones, from scripts/make-local-ca.sh.
#include "libs/service/service_tls.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace probation {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class ServiceTlsFlags : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new std::string(
        (std::filesystem::temp_directory_path() / absl::StrCat("service-tls-", getpid())).string());
    for (const char* ca : {"ca", "other"}) {
      const std::string command =
          absl::StrCat("/bin/bash ", MAKE_LOCAL_CA_SCRIPT, " ", *root_, "/", ca, " >/dev/null");
      ASSERT_EQ(std::system(command.c_str()), 0) << command;
    }
    std::ofstream(*root_ + "/not-a-pem") << "hello\n";
  }
  static void TearDownTestSuite() {
    std::filesystem::remove_all(*root_);
    delete root_;
  }

  static std::string File(absl::string_view ca, absl::string_view name) {
    return absl::StrCat(*root_, "/", ca, "/", name);
  }
  static ServiceTlsFiles Good() {
    return {File("ca", "catalogue.crt"), File("ca", "catalogue.key"), File("ca", "ca.crt")};
  }
  // The refusal of `files`; fails the test if they are accepted.
  static InvalidSetting Refusal(const ServiceTlsFiles& files) {
    auto read = ServiceTls::Read(files);
    const auto* invalid = std::get_if<InvalidSetting>(&read);
    EXPECT_NE(invalid, nullptr) << "accepted";
    return invalid != nullptr ? *invalid : InvalidSetting{};
  }

  static std::string* root_;
};

std::string* ServiceTlsFlags::root_ = nullptr;

TEST_F(ServiceTlsFlags, NoneSetIsPlaintext) {
  auto read = ServiceTls::Read({});
  ASSERT_TRUE(std::holds_alternative<ServiceTls>(read));
  EXPECT_FALSE(std::get<ServiceTls>(read).enabled());
}

TEST_F(ServiceTlsFlags, AllThreeGoodIsMutualTls) {
  auto read = ServiceTls::Read(Good());
  ASSERT_TRUE(std::holds_alternative<ServiceTls>(read)) << std::get<InvalidSetting>(read).message;
  const ServiceTls& tls = std::get<ServiceTls>(read);
  EXPECT_TRUE(tls.enabled());
  EXPECT_NE(tls.ServerCredentials(), nullptr);
  EXPECT_NE(tls.ChannelCredentials(), nullptr);
}

TEST_F(ServiceTlsFlags, SomeButNotAllNamesTheFirstMissing) {
  ServiceTlsFiles files = Good();
  files.key_file.clear();
  files.ca_file.clear();
  InvalidSetting refused = Refusal(files);
  EXPECT_EQ(refused.flag, kInternalTlsKeyFlag);
  EXPECT_THAT(refused.message, HasSubstr("set all of internal_tls_cert_file"));

  files = Good();
  files.cert_file.clear();
  EXPECT_EQ(Refusal(files).flag, kInternalTlsCertFlag);

  files = Good();
  files.ca_file.clear();
  EXPECT_EQ(Refusal(files).flag, kInternalTlsCaFlag);
}

TEST_F(ServiceTlsFlags, AnUnreadableFileIsNamed) {
  for (const auto& [flag, field] : {std::pair{kInternalTlsCertFlag, &ServiceTlsFiles::cert_file},
                                    std::pair{kInternalTlsKeyFlag, &ServiceTlsFiles::key_file},
                                    std::pair{kInternalTlsCaFlag, &ServiceTlsFiles::ca_file}}) {
    SCOPED_TRACE(flag);
    ServiceTlsFiles files = Good();
    files.*field = File("ca", "missing.pem");
    const InvalidSetting refused = Refusal(files);
    EXPECT_EQ(refused.flag, flag);
    EXPECT_THAT(refused.message, HasSubstr("cannot read " + File("ca", "missing.pem")));
  }
}

TEST_F(ServiceTlsFlags, AFileThatIsNotWhatItClaimsIsNamed) {
  ServiceTlsFiles files = Good();
  files.cert_file = File("", "not-a-pem");
  EXPECT_EQ(Refusal(files).flag, kInternalTlsCertFlag);

  files = Good();
  files.key_file = File("ca", "catalogue.crt");  // a certificate where the key should be
  InvalidSetting refused = Refusal(files);
  EXPECT_EQ(refused.flag, kInternalTlsKeyFlag);
  EXPECT_THAT(refused.message, HasSubstr("no unencrypted PEM private key"));

  files = Good();
  files.ca_file = File("ca", "ca.key");  // a key where the CA should be
  refused = Refusal(files);
  EXPECT_EQ(refused.flag, kInternalTlsCaFlag);
  EXPECT_THAT(refused.message, Not(HasSubstr("PRIVATE KEY")));
}

TEST_F(ServiceTlsFlags, AKeyOfAnotherCertificateIsRefused) {
  ServiceTlsFiles files = Good();
  files.key_file = File("ca", "gateway.key");
  const InvalidSetting refused = Refusal(files);
  EXPECT_EQ(refused.flag, kInternalTlsKeyFlag);
  EXPECT_THAT(refused.message, HasSubstr("is not the key of"));
}

TEST_F(ServiceTlsFlags, ACertificateOfAnotherCaIsRefused) {
  ServiceTlsFiles files = Good();
  files.cert_file = File("other", "catalogue.crt");
  files.key_file = File("other", "catalogue.key");
  const InvalidSetting refused = Refusal(files);
  EXPECT_EQ(refused.flag, kInternalTlsCertFlag);
  EXPECT_THAT(refused.message, HasSubstr("does not verify under"));
}

}  // namespace
}  // namespace probation
