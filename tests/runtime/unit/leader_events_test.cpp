// Leader election against an in-memory Lease API (optimistic concurrency like the real one),
// and event aggregation/rate limiting.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "flop/http/fake_transport.hpp"
#include "flop/kube/events.hpp"
#include "flop/kube/leader_election.hpp"

using namespace std::chrono;
using namespace std::chrono_literals;
using flop::http::FakeTransport;
using flop::http::Request;
using flop::http::Response;
using flop::kube::Json;

namespace {

const std::string kLeasePath = "/apis/coordination.k8s.io/v1/namespaces/ns/leases/op";

// One Lease with resourceVersion checks, shared by several clients.
class LeaseServer {
 public:
  std::optional<Response> handle(const Request& r) {
    std::lock_guard lock(mutex_);
    const auto path = FakeTransport::pathOf(r.url);
    if (r.method == "GET" && path == kLeasePath) {
      if (!lease_) return FakeTransport::status(404, "NotFound", "leases \"op\" not found");
      return FakeTransport::json(200, *lease_);
    }
    if (r.method == "POST" && path == "/apis/coordination.k8s.io/v1/namespaces/ns/leases") {
      if (lease_) return FakeTransport::status(409, "AlreadyExists", "exists");
      lease_ = Json::parse(r.body);
      (*lease_)["metadata"]["resourceVersion"] = std::to_string(++rv_);
      return FakeTransport::json(201, *lease_);
    }
    if (r.method == "PUT" && path == kLeasePath) {
      Json body = Json::parse(r.body);
      if (!lease_ || body["metadata"].value("resourceVersion", "") !=
                         (*lease_)["metadata"].value("resourceVersion", ""))
        return FakeTransport::status(409, "Conflict", "the object has been modified");
      lease_ = body;
      (*lease_)["metadata"]["resourceVersion"] = std::to_string(++rv_);
      return FakeTransport::json(200, *lease_);
    }
    return std::nullopt;
  }
  std::string holder() {
    std::lock_guard lock(mutex_);
    return lease_ ? (*lease_)["spec"].value("holderIdentity", "") : "";
  }
  int transitions() {
    std::lock_guard lock(mutex_);
    return lease_ ? (*lease_)["spec"].value("leaseTransitions", 0) : -1;
  }

 private:
  std::mutex mutex_;
  std::optional<Json> lease_;
  int rv_ = 0;
};

// A candidate process: its own transport (which can be cut off) and elector thread.
struct Candidate {
  std::string id;
  std::shared_ptr<FakeTransport> transport = std::make_shared<FakeTransport>();
  std::shared_ptr<std::atomic<bool>> partitioned = std::make_shared<std::atomic<bool>>(false);
  std::unique_ptr<flop::kube::Client> client;
  std::unique_ptr<flop::kube::LeaderElector> elector;
  flop::Cancellation stop;
  std::atomic<bool> leading{false};
  std::atomic<int> starts{0};
  std::atomic<bool> cleanExit{false};
  std::thread thread;

  Candidate(std::string name, LeaseServer& server) : id(std::move(name)) {
    transport->setHandler([&server, p = partitioned](const Request& r) -> std::optional<Response> {
      if (p->load())
        throw flop::http::TransportError(flop::http::TransportError::Kind::Connect, "partitioned");
      return server.handle(r);
    });
    flop::kube::Config config;
    config.server = "https://api";
    config.qps = 0;
    client = std::make_unique<flop::kube::Client>(config, transport);
    flop::kube::LeaderElectionConfig le;
    le.namespace_ = "ns";
    le.name = "op";
    le.identity = id;
    le.leaseDuration = 1000ms;
    le.renewDeadline = 600ms;
    le.retryPeriod = 100ms;
    elector = std::make_unique<flop::kube::LeaderElector>(*client, le);
  }
  void start(std::atomic<int>* leadersNow, std::atomic<int>* maxLeaders) {
    thread = std::thread([=, this] {
      cleanExit = elector->run(
          stop,
          [=, this] {
            leading = true;
            ++starts;
            int now = ++*leadersNow;
            int prev = maxLeaders->load();
            while (now > prev && !maxLeaders->compare_exchange_weak(prev, now)) {
            }
          },
          [=, this] {
            --*leadersNow;
            leading = false;
          });
    });
  }
  ~Candidate() {
    stop.cancel();
    if (thread.joinable()) thread.join();
  }
};

bool eventually(const std::function<bool()>& condition, milliseconds timeout = 5s) {
  auto deadline = steady_clock::now() + timeout;
  while (steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(5ms);
  }
  return condition();
}

}  // namespace

