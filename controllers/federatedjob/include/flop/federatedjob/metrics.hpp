#pragma once
// FederatedJob metrics, behind two small callbacks so the reconciler stays testable:
//   fl_federated_jobs_total{result=created|succeeded|failed}
//   fl_external_requests_total{endpoint, code}   (every FATE-Flow call; code "<error>" = no answer)
#include <functional>
#include <memory>
#include <string>

#include "flop/http/transport.hpp"

namespace prometheus {
class Registry;
}

namespace flop::federatedjob {

struct JobMetrics {
  std::function<void(const std::string& result)> jobOutcome;
  std::function<void(const std::string& endpoint, const std::string& code)> externalRequest;
};

// Registers the two counter families in `registry` and returns callbacks that increment them.
JobMetrics prometheusJobMetrics(prometheus::Registry& registry);

// A Transport that reports each request's path and HTTP status (or "<error>") and forwards it.
class CountingTransport : public http::Transport {
 public:
  CountingTransport(std::shared_ptr<http::Transport> inner,
                    std::function<void(const std::string&, const std::string&)> observe)
      : inner_(std::move(inner)), observe_(std::move(observe)) {}
  http::Response send(const http::Request& request) override;
  http::Response stream(const http::Request& request, const http::ChunkSink& sink) override;

 private:
  void report(const http::Request& request, const std::string& code) const;

  std::shared_ptr<http::Transport> inner_;
  std::function<void(const std::string&, const std::string&)> observe_;
};

}  // namespace flop::federatedjob
