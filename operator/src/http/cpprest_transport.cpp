#include "flop/http/cpprest_transport.hpp"

#include <algorithm>
#include <cctype>
#include <map>
#include <mutex>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include <cpprest/http_client.h>
#include <pplx/threadpool.h>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl.hpp>

namespace flop::http {
namespace client = web::http::client;

namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// "https://h:p/path?q" -> {"https://h:p", "/path?q"}
std::pair<std::string, std::string> splitUrl(const std::string& url) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos) throw Error("not an absolute URL: " + url);
  auto slash = url.find('/', scheme + 3);
  if (slash == std::string::npos) return {url, "/"};
  return {url.substr(0, slash), url.substr(slash)};
}

// Makes OpenSSL itself check that the server's certificate is valid for `name` (a DNS name or an
// IP address), whatever name the connection was opened with.
void requireCertificateName(boost::asio::ssl::context& ctx, const std::string& name) {
  X509_VERIFY_PARAM* param = SSL_CTX_get0_param(ctx.native_handle());
  boost::system::error_code notAnAddress;
  boost::asio::ip::make_address(name, notAnAddress);
  const int ok = notAnAddress ? X509_VERIFY_PARAM_set1_host(param, name.c_str(), name.size())
                              : X509_VERIFY_PARAM_set1_ip_asc(param, name.c_str());
  if (ok != 1) throw TransportError(TransportError::Kind::Tls, "invalid TLS server name " + name);
}

// What a failed TLS handshake means, with the name the certificate was checked against.
std::string tlsFailure(const web::http::http_exception& e, const std::string& host,
                       const TlsOptions& tls) {
  std::string text = std::string("TLS handshake failed (") + e.what();
  // cpprest hands over OpenSSL's packed error code in a generic category: name it.
  const auto code = static_cast<unsigned long>(e.error_code().value());
  const char* reason = ERR_GET_LIB(code) == ERR_LIB_SSL ? ERR_reason_error_string(code) : nullptr;
  text += ": " + (reason ? std::string(reason) : e.error_code().message()) + ")";
  if (!tls.insecureSkipVerify) {
    text += tls.serverName.empty()
                ? "; the server certificate must be valid for " + host
                : "; the server certificate must be valid for the TLS server name " +
                      tls.serverName + " (tls-server-name)";
    text += " and signed by a trusted CA";
  }
  return text;
}

TransportError translate(const std::exception& e, const std::string& what, const std::string& host,
                         const TlsOptions& tls) {
  if (auto h = dynamic_cast<const web::http::http_exception*>(&e)) {
    const auto code = h->error_code();
    const std::string text = lower(h->what());
    if (code == std::errc::timed_out || text.find("timed out") != std::string::npos)
      return TransportError(TransportError::Kind::Timeout, what + ": timed out");
    if (code == std::errc::connection_refused || text.find("refused") != std::string::npos)
      return TransportError(TransportError::Kind::Connect, what + ": " + h->what());
    if (text.find("ssl") != std::string::npos || text.find("handshake") != std::string::npos ||
        text.find("certificate") != std::string::npos)
      return TransportError(TransportError::Kind::Tls, what + ": " + tlsFailure(*h, host, tls));
    return TransportError(TransportError::Kind::Io, what + ": " + h->what());
  }
  if (dynamic_cast<const pplx::task_canceled*>(&e))
    return TransportError(TransportError::Kind::Cancelled, what + ": cancelled");
  return TransportError(TransportError::Kind::Io, what + ": " + e.what());
}

// Links a flop::Cancellation to a pplx token for the duration of one request.
class CancelLink {
 public:
  explicit CancelLink(const std::shared_ptr<Cancellation>& cancel) : cancel_(cancel) {
    if (cancel_) id_ = cancel_->onCancel([source = source_] { source.cancel(); });
  }
  ~CancelLink() {
    if (cancel_ && id_) cancel_->removeCallback(id_);
  }
  CancelLink(const CancelLink&) = delete;
  CancelLink& operator=(const CancelLink&) = delete;
  pplx::cancellation_token token() const { return source_.get_token(); }
  bool cancelled() const { return cancel_ && cancel_->cancelled(); }

 private:
  std::shared_ptr<Cancellation> cancel_;
  pplx::cancellation_token_source source_;
  std::uint64_t id_ = 0;
};

}  // namespace

struct CppRestTransport::Impl {
  TlsOptions tls;
  std::mutex mutex;
  // One client per (base URL, timeout): cpprest fixes the timeout per client. Streams get their
  // own client so a long watch never shares a connection pool with short calls.
  std::map<std::pair<std::string, long long>, std::shared_ptr<client::http_client>> clients;

