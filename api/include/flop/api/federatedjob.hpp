#pragma once
// FederatedJob (federatedlearning.dev/v1alpha1): one training job started from the initiator
// party's FLCluster, either a FATE job (DSL + runtime conf) or a MindSpore FL instance.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "flop/api/common.hpp"

namespace flop::api {

// Parties to load a published model on; arbiters hold no serving model.
struct PublishParties {
  std::vector<std::int64_t> guest;
  std::vector<std::int64_t> host;
};

struct PublishSpec {
  std::string serviceId;
  std::optional<PublishParties> parties;  // every guest and host party when omitted
};

struct FateJobSpec {
  nlohmann::json dsl;          // free-form, every key kept
  nlohmann::json runtimeConf;  // free-form, every key kept
  std::optional<PublishSpec> publish;
};

struct MindSporeJobSpec {
  nlohmann::json hyperParameters;  // the /newInstance body, free-form
};

struct RunPolicy {
  std::optional<bool> suspend;
  std::optional<std::int64_t> activeDeadlineSeconds;
  std::optional<std::int32_t> backoffLimit;
  std::optional<std::int32_t> ttlSecondsAfterFinished;
};

struct FederatedJobSpec {
  LocalObjectReference clusterRef;
  std::optional<FateJobSpec> fate;
  std::optional<MindSporeJobSpec> mindspore;
  std::optional<RunPolicy> runPolicy;
  std::optional<std::string> deletionPolicy;  // Retain | Delete
};

struct JobAttempt {
  std::int32_t index = 0;
  std::optional<std::string> fateJobId;
  std::optional<std::string> state;  // FATE job state as reported, or the instance's state
  std::optional<std::string> startTime;
  std::optional<std::string> completionTime;
  std::optional<std::string> message;
};

struct ModelRef {
  std::string modelId;
  std::string modelVersion;
};

struct PartyJobState {
  std::string role;
  std::int64_t partyId = 0;
  std::optional<std::string> state;
  std::optional<std::int32_t> retcode;
  std::optional<std::string> message;
  std::optional<std::string> lastSeen;
};

struct PartyPublishState {
  std::string role;
  std::int64_t partyId = 0;
  std::optional<std::string> phase;  // Pending | Loaded | Bound | Failed
  std::optional<std::int32_t> retcode;
  std::optional<std::string> message;
};

struct PublishStatus {
  std::optional<std::string> serviceId;
  std::optional<std::string> deployedModelVersion;
  std::vector<PartyPublishState> parties;
};

// One server rank's reply to the last /newInstance or /queryInstance, verbatim.
struct RankReply {
  std::int32_t rank = 0;
  std::optional<std::string> reply;
};

// The MindSpore FL instance a FederatedJob started on its FLCluster's server group.
struct MindSporeInstanceStatus {
  std::optional<std::string> hyperParametersDigest;  // of the body the current attempt sent
  std::optional<bool> serversEnabled;  // false after /disableFLS, true again after /enableFLS
  std::optional<std::string> lastQueryTime;
  std::vector<RankReply> ranks;
};

struct FederatedJobStatus {
  std::optional<std::int64_t> observedGeneration;
  std::vector<Condition> conditions;
  std::optional<std::string> phase;  // Pending | Queued | Running | Suspended | Succeeded | Failed
  std::optional<std::string> fateJobId;  // id of the current attempt
  std::vector<JobAttempt> attempts;
  std::optional<ModelRef> model;
  std::vector<PartyJobState> parties;
  std::optional<PublishStatus> publish;
  std::optional<MindSporeInstanceStatus> mindspore;
  std::optional<std::string> startTime;
  std::optional<std::string> completionTime;
};

struct FederatedJob {
  ObjectMeta metadata;
  FederatedJobSpec spec;
  FederatedJobStatus status;
};

void to_json(nlohmann::json& j, const FederatedJobSpec& value);
void from_json(const nlohmann::json& j, FederatedJobSpec& value);
void to_json(nlohmann::json& j, const FederatedJobStatus& value);
void from_json(const nlohmann::json& j, FederatedJobStatus& value);
void to_json(nlohmann::json& j, const FederatedJob& value);
void from_json(const nlohmann::json& j, FederatedJob& value);

}  // namespace flop::api
