// Mutual TLS between the services, optional: with it, each service presents its own
// certificate and accepts calls and answers only from peers whose certificate the suite's CA
// signed; without it, they speak plaintext. Either way every call still carries the signed
// identity (internal_identity.h): TLS says which machine is calling, the identity who.
#ifndef PROBATION_LIBS_SERVICE_SERVICE_TLS_H_
#define PROBATION_LIBS_SERVICE_SERVICE_TLS_H_

#include <memory>
#include <string>
#include <variant>

#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"

namespace probation {

// The shared flags (service_flags.cc) that name the files.
inline constexpr char kInternalTlsCertFlag[] = "internal_tls_cert_file";
inline constexpr char kInternalTlsKeyFlag[] = "internal_tls_key_file";
inline constexpr char kInternalTlsCaFlag[] = "internal_tls_ca_file";

struct ServiceTlsFiles {
  std::string cert_file;  // PEM: the service's certificate, then any intermediates
  std::string key_file;   // PEM: its private key
  std::string ca_file;    // PEM: the CA every peer's certificate must be signed by
};

// A setting refused: the flag to name and why (never the file's contents).
struct InvalidSetting {
  std::string flag;
  std::string message;
};

class ServiceTls {
 public:
  // Plaintext.
  ServiceTls() = default;

  // All three files or none (plaintext). Each is read and parsed now, the key must be the
  // certificate's and the certificate valid today under the CA, so that a wrong file stops
  // the service at start rather than failing every handshake later.
  static std::variant<ServiceTls, InvalidSetting> Read(const ServiceTlsFiles& files);

  bool enabled() const { return !ca_.empty(); }

  // Requires a client certificate signed by the CA; insecure when not enabled.
  std::shared_ptr<grpc::ServerCredentials> ServerCredentials() const;
  // Trusts only the CA and presents the service's certificate; insecure when not enabled.
  std::shared_ptr<grpc::ChannelCredentials> ChannelCredentials() const;

 private:
  std::string cert_chain_;
  std::string key_;
  std::string ca_;
};

}  // namespace probation

#endif  // PROBATION_LIBS_SERVICE_SERVICE_TLS_H_
