// fl-model: the FATE model CLI (inspect, verify, migrate, pack, unpack, import). A thin layer
// over flop_model; every command prints one JSON result in FATE's retcode/retmsg/data shape.
// Exit codes: 0 ok, 1 the operation failed (a party, a check, FATE said no, an HTTP error
// status), 2 usage, 3 invalid input (conf, archive, model), 4 I/O or network error,
// 5 sha256 mismatch (fetch: the bytes received are not the ones expected).
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "flop/error.hpp"
#include "flop/http/transport.hpp"
#include "flop/model/digest.hpp"
#include "flop/model/fetch.hpp"
#include "flop/model/import_client.hpp"
#include "flop/model/inspect.hpp"
#include "flop/model/migrate.hpp"
#include "flop/model/pack.hpp"
#include "flop/model/pyjson.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace {

using flop::model::Json;
namespace fs = std::filesystem;

constexpr int kOk = 0, kFailed = 1, kUsage = 2, kInvalid = 3, kIo = 4, kMismatch = 5;

constexpr const char* kUsageText = R"(usage:
  fl-model inspect MODEL
  fl-model verify MODEL [--sha256 HEX]
  fl-model migrate -c MIGRATE_CONF --model PATH [--role ROLE --party-id ID] [--output-dir DIR]
                   [--format zip|dir] [--compat 1.5|1.9] [--version NEW_VERSION]
                   [--digest sha256|none]
  fl-model pack DIR --out ZIP
  fl-model unpack ZIP --out DIR
  fl-model import --flow URL -c IMPORT_CONF [--auth-dir DIR]
  fl-model fetch (URL | --url-env VAR) --sha256 HEX --output FILE
limits (any command reading an archive):
  --max-entries N  --max-total-bytes N  --max-entry-bytes N  --max-ratio R
MODEL is a model version directory or an export zip. FATE-Flow credentials for import (its
http_app_key/http_secret_key; requests are then signed) come from $FL_MODEL_APP_KEY and
$FL_MODEL_APP_SECRET or from the files appKey and appSecret in --auth-dir (a mounted Secret),
never from the command line. fetch --url-env reads the URL (which may be pre-signed) from VAR.
)";

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::string> options;
};

Args parseArgs(int argc, char** argv, int start) {
  static const std::map<std::string, std::string> aliases = {{"-c", "--conf"}};
  Args a;
  for (int i = start; i < argc; ++i) {
    std::string arg = argv[i];
    if (aliases.count(arg)) arg = aliases.at(arg);
    if (arg.rfind("--", 0) == 0) {
      const auto eq = arg.find('=');
      if (eq != std::string::npos) {
        a.options[arg.substr(0, eq)] = arg.substr(eq + 1);
      } else {
        if (i + 1 >= argc) throw UsageError(arg + " needs a value");
        a.options[arg] = argv[++i];
      }
    } else {
      a.positional.push_back(arg);
    }
  }
  return a;
}

std::string need(const Args& a, const std::string& key) {
  const auto it = a.options.find(key);
  if (it == a.options.end()) throw UsageError("missing " + key);
  return it->second;
}

std::optional<std::string> opt(const Args& a, const std::string& key) {
  const auto it = a.options.find(key);
  return it == a.options.end() ? std::nullopt : std::optional(it->second);
}

void allowOnly(const Args& a, std::initializer_list<const char*> keys, size_t positionals) {
  static const char* limitKeys[] = {"--max-entries", "--max-total-bytes", "--max-entry-bytes",
                                    "--max-ratio"};
  for (const auto& [k, v] : a.options) {
    bool ok = false;
    for (const auto* key : keys) ok = ok || k == key;
    for (const auto* key : limitKeys) ok = ok || k == key;
    if (!ok) throw UsageError("unknown option " + k);
  }
  if (a.positional.size() != positionals) {
    throw UsageError("expected " + std::to_string(positionals) + " positional argument(s)");
  }
}

uint64_t toCount(const std::string& key, const std::string& v) {
  try {
    size_t pos = 0;
    const auto n = std::stoull(v, &pos);
    if (pos != v.size()) throw std::invalid_argument(v);
    return n;
  } catch (const std::exception&) {
    throw UsageError(key + " must be a non-negative integer");
  }
}

