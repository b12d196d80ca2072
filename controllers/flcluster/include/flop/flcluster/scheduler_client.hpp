#pragma once
// Client of the MindSpore FL scheduler's management REST API (1.5-1.7 contract, see
// shared/reference/mindspore-fl-scheduler.md §2-§4). It accepts both reply flavours: 1.5 bodies
// without "code" and with node_ids/node_id/rank_id, 1.6+ bodies with "code" (a string, or a
// number as the docs print it) and nodeIds/nodeId/rankId/alive. A 400 is an expected outcome and
// comes back as a value carrying the scheduler's error_message verbatim; a missing response is a
// flop::http::TransportError; a reply that is not the documented JSON is a SchedulerProtocolError.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "flop/error.hpp"
#include "flop/http/transport.hpp"

namespace flop::flcluster {

enum class ClusterState {
  Starting,  // "ClUSTER_STARTING" (sic, up to 1.7) or "CLUSTER_STARTING"
  Ready,
  Exit,
  NodeTimeout,
  ScaleOut,
  ScaleIn,
  NewInstance,
  EnableFls,
  DisableFls,
  SchedulerRecovery,
  ScaleOutRollback,
  Busy,     // "": 1.5 renders states 6-8 as an empty string
  Unknown,  // a name this client does not know
};

ClusterState parseClusterState(std::string_view text);
// The canonical name (CLUSTER_STARTING spelled correctly; Busy as "").
std::string_view clusterStateName(ClusterState state);

class SchedulerProtocolError : public Error {
 public:
  using Error::Error;
};

// The outcome of one management call: accepted (HTTP 200 and code "0" or absent) or rejected
// with the scheduler's own words.
struct CallOutcome {
  bool accepted = false;
  int httpStatus = 0;
  std::string message;  // "message" when accepted, "error_message" (verbatim) when rejected
};

struct StateReply {
  CallOutcome outcome;
  ClusterState state = ClusterState::Unknown;
  std::string rawState;  // as sent, e.g. "ClUSTER_STARTING" or ""
};

struct SchedulerNode {
  std::string nodeId;
  std::optional<std::int64_t> rank;  // nullopt when the scheduler sent something unparseable
  std::string role;                  // SERVER, WORKER or SCHEDULER
  std::optional<bool> alive;         // 1.6+ only
};

struct NodesReply {
  CallOutcome outcome;
  std::vector<SchedulerNode> nodes;  // every role, as listed
};

// /newInstance and /queryInstance (1.5+): "result" holds one reply string per server rank, in rank
// order; a reply that is not a string is kept as its JSON text.
struct InstanceReply {
  CallOutcome outcome;
  std::vector<std::string> results;
};

struct SchedulerEndpoint {
  std::string baseUrl;  // e.g. http://flc-scheduler-mgmt.ns.svc:11203 (no trailing slash needed)
  std::optional<std::string> bearerToken;     // the management sidecar's token
  std::chrono::milliseconds timeout{60'000};  // one handler thread: a slow node delays /state
};

class SchedulerClient {
 public:
  SchedulerClient(http::Transport& transport, SchedulerEndpoint endpoint);

  StateReply state();
  NodesReply nodes();
  // server_num is an increment, not a target (the scheduler adds it to its count).
  CallOutcome scaleOut(std::int32_t serverIncrement);
  CallOutcome scaleIn(const std::vector<std::string>& nodeIds);
  // Later sources only; older schedulers answer 404, returned as a rejected outcome.
  CallOutcome scaleOutRollback();
  // 1.5+: the body is the hyper-parameter JSON object, sent as given.
  InstanceReply newInstance(std::string hyperParametersJson);
  InstanceReply queryInstance();
  CallOutcome enableFls();
  CallOutcome disableFls();

 private:
  struct Reply;
  Reply call(std::string_view path, std::string body);
  static InstanceReply instanceReply(std::string_view path, Reply reply);

  http::Transport& transport_;
  SchedulerEndpoint endpoint_;
};

}  // namespace flop::flcluster
