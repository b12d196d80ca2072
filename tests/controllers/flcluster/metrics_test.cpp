// fl_cluster_* metrics: values on a real prometheus-cpp registry, series removed on forget(), and
// which scale results a Decision counts.
#include "flop/flcluster/metrics.hpp"

#include <gtest/gtest.h>
#include <prometheus/registry.h>

#include <map>

namespace flop::flcluster {
namespace {

using namespace std::chrono_literals;

const Clock::time_point kNow = Clock::time_point{} + 1'000'000s;

using Labels = std::map<std::string, std::string>;

// (labels -> value) of one family; counters and gauges by value, histograms by sample count.
std::map<Labels, double> collect(prometheus::Registry& registry, const std::string& family) {
  std::map<Labels, double> out;
  for (const auto& f : registry.Collect()) {
    if (f.name != family) continue;
    for (const auto& m : f.metric) {
      Labels labels;
      for (const auto& l : m.label) labels[l.name] = l.value;
      out[labels] = f.type == prometheus::MetricType::Counter     ? m.counter.value
                    : f.type == prometheus::MetricType::Histogram ? m.histogram.sample_count
                                                                  : m.gauge.value;
    }
  }
  return out;
}

TEST(ClusterMetrics, ServersByState) {
  prometheus::Registry registry;
  ClusterMetrics metrics(registry);
  metrics.servers("ns", "a", {6, 4, 3});
  auto servers = collect(registry, "fl_cluster_servers");
  EXPECT_EQ(servers.size(), 3u);
  EXPECT_EQ((servers[{{"namespace", "ns"}, {"name", "a"}, {"state", "desired"}}]), 6);
  EXPECT_EQ((servers[{{"namespace", "ns"}, {"name", "a"}, {"state", "registered"}}]), 4);
  EXPECT_EQ((servers[{{"namespace", "ns"}, {"name", "a"}, {"state", "ready"}}]), 3);
  metrics.servers("ns", "a", {6, 6, 6});
  EXPECT_EQ(
      (collect(registry,
               "fl_cluster_servers")[{{"namespace", "ns"}, {"name", "a"}, {"state", "ready"}}]),
      6);
}

TEST(ClusterMetrics, SchedulerStateIsOneHot) {
  prometheus::Registry registry;
  ClusterMetrics metrics(registry);
  metrics.schedulerState("ns", "a", ClusterState::ScaleOut);
  auto states = collect(registry, "fl_cluster_scheduler_state");
  double sum = 0;
  for (const auto& [labels, value] : states) sum += value;
  EXPECT_EQ(sum, 1);
  EXPECT_EQ((states[{{"namespace", "ns"}, {"name", "a"}, {"state", "CLUSTER_SCALE_OUT"}}]), 1);
  EXPECT_TRUE(states.count({{"namespace", "ns"}, {"name", "a"}, {"state", "UNREACHABLE"}}));
  metrics.schedulerState("ns", "a", std::nullopt);
  states = collect(registry, "fl_cluster_scheduler_state");
  EXPECT_EQ((states[{{"namespace", "ns"}, {"name", "a"}, {"state", "CLUSTER_SCALE_OUT"}}]), 0);
  EXPECT_EQ((states[{{"namespace", "ns"}, {"name", "a"}, {"state", "UNREACHABLE"}}]), 1);
  EXPECT_EQ(schedulerStateLabel(ClusterState::Starting), "CLUSTER_STARTING");  // not "ClUSTER"
  EXPECT_EQ(schedulerStateLabel(ClusterState::Busy), "BUSY");
}

TEST(ClusterMetrics, ScaleOperationsAndDurations) {
  prometheus::Registry registry;
  ClusterMetrics metrics(registry);
  metrics.scale("ns", "a", {"out", "succeeded", 12.5s});
  metrics.scale("ns", "a", {"out", "succeeded", 3s});
  metrics.scale("ns", "a", {"in", "refused", std::nullopt});
  auto ops = collect(registry, "fl_cluster_scale_operations_total");
  EXPECT_EQ(
      (ops[{{"namespace", "ns"}, {"name", "a"}, {"direction", "out"}, {"result", "succeeded"}}]),
      2);
  EXPECT_EQ((ops[{{"namespace", "ns"}, {"name", "a"}, {"direction", "in"}, {"result", "refused"}}]),
            1);
  auto durations = collect(registry, "fl_cluster_scale_duration_seconds");
  EXPECT_EQ(durations.size(), 1u);  // a refusal never started: no duration
  EXPECT_EQ((durations[{{"direction", "out"}, {"result", "succeeded"}}]), 2);
}

TEST(ClusterMetrics, ForgetRemovesEverySeriesOfTheCluster) {
  prometheus::Registry registry;
  ClusterMetrics metrics(registry);
  for (const auto* name : {"a", "b"}) {
    metrics.servers("ns", name, {2, 2, 2});
    metrics.schedulerState("ns", name, ClusterState::Ready);
    metrics.scale("ns", name, {"in", "succeeded", 1s});
  }
  metrics.forget("ns", "a");
  metrics.forget("ns", "never-seen");
  for (const auto* family :
       {"fl_cluster_servers", "fl_cluster_scheduler_state", "fl_cluster_scale_operations_total"}) {
    auto series = collect(registry, family);
    EXPECT_FALSE(series.empty()) << family;
    for (const auto& [labels, value] : series) EXPECT_EQ(labels.at("name"), "b") << family;
  }
  metrics.servers("ns", "a", {1, 0, 0});  // a new FLCluster of the same name starts afresh
  EXPECT_EQ(collect(registry, "fl_cluster_servers").size(), 6u);
}

Decision withEvent(const std::string& reason, SchedulerCall call = SchedulerCall::None) {
  Decision d;
  d.call = call;
  d.events.push_back({false, reason, ""});
  return d;
}

TEST(ScaleResults, CompletionsRejectionsRollbacksAndRefusals) {
  const ScaleRecord op{4, 6, kNow - 42s};
  EXPECT_EQ(scaleResults(withEvent("ScaleOutCompleted"), op, "", kNow),
            (std::vector<ScaleResult>{{"out", "succeeded", 42s}}));
  EXPECT_EQ(scaleResults(withEvent("ScaleInCompleted"), op, "", kNow),
            (std::vector<ScaleResult>{{"in", "succeeded", 42s}}));
  EXPECT_EQ(scaleResults(withEvent("ScaleRolledBack"), op, "", kNow),
            (std::vector<ScaleResult>{{"out", "failed", 42s}}));
  EXPECT_EQ(
      scaleResults(withEvent("ScaleRejected", SchedulerCall::ScaleIn), std::nullopt, "", kNow),
      (std::vector<ScaleResult>{{"in", "failed", std::nullopt}}));
  // Progress, requests and deadline warnings are not results.
  EXPECT_TRUE(scaleResults(withEvent("ScaleOutRequested"), std::nullopt, "", kNow).empty());
  EXPECT_TRUE(scaleResults(withEvent("ScaleDeadlineExceeded"), op, "", kNow).empty());

  Decision refused;
  refused.conditions.push_back({"Stalled", true, "ScaleInRefused", "rank 0"});
  EXPECT_EQ(scaleResults(refused, std::nullopt, "", kNow),
            (std::vector<ScaleResult>{{"in", "refused", std::nullopt}}));
  // The same refusal repeated on the next reconcile is not counted again.
  EXPECT_TRUE(scaleResults(refused, std::nullopt, "ScaleInRefused", kNow).empty());
  Decision single;
  single.conditions.push_back({"Stalled", true, "SingleServerOnly", "PW_ENCRYPT"});
  EXPECT_EQ(scaleResults(single, std::nullopt, "ScaleInRefused", kNow),
            (std::vector<ScaleResult>{{"out", "refused", std::nullopt}}));
}

}  // namespace
}  // namespace flop::flcluster