  client::http_client_config configFor(std::chrono::milliseconds timeout) const {
    client::http_client_config config;
    config.set_timeout(timeout);
    config.set_validate_certificates(!tls.insecureSkipVerify);
    TlsOptions copy = tls;
    config.set_ssl_context_callback([copy](boost::asio::ssl::context& ctx) {
      if (!copy.serverName.empty() && !copy.insecureSkipVerify)
        requireCertificateName(ctx, copy.serverName);
      if (!copy.caPem.empty())
        ctx.add_certificate_authority(boost::asio::buffer(copy.caPem.data(), copy.caPem.size()));
      if (!copy.clientCertPem.empty()) {
        ctx.use_certificate_chain(
            boost::asio::buffer(copy.clientCertPem.data(), copy.clientCertPem.size()));
        ctx.use_private_key(boost::asio::buffer(copy.clientKeyPem.data(), copy.clientKeyPem.size()),
                            boost::asio::ssl::context::pem);
      }
    });
    return config;
  }

  std::shared_ptr<client::http_client> clientFor(const std::string& base,
                                                 std::chrono::milliseconds timeout) {
    std::lock_guard lock(mutex);
    auto& slot = clients[{base, timeout.count()}];
    if (!slot) slot = std::make_shared<client::http_client>(web::uri(base), configFor(timeout));
    return slot;
  }

  web::http::http_request build(const Request& request, const std::string& pathAndQuery) const {
    web::http::http_request req(request.method);
    req.set_request_uri(web::uri(pathAndQuery));
    // cpprest takes the Host header as the TLS name: it sends it as SNI and verifies the
    // certificate against it (kube-apiserver does not route on Host).
    if (!tls.serverName.empty()) req.headers().add("Host", tls.serverName);
    std::string contentType;
    for (const auto& [name, value] : request.headers) {
      if (lower(name) == "content-type")
        contentType = value;
      else
        req.headers().add(name, value);
    }
    if (!request.body.empty() || !contentType.empty())
      req.set_body(request.body, contentType.empty() ? "application/octet-stream" : contentType);
    return req;
  }

  static Headers headersOf(const web::http::http_response& response) {
    Headers headers;
    for (const auto& [name, value] : response.headers()) headers[lower(name)] = value;
    return headers;
  }
};

CppRestTransport::CppRestTransport(TlsOptions tls) : impl_(std::make_unique<Impl>()) {
  // A small pool: calls block on their own threads; the pool only runs asio I/O.
  static std::once_flag poolOnce;
  std::call_once(poolOnce, [] {
    try {
      crossplat::threadpool::initialize_with_threads(4);
    } catch (const std::exception&) {
      // Already initialised by an earlier cpprest user: keep that pool.
    }
  });
  impl_->tls = std::move(tls);
}

CppRestTransport::~CppRestTransport() = default;

Response CppRestTransport::send(const Request& request) {
  const auto [base, rest] = splitUrl(request.url);
  const std::string what = request.method + " " + request.url.substr(0, request.url.find('?'));
  CancelLink cancel(request.cancellation);
  try {
    auto http = impl_->clientFor(base, request.timeout);
    auto response = http->request(impl_->build(request, rest), cancel.token()).get();
    Response out;
    out.status = response.status_code();
    out.headers = Impl::headersOf(response);
    auto bytes = response.extract_vector().get();
    out.body.assign(bytes.begin(), bytes.end());
    return out;
  } catch (const TransportError&) {
    throw;
  } catch (const std::exception& e) {
    throw translate(e, what, web::uri(base).host(), impl_->tls);
  }
}

Response CppRestTransport::stream(const Request& request, const ChunkSink& sink) {
  const auto [base, rest] = splitUrl(request.url);
  const std::string what = request.method + " " + request.url.substr(0, request.url.find('?'));
  CancelLink cancel(request.cancellation);
  try {
    client::http_client http(web::uri(base), impl_->configFor(request.timeout));
    auto response = http.request(impl_->build(request, rest), cancel.token()).get();
    Response out;
    out.status = response.status_code();
    out.headers = Impl::headersOf(response);
    if (out.status < 200 || out.status >= 300) {
      auto bytes = response.extract_vector().get();
      out.body.assign(bytes.begin(), bytes.end());
      return out;
    }
    auto buffer = response.body().streambuf();
    std::string chunk(64 * 1024, '\0');
    for (;;) {
      if (cancel.cancelled())
        throw TransportError(TransportError::Kind::Cancelled, what + ": cancelled");
      // Take what is buffered, or wait for at least one byte: never wait for a full chunk.
      auto available = buffer.in_avail();
      std::size_t want = available > 0 ? std::min<std::size_t>(available, chunk.size()) : 1;
      std::size_t n = buffer.getn(reinterpret_cast<std::uint8_t*>(chunk.data()), want).get();
      if (n == 0) break;  // end of stream
      if (!sink(std::string_view(chunk.data(), n))) break;
    }
    return out;
  } catch (const TransportError&) {
    throw;
  } catch (const std::exception& e) {
    if (cancel.cancelled())
      throw TransportError(TransportError::Kind::Cancelled, what + ": cancelled");
    throw translate(e, what, web::uri(base).host(), impl_->tls);
  }
}

}  // namespace flop::http