TEST(LeaderElection, OneLeaderReleaseOnStopLetsTheOtherTakeOverAtOnce) {
  LeaseServer server;
  std::atomic<int> leadersNow{0}, maxLeaders{0};
  Candidate a("a", server), b("b", server);
  a.start(&leadersNow, &maxLeaders);
  ASSERT_TRUE(eventually([&] { return a.leading.load(); }));
  b.start(&leadersNow, &maxLeaders);
  std::this_thread::sleep_for(1500ms);  // longer than the lease: a keeps renewing
  EXPECT_FALSE(b.leading.load());
  EXPECT_EQ(server.holder(), "a");
  auto stopped = steady_clock::now();
  a.stop.cancel();
  a.thread.join();
  EXPECT_TRUE(a.cleanExit.load());
  ASSERT_TRUE(eventually([&] { return b.leading.load(); }));
  EXPECT_LT(steady_clock::now() - stopped, 500ms) << "released lease needs no expiry wait";
  EXPECT_EQ(server.holder(), "b");
  EXPECT_EQ(maxLeaders.load(), 1);
}

TEST(LeaderElection, PartitionedLeaderStepsDownBeforeTheOtherTakesOver) {
  LeaseServer server;
  std::atomic<int> leadersNow{0}, maxLeaders{0};
  Candidate a("a", server), b("b", server);
  a.start(&leadersNow, &maxLeaders);
  ASSERT_TRUE(eventually([&] { return a.leading.load(); }));
  b.start(&leadersNow, &maxLeaders);
  std::this_thread::sleep_for(300ms);
  auto cut = steady_clock::now();
  *a.partitioned = true;  // a can no longer renew
  a.thread.join();        // a's run() returns once it gives up
  auto steppedDown = steady_clock::now();
  EXPECT_FALSE(a.cleanExit.load()) << "leadership was lost, not released";
  EXPECT_GE(steppedDown - cut, 500ms);
  ASSERT_TRUE(eventually([&] { return b.leading.load(); }, 3s));
  auto tookOver = steady_clock::now();
  EXPECT_LE(tookOver - cut, 1000ms + 600ms) << "within lease duration + retry slack";
  EXPECT_EQ(maxLeaders.load(), 1) << "never two leaders at once";
  EXPECT_EQ(server.transitions(), 1);
}

