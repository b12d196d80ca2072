#include <algorithm>
#include <charconv>
#include <functional>
#include <tuple>
#include <utility>

#include "flop/fateflow/client.hpp"

namespace flop::fateflow {
namespace {

// FATE sends party ids as JSON numbers in confs and as strings in rows and fan-out keys.
std::optional<std::int64_t> asPartyId(const Json& value) {
  if (value.is_number_integer()) return value.get<std::int64_t>();
  if (!value.is_string()) return std::nullopt;
  const auto& text = value.get_ref<const std::string&>();
  std::int64_t parsed = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), parsed);
  if (error != std::errc{} || end != text.data() + text.size()) return std::nullopt;
  return parsed;
}

std::optional<std::int64_t> asOptionalInt(const Json& row, const char* key) {
  auto it = row.find(key);
  if (it == row.end() || !it->is_number()) return std::nullopt;
  return it->get<std::int64_t>();
}

std::string stringOr(const Json& object, const char* key, std::string fallback = {}) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  return it->is_string() ? it->get<std::string>() : it->dump();
}

Json roleMapJson(const RoleMap& roles) {
  Json out = Json::object();
  for (const auto& [role, parties] : roles) out[role] = parties;
  return out;
}

Json partyJson(const Party& party) {
  return Json{{"role", party.role}, {"party_id", party.partyId}};
}

QueryResult rowsFrom(Envelope envelope, const Json& rows) {
  QueryResult result{std::move(envelope), {}};
  if (!rows.is_array()) return result;
  for (const auto& row : rows) result.rows.push_back(parseJobRow(row));
  return result;
}

}  // namespace

bool FlowVersion::atLeast(int wantMajor, int wantMinor, int wantPatch) const {
  return std::tie(major, minor, patch) >= std::tie(wantMajor, wantMinor, wantPatch);
}

FlowVersion parseFlowVersion(std::string_view text) {
  if (text.empty()) throw InvalidInput("FATE version", "empty");
  FlowVersion version{std::string(text)};
  int* parts[] = {&version.major, &version.minor, &version.patch};
  std::size_t position = 0;
  for (int* part : parts) {
    if (position >= text.size()) break;
    auto [end, error] = std::from_chars(text.data() + position, text.data() + text.size(), *part);
    if (error != std::errc{}) throw InvalidInput("FATE version", "not a version: " + version.fate);
    position = static_cast<std::size_t>(end - text.data());
    if (position >= text.size() || text[position] != '.') break;
    ++position;
  }
  return version;
}

Envelope parseEnvelope(const http::Response& response) {
  Json body = Json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object() || !body.contains("retcode")) {
    std::string snippet = response.body.substr(0, 200);
    throw ProtocolError(response.status, "FATE-Flow answered HTTP " +
                                             std::to_string(response.status) +
                                             " without a FATE envelope: " + snippet);
  }
  Envelope envelope;
  envelope.httpStatus = response.status;
  const Json& code = body["retcode"];
  envelope.retcode = code.is_number() ? code.get<int>() : -1;
  envelope.retmsg = stringOr(body, "retmsg");
  if (auto it = body.find("data"); it != body.end()) envelope.data = *it;
  if (auto it = body.find("jobId"); it != body.end() && it->is_string()) envelope.jobId = *it;
  return envelope;
}

JobRow parseJobRow(const Json& row) {
  JobRow out;
  out.jobId = stringOr(row, "f_job_id");
  out.role = stringOr(row, "f_role");
  if (auto it = row.find("f_party_id"); it != row.end()) out.partyId = asPartyId(*it).value_or(0);
  out.status = stringOr(row, "f_status");
  out.progress = static_cast<int>(asOptionalInt(row, "f_progress").value_or(0));
  if (auto it = row.find("f_is_initiator"); it != row.end()) {
    out.isInitiator = it->is_boolean() ? it->get<bool>() : (it->is_number() && *it != 0);
  }
  out.description = stringOr(row, "f_description");
  out.tag = stringOr(row, "f_tag");
  out.startTimeMs = asOptionalInt(row, "f_start_time");
  out.endTimeMs = asOptionalInt(row, "f_end_time");
  return out;
}