flop::model::ArchiveLimits limitsFrom(const Args& a) {
  flop::model::ArchiveLimits l;
  if (auto v = opt(a, "--max-entries")) l.maxEntries = toCount("--max-entries", *v);
  if (auto v = opt(a, "--max-total-bytes")) l.maxTotalBytes = toCount("--max-total-bytes", *v);
  if (auto v = opt(a, "--max-entry-bytes")) l.maxEntryBytes = toCount("--max-entry-bytes", *v);
  if (auto v = opt(a, "--max-ratio")) {
    try {
      l.maxRatio = std::stod(*v);
    } catch (const std::exception&) {
      throw UsageError("--max-ratio must be a number");
    }
  }
  return l;
}

std::string readText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw flop::InvalidInput(path, "cannot open for reading");
  std::ostringstream ss;
  ss << in.rdbuf();
  return std::move(ss).str();
}

Json result(int retcode, const std::string& retmsg, const Json& data = nullptr) {
  Json out = Json::object();
  out["retcode"] = retcode;
  out["retmsg"] = retmsg;
  if (!data.is_null()) out["data"] = data;
  return out;
}

void print(const Json& j) { std::cout << flop::model::pyDumps(j) << std::endl; }

int cmdInspect(const Args& a) {
  allowOnly(a, {}, 1);
  print(result(0, "success", flop::model::inspectModel(a.positional[0], limitsFrom(a))));
  return kOk;
}

int cmdVerify(const Args& a) {
  allowOnly(a, {"--sha256"}, 1);
  auto problems = flop::model::verifyModel(a.positional[0], limitsFrom(a));
  if (auto want = opt(a, "--sha256")) {
    if (!fs::is_regular_file(a.positional[0])) {
      problems.push_back(a.positional[0] + ": --sha256 applies to an archive file");
    } else if (flop::model::fileSha256Hex(a.positional[0]) != *want) {
      problems.push_back(a.positional[0] + ": sha256 does not match --sha256");
    }
  }
  Json data = Json::object();
  data["model"] = a.positional[0];
  data["problems"] = problems;
  if (problems.empty()) {
    print(result(0, "success", data));
    return kOk;
  }
  print(result(101, problems.front(), data));
  return kFailed;
}

int cmdMigrate(const Args& a) {
  allowOnly(a,
            {"--conf", "--model", "--role", "--party-id", "--output-dir", "--format", "--compat",
             "--version", "--digest"},
            0);
  const auto confPath = need(a, "--conf");
  const auto request = flop::model::parseMigrateRequest(readText(confPath), confPath);
  flop::model::MigrateOptions o;
  o.limits = limitsFrom(a);
  o.outputDir = opt(a, "--output-dir").value_or(".");
  const auto format = opt(a, "--format").value_or("zip");
  if (format != "zip" && format != "dir") throw UsageError("--format must be zip or dir");
  o.format = format == "zip" ? flop::model::OutputFormat::Zip : flop::model::OutputFormat::Dir;
  o.compat = opt(a, "--compat").value_or("1.9");
  if (o.compat != "1.5" && o.compat != "1.9") throw UsageError("--compat must be 1.5 or 1.9");
  o.version = opt(a, "--version");
  const auto digest = opt(a, "--digest").value_or("none");
  if (digest != "sha256" && digest != "none") throw UsageError("--digest must be sha256 or none");
  o.digest = digest == "sha256";
  o.onlyRole = opt(a, "--role");
  if (auto id = opt(a, "--party-id"))
    o.onlyPartyId = static_cast<int64_t>(toCount("--party-id", *id));
  if (o.onlyRole.has_value() != o.onlyPartyId.has_value()) {
    throw UsageError("--role and --party-id go together");
  }
  const auto outcome = flop::model::migrate(request, need(a, "--model"), o);
  std::cout << outcome.resultJson() << std::endl;
  return outcome.ok() ? kOk : kFailed;
}

// pack/unpack: where the result is, and the archive's digest and size (the transfer step's).
int printPacked(const flop::model::PackResult& r) {
  Json data = Json::object();
  data["path"] = r.path.string();
  data["sha256"] = r.sha256;
  data["bytes"] = r.bytes;
  data["entries"] = r.entries;
  print(result(0, "success", data));
  return kOk;
}

int cmdPack(const Args& a) {
  allowOnly(a, {"--out"}, 1);
  return printPacked(flop::model::packDirectory(a.positional[0], need(a, "--out")));
}

int cmdUnpack(const Args& a) {
  allowOnly(a, {"--out"}, 1);
  return printPacked(flop::model::unpackArchive(a.positional[0], need(a, "--out"), limitsFrom(a)));
}

