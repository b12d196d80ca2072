#pragma once
// FateFlowClient: FATE-Flow 1.x REST (/v1) over flop::http::Transport.
//
// Shared: the FederatedJob controller uses submit/query/stop/deploy/load/bind; the ModelMigration
// controller may reuse version() (the 1.5.1 gate) and importModel() by linking the CMake target
// `flop_fateflow_client` (defined in controllers/federatedjob/CMakeLists.txt).
//
// Error style: FATE answers "logical" failures as HTTP 200 with retcode != 0 and a few handlers
// as HTTP status = code with {retcode, retmsg}; both come back as values (Envelope) because the
// caller branches on them. No answer at all throws http::TransportError; an answer that is not
// FATE's JSON envelope (an HTML error page from a proxy, a truncated body) throws ProtocolError.
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "flop/api/fate_auth.hpp"
#include "flop/error.hpp"
#include "flop/http/transport.hpp"

namespace flop::fateflow {

using Json = nlohmann::json;
// Role name → party ids, as in a runtime conf's "role" block.
using RoleMap = std::map<std::string, std::vector<std::int64_t>>;

class ProtocolError : public Error {
 public:
  ProtocolError(int httpStatus, const std::string& what) : Error(what), httpStatus_(httpStatus) {}
  int httpStatus() const noexcept { return httpStatus_; }

 private:
  int httpStatus_;
};

namespace retcode {
inline constexpr int kSuccess = 0;
inline constexpr int kException = 100;
inline constexpr int kArgumentError = 101;
inline constexpr int kDataError = 102;  // "can not found job"
inline constexpr int kOperatingError = 103;
}  // namespace retcode

// FATE-Flow's answer: {retcode, retmsg, data, jobId} plus the HTTP status it came with.
struct Envelope {
  int httpStatus = 200;
  int retcode = 0;
  std::string retmsg;
  Json data;  // null when absent
  std::optional<std::string> jobId;

  bool ok() const { return httpStatus >= 200 && httpStatus < 300 && retcode == retcode::kSuccess; }
};

struct FlowVersion {
  std::string fate;  // as reported, e.g. "1.11.1"
  int major = 0;
  int minor = 0;
  int patch = 0;
  bool atLeast(int wantMajor, int wantMinor, int wantPatch) const;
};
// Splits "1.11.1" (suffixes after a digit run are ignored); throws InvalidInput when empty.
FlowVersion parseFlowVersion(std::string_view text);

struct Party {
  std::string role;
  std::int64_t partyId = 0;
  friend bool operator==(const Party&, const Party&) = default;
};

struct ModelInfo {
  std::string modelId;
  std::string modelVersion;
};

struct SubmitResult {
  Envelope envelope;
  std::optional<std::string> jobId;  // FATE returns it even when submission failed (1.7+)
  std::optional<ModelInfo> model;
};

// One row of /job/query or /job/list/job (one per role and party this FATE-Flow hosts).
struct JobRow {
  std::string jobId;
  std::string role;
  std::int64_t partyId = 0;
  std::string status;
  int progress = 0;
  bool isInitiator = false;
  std::string description;  // the notes set through /job/update
  std::string tag;
  std::optional<std::int64_t> startTimeMs;
  std::optional<std::int64_t> endTimeMs;
};

struct QueryResult {
  Envelope envelope;
  std::vector<JobRow> rows;  // empty for "no job could be found" (retcode 0)
};

// One party's entry of a federated fan-out (deploy, load): data.detail.<role>.<party>.
struct PartyResult {
  Party party;
  int retcode = 0;
  std::string retmsg;
};

struct FanOutResult {
  Envelope envelope;
  std::vector<PartyResult> parties;
  std::optional<std::string> modelVersion;  // deploy: the new child version
};

enum class SubmitKeys {
  Legacy,   // FATE 1.5/1.6: {"job_dsl", "job_runtime_conf"}
  Current,  // FATE-Flow 1.7+: {"dsl", "runtime_conf"}
};

struct ImportRequest {
  std::string role;
  std::int64_t partyId = 0;
  std::string modelId;
  std::string modelVersion;
  bool forceUpdate = false;
  std::optional<std::string> sha256;  // sent as form field `hash` (checked by 1.9+)
  std::string fileName;               // e.g. "{role}#{party}#{model_id}_{version}.zip"
  std::string archive;                // the zip bytes
};

struct ClientOptions {
  // Fan-outs wait for every party and serving replica: FATE's own clients use 60 s+.
  std::chrono::milliseconds timeout{60'000};
  http::Headers extraHeaders;
  // FATE-Flow 1.7+ client authentication: when set, every request carries TIMESTAMP, NONCE,
  // APP_KEY and SIGNATURE over its exact body (JSON) or form fields (multipart).
  std::optional<api::FateAppCredentials> credentials;
};

class FateFlowClient {
 public:
  using Options = ClientOptions;

  // `baseUrl` is scheme://host:port without the /v1 prefix.
  FateFlowClient(std::shared_ptr<http::Transport> transport, std::string baseUrl,
                 Options options = {});

  FlowVersion version() const;
  SubmitResult submit(const Json& dsl, const Json& runtimeConf, SubmitKeys keys) const;
  QueryResult queryJob(const std::string& jobId) const;
  QueryResult query(const Json& filters) const;
  Envelope updateNotes(const std::string& jobId, const Party& party,
                       const std::string& notes) const;
  // 1.7+ /job/list/job with a *contains* match on the description (notes).
  QueryResult listByDescription(const std::string& description, int limit = 20) const;
  // stopStatus: "canceled" or "failed".
  Envelope stop(const std::string& jobId, const std::string& stopStatus = "canceled") const;
  FanOutResult deploy(const std::string& modelId, const std::string& modelVersion) const;
  // Loads on the non-arbiter parties of `roles` (restrict `roles` to retry one party alone).
  FanOutResult load(const Party& initiator, const RoleMap& roles, const ModelInfo& model) const;
  Envelope bind(const std::string& serviceId, const Party& initiator, const RoleMap& roles,
                const ModelInfo& model) const;
  Envelope importModel(const ImportRequest& request) const;

  const std::string& baseUrl() const { return baseUrl_; }

 private:
  Envelope post(std::string_view path, const Json& body) const;
  // With credentials, a multipart request is signed over `form`, any other over its body bytes.
  Envelope exchange(http::Request request, const api::FateFormFields& form = {}) const;

  std::shared_ptr<http::Transport> transport_;
  std::string baseUrl_;
  Options options_;
};

// Parses FATE's envelope from an HTTP response; throws ProtocolError when it is not one.
Envelope parseEnvelope(const http::Response& response);
// data.detail.<role>.<party>.{retcode, retmsg} (falling back to data.<role>.<party> = retcode).
std::vector<PartyResult> parseFanOut(const Json& data);
JobRow parseJobRow(const Json& row);

}  // namespace flop::fateflow
