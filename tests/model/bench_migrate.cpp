// Benchmark of `fl-model migrate` (issue 9, label bench). Prints figures and ratios:
//  1. a large model whose converters touch little (>= 500 MB archive of pass-through buffers):
//     wall time vs `cp` of the archive, peak RSS (target <= 1.5x cp, <= 64 MB);
//  2. a SecureBoost-heavy two-party model (thousands of trees, every node's site name changes):
//     wall time vs `unzip` + `zip -r` of the same archives, peak RSS, and the speed-up over
//     FATE-Flow 1.11's own migrate (about 16 s for such a model on these machines).
// Each command runs 3 times after an untimed warm-up run (page cache warm for all, `sync` before
// each run that writes 512 MB); ratios compare medians and every run is printed.
// Sizes: FL_MODEL_BENCH_PASSTHROUGH_MB (default 512), FL_MODEL_BENCH_TREES (default 3000).
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <zip.h>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "boosting_tree.pb.h"
#include "data_transform.pb.h"
#include "flop/model/message_dict.hpp"
#include "flop/model/pyjson.hpp"
#include "pipeline.pb.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
namespace buf = com::webank::ai::fate::core::mlmodel::buffer;
using flop::model::Json;

struct Measured {
  double seconds = 0;
  double cpuSeconds = 0;  // user + sys: the machine may be shared, wall time then inflates
  long maxRssKb = 0;
  int exitCode = -1;
};

fs::path gOutput = "/dev/null";  // where children's stdout goes

// Runs a command as a child of /usr/bin/time: wall time, and the peak RSS of the command itself
// (measured by `time`, because Linux carries a spawning process's RSS high-water mark across
// exec, which would report this generator's memory instead).
Measured runChild(const std::vector<std::string>& command) {
  const fs::path rssFile =
      fs::temp_directory_path() / ("flmodel-bench-rss-" + std::to_string(::getpid()));
  std::vector<std::string> argv = {"/usr/bin/time", "-f", "%M %U %S", "-o", rssFile.string()};
  argv.insert(argv.end(), command.begin(), command.end());
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, gOutput.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  const auto start = std::chrono::steady_clock::now();
  pid_t pid = 0;
  Measured m;
  if (posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ) != 0) return m;
  int status = 0;
  rusage ru{};
  wait4(pid, &status, 0, &ru);
  m.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::ifstream rss(rssFile);
  for (std::string line; std::getline(rss, line);) {
    if (!line.empty() && std::isdigit(static_cast<unsigned char>(line[0]))) {
      std::istringstream fields(line);
      double user = 0, sys = 0;
      fields >> m.maxRssKb >> user >> sys;
      m.cpuSeconds = user + sys;
    }
  }
  fs::remove(rssFile);
  m.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  posix_spawn_file_actions_destroy(&fa);
  return m;
}

Measured runShell(const std::string& script) { return runChild({"/bin/sh", "-c", script}); }

std::string sh(const fs::path& p) { return "'" + p.string() + "'"; }

const char* kRoles = R"({"guest": [9999], "host": [10000], "arbiter": [10000]})";

std::string pipelineBytes(const std::string& modelId, const std::string& version) {
  buf::Pipeline p;
  p.set_inference_dsl(R"({"components": {}})");
  p.set_train_dsl(R"({"components": {}})");
  p.set_train_runtime_conf(
      R"({"dsl_version": 2, "initiator": {"role": "guest", "party_id": 9999}, "role": )" +
      std::string(kRoles) + R"(, "job_parameters": {"common": {"model_id": ")" + modelId +
      R"(", "model_version": ")" + version + R"("}}})");
  p.set_fate_version("1.11.4");
  p.set_model_id(modelId);
  p.set_model_version(version);
  p.set_parent(true);
  p.set_roles(kRoles);
  p.set_initiator_role("guest");
  p.set_initiator_party_id(9999);
  p.set_runtime_conf_on_party(R"({"role": )" + std::string(kRoles) +
                              R"(, "job_parameters": {"model_id": ")" + modelId + R"("}})");
  p.set_parent_info("{}");
  return p.SerializeAsString();
}

