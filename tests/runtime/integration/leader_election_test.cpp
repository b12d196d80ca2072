// Leader election with two real fl-operator processes on one Lease: SIGKILL the leader, the
// other takes over within lease duration + 2 s, and at no sampled moment do both report
// leadership; SIGTERM releases the lease and exits within the bound.
#include <gtest/gtest.h>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <fcntl.h>

#include "support.hpp"

extern char** environ;

using namespace std::chrono;
using namespace std::chrono_literals;
namespace resources = flop::kube::resources;

namespace {

// One fl-operator process with its own metrics port.
class OperatorProcess {
 public:
  OperatorProcess(const std::string& ns, const std::string& logFile)
      : metricsPort_(flop::testing::freePort()) {
    std::vector<std::string> args = {
        FLOP_OPERATOR_BINARY,
        "--kubeconfig=" + flop::testing::env("KUBECONFIG"),
        "--leader-elect",
        "--leader-election-id=rt-leader",
        "--leader-election-namespace=" + ns,
        "--leader-election-lease-duration=4s",
        "--leader-election-renew-deadline=3s",
        "--leader-election-retry-period=500ms",
        "--watch-namespaces=" + ns,
        "--metrics-bind-address=127.0.0.1:" + std::to_string(metricsPort_),
        "--health-probe-bind-address=127.0.0.1:" + std::to_string(flop::testing::freePort()),
        "--graceful-shutdown-timeout=10s",
        "--log-format=json"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 2, logFile.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("cannot start " + args[0]);
  }
  ~OperatorProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  // 1 leading, 0 not, -1 metrics not reachable.
  int leaderStatus() const {
    auto text = flop::testing::localGet(metricsPort_, "/metrics");
    auto at = text.find("leader_election_master_status{");
    if (at == std::string::npos) return -1;
    auto space = text.find("} ", at);
    return std::stod(text.substr(space + 2)) > 0.5 ? 1 : 0;
  }
  void signal(int sig) { ::kill(pid_, sig); }
  // Waits for exit; returns the exit status, or -1 on timeout.
  int wait(milliseconds timeout) {
    auto deadline = steady_clock::now() + timeout;
    while (steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(20ms);
    }
    return -1;
  }

 private:
  pid_t pid_ = -1;
  int metricsPort_;
};

}  // namespace

TEST(LeaderElection, TwoManagersKillTheLeaderTheOtherTakesOver) {
  auto client = flop::testing::adminClient();
  flop::testing::TestNamespace ns(*client, "rt-leader");
  const std::string logs = flop::testing::env("FLOP_BINARY_DIR") + "/Testing/";
  std::filesystem::create_directories(logs);
  auto a = std::make_unique<OperatorProcess>(ns.name(), logs + "leader-a.log");
  ASSERT_TRUE(flop::testing::eventually([&] { return a->leaderStatus() == 1; }, 30s))
      << "first manager never became leader (see " << logs << "leader-a.log)";
  OperatorProcess b(ns.name(), logs + "leader-b.log");
  ASSERT_TRUE(flop::testing::eventually([&] { return b.leaderStatus() == 0; }, 30s));

  // Both alive: sample for a while; exactly one leads.
  for (int i = 0; i < 30; ++i) {
    EXPECT_EQ(a->leaderStatus() + b.leaderStatus(), 1);
    std::this_thread::sleep_for(100ms);
  }
  auto lease = client->get(resources::leases, ns.name(), "rt-leader");
  const std::string firstHolder = lease["spec"]["holderIdentity"];

  a->signal(SIGKILL);
  const auto killed = steady_clock::now();
  a.reset();
  ASSERT_TRUE(flop::testing::eventually([&] { return b.leaderStatus() == 1; }, 20s));
  const auto takeover = duration_cast<milliseconds>(steady_clock::now() - killed);
  std::printf("leader takeover after SIGKILL: %lld ms (bound: lease 4000 ms + 2000 ms)\n",
              static_cast<long long>(takeover.count()));
  EXPECT_LE(takeover, 6000ms);
  lease = client->get(resources::leases, ns.name(), "rt-leader");
  EXPECT_NE(lease["spec"]["holderIdentity"], firstHolder);
  EXPECT_GE(lease["spec"].value("leaseTransitions", 0), 1);

  // SIGTERM: bounded exit, exit code 0, lease released for the next replica.
  const auto terminated = steady_clock::now();
  b.signal(SIGTERM);
  EXPECT_EQ(b.wait(15s), 0);
  EXPECT_LT(steady_clock::now() - terminated, 10s);
  lease = client->get(resources::leases, ns.name(), "rt-leader");
  EXPECT_EQ(lease["spec"].value("holderIdentity", ""), "") << "lease released on shutdown";
}
