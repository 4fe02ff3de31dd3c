#include "libs/service/service_tls.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include <fstream>
#include <sstream>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace probation {
namespace {

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct KeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct StoreFree {
  void operator()(X509_STORE* store) const { X509_STORE_free(store); }
};
struct StoreContextFree {
  void operator()(X509_STORE_CTX* context) const { X509_STORE_CTX_free(context); }
};
struct StackFree {
  void operator()(STACK_OF(X509) * stack) const { sk_X509_free(stack); }
};
using Cert = std::unique_ptr<X509, X509Free>;

bool ReadFile(const std::string& path, std::string* contents) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return false;
  std::stringstream buffer;
  buffer << file.rdbuf();
  *contents = buffer.str();
  return !file.bad();
}

std::unique_ptr<BIO, BioFree> Bio(const std::string& pem) {
  return std::unique_ptr<BIO, BioFree>(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// Every certificate in `pem`, in order.
std::vector<Cert> Certificates(const std::string& pem) {
  std::vector<Cert> certs;
  auto bio = Bio(pem);
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    certs.emplace_back(cert);
  }
  return certs;
}

// Why `chain` (leaf first) does not verify under `authorities` today; empty if it does.
std::string VerificationError(const std::vector<Cert>& chain,
                              const std::vector<Cert>& authorities) {
  std::unique_ptr<X509_STORE, StoreFree> store(X509_STORE_new());
  for (const Cert& authority : authorities) X509_STORE_add_cert(store.get(), authority.get());
  std::unique_ptr<STACK_OF(X509), StackFree> intermediates(sk_X509_new_null());
  for (size_t i = 1; i < chain.size(); ++i) sk_X509_push(intermediates.get(), chain[i].get());
  std::unique_ptr<X509_STORE_CTX, StoreContextFree> context(X509_STORE_CTX_new());
  if (X509_STORE_CTX_init(context.get(), store.get(), chain[0].get(), intermediates.get()) != 1) {
    return "cannot be checked";
  }
  if (X509_verify_cert(context.get()) == 1) return "";
  return X509_verify_cert_error_string(X509_STORE_CTX_get_error(context.get()));
}

}  // namespace

std::variant<ServiceTls, InvalidSetting> ServiceTls::Read(const ServiceTlsFiles& files) {
  const std::pair<const char*, const std::string*> settings[] = {
      {kInternalTlsCertFlag, &files.cert_file},
      {kInternalTlsKeyFlag, &files.key_file},
      {kInternalTlsCaFlag, &files.ca_file}};
  int set = 0;
  for (const auto& [flag, path] : settings) set += path->empty() ? 0 : 1;
  if (set == 0) return ServiceTls();
  const std::string all_or_none =
      absl::StrCat("set all of ", kInternalTlsCertFlag, ", ", kInternalTlsKeyFlag, " and ",
                   kInternalTlsCaFlag, ", or none");
  for (const auto& [flag, path] : settings) {
    if (path->empty()) return InvalidSetting{flag, absl::StrCat("is not set: ", all_or_none)};
  }

  ServiceTls tls;
  std::string* const contents[] = {&tls.cert_chain_, &tls.key_, &tls.ca_};
  for (int i = 0; i < 3; ++i) {
    if (!ReadFile(*settings[i].second, contents[i])) {
      return InvalidSetting{settings[i].first, absl::StrCat("cannot read ", *settings[i].second)};
    }
  }
  const std::vector<Cert> chain = Certificates(tls.cert_chain_);
  if (chain.empty()) {
    return InvalidSetting{kInternalTlsCertFlag,
                          absl::StrCat(files.cert_file, " holds no PEM certificate")};
  }
  std::unique_ptr<EVP_PKEY, KeyFree> key(
      PEM_read_bio_PrivateKey(Bio(tls.key_).get(), nullptr, nullptr, nullptr));
  if (key == nullptr) {
    return InvalidSetting{kInternalTlsKeyFlag,
                          absl::StrCat(files.key_file, " holds no unencrypted PEM private key")};
  }
  if (X509_check_private_key(chain[0].get(), key.get()) != 1) {
    return InvalidSetting{kInternalTlsKeyFlag,
                          absl::StrCat(files.key_file, " is not the key of ", files.cert_file)};
  }
  const std::vector<Cert> authorities = Certificates(tls.ca_);
  if (authorities.empty()) {
    return InvalidSetting{kInternalTlsCaFlag,
                          absl::StrCat(files.ca_file, " holds no PEM certificate")};
  }
  if (const std::string error = VerificationError(chain, authorities); !error.empty()) {
    return InvalidSetting{
        kInternalTlsCertFlag,
        absl::StrCat(files.cert_file, " does not verify under ", files.ca_file, ": ", error)};
  }
  return tls;
}

std::shared_ptr<grpc::ServerCredentials> ServiceTls::ServerCredentials() const {
  if (!enabled()) return grpc::InsecureServerCredentials();
  grpc::SslServerCredentialsOptions options(
      GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  options.pem_root_certs = ca_;
  options.pem_key_cert_pairs.push_back({key_, cert_chain_});
  return grpc::SslServerCredentials(options);
}

std::shared_ptr<grpc::ChannelCredentials> ServiceTls::ChannelCredentials() const {
  if (!enabled()) return grpc::InsecureChannelCredentials();
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = ca_;
  options.pem_private_key = key_;
  options.pem_cert_chain = cert_chain_;
  return grpc::SslCredentials(options);
}

}  // namespace probation
