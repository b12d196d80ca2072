// Work queue semantics: dedup, one worker per key, backoff, delayed adds, drain on shutdown.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "flop/kube/backoff.hpp"
#include "flop/kube/workqueue.hpp"

using namespace std::chrono;
using namespace std::chrono_literals;
using flop::kube::WorkQueue;

namespace {
std::unique_ptr<flop::kube::RateLimiter> fastLimiter() {
  return std::make_unique<flop::kube::ItemExponentialRateLimiter>(1ms, 50ms);
}
}  // namespace

TEST(WorkQueue, DeduplicatesQueuedKeys) {
  WorkQueue q(fastLimiter());
  q.add("a");
  q.add("b");
  q.add("a");
  EXPECT_EQ(q.len(), 2u);
  EXPECT_EQ(q.get(), "a");
  EXPECT_EQ(q.get(), "b");
  EXPECT_EQ(q.len(), 0u);
}

TEST(WorkQueue, KeyReaddedWhileProcessingWaitsForDone) {
  WorkQueue q(fastLimiter());
  q.add("a");
  auto key = q.get();
  ASSERT_EQ(key, "a");
  q.add("a");  // arrives while a worker holds "a"
  q.add("a");
  EXPECT_EQ(q.len(), 0u) << "must not be handed to a second worker";
  EXPECT_EQ(q.processing(), 1u);
  q.done("a");
  EXPECT_EQ(q.len(), 1u) << "the re-add is queued once, after done()";
  EXPECT_EQ(q.get(), "a");
  q.done("a");
  EXPECT_EQ(q.len(), 0u);
}

TEST(WorkQueue, NeverTwoWorkersOnTheSameKey) {
  WorkQueue q(fastLimiter());
  std::atomic<int> inFlight[4] = {0, 0, 0, 0};
  std::atomic<int> overlaps{0}, processed{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < 6; ++w) {
    workers.emplace_back([&] {
      while (auto key = q.get()) {
        int k = (*key)[0] - 'a';
        if (inFlight[k].fetch_add(1) != 0) ++overlaps;
        std::this_thread::sleep_for(50us);
        inFlight[k].fetch_sub(1);
        ++processed;
        q.done(*key);
      }
    });
  }
  for (int i = 0; i < 4000; ++i) q.add(std::string(1, static_cast<char>('a' + i % 4)));
  while (q.len() > 0 || q.processing() > 0) std::this_thread::sleep_for(1ms);
  q.shutDown();
  for (auto& t : workers) t.join();
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_GT(processed.load(), 0);
  EXPECT_LE(processed.load(), 4000);
}

TEST(WorkQueue, AddAfterDelaysAndKeepsTheEarliest) {
  WorkQueue q(fastLimiter());
  auto start = steady_clock::now();
  q.addAfter("late", 200ms);
  q.addAfter("soon", 30ms);
  q.addAfter("late", 40ms);   // an earlier time wins
  q.addAfter("soon", 500ms);  // a later one is ignored
  EXPECT_EQ(q.len(), 0u);
  EXPECT_EQ(q.waiting(), 2u);
  EXPECT_EQ(q.get(), "soon");
  EXPECT_GE(steady_clock::now() - start, 30ms);
  EXPECT_EQ(q.get(), "late");
  EXPECT_LT(steady_clock::now() - start, 190ms);
}

TEST(WorkQueue, RateLimitedAddsBackOffExponentiallyUntilForget) {
  flop::kube::ItemExponentialRateLimiter limiter(5ms, 1000s);
  EXPECT_EQ(limiter.when("x"), 5ms);
  EXPECT_EQ(limiter.when("x"), 10ms);
  EXPECT_EQ(limiter.when("x"), 20ms);
  EXPECT_EQ(limiter.when("y"), 5ms) << "backoff is per item";
  EXPECT_EQ(limiter.retries("x"), 3);
  limiter.forget("x");
  EXPECT_EQ(limiter.retries("x"), 0);
  EXPECT_EQ(limiter.when("x"), 5ms);
  flop::kube::ItemExponentialRateLimiter capped(1s, 3s);
  for (int i = 0; i < 10; ++i) capped.when("z");
  EXPECT_EQ(capped.when("z"), 3s);
}

