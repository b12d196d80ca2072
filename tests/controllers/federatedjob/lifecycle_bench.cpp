// Figures for the FederatedJob controller (LABEL bench, not run by default):
//   * what one successful job costs: FATE-Flow calls and API server writes, by kind (and the same
//     for a MindSpore instance that is suspended and resumed);
//   * the time of one reconcile against in-memory fakes (the controller's own overhead);
//   * the time of decide() + summarize() on a running job.
// Printed to stdout and recorded as test properties; nothing here is a pass/fail speed check.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <map>

#include "fake_world.hpp"
#include "flop/federatedjob/record.hpp"
#include "flop/federatedjob/summary.hpp"

namespace flop::federatedjob {
namespace {

using testing::at;
using testing::World;
using SteadyClock = std::chrono::steady_clock;

TEST(FederatedJobBench, CallsAndWritesForOneSuccessfulJob) {
  World world;
  world.reconcile();  // finalizer, attempt, lookup, submit, tag, first poll
  for (int t = 2; t <= 20; t += 2) {
    world.now = at(t);
    if (t == 20) world.jobState = "success";
    world.reconcile();
  }
  ASSERT_EQ(world.job()["status"]["phase"], "Succeeded");
  std::map<std::string, int> byKind;
  for (const auto& entry : world.timeline) {
    byKind[entry.substr(0, entry.find(" {"))]++;
  }
  for (const auto& [kind, count] : byKind) {
    std::printf("calls for one job (20 s, polled every 2 s): %-28s %d\n", kind.c_str(), count);
    ::testing::Test::RecordProperty(kind, count);
  }
  EXPECT_EQ(world.submissions, 1);
}

TEST(FederatedJobBench, CallsAndWritesForOneMindSporeInstanceWithSuspendAndResume) {
  World world;
  world.useMindSpore();
  world.reconcile();  // attempt, /newInstance, /queryInstance
  world.job()["spec"]["runPolicy"] = {{"suspend", true}};
  world.now = at(10);
  world.reconcile();
  world.job()["spec"]["runPolicy"]["suspend"] = false;
  world.now = at(20);
  world.reconcile();
  ASSERT_EQ(world.job()["status"]["phase"], "Succeeded");
  std::map<std::string, int> byKind;
  for (const auto& entry : world.timeline) byKind[entry.substr(0, entry.find(" {"))]++;
  for (const auto& [kind, count] : byKind) {
    std::printf("calls for one MindSpore instance, suspended and resumed: %-24s %d\n", kind.c_str(),
                count);
    ::testing::Test::RecordProperty(kind, count);
  }
  EXPECT_EQ(world.schedulerCalls["/newInstance"], 1);
}

TEST(FederatedJobBench, ReconcileOverheadAgainstFakes) {
  World world;
  world.reconcile();
  const int rounds = 2000;
  auto started = SteadyClock::now();
  for (int i = 0; i < rounds; ++i) {
    world.now = at(1000 + 60 * i);  // always due for a poll: GET, query, status patch
    world.reconcile();
  }
  double micros =
      std::chrono::duration<double, std::micro>(SteadyClock::now() - started).count() / rounds;
  std::printf("one polling reconcile (GET + FATE query + status merge patch, fakes): %.1f us\n",
              micros);
  ::testing::Test::RecordProperty("reconcile_us", std::to_string(micros));
}

TEST(FederatedJobBench, DecideAndSummarize) {
  auto job = testing::withFinalizer(testing::fateJob());
  recordAttempt(job, at(0));
  SubmitOutcome outcome;
  outcome.jobId = "j1";
  recordSubmit(job, outcome, at(0));
  const int rounds = 100000;
  int queries = 0;
  auto started = SteadyClock::now();
  for (int i = 0; i < rounds; ++i) {
    auto context = testing::contextAt(at(i % 50));
    summarize(job, context);
    queries += decide(job, context).kind == ActionKind::Query;
  }
  double nanos =
      std::chrono::duration<double, std::nano>(SteadyClock::now() - started).count() / rounds;
  std::printf("decide() + summarize() on a running job: %.0f ns\n", nanos);
  ::testing::Test::RecordProperty("decide_summarize_ns", std::to_string(nanos));
  EXPECT_EQ(queries, rounds);
}

}  // namespace
}  // namespace flop::federatedjob
