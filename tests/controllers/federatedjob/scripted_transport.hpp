#pragma once
// A Transport answering from a test's function and keeping every request it saw.
#include <functional>
#include <vector>

#include "flop/http/transport.hpp"

namespace flop::federatedjob::testing {

class ScriptedTransport : public http::Transport {
 public:
  using Answer = std::function<http::Response(const http::Request&)>;
  explicit ScriptedTransport(Answer answer) : answer_(std::move(answer)) {}

  http::Response send(const http::Request& request) override {
    requests.push_back(request);
    return answer_(request);
  }
  http::Response stream(const http::Request& request, const http::ChunkSink&) override {
    return send(request);
  }

  std::vector<http::Request> requests;

 private:
  Answer answer_;
};

inline http::Response jsonResponse(int status, const nlohmann::json& body) {
  return http::Response{status, {{"content-type", "application/json"}}, body.dump()};
}

}  // namespace flop::federatedjob::testing