std::vector<PartyResult> parseFanOut(const Json& data) {
  std::vector<PartyResult> results;
  if (!data.is_object()) return results;
  if (auto detail = data.find("detail"); detail != data.end() && detail->is_object()) {
    for (const auto& [role, parties] : detail->items()) {
      if (!parties.is_object()) continue;
      for (const auto& [partyKey, result] : parties.items()) {
        auto partyId = asPartyId(Json(partyKey));
        if (!partyId) continue;
        PartyResult entry{{role, *partyId}, -1, {}};
        if (result.is_object()) {
          if (auto code = result.find("retcode"); code != result.end() && code->is_number()) {
            entry.retcode = code->get<int>();
          }
          entry.retmsg = stringOr(result, "retmsg");
        } else if (result.is_number()) {
          entry.retcode = result.get<int>();
        }
        results.push_back(std::move(entry));
      }
    }
    return results;
  }
  for (const auto& role : {"guest", "host", "arbiter"}) {
    auto parties = data.find(role);
    if (parties == data.end() || !parties->is_object()) continue;
    for (const auto& [partyKey, code] : parties->items()) {
      auto partyId = asPartyId(Json(partyKey));
      if (partyId && code.is_number()) results.push_back({{role, *partyId}, code.get<int>(), {}});
    }
  }
  return results;
}

FateFlowClient::FateFlowClient(std::shared_ptr<http::Transport> transport, std::string baseUrl,
                               Options options)
    : transport_(std::move(transport)), baseUrl_(std::move(baseUrl)), options_(std::move(options)) {
  while (!baseUrl_.empty() && baseUrl_.back() == '/') baseUrl_.pop_back();
  if (baseUrl_.empty()) throw InvalidInput("FATE-Flow URL", "empty");
}

Envelope FateFlowClient::exchange(http::Request request, const api::FateFormFields& form) const {
  request.timeout = options_.timeout;
  for (const auto& [name, value] : options_.extraHeaders) request.headers.emplace(name, value);
  if (options_.credentials) {
    // A JSON request is signed over the exact bytes sent; a multipart one over its form fields.
    const std::string_view json = form.empty() ? std::string_view(request.body) : "";
    auto signature =
        api::fate_auth_headers(*options_.credentials, request.url, json, form,
                               std::chrono::system_clock::now(), api::fate_auth_nonce());
    for (auto& [name, value] : signature) request.headers[name] = std::move(value);
  }
  return parseEnvelope(transport_->send(request));
}

Envelope FateFlowClient::post(std::string_view path, const Json& body) const {
  http::Request request;
  request.method = "POST";
  request.url = baseUrl_ + std::string(path);
  request.headers["content-type"] = "application/json";
  request.body = body.dump();
  return exchange(std::move(request));
}

FlowVersion FateFlowClient::version() const {
  // 1.5/1.6 need a JSON body naming the module; later versions accept it too.
  Envelope envelope = post("/v1/version/get", Json{{"module", "FATE"}});
  if (!envelope.ok() || !envelope.data.is_object() || !envelope.data.contains("FATE")) {
    throw ProtocolError(envelope.httpStatus, "FATE-Flow version query failed: retcode " +
                                                 std::to_string(envelope.retcode) + " " +
                                                 envelope.retmsg);
  }
  return parseFlowVersion(stringOr(envelope.data, "FATE"));
}

SubmitResult FateFlowClient::submit(const Json& dsl, const Json& runtimeConf,
                                    SubmitKeys keys) const {
  Json body = keys == SubmitKeys::Legacy ? Json{{"job_dsl", dsl}, {"job_runtime_conf", runtimeConf}}
                                         : Json{{"dsl", dsl}, {"runtime_conf", runtimeConf}};
  SubmitResult result{post("/v1/job/submit", body), std::nullopt, std::nullopt};
  const Envelope& envelope = result.envelope;
  if (envelope.jobId) result.jobId = envelope.jobId;
  if (envelope.data.is_object()) {
    if (!result.jobId && envelope.data.contains("job_id")) {
      result.jobId = stringOr(envelope.data, "job_id");
    }
    if (auto info = envelope.data.find("model_info"); info != envelope.data.end()) {
      result.model = ModelInfo{stringOr(*info, "model_id"), stringOr(*info, "model_version")};
    }
  }
  return result;
}

