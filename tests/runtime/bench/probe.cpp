// The measured process: an informer over one namespace's ConfigMaps and a no-op controller,
// nothing else, so its peak RSS is the runtime's footprint. Prints key=value figures.
//   runtime_bench_probe <namespace> <expected objects> <steady seconds>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <thread>

#include <spdlog/spdlog.h>

#include "flop/http/cpprest_transport.hpp"
#include "flop/kube/controller.hpp"
#include "flop/manager/run.hpp"

using namespace std::chrono;

namespace {

long statusKb(const std::string& field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  return -1;
}

// Resident memory split into anonymous (heap, stacks) and file-backed (the binary, shared
// libraries), and the peak so far.
void printMemory(const char* phase) {
  std::printf("%s_rss_kb=%ld\n%s_rss_anon_kb=%ld\n%s_rss_file_kb=%ld\n%s_peak_rss_kb=%ld\n", phase,
              statusKb("VmRSS"), phase, statusKb("RssAnon"), phase, statusKb("RssFile"), phase,
              statusKb("VmHWM"));
}

class NoopReconciler : public flop::kube::Reconciler {
 public:
  flop::kube::Result reconcile(const flop::kube::Request&) override {
    ++count;
    return flop::kube::Result::done();
  }
  std::atomic<long> count{0};
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s NAMESPACE EXPECTED STEADY_SECONDS\n", argv[0]);
    return 2;
  }
  flop::manager::limitMallocArenas();  // as fl-operator does
  spdlog::set_level(spdlog::level::warn);
  const std::string ns = argv[1];
  const std::size_t expected = std::stoul(argv[2]);
  const int steadySeconds = std::stoi(argv[3]);
  printMemory("start");

  std::mutex mutex;
  std::map<std::string, long> requests;  // by method
  auto config = flop::kube::loadKubeconfig();
  flop::kube::Client client(config, std::make_shared<flop::http::CppRestTransport>(config.tls),
                            [&](const std::string& method, const std::string&, const std::string&) {
                              std::lock_guard lock(mutex);
                              ++requests[method];
                            });
  // One request before the list: TLS and the client's libraries are in memory from here.
  client.get(flop::kube::resources::namespaces, "", ns);
  printMemory("connected");
  flop::kube::InformerOptions options;
  options.namespaces = {ns};
  flop::kube::Informer informer(client, flop::kube::resources::configMaps, options);
  auto reconciler = std::make_shared<NoopReconciler>();
  flop::kube::ControllerOptions co;
  co.maxConcurrentReconciles = 4;
  flop::kube::Controller controller("bench", reconciler, co);
  controller.watchesSelf(informer);

  // 1. Cache sync.
  auto start = steady_clock::now();
  informer.start();
  flop::Cancellation never;
  if (!informer.waitForSync(never, minutes(5)) || informer.store().size() < expected) {
    std::fprintf(stderr, "sync failed: %zu objects\n", informer.store().size());
    return 1;
  }
  auto synced = steady_clock::now();
  std::printf("objects=%zu\nsync_ms=%.1f\n", informer.store().size(),
              duration<double, std::milli>(synced - start).count());
  printMemory("synced");

  // 2. No-op reconciles over every object (queued by the informer during the sync).
  auto reconcileStart = steady_clock::now();
  controller.start();
  while (reconciler->count.load() < static_cast<long>(expected))
    std::this_thread::sleep_for(milliseconds(1));
  double seconds = duration<double>(steady_clock::now() - reconcileStart).count();
  std::printf("reconciles=%ld\nreconcile_seconds=%.3f\nreconciles_per_second=%.0f\n",
              reconciler->count.load(), seconds, reconciler->count.load() / seconds);

  // 3. Steady state: nothing changes; count what we send.
  std::map<std::string, long> before;
  {
    std::lock_guard lock(mutex);
    before = requests;
  }
  long reconcilesBefore = reconciler->count.load();
  std::this_thread::sleep_for(std::chrono::seconds(steadySeconds));
  long writes = 0, reads = 0;
  {
    std::lock_guard lock(mutex);
    for (const auto& [method, n] : requests) {
      long delta = n - before[method];
      (method == "GET" ? reads : writes) += delta;
    }
  }
  std::printf("steady_seconds=%d\nsteady_writes=%ld\nsteady_reads=%ld\nsteady_reconciles=%ld\n",
              steadySeconds, writes, reads, reconciler->count.load() - reconcilesBefore);
  controller.stop();
  informer.stop();
  printMemory("end");
  std::printf("peak_rss_kb=%ld\n", statusKb("VmHWM"));
  return 0;
}
