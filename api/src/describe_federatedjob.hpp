#pragma once
// Internal: the JSON field list of every FederatedJob type (see codec.hpp). Kept in a header so the
// schema-agreement test can walk the same lists the codec uses.
#include <type_traits>

#include "describe_common.hpp"
#include "flop/api/federatedjob.hpp"

namespace flop::api {

template <class V, detail::Is<PublishParties> S>
void describe(V& v, S& s) {
  v.optional("guest", s.guest);
  v.optional("host", s.host);
}

template <class V, detail::Is<PublishSpec> S>
void describe(V& v, S& s) {
  v.required("serviceId", s.serviceId);
  v.optional("parties", s.parties);
}

template <class V, detail::Is<FateJobSpec> S>
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

template <class V, detail::Is<MindSporeJobSpec> S>
void describe(V& v, S& s) {
  v.required("hyperParameters", s.hyperParameters);
  if constexpr (std::is_same_v<V, detail::Decoder>) {
    if (!s.hyperParameters.is_object()) {
      throw InvalidInput(detail::join_path(v.path(), "hyperParameters"), "must be an object");
    }
  }
}

template <class V, detail::Is<RunPolicy> S>
void describe(V& v, S& s) {
  v.optional("suspend", s.suspend);
  v.optional("activeDeadlineSeconds", s.activeDeadlineSeconds);
  v.optional("backoffLimit", s.backoffLimit);
  v.optional("ttlSecondsAfterFinished", s.ttlSecondsAfterFinished);
}

template <class V, detail::Is<FederatedJobSpec> S>
void describe(V& v, S& s) {
  v.required("clusterRef", s.clusterRef);
  v.optional("fate", s.fate);
  v.optional("mindspore", s.mindspore);
  v.optional("runPolicy", s.runPolicy);
  v.optional("deletionPolicy", s.deletionPolicy);
}

template <class V, detail::Is<JobAttempt> S>
void describe(V& v, S& s) {
  v.required("index", s.index);
  v.optional("fateJobId", s.fateJobId);
  v.optional("state", s.state);
  v.optional("startTime", s.startTime);
  v.optional("completionTime", s.completionTime);
  v.optional("message", s.message);
}

template <class V, detail::Is<ModelRef> S>
void describe(V& v, S& s) {
  v.required("modelId", s.modelId);
  v.required("modelVersion", s.modelVersion);
}

template <class V, detail::Is<PartyJobState> S>
void describe(V& v, S& s) {
  v.required("role", s.role);
  v.required("partyId", s.partyId);
  v.optional("state", s.state);
  v.optional("retcode", s.retcode);
  v.optional("message", s.message);
  v.optional("lastSeen", s.lastSeen);
}

template <class V, detail::Is<PartyPublishState> S>
void describe(V& v, S& s) {
  v.required("role", s.role);
  v.required("partyId", s.partyId);
  v.optional("phase", s.phase);
  v.optional("retcode", s.retcode);
  v.optional("message", s.message);
}

template <class V, detail::Is<PublishStatus> S>
void describe(V& v, S& s) {
  v.optional("serviceId", s.serviceId);
  v.optional("deployedModelVersion", s.deployedModelVersion);
  v.optional("parties", s.parties);
}

template <class V, detail::Is<RankReply> S>
void describe(V& v, S& s) {
  v.required("rank", s.rank);
  v.optional("reply", s.reply);
}

template <class V, detail::Is<MindSporeInstanceStatus> S>
void describe(V& v, S& s) {
  v.optional("hyperParametersDigest", s.hyperParametersDigest);
  v.optional("serversEnabled", s.serversEnabled);
  v.optional("lastQueryTime", s.lastQueryTime);
  v.optional("ranks", s.ranks);
}

template <class V, detail::Is<FederatedJobStatus> S>
void describe(V& v, S& s) {
  v.optional("observedGeneration", s.observedGeneration);
  v.optional("conditions", s.conditions);
  v.optional("phase", s.phase);
  v.optional("fateJobId", s.fateJobId);
  v.optional("attempts", s.attempts);
  v.optional("model", s.model);
  v.optional("parties", s.parties);
  v.optional("publish", s.publish);
  v.optional("mindspore", s.mindspore);
  v.optional("startTime", s.startTime);
  v.optional("completionTime", s.completionTime);
}

template <class V, detail::Is<FederatedJob> S>
void describe(V& v, S& s) {
  v.optional("metadata", s.metadata);
  v.required("spec", s.spec);
  v.optional("status", s.status);
}

}  // namespace flop::api