QueryResult FateFlowClient::query(const Json& filters) const {
  Envelope envelope = post("/v1/job/query", filters);
  Json rows = envelope.data;
  return rowsFrom(std::move(envelope), rows);
}

QueryResult FateFlowClient::queryJob(const std::string& jobId) const {
  return query(Json{{"job_id", jobId}});
}

Envelope FateFlowClient::updateNotes(const std::string& jobId, const Party& party,
                                     const std::string& notes) const {
  return post(
      "/v1/job/update",
      Json{{"job_id", jobId}, {"role", party.role}, {"party_id", party.partyId}, {"notes", notes}});
}

QueryResult FateFlowClient::listByDescription(const std::string& description, int limit) const {
  Envelope envelope = post("/v1/job/list/job", Json{{"description", description},
                                                    {"limit", limit},
                                                    {"page", 1},
                                                    {"order_by", "create_time"},
                                                    {"order", "desc"}});
  Json rows = envelope.data.is_object() ? envelope.data.value("jobs", Json::array()) : Json();
  return rowsFrom(std::move(envelope), rows);
}

Envelope FateFlowClient::stop(const std::string& jobId, const std::string& stopStatus) const {
  return post("/v1/job/stop", Json{{"job_id", jobId}, {"stop_status", stopStatus}});
}

FanOutResult FateFlowClient::deploy(const std::string& modelId,
                                    const std::string& modelVersion) const {
  FanOutResult result;
  result.envelope =
      post("/v1/model/deploy", Json{{"model_id", modelId}, {"model_version", modelVersion}});
  result.parties = parseFanOut(result.envelope.data);
  if (result.envelope.data.is_object() && result.envelope.data.contains("model_version")) {
    result.modelVersion = stringOr(result.envelope.data, "model_version");
  }
  return result;
}

FanOutResult FateFlowClient::load(const Party& initiator, const RoleMap& roles,
                                  const ModelInfo& model) const {
  FanOutResult result;
  result.envelope =
      post("/v1/model/load", Json{{"initiator", partyJson(initiator)},
                                  {"role", roleMapJson(roles)},
                                  {"job_parameters", Json{{"model_id", model.modelId},
                                                          {"model_version", model.modelVersion}}}});
  result.parties = parseFanOut(result.envelope.data);
  return result;
}

Envelope FateFlowClient::bind(const std::string& serviceId, const Party& initiator,
                              const RoleMap& roles, const ModelInfo& model) const {
  return post("/v1/model/bind",
              Json{{"service_id", serviceId},
                   {"initiator", partyJson(initiator)},
                   {"role", roleMapJson(roles)},
                   {"job_parameters",
                    Json{{"model_id", model.modelId}, {"model_version", model.modelVersion}}}});
}

Envelope FateFlowClient::importModel(const ImportRequest& request) const {
  // A boundary that cannot occur in the archive: derived from its content and size.
  std::string boundary = "flop-" + std::to_string(std::hash<std::string>{}(request.archive)) + "-" +
                         std::to_string(request.archive.size());
  while (request.archive.find(boundary) != std::string::npos) boundary += "x";
  api::FateFormFields form = {{"role", request.role},
                              {"party_id", std::to_string(request.partyId)},
                              {"model_id", request.modelId},
                              {"model_version", request.modelVersion},
                              {"force_update", request.forceUpdate ? "1" : "0"}};
  if (request.sha256) form.emplace_back("hash", *request.sha256);
  std::string body;
  for (const auto& [name, value] : form) {
    body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" +
            value + "\r\n";
  }
  body += "--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" +
          request.fileName + "\"\r\nContent-Type: application/zip\r\n\r\n";
  body += request.archive;
  body += "\r\n--" + boundary + "--\r\n";

  http::Request http;
  http.method = "POST";
  http.url = baseUrl_ + "/v1/model/import";
  http.headers["content-type"] = "multipart/form-data; boundary=" + boundary;
  http.body = std::move(body);
  return exchange(std::move(http), form);
}

}  // namespace flop::fateflow
