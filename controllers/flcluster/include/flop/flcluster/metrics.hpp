#pragma once
// FLCluster metrics on the runtime's prometheus-cpp registry:
//   fl_cluster_servers{namespace,name,state=desired|registered|ready}             gauge
//   fl_cluster_scheduler_state{namespace,name,state=<scheduler state>|UNREACHABLE} gauge, one-hot
//   fl_cluster_scale_operations_total{namespace,name,direction=out|in,result=succeeded|failed|refused}
//   fl_cluster_scale_duration_seconds{direction,result}  histogram, start of a scale to its end
// Every series labelled with namespace/name is removed when the FLCluster goes away (forget()).
// Which scale results a reconcile produced is a pure function of its Decision (scaleResults).
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "flop/flcluster/scaling.hpp"

namespace prometheus {
class Registry;
class Counter;
class Gauge;
class Histogram;
template <typename T>
class Family;
}  // namespace prometheus

namespace flop::flcluster {

struct ServerCounts {
  std::int32_t desired = 0;
  std::int32_t registered = 0;  // alive SERVER nodes in the scheduler's /nodes
  std::int32_t ready = 0;       // status.readyReplicas
};

// One finished scale attempt: direction "out"|"in", result "succeeded"|"failed"|"refused".
struct ScaleResult {
  std::string direction;
  std::string result;
  std::optional<std::chrono::duration<double>> duration;  // known when it had started
  bool operator==(const ScaleResult&) const = default;
};

// The scale results one reconcile produced: completions, rejections by the scheduler and
// rollbacks (each happens once), and refusals (counted when the refusal first appears, not on
// every reconcile that repeats it: `previousStalledReason` is the Stalled reason before the pass).
std::vector<ScaleResult> scaleResults(const Decision& decision,
                                      const std::optional<ScaleRecord>& recorded,
                                      const std::string& previousStalledReason,
                                      Clock::time_point now);

// The label value of fl_cluster_scheduler_state for a state (nullopt: unreachable).
std::string schedulerStateLabel(std::optional<ClusterState> state);

class ClusterMetrics {
 public:
  explicit ClusterMetrics(prometheus::Registry& registry);

  void servers(const std::string& ns, const std::string& name, const ServerCounts& counts);
  // nullopt: the management API did not answer.
  void schedulerState(const std::string& ns, const std::string& name,
                      std::optional<ClusterState> state);
  void scale(const std::string& ns, const std::string& name, const ScaleResult& result);
  // Removes every series of this FLCluster.
  void forget(const std::string& ns, const std::string& name);

 private:
  using Key = std::pair<std::string, std::string>;
  struct Series {
    std::map<std::string, prometheus::Gauge*> servers;
    std::map<std::string, prometheus::Gauge*> states;
    std::map<std::string, prometheus::Counter*> scales;
  };

  prometheus::Family<prometheus::Gauge>& servers_;
  prometheus::Family<prometheus::Gauge>& state_;
  prometheus::Family<prometheus::Counter>& scales_;
  prometheus::Family<prometheus::Histogram>& duration_;
  std::mutex mutex_;
  std::map<Key, Series> series_;
};

}  // namespace flop::flcluster
