#include "flop/api/federatedjob.hpp"

#include <type_traits>

#include "describe_common.hpp"
#include "flop/api/names.hpp"

namespace flop::api {

using detail::Is;

template <class V, Is<PublishSpec> S>
void describe(V& v, S& s) {
  v.required("serviceId", s.serviceId);
  v.optional("parties", s.parties);
  if constexpr (std::is_same_v<V, detail::Decoder>) {
    check_roles(s.parties, detail::join_path(v.path(), "parties"));
  }
}

template <class V, Is<FateJobSpec> S>
void describe(V& v, S& s) {
  v.required("dsl", s.dsl);
  v.required("runtimeConf", s.runtimeConf);
  v.optional("publish", s.publish);
  if constexpr (std::is_same_v<V, detail::Decoder>) {
    if (!s.dsl.is_object())
      throw InvalidInput(detail::join_path(v.path(), "dsl"), "must be an object");
    if (!s.runtimeConf.is_object()) {
      throw InvalidInput(detail::join_path(v.path(), "runtimeConf"), "must be an object");
    }
  }
}

template <class V, Is<MindSporeJobSpec> S>
void describe(V& v, S& s) {
  v.required("hyperParameters", s.hyperParameters);
  if constexpr (std::is_same_v<V, detail::Decoder>) {
    if (!s.hyperParameters.is_object()) {
      throw InvalidInput(detail::join_path(v.path(), "hyperParameters"), "must be an object");
    }
  }
}

template <class V, Is<RunPolicy> S>
void describe(V& v, S& s) {
  v.optional("suspend", s.suspend);
  v.optional("activeDeadlineSeconds", s.activeDeadlineSeconds);
  v.optional("backoffLimit", s.backoffLimit);
  v.optional("ttlSecondsAfterFinished", s.ttlSecondsAfterFinished);
}

template <class V, Is<FederatedJobSpec> S>
void describe(V& v, S& s) {
  v.required("clusterRef", s.clusterRef);
  v.optional("fate", s.fate);
  v.optional("mindspore", s.mindspore);
  v.optional("runPolicy", s.runPolicy);
  v.optional("deletionPolicy", s.deletionPolicy);
}

template <class V, Is<JobAttempt> S>
void describe(V& v, S& s) {
  v.required("index", s.index);
  v.optional("fateJobId", s.fateJobId);
  v.optional("state", s.state);
  v.optional("startTime", s.startTime);
  v.optional("completionTime", s.completionTime);
  v.optional("message", s.message);
}

template <class V, Is<ModelRef> S>
void describe(V& v, S& s) {
  v.required("modelId", s.modelId);
  v.required("modelVersion", s.modelVersion);
}

template <class V, Is<PartyJobState> S>
void describe(V& v, S& s) {
  v.required("role", s.role);
  v.required("partyId", s.partyId);
  v.optional("state", s.state);
  v.optional("retcode", s.retcode);
  v.optional("message", s.message);
  v.optional("lastSeen", s.lastSeen);
}

template <class V, Is<PartyPublishState> S>
void describe(V& v, S& s) {
  v.required("role", s.role);
  v.required("partyId", s.partyId);
  v.optional("phase", s.phase);
  v.optional("retcode", s.retcode);
  v.optional("message", s.message);
}

template <class V, Is<PublishStatus> S>
void describe(V& v, S& s) {
  v.optional("serviceId", s.serviceId);
  v.optional("deployedModelVersion", s.deployedModelVersion);
  v.optional("parties", s.parties);
}

template <class V, Is<FederatedJobStatus> S>
void describe(V& v, S& s) {
  v.optional("observedGeneration", s.observedGeneration);
  v.optional("conditions", s.conditions);
  v.optional("phase", s.phase);
  v.optional("fateJobId", s.fateJobId);
  v.optional("attempts", s.attempts);
  v.optional("model", s.model);
  v.optional("parties", s.parties);
  v.optional("publish", s.publish);
  v.optional("startTime", s.startTime);
  v.optional("completionTime", s.completionTime);
}

template <class V, Is<FederatedJob> S>
void describe(V& v, S& s) {
  v.optional("metadata", s.metadata);
  v.required("spec", s.spec);
  v.optional("status", s.status);
}

void to_json(nlohmann::json& j, const FederatedJobSpec& value) { j = detail::encode_value(value); }
void from_json(const nlohmann::json& j, FederatedJobSpec& value) {
  detail::decode_value(j, "spec", value);
}
void to_json(nlohmann::json& j, const FederatedJobStatus& value) {
  j = detail::encode_value(value);
}
void from_json(const nlohmann::json& j, FederatedJobStatus& value) {
  detail::decode_value(j, "status", value);
}
void to_json(nlohmann::json& j, const FederatedJob& value) {
  j = envelope(kFederatedJob.kind, value.metadata, detail::encode_value(value.spec),
               detail::encode_value(value.status));
}
void from_json(const nlohmann::json& j, FederatedJob& value) {
  check_kind(j, kFederatedJob.kind);
  detail::decode_value(j, "", value);
}

}  // namespace flop::api