TEST(WorkQueue, OverallBucketLimitsBursts) {
  flop::kube::BucketRateLimiter bucket(10, 3);
  EXPECT_EQ(bucket.when("a"), 0ms);
  EXPECT_EQ(bucket.when("b"), 0ms);
  EXPECT_EQ(bucket.when("c"), 0ms);
  auto fourth = bucket.when("d");
  EXPECT_GE(fourth, 90ms);
  EXPECT_LE(fourth, 110ms);
  auto limiter = flop::kube::defaultControllerRateLimiter();
  EXPECT_EQ(limiter->when("k"), 5ms);
  EXPECT_EQ(limiter->when("k"), 10ms);
}

TEST(WorkQueue, RequeueCountAndMetrics) {
  struct Recorder : flop::kube::QueueMetrics {
    std::atomic<int> adds{0}, retries{0}, latencies{0}, works{0};
    void added() override { ++adds; }
    void retried() override { ++retries; }
    void queueLatency(double) override { ++latencies; }
    void workDuration(double) override { ++works; }
  };
  auto metrics = std::make_shared<Recorder>();
  WorkQueue q(fastLimiter(), metrics);
  q.add("k");
  auto key = q.get();
  q.addRateLimited(*key);
  q.done(*key);
  EXPECT_EQ(q.numRequeues("k"), 1);
  EXPECT_EQ(q.get(), "k");  // after the backoff
  q.forget("k");
  q.done("k");
  EXPECT_EQ(q.numRequeues("k"), 0);
  EXPECT_EQ(metrics->adds.load(), 2);
  EXPECT_EQ(metrics->retries.load(), 1);
  EXPECT_EQ(metrics->latencies.load(), 2);
  EXPECT_EQ(metrics->works.load(), 2);
}

TEST(WorkQueue, ShutDownWakesWaitersAndRejectsAdds) {
  WorkQueue q(fastLimiter());
  std::thread waiter([&] { EXPECT_EQ(q.get(), std::nullopt); });
  std::this_thread::sleep_for(20ms);
  q.shutDown();
  waiter.join();
  q.add("x");
  EXPECT_EQ(q.len(), 0u);
  EXPECT_TRUE(q.shuttingDown());
}

TEST(WorkQueue, DrainWaitsForKeysInFlight) {
  WorkQueue q(fastLimiter());
  q.add("busy");
  q.add("queued");
  auto key = q.get();
  std::atomic<bool> finished{false};
  std::thread worker([&] {
    std::this_thread::sleep_for(100ms);
    finished = true;
    q.done(*key);
  });
  auto start = steady_clock::now();
  EXPECT_TRUE(q.shutDownWithDrain(5s));
  EXPECT_TRUE(finished.load()) << "drain returned before the key in flight was done";
  EXPECT_GE(steady_clock::now() - start, 90ms);
  EXPECT_EQ(q.get(), std::nullopt) << "queued keys are not handed out after shutdown";
  worker.join();
}

TEST(WorkQueue, DrainIsBounded) {
  WorkQueue q(fastLimiter());
  q.add("stuck");
  auto key = q.get();
  auto start = steady_clock::now();
  EXPECT_FALSE(q.shutDownWithDrain(50ms));
  EXPECT_LT(steady_clock::now() - start, 1s);
  q.done(*key);
}

TEST(Backoff, GrowsCapsAndResets) {
  flop::kube::Backoff b(100ms, 1s, 2.0, 0.0);
  EXPECT_EQ(b.next(), 100ms);
  EXPECT_EQ(b.next(), 200ms);
  EXPECT_EQ(b.next(), 400ms);
  EXPECT_EQ(b.next(), 800ms);
  EXPECT_EQ(b.next(), 1s);
  EXPECT_EQ(b.next(), 1s);
  b.reset();
  EXPECT_EQ(b.next(), 100ms);
  flop::kube::Backoff jittered(1000ms, 10s, 2.0, 0.2);
  for (int i = 0; i < 20; ++i) {
    jittered.reset();
    auto d = jittered.next();
    EXPECT_GE(d, 800ms);
    EXPECT_LE(d, 1200ms);
  }
}