class ZipBuilder {
 public:
  explicit ZipBuilder(const fs::path& p) {
    int err = 0;
    za_ = zip_open(p.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
  }
  void add(const std::string& name, std::string data, int level = 6) {
    auto& kept = kept_.emplace_back(std::move(data));
    auto* s = zip_source_buffer(za_, kept.data(), kept.size(), 0);
    const auto idx = zip_file_add(za_, name.c_str(), s, 0);
    zip_set_file_compression(za_, static_cast<zip_uint64_t>(idx), ZIP_CM_DEFLATE,
                             static_cast<zip_uint32_t>(level));
  }
  void close() { zip_close(za_); }

 private:
  zip_t* za_;
  // libzip reads the buffers at zip_close: a deque keeps them in place (a vector would move
  // short strings' inline bytes when it grows, leaving libzip pointing at garbage).
  std::deque<std::string> kept_;
};

const std::string kModelId = "arbiter-10000#guest-9999#host-10000#model";
const std::string kVersion = "202311221053219843970";

using Buffers = std::vector<std::pair<std::string, std::string>>;  // model name -> message
using Components = std::vector<std::tuple<std::string, std::string, Buffers>>;

std::string defineMeta(const Components& comps) {
  std::string out = "component_define:\n";
  for (const auto& [c, m, b] : comps) out += "  " + c + ":\n    module_name: " + m + "\n";
  out += "model_proto:\n";
  for (const auto& [c, m, buffers] : comps) {
    out += "  " + c + (c == "pipeline" ? ":\n    pipeline:\n" : ":\n    model:\n");
    for (const auto& [name, msg] : buffers) out += "      " + name + ": " + msg + "\n";
  }
  return out;
}

fs::path makePassThroughModel(const fs::path& dir, size_t megabytes) {
  const fs::path zip = dir / ("guest#9999#" + kModelId + "_" + kVersion + ".zip");
  ZipBuilder z(zip);
  std::mt19937_64 rng(42);
  Components comps;
  const size_t pieces = (megabytes + 63) / 64;
  for (size_t i = 0; i < pieces; ++i) {
    // A HomoNN-style buffer: field 1 holding incompressible bytes (valid protobuf wire data).
    std::string payload(64u << 20, '\0');
    for (size_t k = 0; k + 8 <= payload.size(); k += 8) {
      const uint64_t v = rng();
      std::memcpy(payload.data() + k, &v, 8);
    }
    std::string bytes = "\x0a";
    uint64_t len = payload.size();
    while (len >= 0x80) {
      bytes += static_cast<char>((len & 0x7f) | 0x80);
      len >>= 7;
    }
    bytes += static_cast<char>(len);
    bytes += payload;
    const std::string comp = "homo_nn_" + std::to_string(i);
    comps.emplace_back(comp, "HomoNN", Buffers{{"HomoNNModelParam", "NNModelParam"}});
    z.add("variables/data/" + comp + "/model/HomoNNModelParam", std::move(bytes), 1);
  }
  buf::DataTransformParam dt;
  for (int i = 0; i < 30; ++i) {
    dt.add_header("x" + std::to_string(i));
    dt.add_anonymous_header("guest_9999_x" + std::to_string(i));
  }
  comps.emplace_back("data_transform_0", "DataTransform",
                     Buffers{{"DataTransformMeta", "DataTransformMeta"},
                             {"DataTransformParam", "DataTransformParam"}});
  z.add("variables/data/data_transform_0/model/DataTransformParam", dt.SerializeAsString());
  z.add("variables/data/data_transform_0/model/DataTransformMeta", std::string("\x0a\x05"
                                                                               "dense",
                                                                               7));
  comps.emplace_back("pipeline", "Pipeline", Buffers{{"Pipeline", "Pipeline"}});
  z.add("variables/data/pipeline/pipeline/Pipeline", pipelineBytes(kModelId, kVersion));
  z.add("define/define_meta.yaml", defineMeta(comps));
  z.close();
  return zip;
}

// A SecureBoost-heavy copy for one party, with FATE 1.9+'s JSON sidecar.
fs::path makeSecureBoostModel(const fs::path& dir, const std::string& role, int party, int trees) {
  const fs::path zip =
      dir / (role + "#" + std::to_string(party) + "#" + kModelId + "_" + kVersion + ".zip");
  std::mt19937 rng(party);
  std::uniform_real_distribution<double> u(-1, 1);
  buf::BoostingTreeModelParam p;
  p.set_tree_num(trees);
  p.set_tree_dim(1);
  p.set_model_name("hetero_sbt");
  for (int f = 0; f < 20; ++f) (*p.mutable_feature_name_fid_mapping())[f] = "x" + std::to_string(f);
  for (int t = 0; t < trees; ++t) {
    auto* tree = p.add_trees_();
    for (int n = 0; n < 63; ++n) {  // depth-5 trees
      auto* node = tree->add_tree_();
      node->set_id(n);
      node->set_sitename(n % 2 ? "guest:9999" : "host:10000");
      node->set_fid(n % 20);
      node->set_bid(u(rng));
      node->set_weight(u(rng));
      node->set_is_leaf(n >= 31);
      if (n < 31) {
        node->set_left_nodeid(2 * n + 1);
        node->set_right_nodeid(2 * n + 2);
      }
      if (n < 31 && n % 2 == 0) (*tree->mutable_split_maskdict())[n] = u(rng);
      if (n < 31 && n % 2 == 0) (*tree->mutable_missing_dir_maskdict())[n] = 1;
    }
    p.add_tree_plan(std::to_string(t % 2) + "_" + (t % 2 ? "10000" : "-1"));
  }
  for (int f = 0; f < 20; ++f) {
    auto* fi = p.add_feature_importances();
    fi->set_sitename(role == "guest" && f % 2 ? "host:10000" : role + ":" + std::to_string(party));
    fi->set_fid(f);
    fi->set_importance(u(rng));
    fi->set_fullname(role == "guest" && f % 2 ? "host_10000_x" + std::to_string(f)
                                              : "x" + std::to_string(f));
  }
  const std::string model =
      role == "guest" ? "HeteroSecureBoostingTreeGuestParam" : "HeteroSecureBoostingTreeHostParam";
  ZipBuilder z(zip);
  z.add("variables/data/hetero_secureboost_0/model/" + model, p.SerializeAsString());
  z.add("variables/data/hetero_secureboost_0/model/" + model + ".json",
        flop::model::messageToPyJson(p));
  const std::string meta =
      role == "guest" ? "HeteroSecureBoostingTreeGuestMeta" : "HeteroSecureBoostingTreeHostMeta";
  z.add("variables/data/hetero_secureboost_0/model/" + meta, "\x10\x01");
  z.add("variables/data/pipeline/pipeline/Pipeline", pipelineBytes(kModelId, kVersion));
  z.add("define/define_meta.yaml",
        "component_define:\n  hetero_secureboost_0:\n    module_name: HeteroSecureBoost\n"
        "  pipeline:\n    module_name: Pipeline\nmodel_proto:\n  hetero_secureboost_0:\n"
        "    model:\n      " +
            model + ": BoostingTreeModelParam\n      " + meta +
            ": BoostingTreeModelMeta\n  pipeline:\n    pipeline:\n      Pipeline: Pipeline\n");
  z.close();
  return zip;
}

uint64_t unzippedSize(const fs::path& zipPath) {
  int err = 0;
  zip_t* za = zip_open(zipPath.c_str(), ZIP_RDONLY, &err);
  uint64_t total = 0;
  for (zip_int64_t i = 0; i < zip_get_num_entries(za, 0); ++i) {
    zip_stat_t st;
    zip_stat_index(za, static_cast<zip_uint64_t>(i), 0, &st);
    total += st.size;
  }
  zip_discard(za);
  return total;
}

void writeConf(const fs::path& path, const std::string& executeParty) {
  std::ofstream(path) << R"({"job_parameters": {"federated_mode": "SINGLE"},
 "migrate_initiator": {"role": "guest", "party_id": 99},
 "role": {"guest": [9999], "host": [10000], "arbiter": [10000]},
 "migrate_role": {"guest": [99], "host": [100], "arbiter": [100]},
 "execute_party": )" << executeParty
                      << R"(,
 "model_id": ")" << kModelId
                      << R"(", "model_version": ")" << kVersion << R"(",
 "unify_model_version": "20240101000000000000"})";
}