std::string trimmedLine(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

// FATE-Flow's app key and secret: both from the environment, or both from --auth-dir.
std::optional<flop::api::FateAppCredentials> importCredentials(const Args& a) {
  flop::api::FateAppCredentials c;
  if (auto dir = opt(a, "--auth-dir")) {
    for (auto [file, value] : {std::pair{"appKey", &c.app_key}, {"appSecret", &c.app_secret}}) {
      const fs::path path = fs::path(*dir) / file;
      if (!fs::is_regular_file(path)) {
        throw flop::InvalidInput("--auth-dir", path.string() + " does not exist");
      }
      *value = trimmedLine(readText(path.string()));
    }
  } else {
    const char* key = std::getenv("FL_MODEL_APP_KEY");
    const char* secret = std::getenv("FL_MODEL_APP_SECRET");
    if (key && *key) c.app_key = key;
    if (secret && *secret) c.app_secret = secret;
    if (c.app_key.empty() && c.app_secret.empty()) return std::nullopt;
  }
  if (c.app_key.empty() || c.app_secret.empty()) {
    throw flop::InvalidInput("FATE-Flow credentials", "need both the app key and the app secret");
  }
  return c;
}

int cmdImport(const Args& a) {
  allowOnly(a, {"--flow", "--conf", "--auth-dir"}, 0);
  const auto confPath = need(a, "--conf");
  const auto conf = flop::model::parseImportConf(readText(confPath), confPath);
  const auto credentials = importCredentials(a);
  const auto transport = flop::model::makeCliTransport();
  const auto r = flop::model::importModel(*transport, need(a, "--flow"), conf, credentials);
  print(r.body);
  return r.ok() ? kOk : kFailed;
}

int cmdFetch(const Args& a) {
  std::string url;
  if (auto var = opt(a, "--url-env")) {
    allowOnly(a, {"--sha256", "--output", "--url-env"}, 0);
    const char* value = std::getenv(var->c_str());
    if (!value || !*value) throw UsageError("--url-env " + *var + ": the variable is not set");
    url = value;
  } else {
    allowOnly(a, {"--sha256", "--output"}, 1);
    url = a.positional[0];
  }
  const auto sha256 = need(a, "--sha256");
  const auto output = need(a, "--output");
  Json data = Json::object();
  data["url"] = flop::model::redactUrl(url);
  data["path"] = fs::absolute(output).lexically_normal().string();
  try {
    const auto transport = flop::model::makeCliTransport();
    const auto r = flop::model::fetchToFile(*transport, url, sha256, output);
    data["path"] = r.path.string();
    data["sha256"] = r.sha256;
    data["bytes"] = r.bytes;
    data["downloaded"] = r.downloaded;
    print(result(0, "success", data));
    return kOk;
  } catch (const flop::model::FetchError& e) {
    data["http_status"] = e.httpStatus();
    if (e.kind() == flop::model::FetchError::Kind::Sha256Mismatch) {
      print(result(102, e.what(), data));
      return kMismatch;
    }
    print(result(101, e.what(), data));
    return kFailed;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h") {
    std::cerr << kUsageText;
    return argc < 2 ? kUsage : kOk;
  }
  // Logs go to stderr: stdout carries only the result JSON.
  spdlog::set_default_logger(spdlog::stderr_color_mt("fl-model"));
  spdlog::set_level(std::getenv("FL_MODEL_DEBUG") ? spdlog::level::debug : spdlog::level::warn);
  const std::string command = argv[1];
  try {
    const Args args = parseArgs(argc, argv, 2);
    if (command == "inspect") return cmdInspect(args);
    if (command == "verify") return cmdVerify(args);
    if (command == "migrate") return cmdMigrate(args);
    if (command == "pack") return cmdPack(args);
    if (command == "unpack") return cmdUnpack(args);
    if (command == "import") return cmdImport(args);
    if (command == "fetch") return cmdFetch(args);
    throw UsageError("unknown command '" + command + "'");
  } catch (const UsageError& e) {
    print(result(101, std::string("usage: ") + e.what()));
    std::cerr << kUsageText;
    return kUsage;
  } catch (const flop::InvalidInput& e) {
    print(result(100, e.what()));
    return kInvalid;
  } catch (const std::exception& e) {
    print(result(100, e.what()));
    return kIo;
  }
}
