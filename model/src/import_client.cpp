#include "flop/model/import_client.hpp"

#include <fstream>
#include <random>
#include <sstream>

#include "flop/error.hpp"
#include "flop/model/digest.hpp"

namespace flop::model {

namespace fs = std::filesystem;

ImportConf parseImportConf(const std::string& text, const fs::path& confPath) {
  const auto where = confPath.string();
  const Json j = parseJson(text, where);
  if (!j.is_object()) throw InvalidInput(where, "expected a JSON object");
  ImportConf c;
  for (const char* key : {"role", "party_id", "model_id", "model_version", "file"}) {
    if (!j.contains(key)) throw InvalidInput(where, std::string("missing `") + key + "`");
  }
  if (!j["role"].is_string()) throw InvalidInput(where, "`role` must be a string");
  if (j["party_id"].is_number_integer()) {
    c.partyId = j["party_id"].get<int64_t>();
  } else if (j["party_id"].is_string()) {
    try {
      c.partyId = std::stoll(j["party_id"].get<std::string>());
    } catch (const std::exception&) {
      throw InvalidInput(where, "`party_id` must be an integer");
    }
  } else {
    throw InvalidInput(where, "`party_id` must be an integer");
  }
  if (!j["model_id"].is_string() || !j["model_version"].is_string() || !j["file"].is_string()) {
    throw InvalidInput(where, "`model_id`, `model_version` and `file` must be strings");
  }
  c.role = j["role"].get<std::string>();
  c.modelId = j["model_id"].get<std::string>();
  c.modelVersion = j["model_version"].get<std::string>();
  c.file = j["file"].get<std::string>();
  if (c.file.is_relative()) c.file = confPath.parent_path() / c.file;
  if (j.contains("force_update")) {
    if (!j["force_update"].is_boolean() && !j["force_update"].is_number_integer()) {
      throw InvalidInput(where, "`force_update` must be a boolean");
    }
    c.forceUpdate = j["force_update"].is_boolean() ? j["force_update"].get<bool>()
                                                   : j["force_update"].get<int>() != 0;
  }
  if (!fs::is_regular_file(c.file))
    throw InvalidInput(where, "`file` " + c.file.string() + " does not exist");
  return c;
}

bool ImportResult::ok() const {
  return httpStatus == 200 && body.is_object() && body.contains("retcode") && body["retcode"] == 0;
}

ImportResult importModel(http::Transport& transport, const std::string& flowUrl,
                         const ImportConf& conf,
                         const std::optional<api::FateAppCredentials>& credentials) {
  std::ifstream in(conf.file, std::ios::binary);
  if (!in) throw InvalidInput(conf.file.string(), "cannot open for reading");
  std::ostringstream data;
  data << in.rdbuf();
  const std::string fileBytes = std::move(data).str();

  api::FateFormFields form = {{"role", conf.role},
                              {"party_id", std::to_string(conf.partyId)},
                              {"model_id", conf.modelId},
                              {"model_version", conf.modelVersion}};
  if (conf.forceUpdate) form.emplace_back("force_update", *conf.forceUpdate ? "1" : "0");
  form.emplace_back("hash", sha256Hex(fileBytes));

  std::random_device rd;
  const std::string boundary = "----flmodel" + std::to_string(rd()) + std::to_string(rd());
  std::string body;
  for (const auto& [name, value] : form) {
    body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" +
            value + "\r\n";
  }
  body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" +
          conf.file.filename().string() + "\"\r\nContent-Type: application/zip\r\n\r\n";
  body += fileBytes;
  body += "\r\n--" + boundary + "--\r\n";

  http::Request req;
  req.method = "POST";
  std::string base = flowUrl;
  while (!base.empty() && base.back() == '/') base.pop_back();
  req.url = base + "/v1/model/import";
  req.headers["content-type"] = "multipart/form-data; boundary=" + boundary;
  if (credentials) {
    for (auto& [name, value] :
         api::fate_auth_headers(*credentials, req.url, "", form, std::chrono::system_clock::now(),
                                api::fate_auth_nonce())) {
      req.headers[name] = value;
    }
  }
  req.body = std::move(body);
  req.timeout = std::chrono::milliseconds(300'000);

  const auto resp = transport.send(req);
  ImportResult r;
  r.httpStatus = resp.status;
  try {
    r.body = Json::parse(resp.body);
  } catch (const std::exception&) {
    r.body = Json::object();
    r.body["retcode"] = resp.status == 200 ? 100 : resp.status;
    r.body["retmsg"] =
        "FATE-Flow answered HTTP " + std::to_string(resp.status) + " with a body that is not JSON";
  }
  return r;
}

}  // namespace flop::model
