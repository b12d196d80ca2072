// Drives the runtime benchmarks: fills a namespace with 5,000 ~1 KB ConfigMaps, times
// `kubectl get -o json` on them, runs runtime_bench_probe (a separate process, so its peak RSS
// is the runtime's alone) and prints figures and ratios against the targets.
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "flop/http/cpprest_transport.hpp"
#include "flop/kube/client.hpp"

using namespace std::chrono;
using flop::kube::Json;
namespace resources = flop::kube::resources;

namespace {

constexpr int kObjects = 5000;

std::string run(const std::string& command) {
  std::string out;
  std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
  if (!pipe) return out;
  std::array<char, 4096> buf{};
  while (auto n = fread(buf.data(), 1, buf.size(), pipe.get())) out.append(buf.data(), n);
  return out;
}

std::map<std::string, std::string> parseFigures(const std::string& text) {
  std::map<std::string, std::string> out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    auto line = text.substr(start, end - start);
    auto eq = line.find('=');
    if (eq != std::string::npos) out[line.substr(0, eq)] = line.substr(eq + 1);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || std::string(argv[1]) != "--probe") {
    std::fprintf(stderr, "usage: %s --probe PATH\n", argv[0]);
    return 2;
  }
  const std::string probe = argv[2];
  spdlog::set_level(spdlog::level::warn);
  auto config = flop::kube::loadKubeconfig();
  config.qps = 0;
  flop::kube::Client client(config, std::make_shared<flop::http::CppRestTransport>(config.tls));
  const std::string ns = "rt-bench-" + std::to_string(std::random_device{}() % 100000);
  client.create(resources::namespaces,
                {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", ns}}}});

  // 5,000 ConfigMaps of about 1 KB each, created by 8 writers.
  auto fillStart = steady_clock::now();
  std::atomic<int> next{0};
  std::vector<std::thread> writers;
  const std::string payload(800, 'x');
  for (int w = 0; w < 8; ++w) {
    writers.emplace_back([&] {
      for (int i; (i = next++) < kObjects;) {
        client.create(resources::configMaps,
                      {{"apiVersion", "v1"},
                       {"kind", "ConfigMap"},
                       {"metadata",
                        {{"name", "bench-" + std::to_string(i)},
                         {"namespace", ns},
                         {"labels", {{"app", "bench"}, {"index", std::to_string(i)}}}}},
                       {"data", {{"payload", payload}}}});
      }
    });
  }
  for (auto& t : writers) t.join();
  std::printf("created %d ConfigMaps in %.1f s\n", kObjects,
              duration<double>(steady_clock::now() - fillStart).count());
  auto sample = client.get(resources::configMaps, ns, "bench-0");
  std::printf("object size (JSON, with managedFields): %zu bytes\n", sample.dump().size());

  // kubectl baseline: best of 3.
  const std::string kubectl =
      "kubectl get configmaps -n " + ns + " -o json --request-timeout=120s | wc -c";
  double kubectlMs = 1e18;
  std::string bytes;
  for (int i = 0; i < 3; ++i) {
    auto start = steady_clock::now();
    bytes = run(kubectl);
    kubectlMs =
        std::min(kubectlMs, duration<double, std::milli>(steady_clock::now() - start).count());
  }
  std::printf("kubectl get -o json: %.0f ms (best of 3), %s bytes\n", kubectlMs,
              bytes.substr(0, bytes.find('\n')).c_str());

  const int steadySeconds = 60;
  const std::string output = run(probe + " " + ns + " " + std::to_string(kObjects + 1) + " " +
                                 std::to_string(steadySeconds) + " 2>&1");
  std::printf("--- probe ---\n%s-------------\n", output.c_str());
  auto f = parseFigures(output);
  client.remove(resources::namespaces, "", ns);
  if (!f.count("peak_rss_kb")) {
    std::fprintf(stderr, "the probe failed\n");
    return 1;
  }
  const double syncMs = std::stod(f["sync_ms"]);
  const double peakMb = std::stod(f["peak_rss_kb"]) / 1024.0;
  const long writes = std::stol(f["steady_writes"]);
  std::printf("\nFIGURES\n");
  std::printf("cache sync, %s objects: %.0f ms; kubectl: %.0f ms; ratio %.2f (target <= 2.00)\n",
              f["objects"].c_str(), syncMs, kubectlMs, syncMs / kubectlMs);
  std::printf("peak RSS of the whole probe process: %.1f MB (target <= 25 MB)\n", peakMb);
  std::printf("no-op controller: %s reconciles/s (4 workers)\n",
              f["reconciles_per_second"].c_str());
  std::printf("steady state over %d s: %ld writes, %s reads (target: 0 writes)\n", steadySeconds,
              writes, f["steady_reads"].c_str());
  // Regressions fail the benchmark; the figures above are the record.
  return writes == 0 ? 0 : 1;
}
