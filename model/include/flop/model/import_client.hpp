#pragma once
// `fl-model import`: POST a migrated model to FATE-Flow's /v1/model/import as multipart form
// data (fields role, party_id, model_id, model_version[, force_update][, hash]; file part
// `file`), through a flop::http::Transport so it is testable without sockets.
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "flop/http/transport.hpp"
#include "flop/model/pyjson.hpp"

#include "flop/api/fate_auth.hpp"

namespace flop::model {

struct ImportConf {
  std::string role;
  int64_t partyId = 0;
  std::string modelId;
  std::string modelVersion;
  std::filesystem::path file;
  std::optional<bool> forceUpdate;
};

// Reads import_model.json; a relative `file` is resolved against the conf's directory.
ImportConf parseImportConf(const std::string& text, const std::filesystem::path& confPath);

struct ImportResult {
  int httpStatus = 0;
  Json body;  // FATE's {"retcode", "retmsg", "data"}; synthesized when the body is not JSON
  bool ok() const;
};

// With `credentials` (FATE-Flow's http_app_key/http_secret_key; from env or a mounted Secret,
// never argv) the request carries FATE-Flow's TIMESTAMP/NONCE/APP_KEY/SIGNATURE headers, the
// form fields signed as FATE-Flow 1.7+ checks them.
ImportResult importModel(http::Transport& transport, const std::string& flowUrl,
                         const ImportConf& conf,
                         const std::optional<api::FateAppCredentials>& credentials);

// The concrete transport the CLI uses (cpprestsdk).
std::unique_ptr<http::Transport> makeCliTransport();

}  // namespace flop::model