double mb(uint64_t bytes) { return static_cast<double>(bytes) / (1 << 20); }

constexpr int kRuns = 3;

// Runs `run` n times and keeps all but the first (which warms the page cache).
template <typename Run>
std::vector<Measured> repeat(int n, Run run) {
  std::vector<Measured> out;
  for (int i = 0; i < n; ++i) {
    auto m = run();
    if (i > 0) out.push_back(m);
  }
  return out;
}

// The run with the median wall time (its cpu time and RSS with it).
Measured median(std::vector<Measured> runs) {
  std::sort(runs.begin(), runs.end(),
            [](const Measured& a, const Measured& b) { return a.seconds < b.seconds; });
  return runs[runs.size() / 2];
}

void printRuns(const char* what, const std::vector<Measured>& runs) {
  std::printf("%s:", what);
  for (const auto& m : runs) {
    std::printf(" [%.3f s wall, %.3f s cpu, %.1f MB, exit %d]", m.seconds, m.cpuSeconds,
                m.maxRssKb / 1024.0, m.exitCode);
  }
  std::printf("\n");
}

// 0 when `fl-model verify` accepts the archive; the inputs are generated, so a problem there is
// the generator's.
int verify(const std::string& flModel, const fs::path& zip, const char* what) {
  const auto m = runChild({flModel, "verify", zip.string()});
  if (m.exitCode != 0)
    std::printf("%s %s does not verify (exit %d)\n", what, zip.c_str(), m.exitCode);
  return m.exitCode != 0 ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FL_MODEL_BINARY\n", argv[0]);
    return 2;
  }
  const std::string flModel = argv[1];
  const size_t passMb = std::getenv("FL_MODEL_BENCH_PASSTHROUGH_MB")
                            ? std::stoul(std::getenv("FL_MODEL_BENCH_PASSTHROUGH_MB"))
                            : 512;
  const int trees =
      std::getenv("FL_MODEL_BENCH_TREES") ? std::stoi(std::getenv("FL_MODEL_BENCH_TREES")) : 3000;
  std::random_device rd;
  const fs::path root = fs::temp_directory_path() / ("flmodel-bench-" + std::to_string(rd()));
  fs::create_directories(root / "in1");
  fs::create_directories(root / "in2");
  int failures = 0;

  // --- Benchmark 1: pass-through model vs cp ---
  // Every command runs kRuns times on a warm page cache (one untimed run of each first); the
  // ratios compare medians, and every run is printed. fl-model runs as users run it (no digest)
  // and as the operator's migrate Job runs it (--digest sha256), which is compared with `cp` +
  // `sha256sum`: hashing 500 MB alone costs about as much as the copy.
  const auto zip1 = makePassThroughModel(root / "in1", passMb);
  writeConf(root / "conf1.json", R"({"guest": [9999]})");
  fs::create_directories(root / "cp1");
  failures += verify(flModel, zip1, "bench1 input");
  runShell("sync");
  const fs::path copy1 = root / "cp1" / "copy.zip";
  const auto cpRuns = repeat(kRuns + 1, [&] {
    fs::remove(copy1);
    runShell("sync");
    return runChild({"cp", zip1.string(), copy1.string()});
  });
  const auto cpHashRuns = repeat(kRuns + 1, [&] {
    fs::remove(copy1);
    runShell("sync");
    return runShell("cp " + sh(zip1) + " " + sh(copy1) + " && sha256sum " + sh(copy1));
  });
  const auto m1Runs = repeat(kRuns + 1, [&] {
    fs::remove_all(root / "out1");
    fs::create_directories(root / "out1");
    runShell("sync");
    gOutput = root / "migrate1.json";
    const auto m = runChild({flModel, "migrate", "-c", (root / "conf1.json").string(), "--model",
                             zip1.string(), "--output-dir", (root / "out1").string()});
    gOutput = "/dev/null";
    return m;
  });
  const auto m1DigestRuns = repeat(kRuns + 1, [&] {
    fs::remove_all(root / "out1");
    fs::create_directories(root / "out1");
    runShell("sync");
    return runChild({flModel, "migrate", "-c", (root / "conf1.json").string(), "--model",
                     zip1.string(), "--output-dir", (root / "out1").string(), "--digest",
                     "sha256"});
  });
  const auto m1 = median(m1Runs);
  const auto m1Digest = median(m1DigestRuns);
  const auto cp = median(cpRuns);
  const auto cpHash = median(cpHashRuns);
  if (m1.exitCode != 0)
    std::printf("bench1 migrate output: %s\n",
                flop::model::pyDumps(Json::parse(std::ifstream(root / "migrate1.json"))).c_str());
  std::printf("bench1 pass-through: archive %.1f MB, unpacked %.1f MB\n", mb(fs::file_size(zip1)),
              mb(unzippedSize(zip1)));
  printRuns("bench1 fl-model migrate", m1Runs);
  printRuns("bench1 fl-model migrate --digest sha256", m1DigestRuns);
  printRuns("bench1 cp", cpRuns);
  printRuns("bench1 cp + sha256sum", cpHashRuns);
  std::printf(
      "bench1 ratio migrate/cp (medians): %.2f wall (target <= 1.5); peak RSS %.1f MB (target "
      "<= 64 MB)\n",
      m1.seconds / cp.seconds, m1.maxRssKb / 1024.0);
  std::printf(
      "bench1 ratio migrate --digest sha256 / cp: %.2f wall, / (cp + sha256sum): %.2f; peak RSS "
      "%.1f MB\n",
      m1Digest.seconds / cp.seconds, m1Digest.seconds / cpHash.seconds, m1Digest.maxRssKb / 1024.0);
  failures += m1.exitCode != 0;
  failures += m1Digest.exitCode != 0;
  for (const auto& out : fs::directory_iterator(root / "out1")) {
    if (out.path().extension() == ".zip") failures += verify(flModel, out.path(), "bench1 output");
  }
  if (!std::getenv("FL_MODEL_BENCH_KEEP")) fs::remove_all(root / "in1");
  fs::remove_all(root / "out1");
  fs::remove_all(root / "cp1");

  // --- Benchmark 2: SecureBoost-heavy two-party model vs unzip + zip -r ---
  const auto g = makeSecureBoostModel(root / "in2", "guest", 9999, trees);
  const auto h = makeSecureBoostModel(root / "in2", "host", 10000, trees);
  failures += verify(flModel, g, "bench2 input") + verify(flModel, h, "bench2 input");
  writeConf(root / "conf2.json", R"({"guest": [9999], "host": [10000]})");
  const auto m2Runs = repeat(kRuns + 1, [&] {
    fs::remove_all(root / "out2");
    fs::create_directories(root / "out2");
    gOutput = root / "migrate2.json";
    const auto m = runChild({flModel, "migrate", "-c", (root / "conf2.json").string(), "--model",
                             (root / "in2").string(), "--output-dir", (root / "out2").string()});
    gOutput = "/dev/null";
    return m;
  });
  const auto m2 = median(m2Runs);
  if (m2.exitCode != 0)
    std::printf("bench2 migrate output: %s\n",
                flop::model::pyDumps(Json::parse(std::ifstream(root / "migrate2.json"))).c_str());
  const auto rezipRuns = repeat(kRuns + 1, [&] {
    return runShell("set -e; cd " + sh(root) +
                    "; for z in in2/*.zip; do rm -rf t; mkdir t; unzip -q \"$z\" -d t; "
                    "(cd t && zip -q -r ../rezipped.zip .); rm -f rezipped.zip; done; rm -rf t");
  });
  const auto rezip = median(rezipRuns);
  std::printf("bench2 SecureBoost: %d trees x 2 parties, zipped %.1f MB, unpacked %.1f MB\n", trees,
              mb(fs::file_size(g) + fs::file_size(h)), mb(unzippedSize(g) + unzippedSize(h)));
  printRuns("bench2 fl-model migrate", m2Runs);
  printRuns("bench2 unzip + zip -r", rezipRuns);
  std::printf("bench2 cpu ratio migrate/(unzip+zip) (medians): %.2f\n",
              m2.cpuSeconds / rezip.cpuSeconds);
  std::printf(
      "bench2 ratio migrate/(unzip+zip) (medians): %.2f (target <= 0.25), peak RSS %.1f MB\n",
      m2.seconds / rezip.seconds, m2.maxRssKb / 1024.0);
  std::printf("bench2 speed-up vs FATE-Flow 1.11 (~16 s): %.1fx (target >= 30x)\n",
              16.0 / m2.seconds);
  failures += m2.exitCode != 0;
  for (const auto& out : fs::directory_iterator(root / "out2")) {
    if (out.path().extension() == ".zip") failures += verify(flModel, out.path(), "bench2 output");
  }
  if (std::getenv("FL_MODEL_BENCH_KEEP")) {
    std::printf("bench inputs kept in %s\n", root.c_str());
  } else {
    fs::remove_all(root);
  }
  return failures == 0 ? 0 : 1;
}
