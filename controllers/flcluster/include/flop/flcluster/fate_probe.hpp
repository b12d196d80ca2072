#pragma once
// Reachability and version of the party's FATE-Flow (fate-flow-api.md §2), so ModelMigration can
// gate on FATE >= 1.5.1. A failure to reach it is a value: the reconciler reports it in conditions.
#include <optional>
#include <string>

#include "flop/api/fate_auth.hpp"
#include "flop/api/flcluster.hpp"
#include "flop/http/transport.hpp"

namespace flop::flcluster {

struct FateProbe {
  bool reachable = false;
  std::optional<std::string> version;  // data.FATE
  std::string message;                 // why not reachable, verbatim where FATE-Flow said it
};

// http://<service>.<namespace>.svc:<port, 9380 by default> or the given URL, without a trailing
// '/'.
std::string fateFlowBaseUrl(const api::FateFlowEndpoint& endpoint, const std::string& ns);

// POST /v1/version/get {"module":"FATE"} (1.5/1.6 need the body; later versions accept it),
// signed with `credentials` when given (spec.fate.flow.authSecretRef).
FateProbe probeFateFlow(http::Transport& transport, const std::string& baseUrl,
                        const std::optional<api::FateAppCredentials>& credentials = std::nullopt);

}  // namespace flop::flcluster
