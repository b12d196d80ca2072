// Controller: results, contained exceptions, backoff, owner mapping, workers, drain.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>

#include "flop/http/fake_transport.hpp"
#include "flop/kube/controller.hpp"

using namespace std::chrono;
using namespace std::chrono_literals;
using flop::http::FakeTransport;
using flop::kube::Controller;
using flop::kube::Json;
using flop::kube::Request;
using flop::kube::Result;

namespace {

// A reconciler driven by a function, counting calls per key.
class FunctionReconciler : public flop::kube::Reconciler {
 public:
  explicit FunctionReconciler(std::function<Result(const Request&, int attempt)> fn)
      : fn_(std::move(fn)) {}
  Result reconcile(const Request& request) override {
    int attempt;
    {
      std::lock_guard lock(mutex_);
      attempt = ++calls_[request.key()];
    }
    return fn_(request, attempt);
  }
  int calls(const std::string& key) {
    std::lock_guard lock(mutex_);
    return calls_[key];
  }

 private:
  std::function<Result(const Request&, int)> fn_;
  std::mutex mutex_;
  std::map<std::string, int> calls_;
};

struct CountingMetrics : flop::kube::RuntimeMetrics {
  std::mutex mutex;
  std::map<std::string, int> results;
  int errors = 0;
  void reconciled(const std::string&, const std::string& result, double) override {
    std::lock_guard lock(mutex);
    ++results[result];
  }
  void reconcileError(const std::string&) override {
    std::lock_guard lock(mutex);
    ++errors;
  }
  int result(const std::string& r) {
    std::lock_guard lock(mutex);
    return results[r];
  }
};

flop::kube::ControllerOptions options(std::shared_ptr<CountingMetrics> metrics, int workers = 1) {
  flop::kube::ControllerOptions o;
  o.maxConcurrentReconciles = workers;
  o.metrics = std::move(metrics);
  o.rateLimiter = [] {
    return std::make_unique<flop::kube::ItemExponentialRateLimiter>(1ms, 20ms);
  };
  return o;
}

bool eventually(const std::function<bool()>& condition, milliseconds timeout = 5s) {
  auto deadline = steady_clock::now() + timeout;
  while (steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(2ms);
  }
  return condition();
}

}  // namespace

TEST(Controller, DoneReconcilesOnce) {
  auto metrics = std::make_shared<CountingMetrics>();
  auto r = std::make_shared<FunctionReconciler>([](auto&, int) { return Result::done(); });
  Controller c("test", r, options(metrics));
  c.start();
  c.enqueue({"ns", "a"});
  ASSERT_TRUE(eventually([&] { return metrics->result("success") == 1; }));
  std::this_thread::sleep_for(30ms);
  c.stop();
  EXPECT_EQ(r->calls("ns/a"), 1);
}

TEST(Controller, ErrorsAndExceptionsAreContainedCountedAndRetriedWithBackoff) {
  auto metrics = std::make_shared<CountingMetrics>();
  auto r = std::make_shared<FunctionReconciler>([](const Request&, int attempt) -> Result {
    if (attempt == 1) return Result::error("first failure");
    if (attempt == 2) throw std::runtime_error("boom");
    if (attempt == 3) throw 42;  // not even a std::exception
    return Result::done();
  });
  Controller c("test", r, options(metrics));
  c.start();
  c.enqueue({"ns", "flaky"});
  ASSERT_TRUE(eventually([&] { return metrics->result("success") == 1; }));
  c.stop();
  EXPECT_EQ(r->calls("ns/flaky"), 4);
  EXPECT_EQ(metrics->result("error"), 3);
  EXPECT_EQ(metrics->errors, 3);
  EXPECT_EQ(c.queue().numRequeues("ns/flaky"), 0) << "success forgets the backoff";
}

TEST(Controller, RequeueAndRequeueAfter) {
  auto metrics = std::make_shared<CountingMetrics>();
  steady_clock::time_point first, second;
  auto r = std::make_shared<FunctionReconciler>([&](const Request& req, int attempt) -> Result {
    if (req.name == "later") {
      if (attempt == 1) {
        first = steady_clock::now();
        return Result::requeueAfter(80ms);
      }
      second = steady_clock::now();
      return Result::done();
    }
    return attempt < 3 ? Result::requeue() : Result::done();
  });
  Controller c("test", r, options(metrics));
  c.start();
  c.enqueue({"ns", "later"});
  c.enqueue({"ns", "again"});
  ASSERT_TRUE(eventually([&] { return metrics->result("success") == 2; }));
  c.stop();
  EXPECT_EQ(r->calls("ns/again"), 3);
  EXPECT_EQ(metrics->result("requeue"), 2);
  EXPECT_EQ(metrics->result("requeue_after"), 1);
  EXPECT_GE(second - first, 75ms);
}

