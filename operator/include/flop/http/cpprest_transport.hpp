#pragma once
// Transport over cpprestsdk (the only HTTP stack in the dependency set). Kept behind the
// Transport interface because cpprestsdk is archived upstream and may be replaced.
#include <memory>
#include <string>

#include "flop/http/transport.hpp"

namespace flop::http {

struct TlsOptions {
  std::string caPem;          // trusted CAs (PEM); empty = system trust store
  std::string clientCertPem;  // client certificate chain (PEM), optional
  std::string clientKeyPem;   // its private key (PEM), required with clientCertPem
  bool insecureSkipVerify = false;
  std::string serverName;  // SNI / verification name when it differs from the URL host
};

class CppRestTransport : public Transport {
 public:
  explicit CppRestTransport(TlsOptions tls = {});
  ~CppRestTransport() override;
  CppRestTransport(const CppRestTransport&) = delete;
  CppRestTransport& operator=(const CppRestTransport&) = delete;

  Response send(const Request& request) override;
  Response stream(const Request& request, const ChunkSink& sink) override;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace flop::http