TEST(LeaderElection, MicroTimeFormat) {
  auto t = system_clock::time_point(seconds(1'700'000'000)) + microseconds(123456);
  EXPECT_EQ(flop::kube::formatMicroTime(t), "2023-11-14T22:13:20.123456Z");
  EXPECT_EQ(flop::kube::formatTime(t), "2023-11-14T22:13:20Z");
}

TEST(EventAggregator, RepeatsBecomeCountsOnOneEvent) {
  flop::kube::EventAggregator agg;
  auto t0 = system_clock::now();
  auto d1 = agg.decide("uid", "Normal", "Submitted", "job 1 submitted", "name-1", t0);
  EXPECT_EQ(d1.action, flop::kube::EventDecision::Action::Create);
  EXPECT_EQ(d1.eventName, "name-1");
  auto d2 = agg.decide("uid", "Normal", "Submitted", "job 1 submitted", "name-2", t0 + 1s);
  EXPECT_EQ(d2.action, flop::kube::EventDecision::Action::Patch);
  EXPECT_EQ(d2.eventName, "name-1");
  EXPECT_EQ(d2.count, 2);
  EXPECT_EQ(d2.firstTimestamp, t0);
  auto other = agg.decide("uid", "Warning", "Submitted", "job 1 submitted", "name-3", t0 + 2s);
  EXPECT_EQ(other.action, flop::kube::EventDecision::Action::Create) << "type is part of the key";
  auto expired = agg.decide("uid", "Normal", "Submitted", "job 1 submitted", "name-4", t0 + 20min);
  EXPECT_EQ(expired.action, flop::kube::EventDecision::Action::Create) << "outside the window";
  EXPECT_EQ(expired.count, 1);
}

TEST(EventAggregator, ManyDistinctMessagesAreCombined) {
  flop::kube::EventAggregator agg;
  auto t0 = system_clock::now();
  for (int i = 0; i < 10; ++i) {
    auto d = agg.decide("uid", "Warning", "Failed", "party " + std::to_string(i),
                        "n" + std::to_string(i), t0);
    EXPECT_EQ(d.action, flop::kube::EventDecision::Action::Create);
  }
  auto combined = agg.decide("uid", "Warning", "Failed", "party 10", "n10", t0);
  EXPECT_EQ(combined.message, "(combined from similar events): party 10");
  EXPECT_EQ(combined.action, flop::kube::EventDecision::Action::Create);
  auto again = agg.decide("uid", "Warning", "Failed", "party 11", "n11", t0);
  EXPECT_EQ(again.action, flop::kube::EventDecision::Action::Patch);
  EXPECT_EQ(again.eventName, "n10");
}

TEST(EventAggregator, PerObjectRateLimit) {
  flop::kube::EventAggregator::Options o;
  o.burst = 3;
  o.refill = 10s;
  flop::kube::EventAggregator agg(o);
  auto t0 = system_clock::now();
  int dropped = 0;
  for (int i = 0; i < 5; ++i)
    if (agg.decide("hot", "Normal", "R", "m", "n", t0).action ==
        flop::kube::EventDecision::Action::Drop)
      ++dropped;
  EXPECT_EQ(dropped, 2);
  EXPECT_NE(agg.decide("other", "Normal", "R", "m", "n", t0).action,
            flop::kube::EventDecision::Action::Drop)
      << "buckets are per object";
  EXPECT_NE(agg.decide("hot", "Normal", "R", "m", "n", t0 + 11s).action,
            flop::kube::EventDecision::Action::Drop)
      << "tokens refill";
}

TEST(EventRecorder, CreatesThenPatchesAndNeverThrows) {
  auto fake = std::make_shared<FakeTransport>();
  fake->setHandler([](const Request& r) -> std::optional<Response> {
    if (r.method == "POST") return FakeTransport::json(201, Json::parse(r.body));
    if (r.method == "PATCH") return FakeTransport::json(200, Json::parse(r.body));
    return std::nullopt;
  });
  flop::kube::Config config;
  config.server = "https://api";
  config.qps = 0;
  flop::kube::Client client(config, fake);
  flop::kube::EventRecorder recorder(client, {"fl-operator", "host-1"});
  Json job{
      {"apiVersion", "fl.example.org/v1alpha1"},
      {"kind", "FederatedJob"},
      {"metadata", {{"name", "j"}, {"namespace", "ns"}, {"uid", "u-1"}, {"resourceVersion", "4"}}}};
  recorder.normal(job, "Submitted", "FATE job 2026 submitted");
  recorder.normal(job, "Submitted", "FATE job 2026 submitted");
  auto posts = fake->requests("POST");
  auto patches = fake->requests("PATCH");
  ASSERT_EQ(posts.size(), 1u);
  ASSERT_EQ(patches.size(), 1u);
  Json event = Json::parse(posts[0].body);
  EXPECT_EQ(FakeTransport::pathOf(posts[0].url), "/api/v1/namespaces/ns/events");
  EXPECT_EQ(event["involvedObject"]["uid"], "u-1");
  EXPECT_EQ(event["involvedObject"]["kind"], "FederatedJob");
  EXPECT_EQ(event["reason"], "Submitted");
  EXPECT_EQ(event["type"], "Normal");
  EXPECT_EQ(event["source"]["component"], "fl-operator");
  EXPECT_EQ(FakeTransport::pathOf(patches[0].url),
            "/api/v1/namespaces/ns/events/" + event["metadata"]["name"].get<std::string>());
  EXPECT_EQ(Json::parse(patches[0].body)["count"], 2);
  // A failing API server is logged, not thrown into the reconciler.
  fake->setHandler([](const Request&) -> std::optional<Response> {
    return FakeTransport::status(500, "InternalError", "down");
  });
  EXPECT_NO_THROW(recorder.warning(job, "Failed", "x"));
}