TEST(Controller, WorkersRunInParallelButNeverOnTheSameKey) {
  auto metrics = std::make_shared<CountingMetrics>();
  std::mutex mutex;
  std::set<std::string> active;
  int maxParallel = 0;
  std::atomic<int> sameKeyOverlaps{0};
  auto r = std::make_shared<FunctionReconciler>([&](const Request& req, int) {
    {
      std::lock_guard lock(mutex);
      if (!active.insert(req.key()).second) ++sameKeyOverlaps;
      maxParallel = std::max(maxParallel, static_cast<int>(active.size()));
    }
    std::this_thread::sleep_for(2ms);
    {
      std::lock_guard lock(mutex);
      active.erase(req.key());
    }
    return Result::done();
  });
  Controller c("test", r, options(metrics, 4));
  c.start();
  for (int round = 0; round < 5; ++round)
    for (int i = 0; i < 40; ++i) c.enqueue({"ns", "o" + std::to_string(i)});
  ASSERT_TRUE(eventually([&] { return c.queue().len() == 0 && c.queue().processing() == 0; }));
  c.stop();
  EXPECT_EQ(sameKeyOverlaps.load(), 0);
  EXPECT_GT(maxParallel, 1);
  EXPECT_LE(maxParallel, 4);
}

TEST(Controller, StopDrainsTheReconcileInFlight) {
  auto metrics = std::make_shared<CountingMetrics>();
  std::atomic<bool> entered{false}, finished{false};
  auto r = std::make_shared<FunctionReconciler>([&](auto&, int) {
    entered = true;
    std::this_thread::sleep_for(100ms);
    finished = true;
    return Result::done();
  });
  Controller c("test", r, options(metrics));
  c.start();
  c.enqueue({"ns", "slow"});
  ASSERT_TRUE(eventually([&] { return entered.load(); }));
  c.stop(5s);
  EXPECT_TRUE(finished.load());
}

TEST(Controller, ChildEventsEnqueueTheirControllerOwner) {
  auto fake = std::make_shared<FakeTransport>();
  auto child = [](const std::string& name, const std::string& ownerKind, const std::string& owner,
                  bool controller) {
    return Json{
        {"metadata",
         {{"name", name},
          {"namespace", "ns"},
          {"resourceVersion", "1"},
          {"ownerReferences",
           {{{"kind", ownerKind}, {"name", owner}, {"uid", "u"}, {"controller", controller}}}}}}};
  };
  fake->enqueue(
      "GET", "/apis/batch/v1/namespaces/ns/jobs",
      FakeTransport::json(200, Json{{"metadata", {{"resourceVersion", "1"}}},
                                    {"items",
                                     {child("j1", "FederatedJob", "fj-1", true),
                                      child("j2", "FederatedJob", "fj-1", true),
                                      child("j3", "FederatedJob", "fj-2", false),  // not controller
                                      child("j4", "CronJob", "cron", true)}}}));
  flop::kube::Config config;
  config.server = "https://api";
  config.qps = 0;
  flop::kube::Client client(config, fake);
  flop::kube::InformerOptions io;
  io.namespaces = {"ns"};
  flop::kube::Informer jobs(client, flop::kube::resources::jobs, io);

  auto metrics = std::make_shared<CountingMetrics>();
  auto r = std::make_shared<FunctionReconciler>([](auto&, int) { return Result::done(); });
  Controller c("federatedjob", r, options(metrics));
  c.owns(jobs, "FederatedJob");
  c.watches(jobs, [](const Json& o) {
    return std::vector<Request>{{"ns", "mapped-" + flop::kube::nameOf(o)}};
  });
  jobs.start();
  c.start();
  ASSERT_TRUE(eventually([&] { return metrics->result("success") >= 5; }));
  std::this_thread::sleep_for(30ms);
  c.stop();
  jobs.stop();
  EXPECT_GE(r->calls("ns/fj-1"), 1);
  EXPECT_EQ(r->calls("ns/fj-2"), 0);
  EXPECT_EQ(r->calls("ns/cron"), 0);
  EXPECT_EQ(r->calls("ns/mapped-j3"), 1);
}
