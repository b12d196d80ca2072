#include "flop/federatedjob/metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/registry.h>

namespace flop::federatedjob {
namespace {

// "http://fate:9380/v1/job/query?x" → "/v1/job/query": bounded label values.
std::string endpointOf(const std::string& url) {
  auto scheme = url.find("://");
  auto path = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  if (path == std::string::npos) return "/";
  return url.substr(path, url.find('?', path) - path);
}

}  // namespace

JobMetrics prometheusJobMetrics(prometheus::Registry& registry) {
  auto& jobs = prometheus::BuildCounter()
                   .Name("fl_federated_jobs_total")
                   .Help("FederatedJob outcomes: FATE jobs created, jobs succeeded, jobs failed")
                   .Register(registry);
  auto& requests = prometheus::BuildCounter()
                       .Name("fl_external_requests_total")
                       .Help("Calls to external services (FATE-Flow) by endpoint and HTTP code")
                       .Register(registry);
  JobMetrics metrics;
  metrics.jobOutcome = [&jobs](const std::string& result) {
    jobs.Add({{"result", result}}).Increment();
  };
  metrics.externalRequest = [&requests](const std::string& endpoint, const std::string& code) {
    requests.Add({{"endpoint", endpoint}, {"code", code}}).Increment();
  };
  return metrics;
}

void CountingTransport::report(const http::Request& request, const std::string& code) const {
  if (observe_) observe_(endpointOf(request.url), code);
}

http::Response CountingTransport::send(const http::Request& request) {
  try {
    http::Response response = inner_->send(request);
    report(request, std::to_string(response.status));
    return response;
  } catch (const http::TransportError&) {
    report(request, "<error>");
    throw;
  }
}

http::Response CountingTransport::stream(const http::Request& request,
                                         const http::ChunkSink& sink) {
  try {
    http::Response response = inner_->stream(request, sink);
    report(request, std::to_string(response.status));
    return response;
  } catch (const http::TransportError&) {
    report(request, "<error>");
    throw;
  }
}

}  // namespace flop::federatedjob
